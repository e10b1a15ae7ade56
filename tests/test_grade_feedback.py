"""tasks/grade/feedback.py: per-student HTML from visible data only; the leak guard over it."""

from __future__ import annotations

import pytest

from tasks.base.errors import CourseError
from tasks.course.config import load_course
from tasks.course.paths import Paths
from tasks.grade import gradebook
from tasks.grade.bundle import load_bundle
from tasks.grade.feedback import feedback_model, guarded_html, write_feedback
from tasks.grade.submissions import read_submission
from tasks.grade.task import Limits, grade_submission
from tasks.notebook.source import read_source

from gradeclass import write_class, write_course


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
        guarded_html(model, source)


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
