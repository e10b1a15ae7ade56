"""The student repository, through GitPython: checks before a release, and the atomic switch.

A release writes its blobs, tree and commit as git objects first: nothing a user sees changes. Only then,
with SIGINT/SIGTERM held back, it writes a journal (.git/coursebuild-release.json), moves the branch,
updates the index and working tree, tags, and removes the journal. Any failure before the end puts HEAD,
index, working tree and tags back exactly as they were; a SIGKILL leaves the journal, and the next release
rolls the switch back from it (`repair`) before doing anything else. The machine's git configuration is
never read (CI has none; a user's may sign commits or hook them).
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import tempfile
from contextlib import contextmanager
from pathlib import Path

from ..base.errors import CourseError, Finding
from ..base.gitenv import git_env
from ..base.fsutil import os_error_hint, write_atomic
from .faults import checkpoint
from .plan import blob_sha
from .preflight import check_no_locks, check_no_operation

ZERO = "0" * 40
JOURNAL = "coursebuild-release.json"


class StudentRepo:
    def __init__(self, path: Path, branch: str, author, shown: str):
        import git

        self.path, self.branch, self.shown = Path(path), branch, shown
        self.env = git_env(author=author)  # every git command of a release
        self.repo = git.Repo(self.path)

    @classmethod
    def open(cls, path: Path, branch: str, author, shown: str) -> "StudentRepo | None":
        """The repo at `path`, or None when there is none yet (a missing or empty folder): changes nothing."""
        path = Path(path)
        if path.exists() and not path.is_dir():
            raise CourseError.at(
                shown,
                None,
                "is a file, not a folder; move it away (the student repository will be created there) or set student_repo.path in course.yaml",
            )
        if not (path / ".git").exists():
            if path.exists() and any(path.iterdir()):
                raise CourseError.at(
                    shown,
                    None,
                    "exists but is not a git repository; move it away (it will be created) or set student_repo.path in course.yaml",
                )
            return None
        return cls(path, branch, author, shown)

    @classmethod
    def init(cls, path: Path, branch: str, author, shown: str) -> "StudentRepo":
        """Create the repo (`git init -b branch`) in a missing or empty folder."""
        import git

        path = Path(path)
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CourseError.at(
                shown,
                None,
                f"the student repository could not be created here: {os_error_hint(error)}; fix the folder (or student_repo.path in course.yaml) and release again",
            ) from error
        try:
            git.Git(str(path)).execute(["git", "init", "-q", "-b", branch, str(path)], env=git_env())
        except git.GitCommandError as error:
            raise GitFailed(("init", "-b", branch, shown), error) from error
        return cls(path, branch, author, shown)

    def git(self, *args, env: dict | None = None, stdin: bytes | None = None) -> str:
        import git

        checkpoint(f"git {args[0]}")
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
        """Refuse a repo mid-operation or locked, on another branch, with uncommitted changes, or not
        descending from the last release."""
        git_dir = Path(self.repo.git_dir)
        check_no_operation(git_dir, self.shown)
        check_no_locks(git_dir, self.shown, self.branch)
        try:
            current = self.git("symbolic-ref", "-q", "HEAD").strip()
        except GitFailed:
            current = ""  # a detached HEAD
        if current != f"refs/heads/{self.branch}":
            raise CourseError.at(
                self.shown,
                None,
                f"is on '{current.removeprefix('refs/heads/') or 'a detached HEAD'}', not on the release branch '{self.branch}' (student_repo.branch in course.yaml); run `git -C {self.shown} checkout {self.branch}`",
            )
        dirty = [
            _describe_status(line)
            for line in self.git("status", "--porcelain", "--untracked-files=all").split("\n")
            if line.strip()
        ]
        if dirty:
            shown = "; ".join(dirty[:10]) + (f"; and {len(dirty) - 10} more" if len(dirty) > 10 else "")
            raise CourseError.at(
                self.shown,
                None,
                f"has uncommitted changes ({shown}); commit or remove them first, nothing was released",
            )
        last = self.last_release(tag_pattern)
        head = self.head()
        if last and head and not self.is_ancestor(last[1], head):
            missing = self.git("log", "--oneline", "--no-decorate", f"{head}..{last[1]}").strip().replace("\n", "; ")
            raise CourseError.at(
                self.shown,
                None,
                f"branch '{self.branch}' does not descend from the last release tag '{last[0]}': it lacks {missing}. Restore the branch (`git -C {self.shown} reset --keep {last[0]}`) before releasing",
            )

    def last_release(self, tag_pattern: str) -> tuple[str, str] | None:
        """(tag, commit) of the highest-week tag matching the pattern, or None."""
        regex = tag_regex(tag_pattern)
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

        checkpoint("objects")
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
    @property
    def journal(self) -> Path:
        return Path(self.repo.git_dir) / JOURNAL

    def advance(self, old: str | None, new: str, tags: dict[str, str], force_tag: bool) -> None:
        """Move branch, index + working tree, and `tags` (name -> message) to `new`: all of it, or none.

        A journal written first lets the next release undo a switch that a SIGKILL cut short (`repair`).
        """
        record = {"branch": self.branch, "old": old, "new": new, "tags": {t: self.tag_ref(t) for t in tags}}
        write_atomic(self.journal, json.dumps(record))
        with _signals_held():
            try:
                self.git("update-ref", f"refs/heads/{self.branch}", new, old or ZERO)
                self.git("read-tree", "-m", "-u", old, new) if old else self.git("read-tree", "--reset", "-u", new)
                for tag, message in tags.items():
                    self.git("tag", "-a", *(["-f"] if force_tag else []), tag, "-m", message, new)
                checkpoint("done")
            except BaseException:
                self.check_only_switched(record)
                self.roll_back(record)
                raise
            self.journal.unlink()

    def check_not_interrupted(self, then: str) -> None:
        """Refuse (changing nothing) what must not run over an interrupted switch: only a release repairs it."""
        if self.journal.exists():
            raise CourseError.at(
                self.journal_shown,
                None,
                f"the last deploy or release into this repository was interrupted; run it again first (it repairs the repository and finishes), then {then}. Nothing was changed",
            )

    def repair(self) -> str | None:
        """Undo a release that was killed during its switch (its journal is still there); say what was done.

        Refused, changing nothing, when the journal is damaged or the repository holds changes the switch did
        not write (a hand edit): each is a message saying what to check and do."""
        if not self.journal.exists():
            return None
        record = self.read_journal()
        self.check_only_switched(record)
        lock = Path(self.repo.git_dir) / "index.lock"
        lock.unlink(missing_ok=True)  # left by a git the kill interrupted (we hold the release lock)
        self.roll_back(record)
        return f"an earlier release was interrupted before it finished; it was rolled back (branch '{self.branch}' at {(record['old'] or 'nothing')[:10]})"

    @property
    def journal_shown(self) -> str:
        inside = Path(self.repo.git_dir) == self.path / ".git"
        return f"{self.shown}/.git/{JOURNAL}" if inside else str(self.journal)

    def read_journal(self) -> dict:
        """The journal of the interrupted switch, checked: a damaged one is a message saying how to recover."""
        try:
            record = json.loads(self.journal.read_text(encoding="utf-8"))
            problem = _journal_problem(record, self.branch) or self.missing_commit(record)
        except (OSError, UnicodeError, ValueError) as error:
            problem = f"it cannot be read: {getattr(error, 'strerror', None) or error}"
        if problem is None:
            return record
        raise CourseError.at(
            self.journal_shown,
            None,
            f"this journal of an interrupted release is damaged ({problem}), so the release cannot roll the interrupted switch back by itself. Nothing was changed. Check the repository: `git -C {self.shown} status` and `git -C {self.shown} log --oneline --decorate -3` (the branch is at the last release, or at the interrupted release's own commit). Save any changes of yours that `status` lists, make the files match the branch with `git -C {self.shown} reset --hard` (it drops every uncommitted change: only once yours are saved), clear the journal with `rm {self.journal_shown}` and release again: it completes or redoes the interrupted release",
        )

    def missing_commit(self, record: dict) -> str | None:
        for commit in (record["old"], record["new"]):
            if commit is not None and not self.commit_exists(commit):
                return f"it names commit {commit[:10]}, which is not in the repository"
        return None

    def commit_exists(self, commit: str) -> bool:
        try:
            self.git("cat-file", "-e", f"{commit}^{{commit}}")
            return True
        except GitFailed:
            return False

    def check_only_switched(self, record: dict) -> None:
        """Refuse to roll back over changes the interrupted switch did not write: the roll-back would lose them."""
        changed = self.changes_beyond(record["old"], record["new"])
        if not changed:
            return
        listed = "; ".join(changed[:10]) + (f"; and {len(changed) - 10} more" if len(changed) > 10 else "")
        raise CourseError.at(
            self.shown,
            None,
            f"an earlier release was interrupted before it finished, and rolling it back would overwrite changes it did not write: {listed}. Nothing was changed. Move each of these files out of the repository (a staged one also needs `git -C {self.shown} reset -q -- FILE`) and release again: the repair puts the released files back and redoes the release; then bring your changes back and commit them",
        )

    def changes_beyond(self, old: str | None, new: str) -> list[str]:
        """'path (what)' for each index entry or working-tree file that is neither what `old` nor what `new`
        has at that path, nor absent: what the switch between them cannot have written."""
        before, after = self.tree_files(old), self.tree_files(new)
        index = {}
        for entry in filter(None, self.git("ls-files", "-s", "-z").split("\0")):
            meta, path = entry.split("\t", 1)
            index[path] = meta.split()[1]
        untracked = set(filter(None, self.git("ls-files", "-o", "--exclude-standard", "-z").split("\0")))
        changed = []
        for path in sorted(set(before) | set(after) | set(index) | untracked):
            allowed = {before.get(path), after.get(path)} - {None}
            here = _worktree_blob(self.path / path)
            if index.get(path) not in allowed | {None}:
                changed.append(f"{path} (staged)")
            elif here is not None and here not in allowed:
                changed.append(f"{path} ({'changed' if allowed else 'new file'})")
        return changed

    def roll_back(self, record: dict) -> None:
        """Put tags, branch, index and working tree back to `record['old']`, from whatever step was reached."""
        old, new = record["old"], record["new"]
        for tag, before in record["tags"].items():
            if self.tag_ref(tag) != before:
                self.git("update-ref", f"refs/tags/{tag}", before) if before else self.git(
                    "update-ref", "-d", f"refs/tags/{tag}"
                )
        head = self.head()
        if head not in (old, new):
            raise CourseError.at(
                self.shown,
                None,
                f"an interrupted release left branch '{self.branch}' at {head}, which is neither the commit before it ({old}) nor the one it made ({new}); restore the branch by hand (`git -C {self.shown} reset --keep {old or 'HEAD'}`) and delete {self.journal}",
            )
        if head == new:
            self.git("update-ref", f"refs/heads/{self.branch}", old, new) if old else self.git(
                "update-ref", "-d", f"refs/heads/{self.branch}"
            )
        self.git("read-tree", "--reset", "-u", old) if old else self.git("read-tree", "--empty")
        self.remove_added_files(old, new)
        self.journal.unlink(missing_ok=True)

    def remove_added_files(self, old: str | None, new: str) -> None:
        """Delete the files only `new` has, where they still hold exactly what `new` put there."""
        before, after = self.tree_files(old), self.tree_files(new)
        for path in sorted(set(after) - set(before), reverse=True):
            target = self.path / path
            if target.is_file() and blob_sha(target.read_bytes()) == after[path]:
                target.unlink()
            _prune_empty_dirs(target.parent, self.path)

    def remote_tag(self, remote: str, tag: str) -> str | None:
        """The object `tag` names on the remote, or None (also when the remote cannot be reached)."""
        try:
            listing = self.git("ls-remote", "--tags", remote, f"refs/tags/{tag}").strip()
        except GitFailed:
            return None
        return listing.split()[0] if listing else None

    def tag_only(self, commit: str, tags: dict[str, str], force: bool) -> None:
        with _signals_held():
            for tag, message in tags.items():
                self.git("tag", "-a", *(["-f"] if force else []), tag, "-m", message, commit)

    def release_tags(self, tag_pattern: str) -> list[str]:
        """Every tag of a weekly release or its errata (what students must have)."""
        regex = tag_regex(tag_pattern, errata=True)
        return sorted(t for t in self.git("tag", "--list").split() if regex.match(t))

    def push(self, remote: str, tags: list[str]) -> None:
        refs = [f"refs/heads/{self.branch}:refs/heads/{self.branch}"] + [f"refs/tags/{t}:refs/tags/{t}" for t in tags]
        try:
            self.git("push", "--atomic", "--quiet", remote, *refs)
        except GitFailed as error:
            command = f"git -C {self.shown} push --atomic {remote} {' '.join(refs)}"
            raise CourseError.at(
                self.shown,
                None,
                f"the release is complete locally, but pushing to {remote} failed ({error.reason}). Nothing was force-pushed. When the remote is reachable, retry with:\n    {command}\n  or run the same release again.",
            )
        _set_remote_head(remote, self.branch)


def _set_remote_head(remote: str, branch: str) -> None:
    """A fresh bare remote on this machine whose HEAD names a branch it lacks gets HEAD -> `branch`, so
    that students' clones check it out (a URL's HEAD is the server's business: create it with `-b`)."""
    import git

    folder = Path(remote)
    if not (folder.is_dir() and (folder / "HEAD").is_file()):
        return
    runner = git.Git(str(folder))
    env = git_env()
    try:
        current = runner.execute(["git", "--git-dir", str(folder), "symbolic-ref", "-q", "HEAD"], env=env).strip()
        runner.execute(["git", "--git-dir", str(folder), "rev-parse", "--verify", "-q", current], env=env)
    except git.GitCommandError:
        runner.execute(["git", "--git-dir", str(folder), "symbolic-ref", "HEAD", f"refs/heads/{branch}"], env=env)


def tag_regex(tag_pattern: str, errata: bool = False) -> re.Pattern:
    """The tags of a pattern: `week{week}` matches week3 (group 1: the week); with errata also week3-errata2."""
    body = re.escape(tag_pattern).replace(re.escape("{week}"), r"(\d+)")
    return re.compile("^" + body + (r"(?:-errata(\d+))?" if errata else "") + "$")


STATUS_WORDS = {"??": "untracked", "M": "modified", "A": "added", "D": "deleted", "R": "renamed", "U": "in conflict"}


def _describe_status(line: str) -> str:
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


def _journal_problem(record, branch: str) -> str | None:
    """What is wrong with the shape of a journal read from disk, or None."""
    sha = re.compile("^[0-9a-f]{40}$")
    if not isinstance(record, dict) or set(record) != {"branch", "old", "new", "tags"}:
        return "it is not a release journal (expected branch, old, new and tags)"
    if record["branch"] != branch:
        return f"it is for branch {record['branch']!r}, and releases go to '{branch}'"
    if not (isinstance(record["new"], str) and sha.match(record["new"])):
        return "its new commit is not a commit id"
    if not (record["old"] is None or (isinstance(record["old"], str) and sha.match(record["old"]))):
        return "its old commit is not a commit id"
    tags = record["tags"]
    if not isinstance(tags, dict) or not all(
        isinstance(t, str) and (v is None or (isinstance(v, str) and sha.match(v))) for t, v in tags.items()
    ):
        return "its tags are not tag names with object ids"
    return None


def _worktree_blob(path: Path) -> str | None:
    """The blob id git would give the file at `path` (a link: its target), None when absent, '' for a folder."""
    try:
        if path.is_symlink():
            return blob_sha(os.fsencode(os.readlink(path)))
        if path.is_dir():
            return ""
        return blob_sha(path.read_bytes())
    except (FileNotFoundError, NotADirectoryError):
        return None


def _prune_empty_dirs(folder: Path, stop: Path) -> None:
    while folder != stop and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


@contextmanager
def _signals_held():
    """Hold SIGINT and SIGTERM (for us and the git processes we start) until the block ends (where the
    platform can: elsewhere the journal still lets the next release repair an interrupted switch)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
