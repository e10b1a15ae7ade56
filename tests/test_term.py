"""A whole term, end to end: weekly `doit release week=N` (with errata) to a bare course remote, a roster of
three students, each with a bare repository of their own, on a default git (an empty HOME, no identity unless
the student set one, no pull settings), who work, commit or not, amend, switch branches, detach HEAD, update
every week with `tito update` and hand in with `tito submit`, before and after deadlines; `tito collect` from
the roster at each deadline. Nothing any student wrote is lost, every message ends with the one command to run
next, and what is collected is exactly what each student had submitted by the deadline."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from conftest import run_doit, write_mini_course
from tasks.cli import main as cli_main
from tasks.course.config import load_course
from tasks.variants.leakguard import secret_lines
from tasks.course.paths import Paths
from tasks.notebook.source import read_source
from test_release import git

NAMES = ("alpha", "beta", "gamma")  # exercises weeks 1-3, solutions weeks 2-4
WEEKS = range(1, 5)
DUE = {2: "alpha", 3: "beta", 4: "gamma"}  # the module whose deadline ends each week


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


def now() -> str:
    """A deadline between what came before and what comes after (git dates have whole seconds)."""
    time.sleep(1.1)
    moment = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    time.sleep(1.1)
    return moment


class Student:
    """A student's clone, what they wrote (to check it is never lost) and what they submitted when."""

    def __init__(self, home: Path, identity: bool, plan: str):
        self.home, self.identity, self.plan = home, identity, plan
        self.repo, self.own = home / "repo", home.parent / f"{home.name}.git"
        self.edits, self.plans, self.kept_on = {}, [], {}  # path -> mark; schedule notes; branch -> (path, text)
        self.submissions: list[tuple[float, str]] = []  # (time, commit), as `tito submit` named it
        home.mkdir(parents=True)
        subprocess.run(["git", "init", "-q", "--bare", str(self.own)], check=True, env=self.env())

    def env(self) -> dict:
        env = {"PATH": os.environ["PATH"], "HOME": str(self.home), "GIT_CONFIG_GLOBAL": str(self.home / ".gitconfig")}
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        if self.identity:
            env.update(GIT_AUTHOR_NAME="S", GIT_AUTHOR_EMAIL="s@x.invalid", GIT_COMMITTER_NAME="S")
            env.update(GIT_COMMITTER_EMAIL="s@x.invalid")
        return env

    def git(self, *args: str) -> str:
        done = subprocess.run(["git", "-C", str(self.repo), *args], capture_output=True, text=True, env=self.env())
        assert done.returncode == 0, (self.home.name, args, done.stderr)
        return done.stdout.strip()

    def tito(self, *args: str, fails: bool = False) -> subprocess.CompletedProcess:
        """`tito ARGS` as the student runs it; every outcome ends with the one command to run next."""
        done = subprocess.run(
            [sys.executable, "-m", "tito", *args],
            cwd=self.repo,
            capture_output=True,
            text=True,
            env={**self.env(), "PYTHONPATH": str(self.repo)},
            stdin=subprocess.DEVNULL,
            timeout=120,
        )
        said = done.stderr if fails else done.stdout
        assert done.returncode == (1 if fails else 0), (self.home.name, args, done.stdout + done.stderr)
        assert "Traceback" not in done.stdout + done.stderr
        assert said.strip().split("\n")[-1].startswith("Next: `"), (self.home.name, args, said)
        return done

    def submit(self, *args: str) -> str:
        done = self.tito("submit", *args)
        commit = re.search(r": commit (\w+) of ", done.stdout)[1]
        self.submissions.append((time.time(), self.git("rev-parse", commit)))
        return done.stdout

    def get_week(self, remote: Path, week: int) -> None:
        if week == 1:
            self.start(remote)
        elif self.plan == "detaches" and week == 2:  # a detached HEAD stops the update, naming the branch
            self.git("checkout", "-q", "--detach", "HEAD")
            stopped = self.tito("update", fails=True)
            assert "Next: `git switch main`, then `tito update` again" in stopped.stderr
            self.git("switch", "-q", "main")
        if week > 1 or self.plan == "template":
            done = self.tito("update", *(["--from", str(remote)] if week == 1 else []))
            assert "nothing was lost" in done.stdout or "Already up to date" in done.stdout, done.stdout
            assert ("joined them" in done.stdout) == (week == 1), done.stdout  # the template's new history, once

    def start(self, remote: Path) -> None:
        """Week 1: clone the course (and submit to their own repository with --to), or clone their own
        repository, made from the course as a template (a new history, as GitHub Classroom makes it)."""
        if self.plan != "template":
            subprocess.run(["git", "clone", "-q", str(remote), str(self.repo)], check=True, env=self.env())
            return
        staff = self.home / "template"
        subprocess.run(["git", "clone", "-q", str(remote), str(staff)], check=True, env=self.env())
        shutil.rmtree(staff / ".git")
        subprocess.run(["git", "init", "-q", "-b", "main", str(staff)], check=True)
        for args in (
            ["add", "-A"],
            ["-c", "user.name=Staff", "-c", "user.email=st@x.invalid", "commit", "-qm", "Initial"],
        ):
            subprocess.run(["git", "-C", str(staff), *args], check=True, capture_output=True)
        subprocess.run(["git", "-C", str(staff), "push", "-q", str(self.own), "main:master"], check=True)
        subprocess.run(["git", "clone", "-q", str(self.own), str(self.repo)], check=True, env=self.env())

    def work(self, week: int) -> None:
        for notebook in sorted(self.repo.glob("modules/*/*.ipynb")):
            key = str(notebook.relative_to(self.repo))
            if key not in self.edits:
                self.edits[key] = student_edit(notebook, week)
        note = self.repo / f"notes/week{week}.md"
        note.parent.mkdir(exist_ok=True)
        note.write_text(f"{self.home.name}'s notes, week {week}\n")
        self.edits[f"notes/week{week}.md"] = f"notes, week {week}"
        if self.plan == "detaches":  # edits the schedule every week
            schedule = self.repo / "SCHEDULE.md"
            schedule.write_text(schedule.read_text() + f"\nmy plan for week {week}\n")
            self.plans.append(week)

    def hand_in(self, week: int) -> None:
        """Before the deadline: commit by hand (or not), amend, switch branches, and submit (or not)."""
        if self.plan == "amends":
            self.git("add", "-A")
            self.git("commit", "-q", "-m", f"week {week}")
            if week == 1:
                self.submit("--to", str(self.own))
            if week == 2:  # submitted, then amended: the next submission follows the first
                self.submit()
                (self.repo / "notes/week2.md").write_text("amended notes, week 2\n")
                self.edits["notes/week2.md"] = "amended notes"
                self.git("commit", "-q", "--amend", "-a", "--no-edit")
            if week == 3:  # goes on on a branch of their own
                self.git("switch", "-q", "-c", "mywork")
            if week != 1:
                said = self.submit()
                assert ("is not in this branch" in said) == (week == 2), said  # after the amend: joined
        elif self.plan == "template" and week != 3:  # never commits; week 3's work is handed in late
            self.submit()
        elif self.plan == "detaches":
            if week == 1:
                self.submit("--to", str(self.own))
            if week == 3:  # tries something on another branch, then hands in main
                self.git("switch", "-q", "-c", "experiment")
                (self.repo / "experiment.txt").write_text("an idea\n")
                self.git("add", "experiment.txt")
                self.git("commit", "-q", "-m", "idea")
                self.kept_on["experiment"] = ("experiment.txt", "an idea\n")
                self.git("switch", "-q", "main")
            if week in (3, 4):
                self.submit()  # week 2's work is handed in late, with week 3's

    def hand_in_late(self, week: int) -> None:
        if (self.plan, week) in (("template", 3), ("detaches", 2)):
            self.submit()

    def submitted_by(self, deadline: str) -> str | None:
        moment = datetime.fromisoformat(deadline).timestamp()
        return next((c for t, c in reversed(self.submissions) if t < moment), None)

    def check(self) -> None:
        for path, mark in self.edits.items():  # every earlier edit survived every update
            assert mark in (self.repo / path).read_text(), (self.home.name, path)
        kept = "".join(p.read_text() for p in self.repo.glob("SCHEDULE*.md"))
        for week in self.plans:  # the schedule edits too: in SCHEDULE.md or kept beside it
            assert f"my plan for week {week}\n" in kept, (week, kept)
        for branch, (path, text) in self.kept_on.items():
            assert self.git("show", f"{branch}:{path}") + "\n" == text


def collect_at(course: Path, module: str, deadline: str, students: list[Student], roster: Path) -> None:
    """`tito collect MODULE --roster --before DEADLINE`: each student's last submission before it, exactly."""
    assert cli_main.main(["-C", str(course), "collect", module, "--roster", str(roster), "--before", deadline]) == 0
    paths = Paths(load_course(course))
    outcomes = {
        o["student"]: o for o in json.loads(paths.collect_report(load_course(course).module(module)).read_text())
    }
    slug = load_course(course).module(module).slug
    for student in students:
        expected, outcome = student.submitted_by(deadline), outcomes[student.home.name]
        assert expected is not None
        assert outcome["status"] == "collected" and outcome["origin"]["commit"] == expected, (deadline, outcome)
        kept = (course / "submissions" / student.home.name / module / f"{module}.ipynb").read_bytes()
        assert (
            kept
            == subprocess.run(
                ["git", "-C", str(student.own), "show", f"{expected}:modules/{slug}/{module}.ipynb"],
                capture_output=True,
                check=True,
            ).stdout
        )


def test_a_whole_term(tmp_path):
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    course = write_mini_course(tmp_path / "course", names=NAMES, extra_yaml="student_repo:\n  remote: ../remote.git\n")
    students = [
        Student(tmp_path / "students/ann", True, "amends"),
        Student(tmp_path / "students/ben", False, "template"),
        Student(tmp_path / "students/cleo", True, "detaches"),
    ]
    roster = tmp_path / "roster.csv"
    roster.write_text("student,name,repository\n" + "".join(f"{s.home.name},{s.home.name},{s.own}\n" for s in students))
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
            student.get_week(remote, week)
            student.check()
            student.work(week)
            student.hand_in(week)
        if week in DUE:
            collect_at(course, DUE[week], now(), students, roster)
        for student in students:
            student.hand_in_late(week)
    for student in students:
        student.get_week(remote, 5)
        student.check()
        assert git(student.repo, "fsck", "--no-progress", "--no-dangling") == ""
        assert (student.repo / "modules/01_alpha/alpha.v2.ipynb").exists()
        assert git(student.own, "fsck", "--no-progress", "--no-dangling") == ""
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
