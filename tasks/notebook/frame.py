"""Header and footer notebooks (course.yaml `header:`/`footer:`): their cells put around a notebook's own, as
nbgrader's generate_assignment does, in ONE place: when a notebook's source is read for building
(`read_notebook`). Every variant, the leak guard, grading's bundle and feedback read it from here.

`frame` is pure; the framed Source tells each cell's file:line in the file it came from, so an error in a
header cell points at the header.
"""

from __future__ import annotations

from dataclasses import dataclass

from .nbnode import clone
from .source import Source, cell_id


@dataclass(frozen=True)
class Framed(Source):
    """A notebook framed by a header and a footer: cells numbered anew, each located in its own file."""

    pieces: tuple[tuple[int, Source], ...] = ()  # (index of its first cell in the framed notebook, the Source)

    def location(self, cell_index: int, line_index: int | None = 0):
        start, piece = next((start, p) for start, p in reversed(self.pieces) if cell_index >= start)
        return piece.location(cell_index - start, line_index)


def frame(source: Source, header: Source | None = None, footer: Source | None = None) -> Source:
    """`source`'s notebook with the header's cells before and the footer's after (the notebook's metadata kept);
    the source itself when it has neither."""
    if header is None and footer is None:
        return source
    nb, pieces, cells = clone(source.nb), [], []
    for piece in (header, source, footer):
        if piece is None:
            continue
        pieces.append((len(cells), piece))
        cells += [clone(cell) for cell in piece.nb.cells]
    for index, cell in enumerate(cells):
        cell["id"] = cell_id(index)  # what `cell_index` reads back: an index into the framed notebook
    nb.cells = cells
    return Framed(
        file=source.file,
        nb=nb,
        cell_lines=[None] * len(cells),
        text_lines=[],
        crlf=source.crlf,
        size=sum(p.size for _, p in pieces),
        pieces=tuple(pieces),
    )


def read_notebook(paths, module) -> Source:
    """A module's (or a part's) notebook as it is built: its source, framed by its header and footer."""
    from .source import read_source

    def read(relative_or_path):
        path = paths.root / relative_or_path
        return read_source(path, paths.rel(path))

    own = read(paths.source(module))
    header, footer = (read(f) if f else None for f in (module.header, module.footer))
    return frame(own, header, footer)
