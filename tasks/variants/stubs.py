"""Stubs as data: what the student version asks students to implement, recorded by the transform that makes
each stub (never parsed back from the text).

`stubs(nb)` lists them for a built student notebook; `stub_failure(nb, ename, evalue)` tells a failure that
stopped at a stub ("not attempted") from any other failure ("wrong answer" or broken code): grading and
check_student both decide with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .meta import private

STUBS_KEY = "stubs"
STUB_ERROR = "NotImplementedError"


@dataclass(frozen=True)
class Stub:
    what: str  # what students implement: "Tensor.add", or "The code in cell 'grade-id'"
    message: str  # the NotImplementedError message the stub raises
    cell: int  # 0-based index of the cell in the built notebook
    line: int  # 0-based line of the `raise` in that cell


def record_stubs(cell, lines: list[str], made: list[tuple[str, str, str]]) -> None:
    """Remember the stubs just written into `lines` (the cell's final lines): (line text, what, message)."""
    found = []
    for text, what, message in made:
        index = next(i for i, line in enumerate(lines) if line is text)
        found.append({"line": index, "what": what, "message": message})
    if found:
        private(cell, create=True)[STUBS_KEY] = sorted(found, key=lambda s: s["line"])


def stubs(nb) -> list[Stub]:
    """Every stub of a built notebook, in notebook order."""
    return [
        Stub(s["what"], s["message"], index, s["line"])
        for index, cell in enumerate(nb.cells)
        for s in private(cell).get(STUBS_KEY, [])
    ]


def stub_failure(nb, ename: str, evalue: str) -> Stub | None:
    """The stub an error (`ename: evalue`, as the kernel reports it) stopped at, or None when it is any other
    error: a student who has not attempted that exercise, as opposed to a wrong answer or broken code."""
    if ename != STUB_ERROR:
        return None
    return next((stub for stub in stubs(nb) if stub.message == evalue), None)
