"""The benchmark's own venv (build/bench/venv): nbgrader and matplotlib, never the project's dependencies.

Created once and reused while bench/requirements.txt is unchanged (a stamp holds the file's hash). One process
makes it at a time (a lock beside it): the test suite asks for it from several workers at once, and a worker
that found another's half-made venv (its python there, its pip not yet) used to skip nbgrader's tests.
"""

from __future__ import annotations

import fcntl
import hashlib
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REQUIREMENTS = HERE / "requirements.txt"


def python_of(venv: Path) -> Path:
    return venv / "bin" / "python"


def ensure(venv: Path, log=print) -> tuple[Path | None, str]:
    """(python of the bench venv or None, message). Never raises: no network means no nbgrader, not a crash."""
    try:
        venv.parent.mkdir(parents=True, exist_ok=True)
        lock = open(venv.parent / f".{venv.name}.lock", "w")
    except OSError as error:
        return None, f"could not create the bench venv: {error}"
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process making it: wait, then reuse what it made
        return _ensure(venv, log)


def _ensure(venv: Path, log) -> tuple[Path | None, str]:
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    stamp = venv / ".bench-requirements.sha256"
    python = python_of(venv)
    if python.exists() and stamp.exists() and stamp.read_text().strip() == digest:
        return python, f"reused {venv}"
    log(f"bench: creating the bench venv {venv} (nbgrader, matplotlib; once, reused later)")
    try:
        if not python.exists() or not has_module(python, "pip"):  # none yet, or one left half-made
            subprocess.run(
                [sys.executable, "-m", "venv", "--clear", str(venv)], check=True, capture_output=True, text=True
            )
        proc = subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", str(REQUIREMENTS)],
            capture_output=True,
            text=True,
            timeout=1800,
        )
    except (subprocess.SubprocessError, OSError) as error:
        return None, f"could not create the bench venv: {error}"
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
        return None, f"pip could not install bench/requirements.txt (no network?):\n{tail}"
    stamp.write_text(digest + "\n")
    return python, f"created {venv}"


def has_module(python: Path | None, module: str) -> bool:
    if python is None:
        return False
    return subprocess.run([str(python), "-c", f"import {module}"], capture_output=True).returncode == 0


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent / "build" / "bench" / "venv"
    print(ensure(target)[1])
