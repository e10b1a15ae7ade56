"""`tito submit` (shipped as tito/submit.py): the released mini course as a bare course remote, one bare
repository of their own per student on disk, a default git (no identity, no upstream, no pull settings), and
what `tito collect` (tasks/grade/collect.py, as it is) finds there at a deadline between two submits."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tasks.course.config import load_course
from tasks.course.paths import Paths
from tasks.grade.collect import collect

NOTEBOOK = "modules/01_alpha/alpha.ipynb"
T1, T2, T3 = "2026-01-05T10:00:00+00:00", "2026-01-06T00:00:00+00:00", "2026-01-07T10:00:00+00:00"


def plain_env(home: Path, identity: bool = False, when: str | None = None) -> dict:
    """A default git: an empty HOME, no configuration; a name only when asked, commit dates when given."""
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "GIT_CONFIG_GLOBAL": str(home / ".gitconfig")}
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    if identity:
        env.update(GIT_AUTHOR_NAME="Ann", GIT_AUTHOR_EMAIL="a@x.invalid", GIT_COMMITTER_NAME="Ann")
        env.update(GIT_COMMITTER_EMAIL="a@x.invalid")
    if when:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    return env


def git(repo: Path, *args: str, env: dict | None = None) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env=env or plain_env(repo.parent, True)
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def bare(path: Path) -> Path:
    """An empty repository as any git server makes one: `git init --bare` with git's defaults (HEAD: master)."""
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True, env=plain_env(path.parent))
    return path


class Student:
    def __init__(self, home: Path, identity: bool = False):
        self.home, self.identity, self.repo = home, identity, home / "repo"
        home.mkdir(parents=True)

    def clone(self, url: Path) -> Student:
        subprocess.run(["git", "clone", "-q", str(url), str(self.repo)], check=True, env=plain_env(self.home))
        return self

    def tito(self, *args: str, when: str | None = None) -> subprocess.CompletedProcess:
        env = {**plain_env(self.home, self.identity, when), "PYTHONPATH": str(self.repo)}
        return subprocess.run(
            [sys.executable, "-m", "tito", *args],
            cwd=self.repo,
            capture_output=True,
            text=True,
            env=env,
            stdin=subprocess.DEVNULL,
            timeout=120,
        )

    def write(self, text: str, path: str = NOTEBOOK) -> str:
        """Put `text` into the first code cell of a notebook (what a student's work looks like to collect)."""
        nb = json.loads((self.repo / path).read_text())
        cell = next(
            c for c in nb["cells"] if c["cell_type"] == "code" and "NotImplementedError" in "".join(c["source"])
        )
        cell["source"] = f"# {text}\n" + "".join(cell["source"])
        (self.repo / path).write_text(json.dumps(nb, indent=1) + "\n")
        return text


def submitted(result: subprocess.CompletedProcess) -> str:
    """The commit a successful `tito submit` names."""
    assert result.returncode == 0, result.stdout + result.stderr
    line = next(line for line in result.stdout.splitlines() if ": commit " in line)
    return line.split(": commit ")[1].split()[0]


@pytest.fixture(scope="module")
def world(tmp_path_factory, released_repo):
    """The released mini course (copied, for collect) and its student repository as a bare course remote."""
    base = tmp_path_factory.mktemp("submit")
    shutil.copytree(released_repo.parent, base / "course", ignore=shutil.ignore_patterns("student-repo", "build"))
    subprocess.run(["git", "clone", "-q", "--bare", str(released_repo), str(base / "course.git")], check=True)
    return base


def collected(world: Path, tmp_path: Path, students: dict[str, Path], before: str) -> dict[str, dict]:
    """`tito collect alpha --before` from a roster of the students' repositories: each student's outcome."""
    roster = tmp_path / "roster.csv"
    roster.write_text("student,name,repository\n" + "".join(f"{s},{s},{url}\n" for s, url in students.items()))
    course = load_course(world / "course")
    outcomes = collect(course, Paths(course), [course.module("alpha")], roster=str(roster), before=before)["alpha"]
    return {o.student: o for o in outcomes}


def test_a_clone_of_the_course_submits_to_an_empty_repository_and_collect_finds_what_was_submitted_by_the_deadline(
    world, tmp_path
):
    own = bare(tmp_path / "ann.git")
    ann = Student(tmp_path / "ann").clone(world / "course.git")
    first = ann.write("ann's first answer")
    refused = ann.tito("submit", when=T1)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "Nothing was changed.\nNext: `tito submit --to URL`" in refused.stderr, refused.stderr
    assert git(ann.repo, "status", "--porcelain") == f"M {NOTEBOOK}"
    done = ann.tito("submit", "--to", str(own), when=T1)
    one = submitted(done)
    assert "is now the remote 'course'" in done.stdout and "note: git does not know your name" in done.stdout
    assert f"branch master: commit {one} of 2026-01-05 10:00:00 +0000." in done.stdout  # the bare repo's HEAD
    assert "Modules with your work in it: 01_alpha." in done.stdout and "\nNext: " in done.stdout
    assert git(ann.repo, "remote", "get-url", "course") == str(world / "course.git")
    second = ann.write("ann's answer after the deadline")
    two = submitted(ann.tito("submit", when=T3))
    assert one != two and git(own, "rev-parse", "HEAD").startswith(two)
    at_deadline = collected(world, tmp_path, {"ann": own}, T2)["ann"]
    assert at_deadline.status == "collected" and at_deadline.origin["commit"].startswith(one), at_deadline
    later = collected(world, tmp_path, {"ann": own}, "2026-02-01T00:00")["ann"]
    assert later.origin["commit"].startswith(two)
    kept = (world / "course/submissions/ann/alpha/alpha.ipynb").read_text()
    assert second in kept and first in kept
    again = ann.tito("submit", when=T3)
    assert again.returncode == 0 and "Nothing new to submit: already submitted" in again.stdout


def test_a_repository_made_from_the_template_gets_the_course_once_and_submits_to_itself(world, tmp_path):
    """GitHub Classroom: the student's own repository is a new history (one commit of the course's files)."""
    staff = tmp_path / "template"
    subprocess.run(["git", "clone", "-q", str(world / "course.git"), str(staff)], check=True)
    shutil.rmtree(staff / ".git")
    subprocess.run(["git", "init", "-q", "-b", "main", str(staff)], check=True)
    git(staff, "add", "-A")
    git(staff, "commit", "-q", "-m", "Initial commit")
    own = tmp_path / "bob.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(staff), str(own)], check=True)
    bob = Student(tmp_path / "bob").clone(own)
    lost = bob.tito("update")
    assert lost.returncode == 1 and "no release tags" in lost.stderr
    assert "Nothing was changed.\nNext: `tito update --from URL`" in lost.stderr
    got = bob.tito("update", "--from", str(world / "course.git"))
    assert got.returncode == 0, got.stdout + got.stderr
    assert "Added the course's repository as the remote 'course'" in got.stdout and "joined them" in got.stdout
    answer = bob.write("bob's answer")
    done = bob.tito("submit", when=T1)
    commit = submitted(done)
    assert "branch main:" in done.stdout
    assert collected(world, tmp_path, {"bob": own}, T2)["bob"].origin["commit"].startswith(commit)
    assert answer in (world / "course/submissions/bob/alpha/alpha.ipynb").read_text()


def test_amended_and_switched_histories_never_overwrite_an_earlier_submission(world, tmp_path):
    own = bare(tmp_path / "cy.git")
    cy = Student(tmp_path / "cy", identity=True).clone(world / "course.git")
    cy.write("first")
    first = submitted(cy.tito("submit", "--to", str(own), when=T1))
    cy.write("amended")
    git(cy.repo, "commit", "-q", "--amend", "-a", "-m", "amended", env=plain_env(cy.home, True, T1))
    done = cy.tito("submit", when=T1)
    assert "is not in this branch" in done.stdout, done.stdout + done.stderr
    amended = submitted(done)
    git(own, "merge-base", "--is-ancestor", first, amended)  # the first submission stays in the history
    git(cy.repo, "switch", "-q", "-c", "mywork")
    cy.write("on my branch")
    on_branch = submitted(cy.tito("submit", when=T3))
    assert "is not in this branch" not in cy.tito("submit").stdout
    git(cy.repo, "switch", "-q", "main")
    back = cy.tito("submit", when=T3)
    assert "is not in this branch" in back.stdout
    tip = submitted(back)
    git(own, "merge-base", "--is-ancestor", on_branch, tip)
    shown = git(own, "show", f"{tip}:{NOTEBOOK}")
    assert "amended" in shown and "on my branch" not in shown  # what is submitted: the branch checked out


def test_a_module_submitted_alone_secrets_never_pushed_and_the_one_command_when_it_cannot(world, tmp_path):
    own = bare(tmp_path / "di.git")
    di = Student(tmp_path / "di").clone(world / "course.git")
    di.write("di's alpha")
    (di.repo / "notes.txt").write_text("not part of the module\n")
    (di.repo / "modules/01_alpha/.env").write_text("TOKEN=secret\n")
    done = di.tito("submit", "01", "--to", str(own))
    submitted(done)
    assert "Left out of git (still in your folder): modules/01_alpha/.env: it looks like a secret" in done.stdout
    files = git(own, "ls-tree", "-r", "--name-only", "HEAD").split("\n")
    assert NOTEBOOK in files and "notes.txt" not in files and "modules/01_alpha/.env" not in files
    assert git(di.repo, "status", "--porcelain", "--untracked-files=all") == "?? modules/01_alpha/.env\n?? notes.txt"
    elsewhere = Student(tmp_path / "di-laptop", identity=True).clone(own)
    (elsewhere.repo / "laptop.txt").write_text("from the laptop\n")
    git(elsewhere.repo, "add", "laptop.txt")
    git(elsewhere.repo, "commit", "-q", "-m", "laptop")
    git(elsewhere.repo, "push", "-q", "origin", "HEAD:master")
    refused = di.tito("submit")
    assert refused.returncode == 1 and "pushed from somewhere else" in refused.stderr
    assert "\nNext: `git pull --no-rebase --no-edit origin main`" in refused.stderr
    git(di.repo, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    offline = di.tito("submit")
    assert offline.returncode == 1 and "could not reach your repository" in offline.stderr
    assert "\nNext: `tito submit` again when you are online" in offline.stderr and "Traceback" not in offline.stderr


def test_collect_after_a_later_update_and_submit_still_finds_the_work_submitted_by_the_deadline(world, tmp_path):
    import time

    own = bare(tmp_path / "eve.git")
    eve = Student(tmp_path / "eve").clone(world / "course.git")
    answer = eve.write("eve's answer, on time")
    on_time = submitted(eve.tito("submit", "--to", str(own)))
    time.sleep(1.1)
    staff = Student(tmp_path / "staff", identity=True).clone(world / "course.git")
    (staff.repo / "SCHEDULE.md").write_text((staff.repo / "SCHEDULE.md").read_text() + "\nweek 3\n")
    git(staff.repo, "commit", "-q", "-am", "Week 3")
    git(staff.repo, "tag", "-a", "-m", "week 3", "week3-test")
    git(staff.repo, "push", "-q", "--follow-tags", "origin", "HEAD")
    time.sleep(1.1)
    deadline = subprocess.run(["date", "-u", "+%Y-%m-%dT%H:%M:%S+00:00"], capture_output=True, text=True).stdout.strip()
    time.sleep(1.1)
    assert eve.tito("update").returncode == 0
    eve.write("eve's later work", "modules/02_beta/beta.ipynb")
    submitted(eve.tito("submit"))
    found = collected(world, tmp_path, {"eve": own}, deadline)["eve"]
    assert found.origin.get("commit", "").startswith(on_time), found
    assert answer in (world / "course/submissions/eve/alpha/alpha.ipynb").read_text()
