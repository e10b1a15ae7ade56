"""Which source line each line of a built cell comes from: the built-cell -> source-line map.

Transforms read a cell's lines with `lines_of` and write them back with `set_lines`. Each line read is a
`Line` (a str) that remembers its origin, the 0-based line in the SOURCE cell; lines a transform keeps or
moves keep it, and new lines (a stub) get none. `set_lines` stores the map in the cell's private metadata
(never rendered into an artifact), so a line of an executed notebook maps back to the file the instructor
edits (`origin_line`). Cells that were never changed map line for line.
"""

from __future__ import annotations

from .meta import private

MAP_KEY = "lines"


class Line(str):
    """A line of cell text that knows its line in the source cell (`origin`, None for new text)."""

    origin: int | None = None

    @classmethod
    def at(cls, text: str, origin: int | None) -> "Line":
        line = cls(text)
        line.origin = origin
        return line


def _line_map(cell) -> list[int | None]:
    """The source-cell line of each line of the cell as it is now."""
    stored = private(cell).get(MAP_KEY)
    count = len(cell.source.split("\n"))
    return list(stored) if stored is not None and len(stored) == count else list(range(count))


def lines_of(cell) -> list[Line]:
    return [Line.at(text, origin) for text, origin in zip(cell.source.split("\n"), _line_map(cell))]


def set_lines(cell, lines: list[str]) -> None:
    """Write `lines` into the cell and remember where each came from (a new line: after the line above it)."""
    origins, previous = [], -1
    for line in lines:
        origin = getattr(line, "origin", None)
        origins.append(origin if origin is not None else previous + 1)
        previous = origins[-1]
    cell.source = "\n".join(lines)
    if origins != list(range(len(lines))) or MAP_KEY in private(cell):
        private(cell, create=True)[MAP_KEY] = origins


def origin_line(cell, line_index: int) -> int:
    """The 0-based source-cell line of line `line_index` (0-based) of a built cell."""
    found = _line_map(cell)
    return found[line_index] if 0 <= line_index < len(found) else max(line_index, 0)
