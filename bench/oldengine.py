"""The engine before issue 14 (commit OLD_COMMIT), unpacked from git under build/bench/ for the full-build ratio.

Only its dodo.py, tasks/ and tinytorch/__init__.py are taken (`git archive`, never a worktree under /work/wt);
it runs with today's venv, whose pinned packages include every one the old requirements.txt pins.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from pathlib import Path

OLD_COMMIT = "7ed5329"
FILES = ["dodo.py", "tasks", "tinytorch/__init__.py", "requirements.txt"]


def missing_pins(old: str, new: str) -> list[str]:
    """Pinned lines (`name==version`) of the old requirements that today's requirements do not pin alike."""

    def pins(text: str) -> set[str]:
        return {
            line.strip().lower() for line in text.splitlines() if "==" in line and not line.lstrip().startswith("#")
        }

    return sorted(pins(old) - pins(new))


def unpack(repo: Path, target: Path, commit: str = OLD_COMMIT) -> tuple[Path | None, str]:
    """(the old engine's tree, a note) or (None, why it is unavailable). Never raises: the row is skipped."""
    if (target / "dodo.py").exists():
        return target, f"reused {target}"
    check = subprocess.run(["git", "-C", str(repo), "cat-file", "-e", f"{commit}^{{commit}}"], capture_output=True)
    if check.returncode != 0:
        return None, f"commit {commit} is not in this clone's git history (a shallow clone?)"
    proc = subprocess.run(["git", "-C", str(repo), "archive", "--format=tar", commit, *FILES], capture_output=True)
    if proc.returncode != 0:
        return None, f"git archive {commit} failed: {proc.stderr.decode(errors='replace').strip()[-300:]}"
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as archive:
        archive.extractall(partial, filter="data")
    partial.rename(target)
    return target, f"unpacked {commit} to {target}"


def requirements_note(tree: Path, repo: Path) -> str:
    missing = missing_pins((tree / "requirements.txt").read_text(), (repo / "requirements.txt").read_text())
    if missing:
        return "run with today's venv, which lacks these pins of the old requirements.txt: " + ", ".join(missing)
    return "run with today's venv (every pin of the old requirements.txt is in today's)"
