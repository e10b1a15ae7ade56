"""Answers graded by hand: which cells of your notebook they are, and whether you have written them.

The notebook says which cells they are, in its nbgrader metadata (the course writes it; nbgrader reads the same):
- a written answer: a markdown cell with "grade": true and "solution": true. Written when it has text and no
  line of it is still "YOUR ANSWER HERE" (how the course released it).
- a code answer graded by hand: a code cell with "grade": true and "solution": true. Written when no
  "# YOUR CODE HERE" line and no stub is left in it: `raise NotImplementedError()` (nbgrader's), or a
  `raise NotImplementedError("...")` whose message is one of the notebook's stubs (as its Run All cell lists them).
- a task: a cell with "task": true, which describes work you do in cells of your own below it (nbgrader gives
  graders the whole notebook for it and checks nothing). Counted as written when a cell after it, before the
  next cell with nbgrader metadata (the course's next question, test or answer), has text the released
  notebook does not have (so it is one you wrote; when git cannot tell what was released: any text).

Cells are named by their grade_id and their number in the notebook (cell 7: the 7th cell, as the test
results number them). Which cells were released is read from git (the commit that added the notebook): a
graded cell the released notebook has and yours has lost is reported, never silently counted as nothing to do.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from .repo import NotebookCell

WRITTEN_ANSWER = "YOUR ANSWER HERE"  # how a written answer is released (nbgrader's text stub)
YOUR_CODE_HERE = "# YOUR CODE HERE"  # nbgrader's line above a stub
STUB = re.compile(r"^\s*raise\s+NotImplementedError\b\s*(?:\((?P<args>.*)\))?\s*(?:#.*)?$")
RESTORE = (
    "`tito module reset {module}` restores the released notebook (yours is backed up under .tito/backups/ "
    "first); then copy your work back into it"
)


def kind(cell: NotebookCell) -> str | None:
    """ "written answer", "code answer" or "task" for a cell graded by hand; None for any other cell."""
    meta = cell.nbgrader
    if meta.get("task") is True:
        return "task"
    if meta.get("grade") and meta.get("solution"):
        return "written answer" if cell.kind == "markdown" else "code answer"
    return None


@dataclass
class Answer:
    name: str  # the cell's grade_id
    kind: str  # "written answer", "code answer" or "task"
    number: int | None  # its cell number in your notebook; None: removed from it
    written: bool = False
    why: str = ""  # what is wrong when it is not written

    @property
    def where(self) -> str:
        return f"{self.name} (cell {self.number})" if self.number else f"{self.name} (removed)"

    def todo(self, module: str) -> str:
        if self.why:
            return f"  {self.where}: {self.why}"
        if self.number is None:
            return f"  {self.name}: this {self.kind}'s cell is gone from your notebook; " + RESTORE.format(
                module=module
            )
        if self.kind == "task":
            return f"  cell {self.number} ({self.name}) is a task: add a cell below it with your answer"
        if self.kind == "code answer":
            return (
                f"  cell {self.number} ({self.name}): replace `{YOUR_CODE_HERE}` and the `raise NotImplementedError` "
                "line with your code"
            )
        return f"  cell {self.number} ({self.name}): write your answer in place of {WRITTEN_ANSWER}"


@dataclass
class Hand:
    answers: list[Answer] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.answers)

    @property
    def written(self) -> int:
        return sum(a.written for a in self.answers)

    @property
    def missing(self) -> list[Answer]:
        return [a for a in self.answers if not a.written]

    def summary(self, only: bool) -> str:
        """`this module is graded by hand: 3 of 4 answers written; missing: q2 (cell 7)` (without tests), or
        `graded by hand: ...` beside the tests' line."""
        head = "this module is graded by hand" if only else "graded by hand"
        text = f"{head}: {self.written} of {self.total} answers written"
        return text + (f"; missing: {', '.join(a.where for a in self.missing)}" if self.missing else "")

    def record(self) -> dict:
        """What progress.json keeps of it."""
        return {"written": self.written, "total": self.total, "missing": [a.where for a in self.missing]}


def hand_answers(cells: list[NotebookCell], released: list[NotebookCell] | None, stubs: dict[str, str]) -> Hand:
    """The answers graded by hand in `cells` (your notebook), with those the released notebook has and yours lost."""
    released_texts = {c.source.strip() for c in released or []}
    hand, seen = Hand(), {}
    for index, cell in enumerate(cells):
        what = kind(cell)
        if what is None:
            continue
        name = cell.grade_id or f"cell {index + 1}"
        answer = Answer(name, what, index + 1)
        if name in seen:
            answer.why = f"a second copy of cell {seen[name]} (same grade_id); graders read one: delete the copy"
        elif what == "task":
            answer.written = _task_answered(cells, index, released_texts, stubs)
        else:
            answer.written = _written(cell, stubs)
        seen.setdefault(name, index + 1)
        hand.answers.append(answer)
    for cell in released or []:
        what = kind(cell)
        if what and cell.grade_id and cell.grade_id not in seen:
            hand.answers.append(Answer(cell.grade_id, what, None))
    return hand


def removed_tests(cells: list[NotebookCell], released: list[NotebookCell] | None) -> list[str]:
    """grade_ids of the released notebook's test cells that your notebook no longer has."""
    kept = {c.grade_id for c in cells}
    return [c.grade_id for c in released or [] if c.is_test and c.grade_id and c.grade_id not in kept]


def _written(cell: NotebookCell, stubs: dict[str, str]) -> bool:
    return bool(cell.source.strip()) and not any(_placeholder(line, stubs) for line in cell.source.split("\n"))


def _placeholder(line: str, stubs: dict[str, str]) -> bool:
    """The line is one the course left for you to replace: YOUR ANSWER HERE, # YOUR CODE HERE, or a stub."""
    text = line.strip()
    if text in (WRITTEN_ANSWER, YOUR_CODE_HERE):
        return True
    found = STUB.match(line)
    if not found:
        return False
    args = (found["args"] or "").strip()
    if not args:
        return True  # nbgrader's own stub: `raise NotImplementedError()`
    try:
        message = ast.literal_eval(args)
    except (ValueError, SyntaxError):
        return False
    return isinstance(message, str) and message in stubs


def _task_answered(cells: list[NotebookCell], index: int, released_texts: set[str], stubs: dict[str, str]) -> bool:
    for cell in cells[index + 1 :]:
        if cell.nbgrader:
            return False  # the course's next flagged cell: the task's answer ends before it
        text = cell.source.strip()
        if text and text not in released_texts and _written(cell, stubs):
            return True
    return False
