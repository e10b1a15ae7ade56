"""Checks on the student repository made BEFORE a release changes anything, each with its own message.

A git operation in progress or a lock file left by another git: a release on top of either would be
misread later. Hand edits: commits in the student repo since the last release that were not made by a
release, reported, and refused where the release would overwrite them.
"""

from __future__ import annotations

from pathlib import Path

from ..base.errors import CourseError
from .plan import TRAILER

OPERATIONS = {
    "MERGE_HEAD": ("a merge", "git -C {repo} merge --abort"),
    "rebase-merge": ("a rebase", "git -C {repo} rebase --abort"),
    "rebase-apply": ("a rebase or `git am`", "git -C {repo} rebase --abort"),
    "CHERRY_PICK_HEAD": ("a cherry-pick", "git -C {repo} cherry-pick --abort"),
    "REVERT_HEAD": ("a revert", "git -C {repo} revert --abort"),
    "BISECT_LOG": ("a bisect", "git -C {repo} bisect reset"),
}


def check_no_operation(git_dir: Path, shown: str) -> None:
    """Refuse a repo in the middle of a merge, rebase, cherry-pick, revert or bisect."""
    for marker, (what, command) in OPERATIONS.items():
        if (git_dir / marker).exists():
            raise CourseError.at(
                shown,
                None,
                f"is in the middle of {what}; finish it or run `{command.format(repo=shown)}`, then release again. Nothing was changed",
            )


def check_no_locks(git_dir: Path, shown: str, branch: str) -> None:
    """Refuse when another git holds (or a crashed one left) a lock the release needs."""
    candidates = [
        git_dir / "index.lock",
        git_dir / "HEAD.lock",
        git_dir / "packed-refs.lock",
        git_dir / "refs" / "heads" / f"{branch}.lock",
    ]
    candidates += sorted((git_dir / "refs" / "tags").rglob("*.lock"))
    for lock in candidates:
        if lock.exists():
            relative = f"{shown}/{lock.relative_to(git_dir.parent).as_posix()}" if git_dir.parent.name else str(lock)
            raise CourseError.at(
                shown,
                None,
                f"another git command is running in it, or one was killed and left {relative} behind. Wait for it to finish; if no git is running there, delete {relative} and release again. Nothing was changed",
            )


def last_release_commit(repo, tag_commit: str | None) -> str | None:
    """The newest commit made by a release (it carries the trailer), else the last release tag's commit."""
    head = repo.head()
    if head is None:
        return None
    found = repo.git("rev-list", "-1", f"--grep=^{TRAILER}$", head).strip()
    return found or tag_commit


def hand_edits(repo, since: str | None) -> dict[str, list[str]]:
    """path -> ['abc1234 subject', ...]: files changed by commits after `since` that no release made."""
    head = repo.head()
    if since is None or head is None or since == head:
        return {}
    listing = repo.git(
        "log", "--invert-grep", f"--grep=^{TRAILER}$", "--name-only", "--format=%x00%h %s", f"{since}..{head}"
    )
    edits: dict[str, list[str]] = {}
    for block in filter(None, listing.split("\0")):
        commit, *files = [line for line in block.split("\n") if line.strip()]
        for path in files:
            edits.setdefault(path, []).append(commit)
    return edits


def check_hand_edits(edits: dict[str, list[str]], writes: set[str], shown: str, force: bool) -> list[str]:
    """Refuse (unless forced) hand edits the release would overwrite; return notes about the ones kept."""
    clobbered = sorted(set(edits) & writes)
    if clobbered and not force:
        listed = "; ".join(f"{path} (by {', '.join(edits[path])})" for path in clobbered)
        raise CourseError.at(
            shown,
            None,
            f"hand edits in the student repository would be overwritten by this release: {listed}. Make the change in the course instead (course files come from tasks/release/, notebooks from the module sources) and release again, or re-run with force=1 to overwrite them. Nothing was changed",
        )
    kept = sorted(set(edits) - writes)
    return [f"kept hand edits since the last release: {', '.join(kept)}"] if kept else []
