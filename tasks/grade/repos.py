"""Students' git repositories through GitPython (imported lazily): fetch a bare copy without ever prompting
for credentials, find the last commit before a deadline, read one file of it. Failures become RepoProblem
with git's own reason; nothing here knows about modules or the roster."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path, PurePosixPath

from ..base.gitenv import git_env

HEAD_REF = "refs/collected/head"  # the remote's default branch as last fetched


class RepoProblem(Exception):
    pass


def run_git(directory: Path, *args: str, binary: bool = False, timeout: int = 120):
    import git

    try:
        return git.Git(str(directory)).execute(
            ["git", *args],
            env=git_env(remote=True),
            kill_after_timeout=timeout,
            stdout_as_string=not binary,
            strip_newline_in_stdout=not binary,
        )
    except git.GitCommandError as error:
        reason = (error.stderr or str(error)).strip().replace("\n", " ")
        raise RepoProblem(
            reason.removeprefix("stderr: ").strip("' ")[:300] or f"git exited with {error.status}"
        ) from None


def fetch(url: str, target: Path, timeout: int) -> None:
    """Bring `target` (a bare repository) up to date with `url`'s branches and default branch."""
    if not (target / "HEAD").exists():
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        run_git(target, "init", "-q", "--bare")
    try:
        run_git(
            target,
            "fetch",
            "-q",
            "--prune",
            "--force",
            "--no-tags",
            url,
            f"+HEAD:{HEAD_REF}",
            "+refs/heads/*:refs/heads/*",
            timeout=timeout,
        )
    except RepoProblem as problem:
        if "couldn't find remote ref HEAD" in str(problem) or "does not have any commits" in str(problem):
            raise RepoProblem("has no commits yet") from None
        raise RepoProblem(f"could not be fetched: {problem}") from None


def commit_before(repo: Path, deadline: datetime | None) -> tuple[str, str] | None:
    """(sha, commit time ISO) of the last commit on the default branch's own line (first parents) made before
    `deadline` (the last one if None)."""
    limit = [f"--before={deadline.strftime('%Y-%m-%d %H:%M:%S %z')}"] if deadline else []
    # the student's own line (a course release merged in by `tito update` is a second parent, not their work)
    sha = run_git(repo, "rev-list", "-1", "--first-parent", *limit, HEAD_REF).strip()
    if not sha:
        return None
    return sha, run_git(repo, "log", "-1", "--format=%cI", sha).strip()


def first_commit_time(repo: Path) -> str:
    times = run_git(repo, "log", "--format=%cI", "--reverse", HEAD_REF).split("\n")
    return times[0] if times else "?"


def files_named(repo: Path, commit: str, name: str) -> list[str]:
    """Paths in `commit` whose file name is `name`, shortest first."""
    listing = run_git(repo, "ls-tree", "-r", "--name-only", "-z", commit)
    return sorted(
        (p for p in listing.split("\0") if p and PurePosixPath(p).name == name), key=lambda p: (p.count("/"), p)
    )


def blob_size(repo: Path, commit: str, path: str) -> int:
    return int(run_git(repo, "cat-file", "-s", f"{commit}:{path}").strip())


def read_blob(repo: Path, commit: str, path: str) -> bytes:
    return run_git(repo, "cat-file", "blob", f"{commit}:{path}", binary=True)
