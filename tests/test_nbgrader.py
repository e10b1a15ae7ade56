"""tasks/notebook/nbgrader.py: one reading of nbgrader cell metadata, malformed values included."""

from __future__ import annotations

import pytest

from tasks.notebook.nbgrader import grade_id, is_answer, is_graded_test, is_test, nbgrader_meta
from tasks.notebook.nbnode import Node


def cell(meta=None, cell_type="code"):
    metadata = {} if meta is None else {"nbgrader": meta}
    return Node(cell_type=cell_type, metadata=Node(metadata), source="x = 1")


@pytest.mark.parametrize("meta", [None, "grade", ["grade"], 3, None])
def test_missing_or_malformed_metadata_reads_as_none(meta):
    c = cell(meta) if meta is not None else cell()
    assert nbgrader_meta(c) == {}
    assert grade_id(c) is None and not is_answer(c) and not is_test(c) and not is_graded_test(c)


def test_a_cell_whose_metadata_is_not_an_object_has_none():
    assert nbgrader_meta({"cell_type": "code", "metadata": "oops"}) == {}
    assert nbgrader_meta({"cell_type": "code"}) == {}


@pytest.mark.parametrize("value, expected", [("add-1", "add-1"), ("", None), (7, None), (None, None)])
def test_grade_id_is_a_non_empty_string_or_none(value, expected):
    assert grade_id(cell({"grade_id": value})) == expected


def test_kinds_of_cells():
    answer = cell({"solution": True, "grade": False, "grade_id": "a"})
    written = cell({"solution": True, "grade": True, "grade_id": "w", "points": 2}, cell_type="markdown")
    graded = cell({"solution": False, "grade": True, "locked": True, "grade_id": "t", "points": 5})
    locked = cell({"solution": False, "grade": False, "locked": True, "grade_id": "l"})
    assert is_answer(answer) and is_answer(written) and not is_answer(graded)
    assert is_test(graded) and is_test(locked) and not is_test(answer) and not is_test(written)
    assert is_graded_test(graded) and not is_graded_test(locked) and not is_graded_test(written)


def test_solution_must_be_exactly_true_to_be_an_answer():
    """nbgrader writes booleans; a truthy string is not an answer cell (lint reports the value)."""
    assert not is_answer(cell({"solution": "yes"}))
