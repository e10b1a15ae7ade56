"""The student's weekly update (`python -m tito.update`, shipped as tito/update.py): real clones of a real
bare remote, a default git (no pull settings, no identity unless the test sets one)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

RESOURCES = Path(__file__).resolve().parent.parent / "tasks/release/resources"
STAFF = {
    "GIT_AUTHOR_NAME": "Staff",
    "GIT_AUTHOR_EMAIL": "staff@x.invalid",
    "GIT_COMMITTER_NAME": "Staff",
    "GIT_COMMITTER_EMAIL": "staff@x.invalid",
}


def student_env(home: Path, identity: bool) -> dict:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    if identity:
        env.update(
            {
                "GIT_AUTHOR_NAME": "Sam",
                "GIT_AUTHOR_EMAIL": "sam@x.invalid",
                "GIT_COMMITTER_NAME": "Sam",
                "GIT_COMMITTER_EMAIL": "sam@x.invalid",
            }
        )
    return env


def git(repo: Path, *args: str, env: dict | None = None) -> str:
    proc = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        env=env or {"PATH": os.environ["PATH"], "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", **STAFF},
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


class Course:
    """A bare remote and the staff's clone of it, publishing files as the release would."""

    def __init__(self, tmp: Path):
        self.remote, self.staff = tmp / "remote.git", tmp / "staff"
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(self.remote)], check=True)
        subprocess.run(["git", "init", "-q", "-b", "main", str(self.staff)], check=True)
        git(self.staff, "remote", "add", "origin", str(self.remote))
        shutil.copytree(RESOURCES / "tito", self.staff / "tito", ignore=shutil.ignore_patterns("__pycache__"))
        self.publish(
            {
                "README.md": "# Course\n",
                "SCHEDULE.md": "week 1: alpha\n",
                "modules/01_alpha/alpha.py": "def f(): raise NotImplementedError\n",
            },
            "Week 1",
        )

    def publish(self, files: dict, message: str) -> None:
        for path, text in files.items():
            (self.staff / path).parent.mkdir(parents=True, exist_ok=True)
            (self.staff / path).write_text(text) if text is not None else (self.staff / path).unlink()
        git(self.staff, "add", "-A")
        git(self.staff, "commit", "-q", "-m", message)
        git(self.staff, "push", "-q", "origin", "main")

    def clone(self, dest: Path) -> Path:
        subprocess.run(
            ["git", "clone", "-q", str(self.remote), str(dest)],
            check=True,
            env={"PATH": os.environ["PATH"], "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(dest.parent)},
        )
        return dest


def update(clone: Path, identity: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tito.update"],
        cwd=clone,
        capture_output=True,
        text=True,
        env=student_env(clone.parent, identity),
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


@pytest.fixture
def course(tmp_path) -> Course:
    return Course(tmp_path)


def test_uncommitted_work_is_saved_and_the_new_week_merged_without_any_git_settings(course, tmp_path):
    clone = course.clone(tmp_path / "sam")
    (clone / "modules/01_alpha/alpha.py").write_text("def f(): return 42\n")
    (clone / "notes.txt").write_text("my notes\n")
    course.publish(
        {"SCHEDULE.md": "week 1: alpha\nweek 2: beta\n", "modules/02_beta/beta.py": "def g(): ...\n"}, "Week 2"
    )
    done = update(clone)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "Saved your uncommitted work" in done.stdout and "git does not know your name" in done.stdout
    assert "modules/02_beta/beta.py" in done.stdout and "nothing was lost" in done.stdout
    got = next(line for line in done.stdout.splitlines() if line.startswith("Got the new material"))
    assert (
        got == "Got the new material from the course: 2 file(s) new or changed (SCHEDULE.md, modules/02_beta/beta.py)."
    )
    assert (clone / "modules/01_alpha/alpha.py").read_text() == "def f(): return 42\n"
    assert (clone / "notes.txt").read_text() == "my notes\n" and (clone / "modules/02_beta/beta.py").exists()
    assert git(clone, "status", "--porcelain") == ""
    again = update(clone)
    assert again.returncode == 0 and "Already up to date" in again.stdout


def test_a_file_both_changed_takes_the_courses_version_and_keeps_the_students_beside_it(course, tmp_path):
    clone = course.clone(tmp_path / "sam")
    (clone / "SCHEDULE.md").write_text("week 1: alpha  <- my deadline notes\n")
    git(clone, "commit", "-q", "-am", "my notes", env=student_env(tmp_path, True))
    course.publish({"SCHEDULE.md": "week 1: alpha (solutions out)\nweek 2: beta\n"}, "Week 2")
    done = update(clone, identity=True)
    assert done.returncode == 0, done.stderr + done.stdout
    assert (clone / "SCHEDULE.md").read_text() == "week 1: alpha (solutions out)\nweek 2: beta\n"
    assert (clone / "SCHEDULE.mine.md").read_text() == "week 1: alpha  <- my deadline notes\n"
    assert "yours is kept as SCHEDULE.mine.md" in done.stdout
    assert git(clone, "status", "--porcelain") == "" and git(clone, "log", "-1", "--format=%an") == "Sam"


def test_a_file_the_student_deleted_and_the_course_changed_comes_back(course, tmp_path):
    clone = course.clone(tmp_path / "sam")
    (clone / "SCHEDULE.md").unlink()
    course.publish({"SCHEDULE.md": "week 2: beta\n"}, "Week 2")
    done = update(clone)
    assert done.returncode == 0, done.stderr + done.stdout
    assert (clone / "SCHEDULE.md").read_text() == "week 2: beta\n" and git(clone, "status", "--porcelain") == ""


@pytest.mark.parametrize(
    "prepare, says",
    [
        (lambda clone: git(clone, "checkout", "-q", "--detach", "HEAD"), "not on a branch"),
        (
            lambda clone: git(clone, "remote", "set-url", "origin", str(clone.parent / "gone.git")),
            "could not reach the course repository",
        ),
        (
            lambda clone: (clone / ".git/MERGE_HEAD").write_text(git(clone, "rev-parse", "HEAD")),
            "in the middle of a merge",
        ),
    ],
    ids=["detached", "offline", "merge-in-progress"],
)
def test_what_stops_the_update_changes_nothing_and_says_how_to_fix_it(course, tmp_path, prepare, says):
    clone = course.clone(tmp_path / "sam")
    (clone / "notes.txt").write_text("uncommitted\n")
    course.publish({"SCHEDULE.md": "week 2\n"}, "Week 2")
    prepare(clone)
    head = git(clone, "rev-parse", "HEAD")
    done = update(clone)
    assert done.returncode == 1 and says in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert git(clone, "rev-parse", "HEAD") == head and (clone / "notes.txt").read_text() == "uncommitted\n"
