"""The student repository, through GitPython: checks before a release, and the atomic switch.

A release writes its blobs, tree and commit as git objects first: nothing a user sees changes. Only then,
with SIGINT/SIGTERM held back, it moves the branch, updates the index and working tree, and tags. Any
failure before the end puts HEAD, index, working tree and tags back exactly as they were. The machine's
git configuration is never read (CI has none; a user's may sign commits or hook them).
"""
from __future__ import annotations

import io
import os
import re
import signal
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..base.errors import CourseError, Finding

ZERO = "0" * 40
STEPS = ("objects", "branch", "worktree", "tag", "push")


def git_env(author) -> dict:
    """The environment of every git command of a release: no machine config, the course.yaml author."""
    return {
        **git_env_plain(),
        "GIT_AUTHOR_NAME": author.name,
        "GIT_AUTHOR_EMAIL": author.email,
        "GIT_COMMITTER_NAME": author.name,
        "GIT_COMMITTER_EMAIL": author.email,
    }


@dataclass
class Outcome:
    commit: str | None  # the new commit, or None when nothing changed
    tag: str | None
    head: str
    pushed: bool = False


class StudentRepo:
    def __init__(self, path: Path, branch: str, author, shown: str):
        import git

        self.path, self.branch, self.shown = Path(path), branch, shown
        self.env = git_env(author)
        self.repo = git.Repo(self.path)

    @classmethod
    def open_or_init(cls, path: Path, branch: str, author, shown: str) -> "StudentRepo":
        """Open the repo; create it (`git init -b branch`) when the path is missing or an empty folder."""
        import git

        path = Path(path)
        if path.exists() and not (path / ".git").exists():
            if any(path.iterdir()):
                raise CourseError.at(shown, None, f"exists but is not a git repository; move it away (it will be created) or set student_repo.path in course.yaml")
        if not path.exists() or not (path / ".git").exists():
            path.mkdir(parents=True, exist_ok=True)
            git.Git(str(path)).execute(["git", "init", "-q", "-b", branch, str(path)], env=git_env_plain())
        return cls(path, branch, author, shown)

    def git(self, *args, env: dict | None = None, stdin: bytes | None = None) -> str:
        import git

        kwargs = {"env": {**self.env, **(env or {})}, "with_extended_output": False, "strip_newline_in_stdout": False}
        try:
            if stdin is None:
                return self.repo.git.execute(["git", *args], **kwargs)
            with tempfile.TemporaryFile() as handle:
                handle.write(stdin)
                handle.seek(0)
                return self.repo.git.execute(["git", *args], istream=handle, **kwargs)
        except git.GitCommandError as error:
            raise GitFailed(args, error) from error

    # --- reading -----------------------------------------------------------------------------------
    def head(self) -> str | None:
        try:
            return self.git("rev-parse", "--verify", "-q", f"refs/heads/{self.branch}").strip() or None
        except GitFailed:
            return None

    def tree_files(self, commit: str | None) -> dict[str, str]:
        """path -> blob sha of every file in `commit` (empty for None)."""
        if commit is None:
            return {}
        listing = self.git("ls-tree", "-r", "-z", commit)
        files = {}
        for entry in filter(None, listing.split("\0")):
            meta, path = entry.split("\t", 1)
            files[path] = meta.split()[2]
        return files

    def tag_target(self, tag: str) -> str | None:
        try:
            return self.git("rev-parse", "--verify", "-q", f"refs/tags/{tag}^{{commit}}").strip() or None
        except GitFailed:
            return None

    def tag_ref(self, tag: str) -> str | None:
        try:
            return self.git("rev-parse", "--verify", "-q", f"refs/tags/{tag}").strip() or None
        except GitFailed:
            return None

    # --- checks ------------------------------------------------------------------------------------
    def check_ready(self, tag_pattern: str) -> None:
        """Refuse a repo on another branch, with uncommitted changes, or not descending from the last release."""
        current = self.git("symbolic-ref", "-q", "HEAD").strip()
        if current != f"refs/heads/{self.branch}":
            raise CourseError.at(self.shown, None, f"is on '{current.removeprefix('refs/heads/') or 'a detached HEAD'}', not on the release branch '{self.branch}' (student_repo.branch in course.yaml); run `git -C {self.shown} checkout {self.branch}`")
        dirty = [describe_status(line) for line in self.git("status", "--porcelain", "--untracked-files=all").split("\n") if line.strip()]
        if dirty:
            shown = "; ".join(dirty[:10]) + (f"; and {len(dirty) - 10} more" if len(dirty) > 10 else "")
            raise CourseError.at(self.shown, None, f"has uncommitted changes ({shown}); commit or remove them first, nothing was released")
        last = self.last_release(tag_pattern)
        head = self.head()
        if last and head and not self.is_ancestor(last[1], head):
            missing = self.git("log", "--oneline", "--no-decorate", f"{head}..{last[1]}").strip().replace("\n", "; ")
            raise CourseError.at(self.shown, None, f"branch '{self.branch}' does not descend from the last release tag '{last[0]}': it lacks {missing}. Restore the branch (`git -C {self.shown} reset --keep {last[0]}`) before releasing")

    def last_release(self, tag_pattern: str) -> tuple[str, str] | None:
        """(tag, commit) of the highest-week tag matching the pattern, or None."""
        regex = re.compile("^" + re.escape(tag_pattern).replace(re.escape("{week}"), r"(\d+)") + "$")
        best = None
        for tag in self.git("tag", "--list").split():
            match = regex.match(tag)
            if match and (best is None or int(match[1]) > best[0]):
                best = (int(match[1]), tag)
        return (best[1], self.tag_target(best[1])) if best else None

    def is_ancestor(self, older: str, newer: str) -> bool:
        try:
            self.git("merge-base", "--is-ancestor", older, newer)
            return True
        except GitFailed:
            return False

    # --- writing objects (invisible to users) --------------------------------------------------------
    def write_commit(self, parent: str | None, writes: dict[str, bytes], message: str) -> str:
        from gitdb import IStream

        index = Path(self.repo.git_dir) / f"coursebuild-index-{os.getpid()}"
        env = {"GIT_INDEX_FILE": str(index)}
        try:
            self.git("read-tree", *([parent] if parent else ["--empty"]), env=env)
            lines = []
            for path, data in sorted(writes.items()):
                sha = self.repo.odb.store(IStream("blob", len(data), io.BytesIO(data))).hexsha.decode()
                lines.append(f"100644 {sha}\t{path}")
            self.git("update-index", "--index-info", env=env, stdin=("\n".join(lines) + "\n").encode())
            tree = self.git("write-tree", env=env).strip()
        finally:
            index.unlink(missing_ok=True)
        return self.git("commit-tree", tree, *(["-p", parent] if parent else []), "-m", message).strip()

    # --- the switch ----------------------------------------------------------------------------------
    def publish(self, old: str | None, new: str, tag: str | None, tag_message: str, force_tag: bool,
                fault: Callable[[str], None]) -> None:
        """Move branch, index + working tree, and tag to `new`; all of it, or (on any failure) none of it."""
        old_tag = self.tag_ref(tag) if tag else None
        done: list[str] = []
        with signals_held():
            try:
                fault("branch")
                self.git("update-ref", f"refs/heads/{self.branch}", new, old or ZERO)
                done.append("branch")
                fault("worktree")
                done.append("worktree")
                if old:
                    self.git("read-tree", "-m", "-u", old, new)
                else:
                    self.git("read-tree", "--reset", "-u", new)
                if tag:
                    fault("tag")
                    self.git("tag", "-a", *(["-f"] if force_tag else []), tag, "-m", tag_message, new)
                    done.append("tag")
                fault("done")
            except BaseException:
                self.roll_back(old, new, tag, old_tag, done)
                raise

    def roll_back(self, old: str | None, new: str, tag: str | None, old_tag: str | None, done: list[str]) -> None:
        if "tag" in done and tag:
            if old_tag:
                self.git("update-ref", f"refs/tags/{tag}", old_tag)
            else:
                self.git("tag", "-d", tag)
        if "worktree" in done:
            added = set(self.tree_files(new)) - set(self.tree_files(old))
            if old:
                self.git("read-tree", "--reset", "-u", old)
            else:
                self.git("read-tree", "--empty")
            for path in sorted(added, reverse=True):
                target = self.path / path
                if target.exists():
                    target.unlink()
                prune_empty_dirs(target.parent, self.path)
        if "branch" in done:
            if old:
                self.git("update-ref", f"refs/heads/{self.branch}", old)
            else:
                self.git("update-ref", "-d", f"refs/heads/{self.branch}")

    def tag_only(self, commit: str, tag: str, message: str, force: bool) -> None:
        with signals_held():
            self.git("tag", "-a", *(["-f"] if force else []), tag, "-m", message, commit)

    def push(self, remote: str, tag: str | None) -> None:
        refs = [f"refs/heads/{self.branch}:refs/heads/{self.branch}"] + ([f"refs/tags/{tag}:refs/tags/{tag}"] if tag else [])
        try:
            self.git("push", "--atomic", "--quiet", remote, *refs)
        except GitFailed as error:
            command = f"git -C {self.shown} push --atomic {remote} {' '.join(refs)}"
            raise CourseError.at(self.shown, None, f"the release is complete locally, but pushing to {remote} failed ({error.reason}). Nothing was force-pushed. When the remote is reachable, retry with:\n    {command}\n  or run the same release again.")


STATUS_WORDS = {"??": "untracked", "M": "modified", "A": "added", "D": "deleted", "R": "renamed", "U": "in conflict"}


def describe_status(line: str) -> str:
    """`git status --porcelain` line -> 'modified: README.md'."""
    code, path = line[:2], line[3:]
    word = STATUS_WORDS.get(code) or next((w for c, w in STATUS_WORDS.items() if c in code), "changed")
    return f"{word}: {path}"


class GitFailed(CourseError):
    """A git command that failed: the git adapter's boundary. Callers that expect it catch it; one that
    reaches the user is a CourseError naming the command and git's own reason."""

    def __init__(self, args, error):
        self.reason = (getattr(error, "stderr", "") or str(error)).strip().replace("\n", " ")[:400]
        super().__init__(Finding(f"git {' '.join(args)}", None, self.reason))


def git_env_plain() -> dict:
    """Git without the machine's configuration (CI has none; a user's may sign or hook commits), never prompting."""
    return {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}


def prune_empty_dirs(folder: Path, stop: Path) -> None:
    while folder != stop and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


@contextmanager
def signals_held():
    """Hold SIGINT and SIGTERM (for us and the git processes we start) until the block ends."""
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def no_fault(step: str) -> None:
    """The default fault hook: tests pass one that raises at a chosen step."""
    return None
