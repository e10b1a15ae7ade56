"""Stubs as data: what the student version asks students to implement, recorded by the transform that makes
each stub (never parsed back from the text).

`stubs(nb)` lists them for a built student notebook; `stub_failure(nb, ename, evalue)` tells a failure that
stopped at a stub ("not attempted") from any other failure ("wrong answer" or broken code): grading and
check_student both decide with it (`stub_matching` for a list of stubs kept without their notebook).

A student notebook with stubs opens with the Run All cell (`run_all_source(nb)`): it imports the student
repository's `tito/runall.py` and hands it the notebook's stubs as data (what, where, message), so that Jupyter's
"Run All" goes on past a cell stopped by one of them (one line instead of a traceback), and by nothing else,
unless TITO_STRICT is set, as every tool that counts tests sets it. `tito module complete` reads the same data
from the cell to tell "not implemented yet" from a failure.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from .meta import private

STUBS_KEY = "stubs"
STUB_ERROR = "NotImplementedError"
NAME_ERROR_RE = re.compile(r"^name '(?P<name>\w+)' is not defined$")
STRICT_ENV = "TITO_STRICT"  # set in every kernel that counts tests: tito/runall.py then softens nothing
RUN_ALL_ID = "tito-run-all"  # the Run All cell's id (the only built cell not made from a source cell)
RUN_ALL_SOURCE = """\
# Lets "Run All" go on past the exercises you have not written yet: a test that reaches one prints
# "not implemented yet: ..." instead of stopping the notebook. It still counts as not passed
# (tito module complete, grading). How it works: tito/runall.py in your repository.
try:
    import tito.runall
except ImportError:  # not set up yet (python3 -m tito setup): Run All stops at the first exercise
    pass
else:  # this notebook's exercises as the course made them (what, where, the message of its stub)
    tito.runall.exercises(
{exercises}
    )"""


@dataclass(frozen=True)
class Stub:
    what: str  # what students implement: "Tensor.add", or "The code in cell 'grade-id'"
    message: str  # the NotImplementedError message the stub raises
    cell: int  # 0-based index of the cell in the built notebook
    line: int  # 0-based line of the `raise` in that cell
    defines: tuple[str, ...] = ()  # a whole cell stubbed: what its solution defined (a NameError for one is the stub's)


def record_stubs(cell, lines: list[str], made: list[tuple[str, str, str]], defines: list[str] = ()) -> None:
    """Remember the stubs just written into `lines` (the cell's final lines): (line text, what, message); for a
    whole cell stubbed, the names its solution defined (`defines`)."""
    found, claimed = [], set()
    for text, what, message in made:
        index = next(i for i, line in enumerate(lines) if line is text and i not in claimed)
        claimed.add(index)
        found.append(
            {"line": index, "what": what, "message": message, **({"defines": list(defines)} if defines else {})}
        )
    if found:
        private(cell, create=True)[STUBS_KEY] = sorted(found, key=lambda s: s["line"])


def stubs(nb) -> list[Stub]:
    """Every stub of a built notebook, in notebook order."""
    return [
        Stub(s["what"], s["message"], index, s["line"], tuple(s.get("defines", ())))
        for index, cell in enumerate(nb.cells)
        for s in private(cell).get(STUBS_KEY, [])
    ]


def stub_failure(nb, ename: str, evalue: str) -> Stub | None:
    """The stub an error (`ename: evalue`, as the kernel reports it) stopped at, or None when it is any other
    error: a student who has not attempted that exercise, as opposed to a wrong answer or broken code."""
    return stub_matching(stubs(nb), ename, evalue)


def stub_matching(known: list[Stub], ename: str, evalue: str) -> Stub | None:
    """The stub of `known` that an error (`ename: evalue`) stopped at, or None: its NotImplementedError, or a
    NameError for a name that only the solution of a cell stubbed whole defined (nbgrader's stub defines
    nothing, so the cells that use its names stop there)."""
    if ename == "NameError":
        match = NAME_ERROR_RE.match(evalue)
        return next((stub for stub in known if match and match["name"] in stub.defines), None)
    if ename != STUB_ERROR:
        return None
    return next((stub for stub in known if stub.message == evalue), None)


def run_all_source(nb) -> str:
    """The Run All cell of a notebook with stubs: RUN_ALL_SOURCE handing tito/runall.py each stub as
    (what, scope, message); scope is the qualified name of the def or class the stub is in ("" at a cell's
    top level, None when its cell is not plain Python)."""
    rows = [
        f"        {(stub.what, _scope(nb.cells[stub.cell].source, stub.line), stub.message)!r}," for stub in stubs(nb)
    ]
    return RUN_ALL_SOURCE.format(exercises="\n".join(dict.fromkeys(rows)))  # once each, in notebook order


def _scope(source: str, line: int) -> str | None:
    """The dotted names of the defs and classes around 0-based `line` of `source`, as Python's `co_qualname`
    of the frame running it reads without its `<locals>` parts; None when `source` does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    around = [
        node
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and node.lineno <= line + 1 <= node.end_lineno
    ]
    return ".".join(node.name for node in sorted(around, key=lambda node: node.lineno))
