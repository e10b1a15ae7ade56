"""Scores by nbgrader's rules (pure): a run of the rehydrated notebook in, one result per graded cell out.

- A test cell earns its points when it runs without error. If its last expression is a number (the cell's
  execute_result), that number is the score when it is above 0 and at most the cell's points (nbgrader's
  partial-credit convention; any other value, or a number <= 0, earns full points; above the points, the
  points: nbgrader refuses such a notebook instead).
- A test that fails on a stub the student received (one of the bundle's stubs: variants/stubs.py) is
  `not_attempted`; any other error is `failed` with its type and message; a cell the run never finished (timeout, a dead
  process, not run) is `error` with the reason.
- Written answers (and graded answer cells) are `hand`: 0 points until a hand score is merged.

Outcomes and points come from the runs; every text a student sees (messages, error types, the notes about
their own cells) comes from `disclosed(runs, bundle)`, the one rule of what of a run may reach a student.
"""

from __future__ import annotations

import ast
import builtins
import functools
import re
from dataclasses import dataclass

from ..variants.stubs import STUB_ERROR, Stub, stub_matching
from .runner import CellRun


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


def _score_test(cell, position: int, run, shown, stubs: tuple[Stub, ...] = ()) -> CellResult:
    """One graded test cell, from its CellRun (runner.py): scored from `run`, its texts from `shown` (what
    the student may see of it: `disclosed`)."""
    base = dict(grade_id=cell.grade_id or cell.id, position=position, max_points=cell.points)
    if run is None or shown is None:
        return CellResult(**base, points=0.0, outcome="error", message="the cell was not run", error_type="NotRun")
    if run.status == "ok":
        points = partial_credit(run.value, cell.points)
        message = f"partial credit: {points:g} of {cell.points:g}" if points < cell.points else ""
        return CellResult(**base, points=points, outcome="passed", message=message)
    texts = dict(message=shown.evalue, error_type=shown.ename)
    if run.status == "error":
        outcome = "not_attempted" if stub_matching(stubs, run.ename, run.evalue) else "failed"
        return CellResult(**base, points=0.0, outcome=outcome, **texts)
    return CellResult(**base, points=0.0, outcome="error", **texts)


def _score_hand(cell, position: int) -> CellResult:
    return CellResult(
        grade_id=cell.grade_id or cell.id,
        position=position,
        points=0.0,
        max_points=cell.points,
        outcome="hand",
        message="to grade by hand",
    )


def score_cells(cells, runs, shown, stubs: tuple[Stub, ...] = ()) -> list[CellResult]:
    """Every graded cell of the rehydrated notebook (`cells`: RunCells in order), scored from `runs`, with
    the texts of `shown` (`disclosed(runs, bundle)`); `stubs`: the student version's (Bundle.stubs)."""
    by_id = {run.id: run for run in runs}
    seen = {run.id: run for run in shown}
    graded = [c for c in cells if c.kind in ("test", "hand")]
    return [
        _score_hand(c, i) if c.kind == "hand" else _score_test(c, i, by_id.get(c.id), seen.get(c.id), stubs)
        for i, c in enumerate(graded)
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


# --- what of a run a student may see ------------------------------------------------------------------

MESSAGE_LIMIT = 500  # characters of an error message shown
OUTPUT_LIMIT = 2000  # characters of printed output
VALUE_LIMIT = 200  # characters of a value's repr
NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,59}")  # an error type name shown: an identifier, at most 60
WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
WITHHELD = "(message withheld: hidden tests)"
PROCESS_STATUSES = ("ok", "error")  # what the submission's process reports; the runner writes the rest
RUNNER_STATUSES = ("timeout", "died", "not_run")  # their reasons are the runner's own text
BUILTIN_ERRORS = frozenset(
    name for name, value in vars(builtins).items() if isinstance(value, type) and issubclass(value, BaseException)
)


def disclosed(runs, bundle) -> tuple[CellRun, ...]:
    """What of each run may reach the student, in notebook order (runs of cells not in `bundle` dropped).

    Every field is untrusted data: the process runs the student's code beside the course's hidden tests,
    and that code can read them (`inspect`, `sys._getframe`) and carry them out in a message, a print or a
    repr, encoded so that no line search finds them. So every field is clipped (a field of the wrong type
    dropped), an error type is shown only as an identifier of at most 60 characters, and from the first
    cell that brings a secret into the process (a course cell whose source is not exactly what students
    received: hidden tests) nothing free-form is shown: the status, an error type only when it is a builtin
    exception's or a name in the cells students received ("Error" otherwise), and a message only when the
    course wrote it: one of the stubs' messages, or the literal message of an assertion in that test
    cell's source. Before that cell, messages, output and values are shown (clipped)."""
    by_id = {run.id: run for run in runs if isinstance(getattr(run, "id", None), str)}
    names = frozenset(WORD_RE.findall("\n".join(c.released for c in bundle.cells if c.cell_type == "code")))
    stubs = frozenset(stub.message for stub in bundle.stubs)
    shown, secret = [], False
    for cell in (c for c in bundle.cells if c.cell_type == "code"):
        secret = secret or (cell.kind not in ("answer", "hand") and cell.source != cell.released)
        if cell.id in by_id:
            shown.append(_disclosed_run(by_id[cell.id], cell, names if secret else None, stubs))
    return tuple(shown)


def _disclosed_run(run, cell, names: frozenset[str] | None, stubs: frozenset[str]) -> CellRun:
    """One run as the student may see it; `names`: the error type names allowed besides builtin exceptions
    once hidden tests ran (None: before them, any identifier)."""
    status = run.status if run.status in PROCESS_STATUSES + RUNNER_STATUSES else "error"
    raw = run.evalue if isinstance(run.evalue, str) else ""
    if status in RUNNER_STATUSES:
        return CellRun(cell.id, status, _type_name(run.ename, None), _clip(raw, MESSAGE_LIMIT))
    if names is None:
        value = _clip(run.value, VALUE_LIMIT) if isinstance(run.value, str) else None
        output = _clip(run.output, OUTPUT_LIMIT) if isinstance(run.output, str) else ""
        return CellRun(cell.id, status, _type_name(run.ename, None), _clip(raw, MESSAGE_LIMIT), value, output)
    written = (run.ename == STUB_ERROR and raw in stubs) or (
        cell.kind == "test" and run.ename == "AssertionError" and raw in _assertion_messages(cell.source)
    )
    return CellRun(
        cell.id, status, _type_name(run.ename, names), _clip(raw, MESSAGE_LIMIT) if written or not raw else WITHHELD
    )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + " ..."


def _type_name(name, allowed: frozenset[str] | None) -> str:
    """`name` if it may be shown as an error type (`allowed`: besides builtin exceptions; None: any
    identifier), else "Error"."""
    if name == "":
        return ""
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        return "Error"
    return name if allowed is None or name in BUILTIN_ERRORS or name in allowed else "Error"


@functools.lru_cache(maxsize=1024)
def _assertion_messages(source: str) -> frozenset[str]:
    """The assertion messages written as one string literal in `source`: `assert ok, "text"`,
    `raise AssertionError("text")`."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return frozenset()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert):
            found.add(node.msg)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "AssertionError":
            found.update(node.args[:1])
    return frozenset(n.value for n in found if isinstance(n, ast.Constant) and isinstance(n.value, str))
