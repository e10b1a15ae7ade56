"""tasks/grade/task.py: the pure grading task and its key."""

from __future__ import annotations

import pickle

import pytest

from tasks.course.config import load_course
from tasks.course.paths import Paths
from tasks.grade.bundle import load_bundle
from tasks.grade.rehydrate import extract_answers
from tasks.grade.task import Limits, Submission, grade_submission, grading_failed, result_key

from gradeclass import correct, released, write_course


@pytest.fixture(scope="module")
def bundle_and_root(tmp_path_factory):
    root = write_course(tmp_path_factory.mktemp("task") / "course")
    course = load_course(root)
    return load_bundle(course, Paths(course), course.module("vec")), root


def test_grade_submission_is_data_in_data_out(bundle_and_root):
    bundle, root = bundle_and_root
    submission = Submission(
        "ada", "vec", "submissions/ada/vec/vec.ipynb", extract_answers(correct(released(root, "vec")), bundle)
    )
    result = grade_submission(submission, bundle, Limits(timeout=3, memory_mb=512), "key1")
    assert (result.status, result.score, result.max_score, result.key) == ("graded", 9.0, 10.0, "key1")
    assert pickle.loads(pickle.dumps(result)) == result
    assert result.submission_row()["notes"] == []


def test_the_key_follows_answers_source_and_grader(bundle_and_root):
    bundle, root = bundle_and_root
    one = Submission("ada", "vec", "p", extract_answers(correct(released(root, "vec")), bundle))
    two = Submission("bob", "vec", "q", extract_answers(released(root, "vec"), bundle))
    assert result_key(one, bundle, "g") == result_key(Submission("x", "vec", "r", one.answers), bundle, "g")
    assert len({result_key(one, bundle, "g"), result_key(two, bundle, "g"), result_key(one, bundle, "h")}) == 3


def test_a_grading_failure_is_zero_with_the_reason(bundle_and_root):
    bundle, _ = bundle_and_root
    result = grading_failed(Submission("ada", "vec", "p"), bundle, "retry:k", "worker died")
    assert result.status == "error" and result.score == 0 and {c.message for c in result.cells} == {"worker died"}


def test_a_result_graded_without_the_sandbox_says_so_and_is_keyed_apart(bundle_and_root):
    from tasks.grade.task import UNSANDBOXED

    bundle, root = bundle_and_root
    submission = Submission("ada", "vec", "p", extract_answers(correct(released(root, "vec")), bundle))
    result = grade_submission(submission, bundle, Limits(timeout=3, memory_mb=512, sandbox=False), "k")
    assert (result.score, result.notes) == (9.0, (UNSANDBOXED,))
    sandboxed = grade_submission(submission, bundle, Limits(timeout=3, memory_mb=512), "k")
    assert ([c.outcome for c in sandboxed.cells], sandboxed.notes) == ([c.outcome for c in result.cells], ())
    keys = {result_key(submission, bundle, "g", Limits(sandbox=flag)) for flag in (True, False)}
    assert len(keys) == 2
