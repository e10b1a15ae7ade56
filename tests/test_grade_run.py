"""tasks/grade/run.py: a synthetic class graded end to end on an embedded 2-worker Dask cluster.

The gradebook must equal the expected scores exactly; a second run grades nothing; a new submission or a
changed test regrades exactly what it affects; grading against the student's own package; a run killed
midway loses only the submissions in flight.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tasks.course.config import load_course
from tasks.course.paths import Paths
from tasks.grade import gradebook
from tasks.grade.run import grade

from gradeclass import ADD, CLASS, EXPECTED_OUTCOMES, MEAN, REPO, answer, correct, released, write_class, write_course


@pytest.fixture(scope="module")
def client():
    from tasks.grade.cluster import open_client

    with open_client(None, 2) as client:
        yield client


def points(db, module="vec"):
    found = {}
    for row in gradebook.results(db, module):
        found.setdefault(row["student"], []).append(row["points"])
    return found


def outcomes(db, module="vec"):
    found = {}
    for row in gradebook.results(db, module):
        found.setdefault(row["student"], []).append(row["outcome"])
    return found


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory, client):
    root = write_course(tmp_path_factory.mktemp("class") / "course")
    expected = write_class(root)
    course = load_course(root)
    paths = Paths(course)
    outcome = grade(course, paths, ["vec"], client=client)
    return root, course, paths, expected, outcome


def test_the_class_gradebook_equals_the_expected_scores_exactly(graded_class):
    root, course, paths, expected, outcome = graded_class
    assert len(CLASS) >= 20
    assert (len(outcome.graded), outcome.skipped, outcome.failed) == (len(CLASS), 0, [])
    db = gradebook.open_gradebook(paths.gradebook)
    assert points(db) == {student: [float(p) for p in pts] for student, pts in expected.items()}
    found = outcomes(db)
    for student, wanted in EXPECTED_OUTCOMES.items():
        assert found[student] == wanted, student
    subs = {s["student"]: s for s in gradebook.submissions(db, "vec")}
    assert (
        subs["s18-broken-json"]["status"] == "error"
        and "s18-broken-json/vec/vec.ipynb: is not valid JSON" in subs["s18-broken-json"]["message"]
    )
    assert "longer than" in subs["s15-infinite-loop"]["message"]
    assert "SIGSEGV" in subs["s16-crash"]["message"]
    assert subs["s01-correct"]["score"] == 9 and subs["s01-correct"]["max_score"] == 10


def test_nothing_new_grades_nothing(graded_class, client):
    root, course, paths, expected, _ = graded_class
    again = grade(course, paths, ["vec"], client=client)
    assert (again.graded, again.skipped) == ([], len(CLASS))


def test_nothing_new_needs_no_cluster(graded_class):
    """An up-to-date run contacts no cluster: here an unreachable scheduler would be an error."""
    import socket

    root, course, paths, expected, _ = graded_class
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        nowhere = f"tcp://127.0.0.1:{sock.getsockname()[1]}"
    again = grade(course, paths, ["vec"], scheduler=nowhere)
    assert (again.graded, again.skipped) == ([], len(CLASS))


# files that decide a score (through the grading task or the reading of answers), and files that do not
DECIDE_SCORES = (
    *("grade/task.py", "grade/score.py", "grade/rehydrate.py", "grade/bundle.py", "grade/submissions.py"),
    *("grade/runner.py", "grade/sandbox.py", "grade/sandboxed.py", "notebook/nbgrader.py", "variants/stubs.py"),
    *("variants/transforms.py", "variants/markers.py", "base/errors.py", "grade/__init__.py", "__init__.py"),
)
DECIDE_NOTHING = ("grade/feedback.py", "grade/report.py", "grade/gradebook.py", "graph/reporter.py", "cli/status.py")


@pytest.fixture
def engine_copy(tmp_path, monkeypatch):
    """A copy of tasks/ that the import scan reads (base/engine.py), to edit without touching the real one."""
    import shutil

    from tasks.base import engine

    copy = tmp_path / "tasks"
    shutil.copytree(engine.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(engine, "PACKAGE_DIR", copy)
    yield copy
    forget_the_import_scan()


def forget_the_import_scan():
    """As in a new process: the import scan reads the files again (it is cached per process)."""
    from tasks.base import engine

    for cached in (engine._module_index, engine.local_imports, engine.engine_files):
        cached.cache_clear()


def test_a_change_to_any_code_that_decides_scores_regrades_and_no_other_does(engine_copy):
    """The grader's key is a fingerprint of every engine module grading imports, transitively: a file added
    to that code is followed, a file it does not import changes nothing."""
    from tasks.grade.run import grader_hash

    def changed(edit) -> bool:
        forget_the_import_scan()
        before = grader_hash()
        edit()
        forget_the_import_scan()
        return grader_hash() != before

    def append(name, text="\n# edited\n"):
        return lambda: (engine_copy / name).write_text((engine_copy / name).read_text() + text)

    assert {name for name in DECIDE_SCORES if changed(append(name))} == set(DECIDE_SCORES)
    assert {name for name in DECIDE_NOTHING if changed(append(name))} == set()
    assert not changed(lambda: (engine_copy / "grade/rule.py").write_text("LIMIT = 1\n"))  # imported by nothing
    assert changed(append("grade/score.py", "from .rule import LIMIT\n"))
    assert changed(append("grade/rule.py")), "a module grading starts to import is part of the fingerprint"


@pytest.mark.parametrize("where", ["cluster", "in-process"])
def test_a_task_that_raises_on_the_worker_is_that_submissions_grading_error(graded_class, client, where):
    """Grading itself failing (here a package file the worker cannot send) is recorded for that submission
    only, under a key that makes the next run grade it again; the other submission is graded. The same on
    the cluster and in this process."""
    from dataclasses import replace

    from tasks.grade.bundle import load_bundle
    from tasks.grade.run import RETRY, execute
    from tasks.grade.submissions import read_submission
    from tasks.grade.task import Limits

    root, course, paths, expected, _ = graded_class
    module = course.module("vec")
    bundle = load_bundle(course, paths, module)
    broken = replace(bundle, package=(("tinytorch/broken.py", None),))
    files = {s: paths.submission_file(s, module) for s in ("s01-correct", "s02-correct")}
    todo = [
        (read_submission(files[s], paths.rel(files[s]), s, "vec", bundle), b, f"k-{s}")
        for s, b in (("s01-correct", broken), ("s02-correct", bundle))
    ]
    on = client if where == "cluster" else None
    results = {r.student: r for r in execute(todo, Limits(timeout=3, memory_mb=256), on, threads=2)}
    failed, fine = results["s01-correct"], results["s02-correct"]
    assert failed.status == "error" and failed.key == RETRY + "k-s01-correct", failed.message
    assert "grading failed (AttributeError: " in failed.message
    assert "run `tito grade vec` again" in failed.message
    assert fine.status == "graded" and fine.score == 9


def test_a_small_run_in_process_starts_one_warm_parent_not_one_per_thread(graded_class):
    """In this process, a second thread (with a warm parent of its own to start, as long as grading
    WARM_START submissions) is started only for more than WARM_START submissions after the first: 4 go
    through one warm parent, in order; the scores are the cluster's."""
    from tasks.grade import sandbox
    from tasks.grade.bundle import load_bundle
    from tasks.grade.run import WARM_START, execute
    from tasks.grade.submissions import read_submission
    from tasks.grade.task import Limits

    root, course, paths, expected, _ = graded_class
    module = course.module("vec")
    bundle = load_bundle(course, paths, module)
    students = ["s01-correct", "s04-stubs", "s06-partial", "s07-wrong-add"]
    files = {s: paths.submission_file(s, module) for s in students}
    todo = [(read_submission(files[s], paths.rel(files[s]), s, "vec", bundle), bundle, f"k-{s}") for s in students]
    sandbox.close_all()
    results = list(execute(todo, Limits(timeout=3, memory_mb=256), None, threads=2))
    assert len(sandbox._PARENTS[True]) == 1 and len(todo) - 1 <= WARM_START
    assert [r.student for r in results] == students
    assert {r.student: [c.points for c in r.cells] for r in results} == {
        s: [float(p) for p in expected[s]] for s in students
    }


def test_grading_in_process_is_decided_by_the_count_and_the_scheduler():
    """A few submissions (at most SMALL_RUN per worker) on this machine: no cluster; any more, or an existing
    cluster, go to Dask."""
    from tasks.grade.cluster import SMALL_RUN, grade_in_process

    assert grade_in_process(1, None, 1) and grade_in_process(SMALL_RUN * 2, None, 2)
    assert not grade_in_process(SMALL_RUN * 2 + 1, None, 2)
    assert grade_in_process(SMALL_RUN * (os.cpu_count() or 1), None, None)  # default: one worker per core
    assert not grade_in_process(SMALL_RUN * (os.cpu_count() or 1) + 1, None, None)
    assert not grade_in_process(1, "tls://grader.example.org:8786", None)


def test_a_few_submissions_are_graded_in_process_without_starting_dask(tmp_path):
    """`tito grade` of 3 submissions with 2 workers: graded right in the tito process, which never imports
    Dask; the output (progress, summary) is the one of a cluster run. Then 5 submissions go to the cluster."""
    root = write_course(tmp_path / "course")
    expected = write_class(root, ["s01-correct", "s04-stubs", "s15-infinite-loop"])
    probe = (
        "import sys\nfrom tasks.cli.grade import main\ncode = main(sys.argv[1:])\n"
        "print('dask imported:', 'distributed' in sys.modules)\nsys.exit(code)"
    )
    command = [sys.executable, "-c", probe, "-C", str(root), "vec", "--workers", "2"]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    run = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "graded 3 submission(s), 0 already up to date, 0 could not be graded" in run.stdout
    assert "grading took" in run.stdout and "3/3" in run.stderr  # the summary and the progress bar
    assert "dask imported: False" in run.stdout
    db = gradebook.open_gradebook(root / "grades/gradebook.sqlite")
    assert points(db) == {s: [float(p) for p in pts] for s, pts in expected.items()}

    write_class(root, ["s02-correct", "s03-correct", "s06-partial", "s07-wrong-add", "s05-stubs"])
    run = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "graded 5 submission(s), 3 already up to date" in run.stdout and "dask imported: True" in run.stdout


def test_a_new_submission_or_a_changed_test_regrades_exactly_what_it_affects(tmp_path, client):
    root = write_course(tmp_path / "course")
    write_class(root, ["s01-correct", "s04-stubs", "s07-wrong-add"])
    for student, change in (("s01-correct", lambda nb: answer(nb, "stats-mean", MEAN)), ("s04-stubs", lambda nb: nb)):
        target = root / "submissions" / student / "stats" / "stats.ipynb"
        target.parent.mkdir(parents=True)
        import json

        target.write_text(json.dumps(change(released(root, "stats"))))
    course = load_course(root)
    paths = Paths(course)
    first = grade(course, paths, [], client=client)
    assert len(first.graded) == 5
    db = gradebook.open_gradebook(paths.gradebook)
    assert points(db, "stats") == {"s01-correct": [5.0], "s04-stubs": [0.0]}

    import json

    (root / "submissions/s04-stubs/vec/vec.ipynb").write_text(json.dumps(correct(released(root, "vec"))))
    second = grade(course, paths, [], client=client)
    assert [(r.student, r.module) for r in second.graded] == [("s04-stubs", "vec")] and second.skipped == 4
    assert points(db)["s04-stubs"] == [2.0, 3.0, 4.0, 0.0]

    source = root / "modules/02_stats/stats.py"
    source.write_text(source.read_text().replace("== 4.0", "== 4.0\nassert mean([2]) == 2.0"))
    third = grade(course, paths, [], client=client)
    assert sorted((r.student, r.module) for r in third.graded) == [("s01-correct", "stats"), ("s04-stubs", "stats")]
    assert third.skipped == 3


def test_progressive_grading_uses_reference_exports_or_the_students_own(tmp_path, client):
    import json

    root = write_course(tmp_path / "course")
    write_class(root, ["s07-wrong-add"])  # a broken `add` in vec ...
    target = root / "submissions/s07-wrong-add/stats/stats.ipynb"
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(answer(released(root, "stats"), "stats-mean", MEAN)))  # ... and a right `mean`
    course = load_course(root)
    paths = Paths(course)
    grade(course, paths, ["stats"], client=client)
    db = gradebook.open_gradebook(paths.gradebook)
    assert points(db, "stats") == {"s07-wrong-add": [5.0]}  # graded against the reference `add`
    own = grade(course, paths, ["stats"], client=client, own_package=True)
    assert len(own.graded) == 1  # another package is another key
    assert points(db, "stats") == {"s07-wrong-add": [0.0]}


def test_a_run_killed_midway_loses_only_submissions_in_flight(tmp_path):
    root = write_course(tmp_path / "course", timeout=2)
    students = [
        "s01-correct",
        "s15-infinite-loop",
        "s02-correct",
        "s04-stubs",
        "s06-partial",
        "s03-correct",
        "s07-wrong-add",
    ]
    expected = write_class(root, students)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    command = [sys.executable, "-m", "tasks.cli.grade", "-C", str(root), "vec", "--workers", "1"]
    log = open(tmp_path / "first-run.log", "w")
    proc = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    gradebook_file = root / "grades/gradebook.sqlite"
    try:
        for _ in range(1200):
            if (
                proc.poll() is not None
                or gradebook_file.exists()
                and gradebook.submissions(gradebook.open_gradebook(gradebook_file))
            ):
                break
            time.sleep(0.1)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
        log.close()
    db = gradebook.open_gradebook(gradebook_file)
    kept = gradebook.submissions(db)
    assert 1 <= len(kept) < len(students), (tmp_path / "first-run.log").read_text()[-3000:]
    rows = points(db)
    assert all(rows[s["student"]] == [float(p) for p in expected[s["student"]]] for s in kept)  # nothing half-written

    rerun = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"graded {len(students) - len(kept)} submission(s), {len(kept)} already up to date" in rerun.stdout
    assert points(gradebook.open_gradebook(gradebook_file)) == {
        s: [float(p) for p in pts] for s, pts in expected.items()
    }


def test_own_package_falls_back_to_the_reference_for_a_dependency_that_does_not_export(tmp_path):
    import json

    from tasks.grade.bundle import load_bundle
    from tasks.grade.run import pending
    from tasks.grade.task import Limits, grade_submission

    root = write_course(tmp_path / "course")
    vec = {
        "s07-wrong-add": "def add(a, b):\n    return np.asarray(a) - np.asarray(b)\n",  # exports: its own package
        "s17-syntax-error": "def add(a, b)\n    return a + b\n",  # does not parse
        "s30-return-outside": ADD + "return add\n",  # parses, does not compile
        "s31-deep": ADD + "x = 1" + " + 1" * 100_000 + "\n",  # too deep for the compiler
    }
    for student, code in vec.items():
        (root / f"submissions/{student}/vec").mkdir(parents=True)
        (root / f"submissions/{student}/vec/vec.ipynb").write_text(
            json.dumps(answer(released(root, "vec"), "vec-add", "#| export\n" + code))  # as the stub had it
        )
    (root / "submissions/s18-broken-json/vec").mkdir(parents=True)
    (root / "submissions/s18-broken-json/vec/vec.ipynb").write_text('{"cells": [')  # cannot be read
    for student in [*vec, "s18-broken-json"]:
        target = root / f"submissions/{student}/stats/stats.ipynb"
        target.parent.mkdir(parents=True)
        target.write_text(json.dumps(answer(released(root, "stats"), "stats-mean", MEAN)))
    course = load_course(root)
    paths = Paths(course)
    reference = load_bundle(course, paths, course.module("stats")).package
    todo, _ = pending(
        course, paths, course.module("stats"), gradebook.open_gradebook(paths.gradebook), force=True, own_package=True
    )
    graded = {submission.student: (submission, bundle, key) for submission, bundle, key in todo}
    own = dict(graded["s07-wrong-add"][1].package)["tinytorch/core/vec.py"].decode()
    assert "np.asarray(a) - np.asarray(b)" in own and graded["s07-wrong-add"][0].answers.notes == ()
    reasons = {
        "s17-syntax-error": "your code does not export as a package (exported cell does not parse: ",
        "s30-return-outside": "your code does not export as a package (SyntaxError: 'return' outside function (line ",
        "s31-deep": "your code does not export as a package (RecursionError: maximum recursion depth exceeded",
        "s18-broken-json": "your submission cannot be read (submissions/s18-broken-json/vec/vec.ipynb: is not valid JSON",
    }
    for student, reason in reasons.items():
        submission, bundle, _ = graded[student]
        assert bundle.package == reference, student  # the reference vec, for this student only
        (note,) = submission.answers.notes
        assert note.startswith(f"student {student}, module vec: {reason}"), note
        assert note.endswith("; graded against the reference vec"), note
    result = grade_submission(*graded["s17-syntax-error"][:2], Limits(timeout=3, memory_mb=512), "k")
    assert result.score == 5.0 and result.notes == graded["s17-syntax-error"][0].answers.notes  # into the feedback
    assert grade_submission(*graded["s07-wrong-add"][:2], Limits(timeout=3, memory_mb=512), "k").score == 0.0
