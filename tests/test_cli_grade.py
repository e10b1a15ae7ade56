"""tasks/cli/grade.py: `tito grade` / `tito module grade` as a real subprocess: usage errors and a real run."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys

import pytest

from gradeclass import ADD, REPO, answer, correct, released, write_class, write_course

HIDDEN_TEST_LINE = 'assert list(add([5], [-5])) == [0], "VEC_HIDDEN_CHECK"\n'


def tito(root, *args):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-m", "tasks.cli.grade", "-C", str(root), *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.parametrize(
    "args, fragment",
    [
        ((), "name the modules to grade (e.g. `tito grade tensor`) or pass --all"),
        (("vex",), "no module 'vex'; did you mean 'vec'?"),
        (("vec", "--workers", "0"), "--workers 0: give at least 1"),
        (("vec", "--scheduler", "tcp://127.0.0.1:9"), "cannot reach the Dask scheduler at tcp://127.0.0.1:9"),
        (("vec", "--scheduler", "tls://127.0.0.1:9"), "uses TLS, but course.yaml names no certificates for it"),
    ],
    ids=["no-module", "unknown-module", "zero-workers", "unreachable-scheduler", "tls-without-certificates"],
)
def test_usage_problems_are_messages_not_tracebacks(tmp_path, args, fragment):
    root = write_course(tmp_path / "course")
    write_class(root, ["s01-correct"])
    result = tito(root, *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert fragment in result.stderr and "Traceback" not in result.stderr


def test_grade_a_module_by_number_for_chosen_students_only(tmp_path):
    root = write_course(tmp_path / "course")
    write_class(root, ["s01-correct", "s04-stubs", "s18-broken-json"])
    result = tito(root, "01", "--student", "s04-stubs", "--student", "s01-correct", "--workers", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "graded 2 submission(s), 0 already up to date, 0 could not be graded" in result.stdout
    with sqlite3.connect(root / "grades/gradebook.sqlite") as db:
        graded = sorted(r[0] for r in db.execute("SELECT student FROM submissions"))
    assert graded == ["s01-correct", "s04-stubs"]


def test_grade_all_with_feedback(tmp_path):
    root = write_course(tmp_path / "course")
    write_class(root, ["s01-correct", "s04-stubs", "s18-broken-json"])  # s04: the fresh student notebook, as released
    result = tito(root, "--all", "--feedback", "--workers", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "graded 3 submission(s), 0 already up to date, 0 could not be graded" in result.stdout
    assert re.search(r"^grading took \d+\.\d s, \d+\.\d submissions a second \(start excluded\)$", result.stdout, re.M)
    with sqlite3.connect(root / "grades/gradebook.sqlite") as db:
        rows = db.execute("SELECT outcome FROM results WHERE student = 's04-stubs' ORDER BY position").fetchall()
        notes = db.execute("SELECT notes FROM submissions WHERE student = 's04-stubs'").fetchone()[0]
    assert [r[0] for r in rows] == ["not_attempted", "not_attempted", "not_attempted", "hand"]
    assert notes == "[]"  # its Run All cell is no cell the student "added"
    assert "s18-broken-json/vec/vec.ipynb: is not valid JSON" in result.stdout
    assert (root / "build/feedback/s01-correct/01_vec.html").is_file()
    assert (root / "grades/gradebook.sqlite").is_file()
    again = tito(root, "vec")
    assert "graded 0 submission(s), 3 already up to date" in again.stdout and again.returncode == 0
    assert "grading took" not in again.stdout  # nothing graded, no cluster started
    # a page the leak guard refuses (the student's code quotes a hidden test): said, and the exit is not 0
    quoting = root / "submissions/s25-quotes-hidden/vec/vec.ipynb"
    quoting.parent.mkdir(parents=True)
    quoting.write_text(json.dumps(answer(correct(released(root, "vec")), "vec-add", ADD + HIDDEN_TEST_LINE)))
    refused = tito(root, "vec", "--feedback")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "graded 1 submission(s), 3 already up to date, 0 could not be graded" in refused.stdout
    assert "feedback for s25-quotes-hidden (vec) not written" in refused.stderr and "LEAK" in refused.stderr
    assert not (root / "build/feedback/s25-quotes-hidden").exists()
    assert (root / "build/feedback/s01-correct/01_vec.html").is_file()


def test_grade_refuses_without_a_sandbox_unless_told(tmp_path, monkeypatch):
    """A machine where the sandbox cannot start (here: TITO_BWRAP names no binary): `tito grade` refuses with
    the reason and the way out, grading nothing; `--no-sandbox` grades, and the gradebook says how."""
    root = write_course(tmp_path / "course")
    write_class(root, ["s01-correct"])
    monkeypatch.setenv("TITO_BWRAP", str(tmp_path / "no-bwrap"))
    refused = tito(root, "vec")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "no-bwrap is not an executable file" in refused.stderr and "--no-sandbox" in refused.stderr
    assert not (root / "grades/gradebook.sqlite").exists() or "graded" not in refused.stdout
    # enough submissions for the embedded cluster: refused alike, before it grades anything
    many = write_course(tmp_path / "many")
    write_class(many, ["s01-correct", "s02-correct", "s04-stubs"])
    refused = tito(many, "vec", "--workers", "1")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr
    assert "no-bwrap is not an executable file" in refused.stderr and "--no-sandbox" in refused.stderr
    assert "graded" not in refused.stdout
    graded = tito(root, "vec", "--no-sandbox", "--workers", "1", "--feedback")
    assert graded.returncode == 0, graded.stdout + graded.stderr
    with sqlite3.connect(root / "grades/gradebook.sqlite") as db:
        notes = db.execute("SELECT notes FROM submissions WHERE student = 's01-correct'").fetchone()[0]
    assert "graded without the sandbox" in notes
    assert "graded without the sandbox" in (root / "build/feedback/s01-correct/01_vec.html").read_text()


def test_a_second_tito_grade_on_the_same_course_is_refused_at_once(tmp_path):
    import time

    root = write_course(tmp_path / "course")
    write_class(root, ["s01-correct", "s15-infinite-loop"])  # the loop keeps the first run busy for seconds
    env = dict(os.environ, PYTHONPATH=str(REPO))
    command = [sys.executable, "-m", "tasks.cli.grade", "-C", str(root), "vec", "--workers", "1"]
    first = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lock = root / "grades/.grade.lock"
    try:
        for _ in range(600):
            if lock.is_file() and lock.read_text().startswith(f"pid {first.pid}, since "):
                break
            assert first.poll() is None, first.communicate()
            time.sleep(0.05)
        second = tito(root, "vec")
        assert first.poll() is None  # refused while the first still runs: it did not wait for it
    finally:
        out, err = first.communicate(timeout=600)
    assert second.returncode == 2 and "Traceback" not in second.stderr
    assert (
        f"grades/.grade.lock: another `tito grade` is running for this course (pid {first.pid}, since " in second.stderr
    )
    assert "wait for it to finish, or stop it (Ctrl-C where it runs, or kill " in second.stderr
    assert first.returncode == 0 and "graded 2 submission(s)" in out, out + err
    third = tito(root, "vec")  # the lock went with the first run
    assert third.returncode == 0 and "graded 0 submission(s), 2 already up to date" in third.stdout
