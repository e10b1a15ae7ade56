"""tasks/grade/score.py: nbgrader's scoring rules, partial credit, not attempted vs wrong, hand grading."""

from __future__ import annotations

import pytest

from tasks.grade.rehydrate import RunCell
from tasks.grade.runner import CellRun
from tasks.grade.score import partial_credit, score_cells, unreadable
from tasks.variants.stubs import Stub

TEST = RunCell(id="t", grade_id="test-x", kind="test", cell_type="code", source="", points=4.0)
HAND = RunCell(id="h", grade_id="explain", kind="hand", cell_type="markdown", source="", points=1.0)
ANSWER = RunCell(id="a", grade_id="x", kind="answer", cell_type="code", source="")
STUB = "Vec.add (module 01_vec) is not implemented yet: replace this line with your code. See its docstring."
STUBS = (Stub("Vec.add", STUB, 0, 2),)  # the bundle's: the stubs of the student version


@pytest.mark.parametrize(
    "value, points",
    [
        (None, 4.0),
        ("2", 2.0),
        ("2.5", 2.5),
        ("0", 4.0),
        ("-1", 4.0),
        ("9", 4.0),
        ("'text'", 4.0),
        ("True", 4.0),
        ("nan", 4.0),
        ("np.float64(1.0)", 4.0),
    ],
)
def test_partial_credit_follows_nbgrader(value, points):
    assert partial_credit(value, 4.0) == points


@pytest.mark.parametrize(
    "run, outcome, points, error_type",
    [
        (CellRun("t", "ok"), "passed", 4.0, ""),
        (CellRun("t", "ok", value="1"), "passed", 1.0, ""),
        (CellRun("t", "error", "AssertionError", "wrong"), "failed", 0.0, "AssertionError"),
        (CellRun("t", "error", "NotImplementedError", STUB), "not_attempted", 0.0, "NotImplementedError"),
        (  # worded as a stub, but not one of this notebook's (an earlier module's, or the student's own)
            CellRun("t", "error", "NotImplementedError", STUB.replace("Vec.add", "Mat.mul")),
            "failed",
            0.0,
            "NotImplementedError",
        ),
        (CellRun("t", "error", "NotImplementedError", "my own message"), "failed", 0.0, "NotImplementedError"),
        (CellRun("t", "timeout", "Timeout", "too slow"), "error", 0.0, "Timeout"),
        (CellRun("t", "not_run", "NotRun", "not run"), "error", 0.0, "NotRun"),
    ],
)
def test_a_test_cell(run, outcome, points, error_type):
    (result,) = score_cells([ANSWER, TEST], [CellRun("a", "ok"), run], STUBS)
    assert (result.outcome, result.points, result.max_points, result.error_type) == (outcome, points, 4.0, error_type)
    assert result.grade_id == "test-x"


def test_written_answers_are_for_hand_grading_and_positions_follow_the_notebook():
    results = score_cells([TEST, ANSWER, HAND], [CellRun("t", "ok"), CellRun("a", "ok")])
    assert [(r.grade_id, r.position, r.outcome, r.points) for r in results] == [
        ("test-x", 0, "passed", 4.0),
        ("explain", 1, "hand", 0.0),
    ]
    assert results[1].message == "to grade by hand"


def test_an_unreadable_submission_scores_zero_everywhere_with_the_reason():
    results = unreadable([TEST, ANSWER, HAND], "x.ipynb: is empty")
    assert [(r.outcome, r.points, r.message) for r in results] == [("error", 0.0, "x.ipynb: is empty")] * 2
