"""Execution failures in the instructor's terms: the line of the module source they edit (through the
built-cell -> source-line map), the failing statement, the cause, and where it was called from.

Pure: a failure, the executed notebook and the Source in; a Finding (or text) out.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..base.errors import Location
from ..notebook.source import cell_index
from ..variants.origins import origin_line
from .tracebacks import cell_frames


@dataclass(frozen=True)
class Place:
    where: Location  # in the module source
    statement: str  # the line of code there, as written


def _cell_of_count(nb, count: int) -> int | None:
    """Index of the cell that ran as `In[count]`."""
    return next(
        (i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.get("execution_count") == count), None
    )


def place(source, nb, index: int, line: int) -> Place:
    """Line `line` (1-based) of cell `index` of the executed notebook, in the module source."""
    cell = nb.cells[index]
    lines = cell.source.split("\n")
    line_index = min(max(line - 1, 0), len(lines) - 1)
    where = source.at(cell_index(cell), origin_line(cell, line_index))
    return Place(where, lines[line_index].strip())


def _first_code_line(cell) -> int:
    lines = cell.source.split("\n")
    return next((n for n, text in enumerate(lines, 1) if text.strip() and not text.lstrip().startswith(("#", "%"))), 1)


def _places(source, nb, failure) -> list[Place]:
    """The failure's frames in notebook cells, innermost first; else the failing cell's first code line."""
    found = []
    for count, line in cell_frames(list(failure.traceback)):
        index = _cell_of_count(nb, count)
        if index is not None:
            found.append(place(source, nb, index, line))
    if not found:
        found = [place(source, nb, failure.cell - 1, _first_code_line(nb.cells[failure.cell - 1]))]
    return list(reversed(found))


def cause(failure) -> str:
    value = failure.evalue.replace("\n", "\n    ")
    return f"{failure.ename}: {value}" if value else f"{failure.ename} (no message)"


def explained(source, nb, failure) -> tuple[Location, str]:
    """(where, text): the innermost source line, then the statement, the cause and the calling line."""
    found = _places(source, nb, failure)
    text = f"{found[0].statement}\n    {cause(failure)}"
    if len(found) > 1 and found[-1].where != found[0].where:
        text += f"\n    called from {found[-1].where}: {found[-1].statement}"
    return found[0].where, text


def cell_place(source, nb, index: int) -> Location:
    """A whole cell (a timeout, a dead kernel): its first code line in the module source."""
    return place(source, nb, index, _first_code_line(nb.cells[index])).where
