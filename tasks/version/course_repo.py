"""The course's own git repository, as versions see it: its version tags, the files of a tagged version, what
changed since, and the release commit and tag a cut makes. The git adapter of this layer: every git failure
becomes a CourseError naming the command. It is the instructor's repository, so their git configuration
applies (signing, hooks); only a missing identity is filled in from course.yaml's author."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from ..base.errors import CourseError
from ..base.gitenv import git_env
from .semver import Version, parse_tag


class CourseRepo:
    def __init__(self, root: Path, author):
        self.root, self.author = Path(root), author

    @classmethod
    def open(cls, root: Path, author) -> "CourseRepo | None":
        """The repository holding the course at `root`, or None when it is not in one."""
        env = {**os.environ, **git_env(own_config=True)}
        done = subprocess.run(["git", "-C", str(root), "rev-parse", "--git-dir"], capture_output=True, env=env)
        return cls(root, author) if done.returncode == 0 else None

    def git(self, *args: str, env: dict | None = None, binary: bool = False, check: bool = True):
        """Run git in the course: its output as text (bytes with `binary`); with check=False the completed
        process, whatever its status."""
        full = {**os.environ, **git_env(own_config=True), **(env or {})}
        done = subprocess.run(["git", *args], cwd=self.root, capture_output=True, env=full)
        if check and done.returncode != 0:
            reason = done.stderr.decode("utf-8", "replace").strip().replace("\n", " ")[:400]
            raise CourseError.at(f"git {' '.join(args[:3])}", None, f"{reason} (in {self.root})")
        return done if not check else done.stdout if binary else done.stdout.decode("utf-8", "replace")

    def head(self) -> str | None:
        done = self.git("rev-parse", "--verify", "-q", "HEAD", check=False)
        return done.stdout.decode().strip() or None

    def versions(self) -> dict[Version, str]:
        """Every version tag of the repository: version -> tag name."""
        return {v: tag for tag in self.git("tag", "--list", "v*").split() if (v := parse_tag(tag))}

    def tags_at(self, commit: str) -> list[str]:
        return self.git("tag", "--points-at", commit).split()

    def uncommitted(self) -> list[str]:
        """`git status --porcelain` lines of the course folder (ignored files aside)."""
        return [line for line in self.git("status", "--porcelain", "--", ".").split("\n") if line.strip()]

    def show(self, rev: str, path: str) -> bytes | None:
        """A file of the course at `rev` (path relative to the course root), or None when it has none."""
        done = self.git("show", f"{rev}:./{path}", check=False)
        return done.stdout if done.returncode == 0 else None

    def export(self, rev: str, target: Path) -> Path:
        """Write the files of `rev` under `target` (`git archive`); returns the course root among them."""
        import io
        import tarfile

        data = self.git("archive", "--format=tar", rev, binary=True)
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            archive.extractall(target, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
        prefix = self.git("rev-parse", "--show-prefix").strip()
        return target / prefix if prefix else target

    def changed_files(self, rev: str) -> list[str]:
        """Course files that differ between `rev` and HEAD (relative to the course root)."""
        return sorted(
            filter(None, self.git("diff", "--name-only", "--no-renames", "--relative", rev, "HEAD").split("\n"))
        )

    def identity(self) -> dict:
        """Nothing when git knows who commits, else course.yaml's student_repo.author."""
        if self.git("var", "GIT_COMMITTER_IDENT", check=False).returncode == 0:
            return {}
        return git_env(author=self.author, own_config=True)

    def commit_file(self, path: str, message: str) -> str:
        """Commit the file `path` alone; returns the new HEAD."""
        env = self.identity()
        self.git("add", "--", path)
        self.git("commit", "-q", "-m", message, "--", path, env=env)
        return self.head()

    def undo_commit(self, commit: str) -> None:
        """Move the branch back to `commit`, keeping the files (a cut that failed after its commit)."""
        self.git("reset", "-q", "--soft", commit)

    def tag(self, name: str, message: str, commit: str) -> None:
        self.git("tag", "-a", "--cleanup=verbatim", name, "-m", message, commit, env=self.identity())
