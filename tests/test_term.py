"""A whole term, end to end: weekly `doit release week=N` (with errata) to a bare remote, and three students
who get each week with `python -m tito.update`: one who commits, one who never does (and has no git
identity), one who edits the schedule. Everyone's work survives, every tag names exactly its week."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import run_doit, write_mini_course
from tasks.course.config import load_course
from tasks.variants.leakguard import secret_lines
from tasks.course.paths import Paths
from tasks.notebook.source import read_source
from test_release import git

NAMES = ("alpha", "beta", "gamma")  # exercises weeks 1-3, solutions weeks 2-4
WEEKS = range(1, 5)


def student_edit(notebook: Path, week: int) -> str:
    """What a student does: write code into the first stubbed cell, and keep a note of it."""
    nb = json.loads(notebook.read_text())
    mark = f"# student work, week {week}, {notebook.name}"
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and "NotImplementedError" in source:
            cell["source"] = source.replace(
                "raise NotImplementedError(", f"{mark}\n    return 2 * x\n    raise NotImplementedError(", 1
            )
            break
    notebook.write_text(json.dumps(nb, indent=1) + "\n")
    return mark


def secrets_by_module(course_root: Path, kinds) -> dict[str, set[str]]:
    course = load_course(course_root)
    paths = Paths(course)
    return {
        m.slug: set(secret_lines(read_source(paths.source(m), m.source).nb, frozenset(kinds))) for m in course.modules
    }


class Student:
    def __init__(self, home: Path, commits: bool, edits_schedule: bool = False):
        self.home, self.commits, self.edits_schedule = home, commits, edits_schedule
        self.repo, self.edits, self.plans = home / "repo", {}, []
        home.mkdir(parents=True)

    def env(self) -> dict:
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(self.home),
            "GIT_CONFIG_GLOBAL": str(self.home / ".gitconfig"),
            "GIT_CONFIG_NOSYSTEM": "1",
        }
        if self.commits:
            env.update(
                {
                    "GIT_AUTHOR_NAME": "S",
                    "GIT_AUTHOR_EMAIL": "s@x.invalid",
                    "GIT_COMMITTER_NAME": "S",
                    "GIT_COMMITTER_EMAIL": "s@x.invalid",
                }
            )
        return env

    def get_week(self, remote: Path) -> None:
        if not self.repo.exists():
            subprocess.run(["git", "clone", "-q", str(remote), str(self.repo)], check=True, env=self.env())
            return
        done = subprocess.run(
            [sys.executable, "-m", "tito.update"],
            cwd=self.repo,
            capture_output=True,
            text=True,
            env=self.env(),
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "nothing was lost" in done.stdout or "Already up to date" in done.stdout

    def work(self, week: int) -> None:
        for notebook in sorted(self.repo.glob("modules/*/*.ipynb")):
            key = str(notebook.relative_to(self.repo))
            if key not in self.edits:
                self.edits[key] = student_edit(notebook, week)
        if self.edits_schedule:
            schedule = self.repo / "SCHEDULE.md"
            schedule.write_text(schedule.read_text() + f"\nmy plan for week {week}\n")
            self.plans.append(week)
        if self.commits:
            subprocess.run(["git", "-C", str(self.repo), "add", "-A"], check=True, env=self.env())
            subprocess.run(
                ["git", "-C", str(self.repo), "commit", "-q", "--allow-empty", "-m", f"my work, week {week}"],
                check=True,
                env=self.env(),
            )

    def check(self) -> None:
        for path, mark in self.edits.items():  # every earlier edit survived every update
            assert mark in (self.repo / path).read_text(), (self.home.name, path)
        kept = "".join(p.read_text() for p in self.repo.glob("SCHEDULE*.md"))
        for week in self.plans:  # the schedule edits too: in SCHEDULE.md or kept beside it
            assert f"my plan for week {week}\n" in kept, (week, kept)


def test_a_whole_term(tmp_path):
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    course = write_mini_course(tmp_path / "course", names=NAMES, extra_yaml="student_repo:\n  remote: ../remote.git\n")
    students = [
        Student(tmp_path / "committer", True),
        Student(tmp_path / "never-commits", False),
        Student(tmp_path / "edits-schedule", True, edits_schedule=True),
    ]
    for week in WEEKS:
        result = run_doit(course, "release", f"week={week}")
        assert result.returncode == 0, result.output
        if week == 3:  # a correction to alpha's notebook, released two weeks ago, as errata of week 3
            source = course / "modules/01_alpha/alpha.py"
            source.write_text(
                source.read_text().replace("assert double(2) == 4", "assert double(2) == 4\n    assert double(1) == 2")
            )
            result = run_doit(course, "release", f"week={week}", "errata=1")
            assert result.returncode == 0, result.output
        for student in students:
            student.get_week(remote)
            student.check()
            student.work(week)
    for student in students:
        student.get_week(remote)
        student.check()
        assert git(student.repo, "fsck", "--no-progress", "--no-dangling") == ""
        assert (student.repo / "modules/01_alpha/alpha.v2.ipynb").exists()
    assert sorted(git(remote, "tag").split()) == ["week1", "week2", "week3", "week3-errata1", "week4"]
    assert git(remote, "fsck", "--no-progress", "--no-dangling") == ""
    assert_tags_name_their_weeks(course, remote)
    assert_history_is_clean(course, remote)


def assert_tags_name_their_weeks(course: Path, remote: Path) -> None:
    """Each weekN tag holds exactly the modules and solutions due by week N."""
    config = load_course(course)
    for tag in git(remote, "tag").split():
        week = int(re.match(r"week(\d+)", tag)[1])
        files = git(remote, "ls-tree", "-r", "--name-only", tag).split("\n")
        folders = {"/".join(f.split("/")[:2]) for f in files if f.startswith(("modules/", "solutions/"))}
        due = {f"modules/{m.slug}" for m in config.modules if m.release <= week} | {
            f"solutions/{m.slug}" for m in config.modules if m.solutions <= week
        }
        assert folders == due, (tag, folders ^ due)


def assert_history_is_clean(course: Path, remote: Path) -> None:
    """No commit ever held a module's solution file or any solution line before its solutions week, and no
    commit ever held a hidden test, an instructor cell, or an executed notebook."""
    config = load_course(course)
    solutions = secrets_by_module(course, {"solution"})
    never = secrets_by_module(course, {"hidden", "hide"})
    assert all(never.values()) and all(solutions.values())
    week_of = {}
    for tag in git(remote, "tag").split():
        commit = git(remote, "rev-parse", f"{tag}^{{commit}}")
        week_of[commit] = min(week_of.get(commit, 99), int(re.match(r"week(\d+)", tag)[1]))
    commits = git(remote, "rev-list", "main").split()
    assert set(commits) == set(week_of), "every release commit is tagged"
    for commit in commits:
        week = week_of[commit]
        files = git(remote, "ls-tree", "-r", "--name-only", commit).split("\n")
        for path in files:
            text = git(remote, "show", f"{commit}:{path}")
            leaked = [line for lines in never.values() for line in lines if line in text]
            assert not leaked, (f"week {week}", path, leaked)
            if path.endswith(".ipynb"):
                assert all(not c.get("outputs") for c in json.loads(text)["cells"]), f"outputs in {path}"
            assert not path.startswith(("build/", "executed")), path
        for module in config.modules:
            if module.solutions <= week:
                continue
            assert not any(f.startswith(f"solutions/{module.slug}/") for f in files), (commit, module.name)
            for path in files:
                text = git(remote, "show", f"{commit}:{path}")
                leaked = [line for line in solutions[module.slug] if line in text]
                assert not leaked, (f"week {week}", path, leaked)
