"""Collecting a class: real git repositories (local, made by the test) and an nbgrader-style folder; every bad
submission is listed by student and file, and the good ones around it are collected."""

import json
import os
import shutil
import subprocess
from datetime import datetime, timezone

import pytest

from conftest import write_mini_course
from tasks.base.errors import CourseError
from tasks.course.config import load_course
from tasks.course.paths import Paths
from tasks.grade.collect import collect, summary
from tasks.grade.intake import MAX_BYTES

GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "s",
    "GIT_AUTHOR_EMAIL": "s@x.invalid",
    "GIT_COMMITTER_NAME": "s",
    "GIT_COMMITTER_EMAIL": "s@x.invalid",
}


def notebook(*grade_ids, answer="") -> bytes:
    cells = [
        {
            "cell_type": "code",
            "id": f"c{i}",
            "metadata": {"nbgrader": {"grade_id": g}},
            "source": answer,
            "outputs": [],
            "execution_count": None,
        }
        for i, g in enumerate(grade_ids)
    ]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


ALPHA = ("mini-imports", "mini-double", "test-double")
BETA = ("beta-imports", "beta-double", "test-beta")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = write_mini_course(tmp_path_factory.mktemp("collect") / "mini")
    beta = root / "modules/02_beta/beta.py"
    beta.write_text(
        beta.read_text()
        .replace("mini-imports", "beta-imports")
        .replace("mini-double", "beta-double")
        .replace("test-double", "test-beta")
    )
    course = load_course(root)
    return course, Paths(course)


def git(cwd, *args, date=None):
    env = {**os.environ, **GIT_ENV, **({"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date} if date else {})}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def student_repo(path, commits):
    """A repository with one commit per (date, {file: bytes}) in order."""
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    for date, files in commits:
        for name, data in files.items():
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            (path / name).write_bytes(data)
        git(path, "add", "-A")
        git(path, "commit", "-q", "-m", date, date=date)
    return path


NB_PATH = "modules/01_alpha/alpha.ipynb"


def test_collects_the_last_commit_before_the_deadline_and_lists_every_problem(course, tmp_path):
    course, paths = course
    early, late = "2026-11-01T10:00:00+00:00", "2026-11-20T10:00:00+00:00"
    student_repo(
        tmp_path / "ada",
        [(early, {NB_PATH: notebook(*ALPHA, answer="early")}), (late, {NB_PATH: notebook(*ALPHA, answer="late")})],
    )
    student_repo(tmp_path / "bob", [(late, {NB_PATH: notebook(*ALPHA)})])
    student_repo(tmp_path / "cy", [(early, {NB_PATH: b'{"cells": ['})])
    student_repo(tmp_path / "dee", [(early, {NB_PATH: notebook(*BETA)})])
    student_repo(tmp_path / "eve", [(early, {"README.md": b"hello"})])
    (tmp_path / "roster.csv").write_text(
        "student,name,repository\nada,Ada,ada\nbob,Bob,bob\ncy,Cy,cy\ndee,Dee,dee\n"
        "eve,Eve,eve\nfay,Fay,nowhere\ngus,Gus,ada\ngus,Gus 2,bob\n"
    )
    results = collect(course, paths, [course.module("alpha")], roster=str(tmp_path / "roster.csv"), before="2026-11-10")
    status = {o.student: (o.status, o.message) for o in results["alpha"]}
    assert status["ada"][0] == "collected"
    assert b'"early"' in paths.submission_file("ada", course.module("alpha")).read_bytes()
    origin = json.loads(paths.submission_origin("ada", course.module("alpha")).read_text())
    assert (
        origin["committed"].startswith("2026-11-01T10:00:00")
        and len(origin["commit"]) == 40
        and origin["path"] == NB_PATH
    )
    assert (
        status["bob"][0] == "problem" and "no commit before the deadline 2026-11-10T00:00:00+00:00" in status["bob"][1]
    )
    assert status["cy"][0] == "problem" and "cy at " in status["cy"][1] and "is not valid JSON" in status["cy"][1]
    assert status["dee"][0] == "problem" and "notebook of module 'beta', not of 'alpha'" in status["dee"][1]
    assert status["eve"] == ("missing", status["eve"][1]) and "no alpha.ipynb" in status["eve"][1]
    assert status["fay"][0] == "problem" and "could not be fetched" in status["fay"][1]
    roster_problems = [o.message for o in results["alpha"] if o.student == "(roster)"]
    assert len(roster_problems) == 2 and all("duplicate student id 'gus'" in m for m in roster_problems)
    assert "roster.csv:8: " in roster_problems[0] and "roster.csv:9: " in roster_problems[1]
    for student in ("bob", "cy", "dee", "eve", "fay", "gus"):
        assert not paths.submission_dir(student, course.module("alpha")).exists()
    report = json.loads(paths.collect_report(course.module("alpha")).read_text())
    assert {r["student"] for r in report} >= {"ada", "fay"}
    text = summary(results)
    print(text)
    assert (
        text.startswith("alpha: 1 collected, 1 missing, 6 with a problem")
        and "  fay: problem (repository nowhere" in text
    )

    # without --before (no deadline configured): the latest commit
    again = collect(course, paths, [course.module("alpha")], roster=str(tmp_path / "roster.csv"))
    assert {o.student for o in again["alpha"] if o.status == "collected"} == {"ada", "bob"}
    assert b'"late"' in paths.submission_file("ada", course.module("alpha")).read_bytes()


def test_collects_an_nbgrader_submitted_folder(course, tmp_path):
    course, paths = course
    submitted = tmp_path / "submitted"
    files = {
        "ann/beta/beta.ipynb": notebook(*BETA),
        "ben/02_beta/whatever.ipynb": notebook(*BETA),
        "cat/beta/beta.py": b"# %%\ndef double(x):\n    return 2 * x\n",
        "dan/beta/beta.ipynb": b"",
        "eli/beta/beta.ipynb": b"{" + b" " * (MAX_BYTES + 1) + b"}",
        "fox/beta/beta.ipynb": notebook(*BETA).replace(b'"nbformat": 4', b'"nbformat": 3'),
        "guy/alpha/alpha.ipynb": notebook(*ALPHA),
        "hal/beta/beta.ipynb": notebook(*BETA),
    }
    for name, data in files.items():
        (submitted / name).parent.mkdir(parents=True, exist_ok=True)
        (submitted / name).write_bytes(data)
    (submitted / "ann/beta/timestamp.txt").write_text("2026-11-30 09:00:00.000000 UTC")
    (submitted / "hal/beta/beta.ipynb").chmod(0)
    results = collect(course, paths, [course.module("beta")], folder=str(submitted))
    status = {o.student: (o.status, o.message) for o in results["beta"]}
    beta = course.module("beta")
    assert status["ann"][0] == status["ben"][0] == "collected"
    assert json.loads(paths.submission_origin("ann", beta).read_text())["submitted"] == "2026-11-30 09:00:00.000000 UTC"
    assert paths.submission_file("ben", beta).read_bytes() == files["ben/02_beta/whatever.ipynb"]
    assert "cat/beta/beta.py is a Python file" in status["cat"][1]
    assert "dan/beta/beta.ipynb is empty" in status["dan"][1]
    assert "eli/beta/beta.ipynb is 21.0 MB" in status["eli"][1]
    assert "nbformat version 3" in status["fox"][1]
    assert status["guy"][0] == "missing"
    if os.geteuid() != 0:  # root reads anything
        assert "could not be read" in status["hal"][1]


def test_without_a_roster_or_folder_says_what_to_configure(course):
    course, paths = course
    with pytest.raises(CourseError, match="set grading.roster"):
        collect(course, paths, [course.module("alpha")])


def test_a_bad_before_date_is_a_clear_error(course, tmp_path):
    course, paths = course
    (tmp_path / "r.csv").write_text("student,name,repository\n")
    with pytest.raises(CourseError, match="--before: 'friday' is not a date"):
        collect(course, paths, [course.module("alpha")], roster=str(tmp_path / "r.csv"), before="friday")


def test_the_deadline_comes_from_course_yaml_and_before_overrides_it(tmp_path):
    from tasks.grade.collect import deadline_of

    root = write_mini_course(tmp_path / "mini", extra_yaml="grading:\n  deadlines:\n    alpha: 2026-11-10 12:00\n")
    course = load_course(root)
    assert deadline_of(course, course.module("alpha"), None) == datetime(2026, 11, 10, 12, tzinfo=timezone.utc)
    assert deadline_of(course, course.module("beta"), None) is None
    assert (
        deadline_of(course, course.module("alpha"), "2026-11-11T08:00+01:00").isoformat() == "2026-11-11T08:00:00+01:00"
    )


# --- a folder of adversaries (`--from DIR`): links, pipes, side files, ids ------------------------------


def submitted_folder(root, files: dict):
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def statuses(results, module="beta"):
    return {o.student: (o.status, o.message) for o in results[module]}


def test_links_in_a_submitted_folder_are_refused_and_never_followed(course, tmp_path):
    course, paths = course
    beta = course.module("beta")
    home = submitted_folder(tmp_path / "instructor-home", {"beta/beta.ipynb": notebook(*BETA, answer="SECRET")})
    submitted = submitted_folder(
        tmp_path / "submitted",
        {
            "ann/beta/beta.ipynb": notebook(*BETA),
            "bo/beta/real.ipynb": notebook(*BETA),
            "di/beta/beta.ipynb": notebook(*BETA),
            "ed/beta/beta.ipynb": notebook(*BETA),
            "fi/beta/beta.ipynb": notebook(*BETA),
        },
    )
    (submitted / "cy").symlink_to(home)  # the whole student folder is a link to the instructor's home
    (submitted / "bo/beta/beta.ipynb").symlink_to(home / "beta/beta.ipynb")  # the notebook is a link
    (submitted / "gus").mkdir()
    (submitted / "gus/02_beta").symlink_to(home / "beta")  # the module folder is a link
    (submitted / "di/beta/data").mkdir()
    (submitted / "di/beta/data/keys").symlink_to("/etc")  # a link deeper down, never read but refused
    (submitted / "ed/beta/timestamp.txt").symlink_to("/etc/passwd")  # a side file that is a link
    (submitted / "fi/beta/beta.ipynb").unlink()
    os.mkfifo(submitted / "fi/beta/beta.ipynb")  # would block a plain open() forever
    for student in ("bo", "cy", "di", "ed", "fi", "gus"):
        paths.submission_dir(student, beta).mkdir(parents=True, exist_ok=True)
        paths.submission_file(student, beta).unlink(missing_ok=True)
    status = statuses(collect(course, paths, [beta], folder=str(submitted)))
    assert status["ann"][0] == "collected"
    link = "is a symbolic link; links in a submission are never followed"
    assert status["cy"] == (
        "problem",
        f"{submitted / 'cy'} {link}: put the real file or folder there and collect again",
    )
    assert status["bo"][0] == "problem" and f"{submitted / 'bo/beta/beta.ipynb'} {link}" in status["bo"][1]
    assert status["gus"][0] == "problem" and f"{submitted / 'gus/02_beta'} {link}" in status["gus"][1]
    assert status["di"][0] == "problem" and f"{submitted / 'di/beta/data/keys'} {link}" in status["di"][1]
    assert status["ed"][0] == "problem" and f"{submitted / 'ed/beta/timestamp.txt'} {link}" in status["ed"][1]
    assert status["fi"] == (
        "problem",
        f"{submitted / 'fi/beta/beta.ipynb'} is not a regular file (a pipe or a device); remove it",
    )
    for student in ("bo", "cy", "di", "ed", "fi", "gus"):
        assert not paths.submission_file(student, beta).exists()  # nothing of the instructor's home was stored
    assert all(b"SECRET" not in p.read_bytes() for p in paths.submissions.rglob("*") if p.is_file())


def test_side_files_are_read_with_a_cap_and_checked(course, tmp_path):
    course, paths = course
    beta = course.module("beta")
    submitted = submitted_folder(
        tmp_path / "submitted",
        {
            "ann/beta/beta.ipynb": notebook(*BETA),
            "ann/beta/timestamp.txt": b"2026-11-30 09:00:00.000000 UTC\n",
            "bea/beta/beta.ipynb": notebook(*BETA),
            "bea/beta/timestamp.txt": b"2026-11-30 09:00:00 UTC" + b" " * 5000,
            "cal/beta/beta.ipynb": notebook(*BETA),
            "cal/beta/timestamp.txt": b"yesterday, honest",
            "dov/beta/beta.ipynb": notebook(*BETA),
            "dov/beta/timestamp.txt": b"2026-11-30 09:00:00 UTC\n2026-11-01 09:00:00 UTC",
            "eli/beta/beta.ipynb": notebook(*BETA),
            "eli/beta/timestamp.txt": b"\xff\xfe2026",
        },
    )
    status = statuses(collect(course, paths, [beta], folder=str(submitted)))
    assert status["ann"][0] == "collected"
    assert json.loads(paths.submission_origin("ann", beta).read_text())["submitted"] == "2026-11-30 09:00:00.000000 UTC"
    assert status["bea"] == (
        "problem",
        f"{submitted / 'bea/beta/timestamp.txt'} is 5,023 bytes, more than the 4,096 it may have; remove it",
    )
    for student in ("cal", "dov", "eli"):
        assert status[student][0] == "problem", student
        assert f"{submitted / student / 'beta/timestamp.txt'} is not a submission time" in status[student][1]
        assert not paths.submission_dir(student, beta).exists()


def test_folder_names_are_student_ids_by_the_rosters_rules(course, tmp_path):
    course, paths = course
    beta = course.module("beta")
    submitted = submitted_folder(
        tmp_path / "submitted",
        {
            f"{name}/beta/beta.ipynb": notebook(*BETA)
            for name in ("ann", "Ada", "ada", "Bob", "ann smith", "zoë", "new\nline", "ok.id+x@y-z_1")
        },
    )
    (tmp_path / "roster.csv").write_text("student,name,repository\nbob,Bob,b.git\n")
    results = collect(course, paths, [beta], folder=str(submitted), roster=str(tmp_path / "roster.csv"))
    status = statuses(results)
    assert status["ann"][0] == status["ok.id+x@y-z_1"][0] == "collected"
    case = "only in case: they would share one folder on a case-insensitive file system (macOS, Windows)"
    assert status["Ada"] == (
        "problem",
        f"{submitted / 'Ada'} differs from the student id 'ada' {case}; rename one (folder or roster id), then collect again",
    )
    assert (
        status["ada"][0] == "problem"
        and f"{submitted / 'ada'} differs from the student id 'Ada' {case}" in status["ada"][1]
    )
    assert status["Bob"][0] == status["bob"][0] == "problem"  # a folder and a roster id
    assert (
        "differs from the student id 'bob'" in status["Bob"][1]
        and "differs from the student id 'Bob'" in status["bob"][1]
    )
    for name in ("ann smith", "zoë", "new\nline"):
        assert status[name][0] == "problem" and f"student id '{name}' cannot name a folder" in status[name][1]
    for name in ("Ada", "ada", "Bob", "bob", "ann smith", "zoë", "new\nline"):
        assert not paths.submission_dir(name, beta).exists()


def test_an_oversized_roster_is_refused_unread(course, tmp_path):
    course, paths = course
    roster = tmp_path / "roster.csv"
    roster.write_text("student,name,repository\n")
    os.truncate(roster, 11 * 2**20)  # sparse: 11 MB that would all be parsed
    with pytest.raises(CourseError, match=r"roster.csv: the roster is 11,534,336 bytes, more than the 10,485,760"):
        collect(course, paths, [course.module("alpha")], roster=str(roster))


# --- student data stays out of the course's git repository ----------------------------------------------


def git_repo(root):
    git(root, "init", "-q", "-b", "main")
    return root


def test_the_course_gitignore_keeps_student_data_out_of_git(tmp_path):
    from conftest import REPO, copy_course

    root = git_repo(copy_course(tmp_path / "course"))
    shutil.copy2(REPO / ".gitignore", root / ".gitignore")
    data = [
        "submissions/ada/tensor/tensor.ipynb",
        "submissions/ada/tensor/origin.json",
        "grades/gradebook.sqlite",
        "grades/.grade.lock",
        "roster.csv",  # the roster's usual name (docs/grading.md)
        "classroom_roster.csv",  # GitHub Classroom's download
        "grading/roster.csv",  # where course.yaml's checks suggest grading.roster and grading.submitted live
        "grading/submitted/ada/tensor/tensor.ipynb",
        "nbgrader/submitted/ada/tensor/tensor.ipynb",
        "hand-scores.csv",
    ]
    found = subprocess.run(["git", "check-ignore", *data], cwd=root, capture_output=True, text=True)
    assert found.stdout.split() == data, found.stderr
    course_files = ["course.yaml", "modules/01_tensor/tensor.py", "tasks/grade/roster.py"]
    kept = subprocess.run(["git", "check-ignore", *course_files], cwd=root, capture_output=True, text=True)
    assert kept.returncode == 1 and kept.stdout == ""  # nothing of the course itself is ignored


def test_collect_warns_when_the_roster_or_the_submitted_folder_would_be_committed(tmp_path):
    root = git_repo(write_mini_course(tmp_path / "mini", extra_yaml="grading:\n  roster: people.csv\n"))
    submitted = submitted_folder(root / "downloads", {"ann/alpha/alpha.ipynb": notebook(*ALPHA)})
    (root / "people.csv").write_text("student,name,repository\nann,Ann,a.git\n")
    course = load_course(root)
    results = collect(course, Paths(course), [course.module("alpha")], folder=str(submitted))
    warnings = [o.message for o in results["alpha"] if o.status == "warning"]
    assert [w.split(":")[0] for w in warnings] == ["people.csv", "downloads"]
    assert (
        "holds student data, and git would commit it" in warnings[0]
        and "add '/people.csv' to .gitignore" in warnings[0]
    )
    assert summary(results).startswith(
        "alpha: 1 collected, 0 missing, 0 with a problem\n  (course): warning (people.csv: "
    )
    (root / ".gitignore").write_text("/people.csv\n/downloads/\n")
    again = collect(course, Paths(course), [course.module("alpha")], folder=str(submitted))
    assert [o.status for o in again["alpha"]] == ["collected"]
