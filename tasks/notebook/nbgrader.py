"""nbgrader's cell metadata, read in one place.

A cell's `metadata.nbgrader` is a dict written by the instructor (`# %% nbgrader={...}`) or by a student's
notebook (grading reads what comes back). Every stage asks it the same questions through these functions,
so a malformed value (not a dict, a grade_id that is not a string) means the same everywhere: no metadata.
Lint reports a malformed value at its line; everything else reads through `nbgrader_meta`.
"""

from __future__ import annotations


def nbgrader_meta(cell) -> dict:
    """The cell's nbgrader metadata, or {} when it has none or it is not a JSON object."""
    metadata = cell.get("metadata") if isinstance(cell, dict) else None
    meta = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return meta if isinstance(meta, dict) else {}


def grade_id(cell) -> str | None:
    """The cell's grade_id when it is a non-empty string."""
    value = nbgrader_meta(cell).get("grade_id")
    return value if isinstance(value, str) and value else None


def is_answer(cell) -> bool:
    """A cell students answer in: nbgrader `solution: true` (code to write, or a written answer)."""
    return nbgrader_meta(cell).get("solution") is True


def is_test(cell) -> bool:
    """A cell nbgrader grades or keeps read-only without it being an answer: a test (graded or locked)."""
    meta = nbgrader_meta(cell)
    return not meta.get("solution") and bool(meta.get("grade") or meta.get("locked"))


def is_graded_test(cell) -> bool:
    """A test cell that carries points: graded code that is not an answer."""
    meta = nbgrader_meta(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def cell_points(cell) -> float | None:
    """The points a cell carries: its `points` when a number > 0 (true and false are not numbers), else None.
    The one rule for points: lint, `tito module validate --nbgrader` (a graded cell without them is a finding
    in both) and the grading bundle (None counts 0) read them here. nbgrader itself takes 0; a 0-point test
    cell here is a finding, as one that gives nothing to earn."""
    value = nbgrader_meta(cell).get("points")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        return None
    return float(value)
