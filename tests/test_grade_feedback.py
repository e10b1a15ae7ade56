"""tasks/grade/feedback.py: per-student HTML from visible data only; the leak guard over it."""

from __future__ import annotations

import json

import pytest

from tasks.base.errors import CourseError
from tasks.course.config import load_course
from tasks.course.paths import Paths
from tasks.grade import gradebook
from tasks.grade.bundle import load_bundle
from tasks.grade.feedback import OUTCOME_LABELS, feedback_model, guarded_html, page_secrets, render_html, write_feedback
from tasks.grade.submissions import read_submission
from tasks.grade.task import Limits, grade_submission
from tasks.notebook.source import read_source

from gradeclass import VEC, answer, released, write_class, write_course


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = write_course(tmp_path_factory.mktemp("feedback") / "course")
    write_class(root, ["s01-correct", "s07-wrong-add", "s10-deleted-answer", "s18-broken-json"])
    course = load_course(root)
    paths = Paths(course)
    module = course.module("vec")
    bundle = load_bundle(course, paths, module)
    db = gradebook.open_gradebook(paths.gradebook)
    for student in ("s01-correct", "s07-wrong-add", "s10-deleted-answer", "s18-broken-json"):
        path = paths.submission_file(student, module)
        result = grade_submission(
            read_submission(path, paths.rel(path), student, "vec", bundle),
            bundle,
            Limits(timeout=3, memory_mb=512),
            "k",
        )
        gradebook.record(db, result.submission_row(), [c.as_row() for c in result.cells])
    assert write_feedback(course, paths, module, db) == []
    return root, course, paths, module


def page(graded, student):
    _, _, paths, module = graded
    return paths.feedback_file(student, module).read_text()


def test_feedback_shows_results_messages_and_the_students_code(graded):
    text = page(graded, "s07-wrong-add")
    assert "Score: 7 / 10" in text and "written answers are still to be graded by hand" in text
    assert "<td>test-add</td><td>failed</td><td>0 / 2</td><td>AssertionError" in text
    assert "np.asarray(a) - np.asarray(b)" in text  # their own code
    assert "<td>test-scale</td><td>passed</td><td>3 / 3</td>" in text


def test_feedback_notes_and_unreadable_submissions(graded):
    assert "answer cell &#x27;vec-add&#x27; was deleted" in page(graded, "s10-deleted-answer")
    assert "<td>not attempted</td>" in page(graded, "s10-deleted-answer")
    assert "is not valid JSON" in page(graded, "s18-broken-json")


def test_feedback_never_contains_test_sources_or_hidden_tests(graded):
    for student in ("s01-correct", "s07-wrong-add", "s10-deleted-answer", "s18-broken-json"):
        text = page(graded, student)
        assert "add([5], [-5])" not in text and "assert list(add" not in text and "instructor-only" not in text


def test_the_leak_guard_refuses_feedback_that_would_show_a_hidden_test(graded):
    root, course, paths, module = graded
    source = read_source(paths.source(module), paths.rel(paths.source(module)))
    model = feedback_model(
        "eve",
        "01_vec",
        {"message": "", "notes": []},
        [],
        [("vec-add", 'assert list(add([5], [-5])) == [0], "VEC_HIDDEN_CHECK"')],
    )
    with pytest.raises(CourseError, match="LEAK"):
        guarded_html(model, source, page_secrets(source, solutions_out=True))


SHORT_HIDDEN = "assert add(0, 0) == 0"  # a hidden line shorter than the guard's substring search takes
REFERENCE = "return np.asarray(a) + np.asarray(b)"


def text_leaves(value, path=()):
    """(path, text) of every string in a feedback model, at any depth."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from text_leaves(item, path + (key,))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from text_leaves(item, path + (index,))


def planted(model, path, text):
    copy = json.loads(json.dumps(model))
    place = copy
    for step in path[:-1]:
        place = place[step]
    place[path[-1]] = text
    return copy


def test_every_text_on_the_page_but_the_students_code_is_leak_scanned():
    """Whatever field of the page holds it (the message, a note, a test's message or error type, any name):
    a hidden test line, exact or inside a longer text, and (before the solutions are out) a reference line are
    refused; the student's own code is refused only for hidden lines."""
    from tasks.notebook.source import reads_source

    source = reads_source(
        VEC.replace("### END HIDDEN TESTS", f"{SHORT_HIDDEN}\n### END HIDDEN TESTS"), "modules/01_vec/vec.py", "py"
    )
    row = dict(grade_id="test-add", outcome="failed", points=0, hand_points=None, max_points=2)
    results = [dict(row, error_type="AssertionError", message="assert 1 == 2")]
    model = feedback_model("ada", "01_vec", {"message": "stopped", "notes": ["a note"]}, results, [("vec-add", "x")])
    secrets = page_secrets(source, solutions_out=False)
    guarded_html(model, source, secrets)  # as it is: shown
    leaves = [path for path, _ in text_leaves(model)]
    reported = [path for path in leaves if path[0] != "code"]
    assert {p[0] for p in reported} >= {"message", "notes", "tests", "student", "module"}
    assert {p[-1] for p in reported if p[0] == "tests"} >= {"message", "error_type", "name", "outcome"}
    for path in reported:
        for text in (SHORT_HIDDEN, HIDDEN_LINE, f"expected {HIDDEN_LINE} to hold", REFERENCE):
            with pytest.raises(CourseError, match="LEAK"):
                guarded_html(planted(model, path, text), source, secrets)
    code = [path for path in leaves if path[0] == "code" and path[-1] == 1]
    for path in code:
        with pytest.raises(CourseError, match="LEAK"):
            guarded_html(planted(model, path, HIDDEN_LINE), source, secrets)
        guarded_html(planted(model, path, REFERENCE), source, secrets)  # a student may write the reference line


@pytest.mark.parametrize(
    "cells, score",
    [
        ([(2, None, 2), (3, None, 3)], 5),
        ([(2, None, 2), (0, 1, 1)], 3),  # a written answer's hand score
        ([(2, 0, 2), (3, None, 3)], 3),  # a hand score of 0 overrides the autograded points
        ([(0, 0.5, 1), (0, None, 3), (4, 2.5, 4)], 3),
    ],
)
def test_the_score_on_the_page_includes_merged_hand_scores(cells, score):
    from tasks.grade.report import effective

    outcomes = ("passed", "hand", "failed")
    results = [
        dict(grade_id=f"g{i}", outcome=outcomes[i], points=p, hand_points=h, max_points=m, error_type="", message="")
        for i, (p, h, m) in enumerate(cells)
    ]
    model = feedback_model("ada", "01_vec", {"message": "", "notes": []}, results, [])
    assert model["score"] == score == sum(r["points"] for r in effective(results))
    text = render_html(model)
    assert f"Score: {score:g} / {sum(m for _, _, m in cells):g}" in text
    for i, (p, h, m) in enumerate(cells):
        shown = f"{p if h is None else h:g} / {m:g}"
        assert f"<td>g{i}</td><td>{OUTCOME_LABELS[outcomes[i]]}</td><td>{shown}</td>" in text


def test_hand_scores_merged_into_the_gradebook_reach_the_page(graded, tmp_path):
    import sqlite3

    _, _, paths, module = graded
    with sqlite3.connect(paths.gradebook) as shared, sqlite3.connect(tmp_path / "gradebook.sqlite") as copy:
        shared.backup(copy)  # a copy: the module's gradebook stays as the other tests expect it
    db = gradebook.open_gradebook(tmp_path / "gradebook.sqlite")
    gradebook.set_hand_score(db, "s01-correct", "vec", "explain", 1)
    gradebook.set_hand_score(db, "s01-correct", "vec", "test-scale", 1)
    rows = [r for r in gradebook.results(db, "vec") if r["student"] == "s01-correct"]
    text = render_html(feedback_model("s01-correct", "01_vec", {"message": "", "notes": []}, rows, []))
    assert "Score: 8 / 10" in text
    for name, outcome, points in (
        ("test-add", "passed", "2 / 2"),
        ("test-scale", "passed", "1 / 3"),
        ("test-partial", "passed", "4 / 4"),
        ("explain", "graded by hand", "1 / 1"),
    ):
        assert f"<td>{name}</td><td>{outcome}</td><td>{points}</td>" in text


# --- a hostile submission: it reads the hidden tests at run time and tries to carry them out -------------

LEAKY_VEC = VEC.replace(
    '# %% nbgrader={"grade": true, "grade_id": "test-add", ',
    """# %% nbgrader={"grade": true, "grade_id": "test-add-shape", "locked": true, "points": 1, "schema_version": 3, "solution": false}
assert add([1], [2]).shape == (1,), "add must return an array"

# %% nbgrader={"grade": true, "grade_id": "test-add", """,
).replace(
    "assert list(scale([1, 2], 3)) == [3, 6]\n",
    """assert list(scale([1, 2], 3)) == [3, 6], "scale must multiply every element"

# %% nbgrader={"grade": true, "grade_id": "test-scale-dynamic", "locked": true, "points": 1, "schema_version": 3, "solution": false}
got = list(scale([2], 2))
assert got == [4], f"scale([2], 2) gave {got}"
""",
)
HIDDEN_LINE = 'assert list(add([5], [-5])) == [0], "VEC_HIDDEN_CHECK"'
# What a student who has read the grader's source can write: from inside a function a test calls, find the
# running cell's source among the frames' locals, then print it and raise it, plain, base64-encoded and in
# the name of an exception class (the code never spells what it looks for: the gradebook keeps the answers).
SNOOP = """\
import base64, sys

def _running_source():
    frame = sys._getframe()
    while frame is not None:
        for value in list(frame.f_locals.values()):
            for text in (value, getattr(value, "source", None)):
                if isinstance(text, str) and "VEC" + "_HIDDEN" in text:
                    return text
        frame = frame.f_back
    return ""
"""
HOSTILE_ADD = (
    SNOOP
    + """
_stolen = []

def add(a, b):
    secret = _running_source()
    if secret:
        _stolen.append(secret)
        print(secret)
        raise AssertionError(secret)
    return np.asarray(a) + np.asarray(b)
"""
)
HOSTILE_SCALE = """
def scale(a, k):
    if _stolen:  # what add took from test-add, carried out by the next test
        print(_stolen[0])
        raise type("SecretIs" + "VEC" + "_HIDDEN", (Exception,), {})(base64.b64encode(_stolen[0].encode()).decode())
    return np.asarray(a) * k
"""
HONEST_ADD = "def add(a, b):\n    return [x + y for x, y in zip(a, b)]\n"  # a list: no .shape
HONEST_SCALE = "def scale(a, k):\n    return np.asarray(a) * (k + 1)\n"  # wrong
LEAKY_CLASS = {"mallory": (HOSTILE_ADD, HOSTILE_SCALE), "honest": (HONEST_ADD, HONEST_SCALE)}


@pytest.fixture(scope="module")
def leaky(tmp_path_factory):
    root = write_course(tmp_path_factory.mktemp("leaky") / "course")
    (root / "modules/01_vec/vec.py").write_text(LEAKY_VEC)
    course = load_course(root)
    paths = Paths(course)
    module = course.module("vec")
    bundle = load_bundle(course, paths, module)
    db = gradebook.open_gradebook(paths.gradebook)
    results, submissions = {}, {}
    for student, (add, scale) in LEAKY_CLASS.items():
        path = paths.submission_file(student, module)
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(answer(answer(released(root, "vec"), "vec-add", add), "vec-scale", scale)))
        submission = submissions[student] = read_submission(path, paths.rel(path), student, "vec", bundle)
        results[student] = grade_submission(submission, bundle, Limits(timeout=5, memory_mb=512), "k")
        gradebook.record(db, results[student].submission_row(), [c.as_row() for c in results[student].cells])
    assert write_feedback(course, paths, module, db) == []
    assert all(s.answers is not None for s in submissions.values()), [s.problem for s in submissions.values()]
    return root, paths, module, bundle, db, results, submissions


def test_the_hostile_submission_really_carries_the_hidden_test_out_of_its_process(leaky):
    from tasks.grade.rehydrate import rehydrate
    from tasks.grade.runner import run_cells

    _, _, _, bundle, _, _, submissions = leaky
    runs = run_cells(rehydrate(submissions["mallory"].answers, bundle), bundle.package, timeout=5, memory_mb=512)
    raw = " ".join(f"{r.ename} {r.evalue} {r.output}" for r in runs)
    assert HIDDEN_LINE in raw and encoded(HIDDEN_LINE) in raw and "SecretIsVEC_HIDDEN" in raw


def encoded(line: str) -> str:
    """A piece of the base64 of a source holding `line` (base64 of the test cell's whole source)."""
    import base64

    return base64.b64encode(("assert list(add([1, 2], [3, 4])) == [4, 6]\n" + line).encode()).decode()[:40]


def test_neither_the_page_nor_the_gradebook_holds_the_hidden_test_plain_or_encoded(leaky):
    _, paths, module, _, db, results, _ = leaky
    stored = "\n".join(db.iterdump())
    text = page_of(paths, module, "mallory")
    for where in (stored, text, repr(results["mallory"])):
        assert "VEC_HIDDEN" not in where and encoded(HIDDEN_LINE) not in where and "add([5], [-5])" not in where
    assert "<td>test-add</td><td>failed</td><td>0 / 2</td><td>AssertionError: (message withheld: hidden tests)" in text
    assert "<td>test-scale</td><td>failed</td><td>0 / 3</td><td>Error: (message withheld: hidden tests)" in text


def test_the_honest_submission_keeps_its_useful_messages(leaky):
    _, paths, module, _, _, results, _ = leaky
    text = page_of(paths, module, "honest")
    # before any hidden test ran: the free-form message, as Python wrote it
    assert (
        "<td>test-add-shape</td><td>failed</td><td>0 / 1</td><td>AttributeError: &#x27;list&#x27; object has no attribute &#x27;shape&#x27;"
        in text
    )
    assert "<td>test-add</td><td>passed</td><td>2 / 2</td>" in text
    # after: a message the course wrote is shown, one built at run time is not
    assert (
        "<td>test-scale</td><td>failed</td><td>0 / 3</td><td>AssertionError: scale must multiply every element" in text
    )
    assert (
        "<td>test-scale-dynamic</td><td>failed</td><td>0 / 1</td><td>AssertionError: (message withheld: hidden tests)"
        in text
    )
    assert "gave [6]" not in text
    assert [c.message for c in results["honest"].cells][:2] == ["'list' object has no attribute 'shape'", ""]


def page_of(paths, module, student):
    return paths.feedback_file(student, module).read_text()


def test_an_answer_cell_finds_no_hidden_test_to_carry_out_before_the_tests_run(leaky):
    root, paths, module, bundle, _, _, _ = leaky
    grabs_everything = """
import base64, sys

def _all_sources():
    found, frame = [], sys._getframe()
    while frame is not None:
        for value in list(frame.f_locals.values()):
            for item in value if isinstance(value, (list, tuple)) else [value]:
                text = getattr(item, "source", None)
                if isinstance(text, str) and "VEC" + "_HIDDEN" in text:
                    found.append(text)
        frame = frame.f_back
    return found

_found = _all_sources()
if _found:
    raise ValueError(base64.b64encode(_found[0].encode()).decode())
"""
    path = paths.submission_file("eve", module)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(answer(released(root, "vec"), "vec-add", grabs_everything)))
    submission = read_submission(path, paths.rel(path), "eve", "vec", bundle)
    result = grade_submission(submission, bundle, Limits(timeout=5, memory_mb=512), "k")
    assert not any(encoded(HIDDEN_LINE) in note for note in result.notes)


# --- reference solutions are secret to the feedback guard until the module's solutions are out -----------

REFERENCE_LINE = "return np.asarray(a) + np.asarray(b)"


def test_a_reported_reference_line_is_refused_until_the_solutions_are_out_and_own_code_always_shown(graded):
    _, _, paths, module = graded
    source = read_source(paths.source(module), paths.rel(paths.source(module)))
    own_code = [("vec-add", f"def add(a, b):\n    {REFERENCE_LINE}\n")]
    reported = [
        {"grade_id": "test-add", "outcome": "failed", "points": 0, "hand_points": None, "max_points": 2}
        | {"error_type": "ValueError", "message": REFERENCE_LINE}
    ]
    leaking = feedback_model("eve", "01_vec", {"message": "", "notes": []}, reported, own_code)
    with pytest.raises(CourseError, match="LEAK"):
        guarded_html(leaking, source, page_secrets(source, solutions_out=False))
    assert REFERENCE_LINE in guarded_html(leaking, source, page_secrets(source, solutions_out=True))
    own = feedback_model("ada", "01_vec", {"message": "", "notes": []}, [], own_code)
    assert REFERENCE_LINE in guarded_html(own, source, page_secrets(source, solutions_out=False))


def test_solutions_are_out_when_the_student_repository_holds_them(tmp_path):
    import subprocess

    from tasks.release.course_files import solutions_released

    root = write_course(tmp_path / "course")
    course = load_course(root)
    paths, module = Paths(course), course.module("vec")
    assert solutions_released(course, paths, module) is False  # no student repository yet
    repo = paths.student_repo
    (repo / "modules/01_vec").mkdir(parents=True)
    (repo / "modules/01_vec/vec.ipynb").write_text("{}")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q", "-b", course.student_repo.branch, str(repo)], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "week 1"], check=True)
    assert solutions_released(course, paths, module) is False  # exercises only
    (repo / "solutions/01_vec").mkdir(parents=True)
    (repo / "solutions/01_vec/vec.ipynb").write_text("{}")
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "week 2"], check=True)
    assert solutions_released(course, paths, module) is True
    assert solutions_released(course, paths, course.module("stats")) is False


def test_no_feedback_for_a_submission_whose_grading_failed(graded):
    """Its cells are 0 only because grading failed (a RETRY key): no page tells the student a score."""
    from tasks.grade.gradebook import RETRY
    from tasks.grade.task import grading_failed

    root, course, paths, module = graded
    write_class(root, ["s02-correct"])
    bundle = load_bundle(course, paths, module)
    path = paths.submission_file("s02-correct", module)
    submission = read_submission(path, paths.rel(path), "s02-correct", "vec", bundle)
    failed = grading_failed(submission, bundle, RETRY + "k", "lost")
    db = gradebook.open_gradebook(paths.gradebook)
    gradebook.record(db, failed.submission_row(), [c.as_row() for c in failed.cells])
    assert write_feedback(course, paths, module, db) == []
    assert not paths.feedback_file("s02-correct", module).exists()
    assert paths.feedback_file("s01-correct", module).exists()
