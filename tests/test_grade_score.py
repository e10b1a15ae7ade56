"""tasks/grade/score.py: nbgrader's scoring rules, partial credit, not attempted vs wrong, hand grading."""

from __future__ import annotations

import pytest

from tasks.grade.rehydrate import RunCell
from tasks.grade.runner import CellRun
from tasks.grade.score import disclosed, partial_credit, score_cells, unreadable
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
    runs = [CellRun("a", "ok"), run]
    (result,) = score_cells([ANSWER, TEST], runs, runs, STUBS)
    assert (result.outcome, result.points, result.max_points, result.error_type) == (outcome, points, 4.0, error_type)
    assert result.grade_id == "test-x"


def test_written_answers_are_for_hand_grading_and_positions_follow_the_notebook():
    runs = [CellRun("t", "ok"), CellRun("a", "ok")]
    results = score_cells([TEST, ANSWER, HAND], runs, runs)
    assert [(r.grade_id, r.position, r.outcome, r.points) for r in results] == [
        ("test-x", 0, "passed", 4.0),
        ("explain", 1, "hand", 0.0),
    ]
    assert results[1].message == "to grade by hand"


def test_an_unreadable_submission_scores_zero_everywhere_with_the_reason():
    results = unreadable([TEST, ANSWER, HAND], "x.ipynb: is empty")
    assert [(r.outcome, r.points, r.message) for r in results] == [("error", 0.0, "x.ipynb: is empty")] * 2


# --- what of a run a student may see (disclosed) ---------------------------------------------------------


def bundle_of(*cells):
    from tasks.grade.bundle import Bundle

    return Bundle(module="vec", label="01_vec", cells=tuple(cells), stubs=STUBS)


def cell(id, kind, source, released=None, points=0.0):
    from tasks.grade.bundle import BundleCell

    return BundleCell(id, f"g-{id}", "code", source, source if released is None else released, kind, points)


VISIBLE = cell("v", "test", 'assert f(1) == 2, "f must double"', points=1.0)
HIDDEN_SOURCE = 'assert f(1) == 2, "f must double"\nassert f(3) == 6, "f(3) must be 6"\nassert f(4) == 8, f"got {f(4)}"'
HIDDEN = cell("h", "test", HIDDEN_SOURCE, released='assert f(1) == 2, "f must double"', points=2.0)
AFTER = cell("z", "test", "assert g() == 0", points=1.0)
LEAK = "assert f(3) == 6  # the hidden line, or its base64: YXNzZXJ0IGYoMykgPT0gNg=="


def by_id(shown):
    return {run.id: run for run in shown}


def test_before_hidden_tests_free_text_is_shown_clipped_and_after_only_what_the_course_wrote():
    bundle = bundle_of(cell("a", "answer", "def f(x): ..."), VISIBLE, HIDDEN, AFTER)
    runs = [
        CellRun("a", "error", "ValueError", "bad input " + "x" * 5000, None, "printed"),
        CellRun("v", "error", "AttributeError", "'list' object has no attribute 'shape'", None, "out"),
        CellRun("h", "error", "AssertionError", LEAK, None, LEAK),
        CellRun("z", "ok", "", "", repr(LEAK), LEAK),
    ]
    shown = by_id(disclosed(runs, bundle))
    assert shown["a"].evalue.startswith("bad input xxx") and len(shown["a"].evalue) < 600
    assert shown["a"].output == "printed"
    assert (shown["v"].ename, shown["v"].evalue) == ("AttributeError", "'list' object has no attribute 'shape'")
    assert shown["h"] == CellRun("h", "error", "AssertionError", "(message withheld: hidden tests)")
    assert shown["z"] == CellRun("z", "ok", "", "", None, "")  # no value's repr, no output


@pytest.mark.parametrize(
    "evalue, shown",
    [
        ("f must double", "f must double"),  # a literal message of this cell's source (visible part)
        ("f(3) must be 6", "f(3) must be 6"),  # of its hidden part: the course wrote it to be shown
        ("got 9", "(message withheld: hidden tests)"),  # built at run time (an f-string)
        ("f(3) must", "(message withheld: hidden tests)"),  # a piece of a literal
        ("assert f(3) == 6", "(message withheld: hidden tests)"),  # a piece of the source
        ("", ""),  # a bare assert carries nothing
    ],
)
def test_an_assertion_message_after_hidden_tests_is_shown_only_when_it_is_a_literal_of_the_cell(evalue, shown):
    (run,) = disclosed([CellRun("h", "error", "AssertionError", evalue)], bundle_of(HIDDEN))
    assert run.evalue == shown


def test_after_hidden_tests_a_stub_message_is_shown_and_a_lookalike_is_not():
    bundle = bundle_of(HIDDEN, AFTER)
    shown = disclosed([CellRun("h", "ok"), CellRun("z", "error", "NotImplementedError", STUB)], bundle)
    assert shown[1].evalue == STUB
    (run,) = disclosed([CellRun("z", "error", "NotImplementedError", STUB + " " + LEAK)], bundle)
    assert run.evalue == "(message withheld: hidden tests)"


@pytest.mark.parametrize(
    "ename, before, after",
    [
        ("ValueError", "ValueError", "ValueError"),
        ("LinAlgError", "LinAlgError", "Error"),
        ("SecretIsYXNzZXJ0", "SecretIsYXNzZXJ0", "Error"),  # a class the student named after a secret
        ("Vec", "Vec", "Vec"),  # a name in what students received
        ("X" * 61, "Error", "Error"),
        ("not a name!", "Error", "Error"),
        (["ValueError"], "Error", "Error"),
    ],
)
def test_error_type_names_are_identifiers_and_after_hidden_tests_builtins_or_released_names(ename, before, after):
    bundle = bundle_of(
        cell("a", "answer", "class Vec: ...", released="class Vec:\n    raise NotImplementedError"), HIDDEN
    )
    runs = [CellRun("a", "error", ename, "m"), CellRun("h", "error", ename, "m")]
    assert [r.ename for r in disclosed(runs, bundle)] == [before, after]


def test_every_field_of_the_wrong_shape_is_dropped_and_unknown_cells_are_left_out():
    bundle = bundle_of(VISIBLE)
    runs = [CellRun("v", "weird", 3, {"a": 1}, 7, ["x"]), CellRun("forged", "error", "E", LEAK)]
    assert disclosed(runs, bundle) == (CellRun("v", "error", "Error", "", None, ""),)


def test_the_runners_own_reasons_are_kept():
    bundle = bundle_of(HIDDEN, AFTER)
    runs = [
        CellRun("h", "timeout", "Timeout", "the cell ran longer than the 3 s limit"),
        CellRun("z", "not_run", "NotRun", "not run"),
    ]
    assert [(r.ename, r.evalue) for r in disclosed(runs, bundle)] == [
        ("Timeout", "the cell ran longer than the 3 s limit"),
        ("NotRun", "not run"),
    ]


def test_a_course_cell_that_differs_from_what_students_received_counts_as_hidden():
    fixed = cell("c", "fixed", "SECRET = 42", released="SECRET = ...")
    bundle = bundle_of(cell("a", "answer", "x = 1", released="x = ..."), fixed, VISIBLE)
    shown = disclosed(
        [CellRun("a", "error", "E", "before"), CellRun("c", "ok"), CellRun("v", "error", "E", "m")], bundle
    )
    assert [r.evalue for r in shown] == ["before", "", "(message withheld: hidden tests)"]


def test_scores_come_from_the_runs_and_texts_from_what_is_shown():
    bundle = bundle_of(HIDDEN)
    test = RunCell(id="h", grade_id="g-h", kind="test", cell_type="code", source="", points=2.0)
    runs = [CellRun("h", "error", "NotImplementedError", STUB)]
    (result,) = score_cells([test], runs, disclosed(runs, bundle), STUBS)
    assert (result.outcome, result.message) == ("not_attempted", STUB)
    runs = [CellRun("h", "ok", value="1")]
    (result,) = score_cells([test], runs, disclosed(runs, bundle), STUBS)
    assert (result.points, result.message) == (1.0, "partial credit: 1 of 2")
