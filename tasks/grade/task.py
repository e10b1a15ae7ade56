"""THE grading task: `grade_submission(submission, bundle, limits) -> GradeResult`, data in, data out.

What a Dask worker runs: everything it needs travels with the call (the student's answers, the module
bundle with its package files, the limits), nothing is read from or written to a shared file system, and
the result is a frozen record the client writes to the gradebook. The key a result is stored under is
computed beforehand (`result_key`): the student's answers, the module's graded source, the grader's code.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

from .bundle import Bundle
from .rehydrate import Answers, rehydrate
from .score import CellResult, disclosed, score_cells, unreadable


UNSANDBOXED = "graded without the sandbox (tito grade --no-sandbox): the notebook ran as the grader's user"


@dataclass(frozen=True)
class Limits:
    timeout: float = 30.0  # seconds per cell
    memory_mb: int = 1024
    sandbox: bool = True  # False: `tito grade --no-sandbox`, the submission runs as the grader's user


@dataclass(frozen=True)
class Submission:
    student: str
    module: str
    path: str  # as the instructor sees it, e.g. submissions/ada/tensor/tensor.ipynb
    answers: Answers | None = None  # None: the file could not be read (see problem)
    problem: str = ""
    digest: str = ""  # of the answers, or of the unreadable file

    @property
    def content_digest(self) -> str:
        return self.answers.digest if self.answers is not None else self.digest


@dataclass(frozen=True)
class GradeResult:
    student: str
    module: str
    path: str
    key: str
    status: str  # graded | error
    message: str
    cells: tuple[CellResult, ...]
    notes: tuple[str, ...] = ()
    seconds: float = 0.0
    answer_errors: tuple[tuple[str, str, str], ...] = field(default=())  # (cell, error type, message)

    @property
    def score(self) -> float:
        return sum(c.points for c in self.cells)

    @property
    def max_score(self) -> float:
        return sum(c.max_points for c in self.cells)

    def submission_row(self) -> dict:
        return dict(
            student=self.student,
            module=self.module,
            path=self.path,
            key=self.key,
            status=self.status,
            message=self.message,
            score=self.score,
            max_score=self.max_score,
            notes=list(self.notes),
            seconds=self.seconds,
        )


def result_key(submission: Submission, bundle: Bundle, grader: str, limits: Limits = Limits()) -> str:
    """What a stored result is valid for: the answers, the module's graded source, the grader's code, and
    whether it ran sandboxed (a result graded with --no-sandbox is graded again with the sandbox)."""
    parts = (submission.content_digest, bundle.graded_hash, grader) + (() if limits.sandbox else ("no-sandbox",))
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def grade_submission(submission: Submission, bundle: Bundle, limits: Limits = Limits(), key: str = "") -> GradeResult:
    from .runner import run_cells

    started = time.monotonic()
    base = dict(student=submission.student, module=submission.module, path=submission.path, key=key)
    if submission.answers is None:
        return GradeResult(
            **base,
            status="error",
            message=submission.problem,
            cells=tuple(unreadable(bundle.cells, submission.problem)),
        )
    cells = rehydrate(submission.answers, bundle)
    runs = run_cells(cells, bundle.package, timeout=limits.timeout, memory_mb=limits.memory_mb, sandbox=limits.sandbox)
    notes = submission.answers.notes + (() if limits.sandbox else (UNSANDBOXED,))
    return _graded(base, cells, runs, bundle, notes, round(time.monotonic() - started, 3))


def _graded(base: dict, cells, runs, bundle: Bundle, notes: tuple[str, ...], seconds: float) -> GradeResult:
    """The result of a run: outcomes and points from `runs`, every text from what the student may see of
    them (score.disclosed); the runs themselves go no further."""
    shown = disclosed(runs, bundle)
    errors = answer_errors(cells, shown)
    return GradeResult(
        **base,
        status="graded",
        message=next((r.evalue for r in shown if r.status in ("timeout", "died")), ""),
        cells=tuple(score_cells(cells, runs, shown, bundle.stubs)),
        notes=notes + tuple(f"your cell '{c}' raised {e}: {m}" for c, e, m in errors),
        seconds=seconds,
        answer_errors=errors,
    )


def answer_errors(cells, shown) -> tuple[tuple[str, str, str], ...]:
    """Errors raised by the student's own answer cells (shown in feedback: they explain failing tests), from
    the runs as the student may see them (score.disclosed)."""
    answers = {c.id: c for c in cells if c.kind == "answer"}
    return tuple(
        (answers[r.id].grade_id or r.id, r.ename, r.evalue) for r in shown if r.id in answers and r.status == "error"
    )


def grading_failed(submission: Submission, bundle: Bundle, key: str, reason: str) -> GradeResult:
    """The result recorded when grading itself failed (a worker died twice): every graded cell 0, the reason."""
    return GradeResult(
        student=submission.student,
        module=submission.module,
        path=submission.path,
        key=key,
        status="error",
        message=reason,
        cells=tuple(unreadable(bundle.cells, reason)),
    )
