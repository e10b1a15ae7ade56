"""Scores by nbgrader's rules (pure): a run of the rehydrated notebook in, one result per graded cell out.

- A test cell earns its points when it runs without error. If its last expression is a number (the cell's
  execute_result), that number is the score when it is above 0 and at most the cell's points (nbgrader's
  partial-credit convention; any other value, or a number <= 0, earns full points; above the points, the
  points: nbgrader refuses such a notebook instead).
- A test that fails on a stub the student received (one of the bundle's stubs: variants/stubs.py) is
  `not_attempted`; any other error is `failed` with its type and message; a cell the run never finished (timeout, a dead
  process, not run) is `error` with the reason.
- Written answers (and graded answer cells) are `hand`: 0 points until a hand score is merged.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..variants.stubs import Stub, stub_matching


@dataclass(frozen=True)
class CellResult:
    grade_id: str
    position: int
    points: float
    max_points: float
    outcome: str  # passed | failed | not_attempted | error | hand
    message: str = ""
    error_type: str = ""

    def as_row(self) -> dict:
        return dict(self.__dict__)


def partial_credit(value: str | None, max_points: float) -> float:
    if value is None:
        return max_points
    try:
        grade = float(value)
    except (TypeError, ValueError):
        return max_points
    return min(grade, max_points) if grade > 0 else max_points


def score_test(cell, position: int, run, stubs: tuple[Stub, ...] = ()) -> CellResult:
    """One graded test cell, from its CellRun (runner.py)."""
    base = dict(grade_id=cell.grade_id or cell.id, position=position, max_points=cell.points)
    if run is None:
        return CellResult(**base, points=0.0, outcome="error", message="the cell was not run", error_type="NotRun")
    if run.status == "ok":
        points = partial_credit(run.value, cell.points)
        message = f"partial credit: {points:g} of {cell.points:g}" if points < cell.points else ""
        return CellResult(**base, points=points, outcome="passed", message=message)
    if run.status == "error":
        outcome = "not_attempted" if stub_matching(stubs, run.ename, run.evalue) else "failed"
        return CellResult(**base, points=0.0, outcome=outcome, message=run.evalue, error_type=run.ename)
    return CellResult(**base, points=0.0, outcome="error", message=run.evalue, error_type=run.ename)


def score_hand(cell, position: int) -> CellResult:
    return CellResult(
        grade_id=cell.grade_id or cell.id,
        position=position,
        points=0.0,
        max_points=cell.points,
        outcome="hand",
        message="to grade by hand",
    )


def score_cells(cells, runs, stubs: tuple[Stub, ...] = ()) -> list[CellResult]:
    """Every graded cell of the rehydrated notebook (`cells`: RunCells in order), scored from `runs`;
    `stubs`: the student version's (Bundle.stubs)."""
    by_id = {run.id: run for run in runs}
    graded = [c for c in cells if c.kind in ("test", "hand")]
    return [
        score_hand(c, i) if c.kind == "hand" else score_test(c, i, by_id.get(c.id), stubs) for i, c in enumerate(graded)
    ]


def unreadable(cells, problem: str) -> list[CellResult]:
    """Every graded cell of a submission that could not be read: 0 points, the problem as the reason."""
    graded = [c for c in cells if c.kind in ("test", "hand")]
    return [
        CellResult(
            grade_id=c.grade_id or c.id,
            position=i,
            points=0.0,
            max_points=c.points,
            outcome="error",
            message=problem,
            error_type="UnreadableSubmission",
        )
        for i, c in enumerate(graded)
    ]
