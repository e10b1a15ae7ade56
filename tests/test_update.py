"""The student's weekly update (`python -m tito.update`, shipped as tito/update.py): real clones of a real
bare remote, a default git (no pull settings, no identity unless the test sets one)."""

from __future__ import annotations

import contextlib
import json
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
                ".gitignore": "__pycache__/\n",
                "SCHEDULE.md": "week 1: alpha\n",
                "modules/01_alpha/alpha.py": "def f(): raise NotImplementedError\n",
            },
            "Week 1",
        )

    def publish(self, files: dict, message: str, tag: str | None = None) -> None:
        """One release: a commit and a tag (every release is tagged; `tag` names it)."""
        self.releases = getattr(self, "releases", 0) + 1
        tag = tag or f"release{self.releases}"
        for path, text in files.items():
            (self.staff / path).parent.mkdir(parents=True, exist_ok=True)
            (self.staff / path).write_text(text) if text is not None else (self.staff / path).unlink()
        git(self.staff, "add", "-A")
        git(self.staff, "commit", "-q", "-m", message)
        git(self.staff, "tag", "-a", "-m", message, tag)
        git(self.staff, "push", "-q", "--follow-tags", "origin", "main")

    def clone(self, dest: Path) -> Path:
        subprocess.run(
            ["git", "clone", "-q", str(self.remote), str(dest)],
            check=True,
            env={"PATH": os.environ["PATH"], "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(dest.parent)},
        )
        return dest


def update(clone: Path, identity: bool = False, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tito.update", *args],
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


def commit_on_detached_head(clone: Path) -> None:
    git(clone, "checkout", "-q", "--detach", "HEAD")
    (clone / "mine.txt").write_text("made on a detached HEAD\n")
    git(clone, "add", "mine.txt")
    git(clone, "commit", "-q", "-m", "mine")


STOPS = {
    "detached": (lambda clone: git(clone, "checkout", "-q", "--detach", "HEAD"), "`git switch main`"),
    "detached-with-own-commits": (commit_on_detached_head, "`git switch -c my-work`"),
    "offline": (
        lambda clone: git(clone, "remote", "set-url", "origin", str(clone.parent / "gone.git")),
        "`tito update` again when you are online",
    ),
    "merge-in-progress": (
        lambda clone: (clone / ".git/MERGE_HEAD").write_text(git(clone, "rev-parse", "HEAD")),
        "`git merge --abort`",
    ),
    "rebase-in-progress": (lambda clone: (clone / ".git/rebase-merge").mkdir(), "`git rebase --abort`"),
    "another-git-running": (lambda clone: (clone / ".git/index.lock").write_text(""), "`rm .git/index.lock`"),
    "no-course-remote": (
        lambda clone: git(clone, "config", "tito.submitTo", "origin"),
        "`tito update --from URL`",
    ),
}


@pytest.mark.parametrize("name", STOPS)
def test_what_stops_the_update_changes_nothing_and_says_the_one_command_to_run(course, tmp_path, name):
    prepare, command = STOPS[name]
    clone = course.clone(tmp_path / "sam")
    (clone / "notes.txt").write_text("uncommitted\n")
    course.publish({"SCHEDULE.md": "week 2\n"}, "Week 2")
    prepare(clone)
    head, status = git(clone, "rev-parse", "HEAD"), git(clone, "status", "--porcelain")
    done = update(clone)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "Nothing was changed" in done.stderr and done.stderr.strip().split("\n")[-1].startswith(f"Next: {command}")
    assert git(clone, "rev-parse", "HEAD") == head and (clone / "notes.txt").read_text() == "uncommitted\n"
    assert git(clone, "status", "--porcelain") == status


def test_on_a_branch_of_their_own_the_week_is_merged_into_it(course, tmp_path):
    clone = course.clone(tmp_path / "sam")
    git(clone, "switch", "-q", "-c", "mywork")
    (clone / "modules/01_alpha/alpha.py").write_text("def f(): return 42\n")
    course.publish({"modules/02_beta/beta.py": "def g(): ...\n"}, "Week 2")
    done = update(clone)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "Merged into your branch mywork." in done.stdout and "\nNext: `tito module status`" in done.stdout
    assert (clone / "modules/02_beta/beta.py").exists()
    assert (clone / "modules/01_alpha/alpha.py").read_text() == "def f(): return 42\n"
    assert git(clone, "symbolic-ref", "--short", "HEAD") == "mywork" and git(clone, "status", "--porcelain") == ""


def test_an_amended_course_commit_is_joined_once_and_every_later_week_merges(course, tmp_path):
    """`git commit --amend` of the course's commit leaves a history with nothing in common with the course's
    ("refusing to merge unrelated histories" every week, before): it is joined once, the student's files kept."""
    clone = course.clone(tmp_path / "sam")
    (clone / "modules/01_alpha/alpha.py").write_text("def f(): return 42\n")
    git(clone, "commit", "-q", "--amend", "-a", "-m", "mine", env=student_env(tmp_path, True))
    for week in (2, 3):
        course.publish({f"modules/0{week}_m/m.py": "x = 1\n", "SCHEDULE.md": f"week {week}\n"}, f"Week {week}")
        done = update(clone)
        assert done.returncode == 0, done.stderr + done.stdout
        assert ("no commit in common" in done.stdout) == (week == 2), done.stdout
        assert "unrelated" not in done.stdout + done.stderr
        assert (clone / "modules/01_alpha/alpha.py").read_text() == "def f(): return 42\n"
        assert (clone / f"modules/0{week}_m/m.py").exists() and (clone / "SCHEDULE.md").read_text() == f"week {week}\n"
        assert not list(clone.glob("**/*.mine*")) and git(clone, "status", "--porcelain") == ""


@contextlib.contextmanager
def read_only(folder: Path):
    """`folder` read-only for whoever runs the update: a read-only bind mount as root (root writes through any
    mode bits), `chmod a-w` otherwise."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    mounted = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {mounted.stderr.decode().strip()}")
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(folder), str(folder)], check=True)
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_read_only_folder_stops_the_update_before_anything_changes(course, tmp_path):
    clone = course.clone(tmp_path / "sam")
    (clone / "notes.txt").write_text("uncommitted\n")
    course.publish({"modules/01_alpha/alpha.v2.py": "def f(): raise NotImplementedError  # errata\n"}, "Week 2")
    head = git(clone, "rev-parse", "HEAD")
    with read_only(clone / "modules/01_alpha"):
        done = update(clone)
    assert done.returncode == 1, done.stdout
    assert "modules/01_alpha is read-only" in done.stderr and "Nothing was changed" in done.stderr
    assert "\nNext: `chmod u+w modules/01_alpha`" in done.stderr
    assert git(clone, "rev-parse", "HEAD") == head and git(clone, "status", "--porcelain") == "?? notes.txt"
    again = update(clone)
    assert again.returncode == 0 and (clone / "modules/01_alpha/alpha.v2.py").exists(), again.stderr


def test_a_merge_that_fails_half_way_says_what_was_done_never_nothing_changed(course, tmp_path):
    """A failure no check foresees (here a checkout filter of the student's that fails): the update says the
    work was saved in a commit, puts the files back as committed, and names the next command."""
    clone = course.clone(tmp_path / "sam")
    git(clone, "config", "filter.boom.clean", "cat")
    git(clone, "config", "filter.boom.smudge", "false")
    git(clone, "config", "filter.boom.required", "true")
    (clone / ".git/info/attributes").write_text("*.txt filter=boom\n")
    (clone / "notes.md").write_text("uncommitted\n")
    git(clone, "commit", "-q", "--allow-empty", "-m", "mine", env=student_env(tmp_path, True))  # a real merge
    course.publish({"modules/02_beta/readme.txt": "beta\n"}, "Week 2")
    done = update(clone)
    assert done.returncode == 1, done.stdout
    assert "Nothing was changed" not in done.stderr and "was saved in commit" in done.stderr, done.stderr
    assert (
        done.stderr.strip().split("\n")[-1].startswith("Next: `tito update` again") and "Traceback" not in done.stderr
    )
    assert git(clone, "log", "-1", "--format=%s").startswith("My work (saved by tito update")
    assert (clone / "notes.md").read_text() == "uncommitted\n" and not (clone / ".git/MERGE_HEAD").exists()


def test_the_students_hooks_cannot_block_or_run_in_the_update(course, tmp_path):
    clone = course.clone(tmp_path / "sam")
    git(clone, "commit", "-q", "--allow-empty", "-m", "mine", env=student_env(tmp_path, True))
    for hook in ("pre-commit", "pre-merge-commit", "commit-msg", "prepare-commit-msg", "post-merge", "post-commit"):
        (clone / ".git/hooks" / hook).write_text(f"#!/bin/sh\necho {hook} >> {tmp_path}/hooks-ran\nexit 1\n")
        (clone / ".git/hooks" / hook).chmod(0o755)
    (clone / "notes.txt").write_text("uncommitted\n")
    course.publish({"modules/02_beta/beta.py": "def g(): ...\n"}, "Week 2")
    done = update(clone)
    assert done.returncode == 0, done.stderr + done.stdout
    assert not (tmp_path / "hooks-ran").exists() and (clone / "modules/02_beta/beta.py").exists()
    assert git(clone, "log", "-1", "--format=%p").count(" ") == 1  # a merge commit, made despite pre-merge-commit


def test_an_edit_in_other_lines_is_merged_and_said_so_and_no_copy_appears_week_after_week(course, tmp_path):
    clone = course.clone(tmp_path / "sam")
    course.publish({"SCHEDULE.md": "# Schedule\n\nweek 1: alpha\n\n\n\nend\n"}, "Week 1b")
    assert update(clone).returncode == 0
    (clone / "SCHEDULE.md").write_text("# Schedule  <- my notes\n\nweek 1: alpha\n\n\n\nend\n")
    for week in (2, 3, 4):
        lines = "".join(f"week {w}\n" for w in range(2, week + 1))
        course.publish({"SCHEDULE.md": f"# Schedule\n\nweek 1: alpha\n\n\n\nend\n{lines}"}, f"Week {week}")
        done = update(clone)
        assert done.returncode == 0, done.stderr + done.stdout
        assert (
            "SCHEDULE.md: the course changed it and so did you, in other lines: both changes are in it now."
            in done.stdout
        )
        assert "course's version is now" not in done.stdout
        assert (clone / "SCHEDULE.md").read_text() == f"# Schedule  <- my notes\n\nweek 1: alpha\n\n\n\nend\n{lines}"
        assert not list(clone.glob("SCHEDULE.mine*"))


def test_kept_copies_have_stable_names_and_an_earlier_copy_is_never_overwritten(course, tmp_path):
    clone = course.clone(tmp_path / "sam")
    mine = lambda text: (clone / "SCHEDULE.md").write_text(text)  # noqa: E731
    mine("week 1: alpha  <- mine, once\n")
    course.publish({"SCHEDULE.md": "week 1: alpha (out)\n"}, "Week 2")
    assert "yours is kept as SCHEDULE.mine.md" in update(clone).stdout
    for week in (3, 4):  # no new edit: no new copy
        course.publish({"SCHEDULE.md": f"week 1: alpha (out) {week}\n"}, f"Week {week}")
        assert "SCHEDULE" not in update(clone).stdout.replace("(SCHEDULE.md)", "")
    assert sorted(p.name for p in clone.glob("SCHEDULE*")) == ["SCHEDULE.md", "SCHEDULE.mine.md"]
    mine("week 1: alpha  <- mine, again\n")  # a new edit of the same line: a new copy, the first kept
    course.publish({"SCHEDULE.md": "week 1: alpha (solutions out)\n"}, "Week 5")
    assert "yours is kept as SCHEDULE.mine2.md" in update(clone).stdout
    assert (clone / "SCHEDULE.mine.md").read_text() == "week 1: alpha  <- mine, once\n"
    assert (clone / "SCHEDULE.mine2.md").read_text() == "week 1: alpha  <- mine, again\n"


def test_a_conflict_in_a_notebook_keeps_the_students_notebook_beside(course, tmp_path):
    clone = course.clone(tmp_path / "sam")
    cells = lambda *sources: json.dumps({"cells": [{"source": s} for s in sources], "nbformat": 4}, indent=1)  # noqa: E731
    course.publish({"modules/01_alpha/alpha.ipynb": cells("a", "b") + "\n"}, "Week 1b")
    assert update(clone).returncode == 0
    (clone / "modules/01_alpha/alpha.ipynb").write_text(cells("a", "b", "my answer") + "\n")
    course.publish({"modules/01_alpha/alpha.ipynb": cells("a", "b", "the course's fix") + "\n"}, "Week 2")
    done = update(clone)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "yours is kept as modules/01_alpha/alpha.mine.ipynb" in done.stdout
    assert "my answer" in (clone / "modules/01_alpha/alpha.mine.ipynb").read_text()
    json.loads((clone / "modules/01_alpha/alpha.ipynb").read_text())


def test_the_students_own_tag_is_never_replaced_by_the_courses(course, tmp_path):
    clone = course.clone(tmp_path / "sam")
    git(clone, "commit", "-q", "--allow-empty", "-m", "mine", env=student_env(tmp_path, True))
    git(clone, "tag", "week2")  # the student's own bookmark
    mine = git(clone, "rev-parse", "week2")
    course.publish({"SCHEDULE.md": "week 2\n"}, "Week 2", tag="week2")
    course.publish({"SCHEDULE.md": "week 3\n"}, "Week 3", tag="week3")
    done = update(clone)
    assert done.returncode == 0, done.stderr + done.stdout
    assert git(clone, "rev-parse", "week2") == mine and "Kept your own tag week2" in done.stdout
    assert git(clone, "rev-parse", "week3^{commit}") == git(course.staff, "rev-parse", "week3^{commit}")


def test_a_students_file_where_the_week_brings_a_folder_is_moved_aside_and_said(course, tmp_path):
    clone = course.clone(tmp_path / "sam")
    (clone / "modules/02_beta").write_text("my notes on beta, written before it was out\n")  # untracked
    course.publish({"modules/02_beta/beta.py": "def g(): ...\n"}, "Week 2")
    done = update(clone)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "Moved your file modules/02_beta to modules/02_beta.mine: the new week brings a folder" in done.stdout
    assert (clone / "modules/02_beta.mine").read_text() == "my notes on beta, written before it was out\n"
    assert (clone / "modules/02_beta/beta.py").exists() and git(clone, "status", "--porcelain") == ""


def test_secrets_and_files_over_10_mb_stay_out_of_the_saving_commit(course, tmp_path):
    clone = course.clone(tmp_path / "sam")
    for name in (".env", "id_rsa", "keys/server.key", "cert.pem"):
        (clone / name).parent.mkdir(exist_ok=True)
        (clone / name).write_text("secret\n")
    with open(clone / "weights.bin", "wb") as big:
        big.truncate(11 * 2**20)
    (clone / "notes.txt").write_text("mine\n")
    course.publish({"SCHEDULE.md": "week 2\n"}, "Week 2")
    done = update(clone)
    assert done.returncode == 0, done.stderr + done.stdout
    tracked = git(clone, "ls-files").split("\n")
    assert "notes.txt" in tracked and not {".env", "id_rsa", "keys/server.key", "cert.pem", "weights.bin"} & set(
        tracked
    )
    for name in (".env", "id_rsa", "keys/server.key", "cert.pem"):
        assert f"Left out of git (still in your folder): {name}: it looks like a secret" in done.stdout
        assert (clone / name).read_text() == "secret\n"
    assert "weights.bin: 11.0 MB, more than the 10 MB tito commits" in done.stdout


def test_the_update_prints_the_entries_of_changes_md_it_brings(course, tmp_path):
    """Each release writes an entry in CHANGES.md (tasks/version/student_changes.py); the update shows the new
    ones, from the course's commits (a student's edit of their copy changes nothing), and only once."""
    changes = "# What changed\n\n## Week 1\n\n- New exercises: alpha\n"
    course.publish({"CHANGES.md": changes}, "Week 1 changes")
    clone = course.clone(tmp_path / "sam")
    (clone / "CHANGES.md").write_text("my own notes\n")
    week2 = changes.replace(
        "# What changed\n\n", "# What changed\n\n## Week 2\n\n- New exercises: beta\n- Corrected: `alpha.v2.ipynb`\n\n"
    )
    course.publish({"CHANGES.md": week2, "modules/02_beta/beta.py": "def g(): ...\n"}, "Week 2")
    done = update(clone)
    assert done.returncode == 0, done.stderr + done.stdout
    shown = done.stdout.split("What changed (CHANGES.md):\n", 1)[1]
    assert (
        shown.startswith("Week 2\n  - New exercises: beta\n  - Corrected: `alpha.v2.ipynb`\n") and "Week 1" not in shown
    )
    course.publish({"modules/02_beta/beta.py": "def g(): return 1\n"}, "Week 2 fix")
    assert "What changed" not in update(clone).stdout  # nothing new in CHANGES.md: nothing shown
