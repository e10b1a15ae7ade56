"""Tamper-proof rehydration (pure): only a student's answer cells are taken from the submission.

`extract_answers` reads a submitted notebook (parsed JSON, whatever its shape) against the module bundle:
each answer cell is matched by nbgrader grade_id, then by cell id; everything else the student sent is
ignored, with a note when it was tampered with (a test edited or deleted, a cell type changed, cells
duplicated, reordered or added; the Run All cell every student notebook opens with is not "added"). `rehydrate` puts the answers into the pristine instructor notebook: every
test cell, hidden test and fixed cell comes from the course source. A deleted answer is graded as the stub
the student received, i.e. as not attempted.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from ..notebook.nbgrader import nbgrader_meta
from ..variants.stubs import RUN_ALL_ID
from .bundle import Bundle, BundleCell

TAKEN = ("answer", "hand")  # cells whose content is the student's


@dataclass(frozen=True)
class Answers:
    cells: tuple[tuple[str, str | None], ...]  # (bundle cell id, the student's source, or None: not found)
    notes: tuple[str, ...] = ()

    @property
    def digest(self) -> str:
        return hashlib.sha256(json.dumps([self.cells, self.notes]).encode("utf-8")).hexdigest()

    def source(self, cell_id: str) -> str | None:
        return dict(self.cells).get(cell_id)


@dataclass(frozen=True)
class RunCell:
    id: str
    grade_id: str
    kind: str
    cell_type: str
    source: str
    points: float = 0.0


# --- reading a submission -------------------------------------------------------------------------


def _text_of(value) -> str:
    if isinstance(value, list):
        return "".join(str(part) for part in value)
    return value if isinstance(value, str) else ""


def _submitted_cells(submission) -> list[dict]:
    """The submission's cells as (grade_id, id, cell_type, source) dicts; anything malformed is skipped."""
    cells = submission.get("cells") if isinstance(submission, dict) else None
    found = []
    for cell in cells if isinstance(cells, list) else []:
        if not isinstance(cell, dict):
            continue
        meta = nbgrader_meta(cell)
        found.append(
            {
                "grade_id": str(meta.get("grade_id") or ""),
                "id": str(cell.get("id") or ""),
                "cell_type": str(cell.get("cell_type") or ""),
                "source": _text_of(cell.get("source")),
            }
        )
    return found


def match(cell: BundleCell, submitted: list[dict], claimed: set[str]) -> list[int]:
    """Positions of the submitted cells that are `cell`: by grade_id, else by id (if that id was not
    taken by another cell's grade_id)."""
    if cell.grade_id:
        hits = [i for i, s in enumerate(submitted) if s["grade_id"] == cell.grade_id]
        if hits:
            return hits
    return [i for i, s in enumerate(submitted) if s["id"] == cell.id and s["grade_id"] not in claimed]


def name(cell: BundleCell) -> str:
    return f"'{cell.grade_id or cell.id}'"


def extract_answers(submission, bundle: Bundle) -> Answers:
    """The student's answers and the notes about what else they changed."""
    submitted = _submitted_cells(submission)
    claimed = {c.grade_id for c in bundle.cells if c.grade_id}
    answers, notes, used, order = [], [], set(), []
    for cell in bundle.cells:
        hits = match(cell, submitted, claimed - {cell.grade_id})
        used.update(hits)
        if hits:
            order.append(hits[0])
        notes.extend(_cell_notes(cell, [submitted[i] for i in hits]))
        if cell.kind in TAKEN:
            answers.append((cell.id, submitted[hits[0]]["source"] if hits else None))
    added = sum(
        1
        for i, s in enumerate(submitted)
        if i not in used and s["cell_type"] == "code" and s["source"].strip() and s["id"] != RUN_ALL_ID
    )
    if added:
        notes.append(
            f"{added} code cell(s) you added were not run: only answer cells are graded (put helper code inside an answer cell)"
        )
    if order != sorted(order):
        notes.append("cells were moved; they were graded in the course's order")
    return Answers(cells=tuple(answers), notes=tuple(notes))


def _cell_notes(cell: BundleCell, hits: list[dict]) -> list[str]:
    notes = []
    if len(hits) > 1:
        notes.append(f"cell {name(cell)} appears {len(hits)} times; the first copy was graded")
    if cell.kind in TAKEN:
        if not hits:
            notes.append(f"answer cell {name(cell)} was deleted (or its metadata removed); graded as not attempted")
        elif hits[0]["cell_type"] != cell.cell_type:
            notes.append(
                f"answer cell {name(cell)} was changed from {cell.cell_type} to {hits[0]['cell_type']}; graded as {cell.cell_type}"
            )
    elif cell.kind == "test":
        if not hits:
            notes.append(f"test {name(cell)} was deleted; the course's test was run")
        elif hits[0]["source"] != cell.released or hits[0]["cell_type"] != cell.cell_type:
            notes.append(f"test {name(cell)} was edited; the course's test was run")
    return notes


# --- into the pristine notebook -------------------------------------------------------------------


def rehydrate(answers: Answers, bundle: Bundle) -> list[RunCell]:
    """The cells to run, in the course's order: the student's answers, the course's everything else."""
    given = dict(answers.cells)
    return [
        RunCell(
            id=c.id,
            grade_id=c.grade_id,
            kind=c.kind,
            cell_type=c.cell_type,
            points=c.points,
            source=_answer_source(c, given) if c.kind in TAKEN else c.source,
        )
        for c in bundle.cells
    ]


def _answer_source(cell: BundleCell, given: dict) -> str:
    source = given.get(cell.id)
    return source if source is not None else cell.released
