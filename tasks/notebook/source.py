"""Module sources (jupytext percent .py or .ipynb) read into notebooks, with a map back to file lines.

`reads_source` is pure (text in, Source out); `read_source` is the thin file wrapper. Heavy imports
(jupytext, nbformat) happen here, inside functions, so `doit list` never pays for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from .lightimport import light_jsonschema
from ..base.errors import CourseError, Location
from .nbnode import clone, new_cell, new_notebook
from .percent import CANDIDATE_RE as HEADER_RE, reads_cells  # jupytext's cell-start lines; not `# %%time`

QUOTES = ('"""', "'''")
JUPYTEXT_CELL_KEYS = ("lines_to_next_cell",)


@dataclass(frozen=True)
class Source:
    """A parsed module source: the notebook, plus where each cell starts in the file (for messages).
    Frozen; read_source hands every caller its own copy of the notebook."""

    file: str
    nb: object
    cell_lines: list[int | None]
    text_lines: list[str] = field(default_factory=list)
    crlf: bool = False
    size: int = 0  # bytes of the source file

    def location(self, cell_index: int, line_index: int | None = 0) -> tuple[str, int | None, int | None]:
        """(file, line, cell) for line `line_index` of cell `cell_index`; `cell` is set for .ipynb sources.

        `line_index=None` means the cell itself: its `# %%` header line (where its metadata is) in a .py source.
        """
        start = self.cell_lines[cell_index]
        if line_index is None:
            return (self.file, start, None) if start is not None else (self.file, None, cell_index + 1)
        if start is None:
            return self.file, line_index + 1, cell_index + 1
        wanted = (
            self.nb.cells[cell_index].source.split("\n")[line_index].strip() if self.nb.cells[cell_index].source else ""
        )
        end = self.cell_lines[cell_index + 1] if cell_index + 1 < len(self.cell_lines) else len(self.text_lines) + 1

        def same(number: int, exact: bool) -> bool:
            text = self.text_lines[number - 1].strip()
            if exact:  # the line itself, or as a `# `-commented markdown line
                return text == wanted or text.lstrip("#").strip() == wanted
            return bool(wanted) and text.endswith(wanted)

        for exact, first in ((True, start + 1 + line_index), (False, start + 1 + line_index), (False, start + 1)):
            for number in range(first, end):
                if same(number, exact):
                    return self.file, number, None
        return self.file, start, None

    def at(self, cell_index: int, line_index: int | None = 0) -> Location:
        """`location` as the one Location type: what messages print."""
        return Location(*self.location(cell_index, line_index))


def cell_id(index: int) -> str:
    """The id a source cell gets (deterministic, so built notebooks are reproducible)."""
    return f"cell-{index:03d}"


def cell_index(cell) -> int:
    """The index in the source of a built notebook's cell (transforms keep each cell's id)."""
    return int(cell["id"].rsplit("-", 1)[-1])


def decode(data: bytes, file: str) -> tuple[str, bool]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CourseError.at(
            file, line, f"contains bytes that are not UTF-8 (byte 0x{data[error.start]:02x}); save the file as UTF-8"
        )
    if text.startswith("\ufeff"):
        text = text[1:]
    crlf = "\r\n" in text
    return text.replace("\r\n", "\n").replace("\r", "\n"), crlf


def reads_source(text: str, file: str, kind: str) -> Source:
    """Parse source text (`kind` is 'py' or 'ipynb') into a Source with deterministic cell ids."""
    if kind == "ipynb":
        nb = reads_ipynb(text, file)
        cell_lines: list[int | None] = [None] * len(nb.cells)
        lines: list[str] = []
    else:
        nb = _reads_percent(text, file)
        lines = text.split("\n")
        cell_lines = _header_lines(lines, len(nb.cells))
    for index, cell in enumerate(nb.cells):
        cell["id"] = cell_id(index)
        if "\r" in cell.source:  # a notebook cell written on Windows: `\r\n` line ends would hide its markup
            cell.source = cell.source.replace("\r\n", "\n").replace("\r", "\n")
        for key in JUPYTEXT_CELL_KEYS:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata = {}
    return Source(file=file, nb=nb, cell_lines=cell_lines, text_lines=lines)


def _reads_percent(text: str, file: str):
    """The notebook jupytext reads from a percent-format source.

    Sources in the plain subset that tasks/percent.py reads exactly (the course's modules are) never
    import jupytext or nbformat; any other source is read by jupytext itself.
    """
    cells = reads_cells(text)
    if cells is None:
        return reads_percent_with_jupytext(text, file)
    return new_notebook([new_cell(kind, source, metadata) for kind, source, metadata in cells])


def reads_percent_with_jupytext(text: str, file: str):
    """jupytext's percent-format reader, the notebook validated against the schema.

    Only sources outside the plain subset of tasks/percent.py come here. jupytext checks each cell as it
    builds it (half of its parse time); nbformat's check is not switched off for that: patching the
    library would change it for every thread of the process.
    """
    light_jsonschema()
    import jupytext
    import nbformat

    nb = jupytext.reads(text, fmt="py:percent")
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as error:
        raise CourseError.at(file, None, _schema_problem(error))
    return nb


def reads_ipynb(text: str, file: str):
    import json

    light_jsonschema()
    import nbformat

    try:
        data = json.loads(text)
    except ValueError as error:
        line = getattr(error, "lineno", None)
        raise CourseError.at(
            file,
            line,
            f"is not a valid Jupyter notebook (invalid JSON: {getattr(error, 'msg', error)}); open and re-save it in Jupyter, or fix the JSON",
        )
    if not isinstance(data, dict) or not isinstance(data.get("nbformat"), int):
        raise CourseError.at(
            file,
            1,
            'is not a valid Jupyter notebook: no "nbformat" version at the top level; export it from Jupyter, or use a jupytext .py source',
        )
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except nbformat.ValidationError as error:
        raise CourseError.at(file, None, _schema_problem(error), cell=_cell_of(error))
    except Exception as error:  # nbformat raises several types: versions, conversions
        raise CourseError.at(
            file,
            None,
            f"is not a valid Jupyter notebook ({str(error).splitlines()[0][:200]}); open and re-save it in Jupyter",
        )
    return nb


def _cell_of(error) -> int | None:
    """1-based cell number a schema error is about, from its JSON path (['cells', 2, ...] -> 3)."""
    path = list(getattr(error, "absolute_path", []) or getattr(error, "path", []))
    return path[1] + 1 if len(path) > 1 and path[0] == "cells" and isinstance(path[1], int) else None


def _schema_problem(error) -> str:
    what = getattr(error, "message", str(error)).split("\n")[0]
    if len(what) > 160:
        what = what[:160] + "..."
    return f"is not a valid Jupyter notebook: {what}; open and re-save it in Jupyter"


def _header_lines(lines: list[str], cell_count: int) -> list[int | None]:
    """File line of each cell's `# %%` header; a cell before the first header starts at line 1.

    Like jupytext, a `# %%` line inside the triple-quoted text of a markdown cell is text, not a header.
    """
    headers, index = [], 0
    while index < len(lines):
        if HEADER_RE.match(lines[index]):
            headers.append(index + 1)
            index = _end_of_quoted_markdown(lines, index)
        index += 1
    if len(headers) < cell_count:
        headers = [1] * (cell_count - len(headers)) + headers
    return headers[len(headers) - cell_count :] if cell_count else []


def _end_of_quoted_markdown(lines: list[str], header: int) -> int:
    """The index of the closing quotes of a `# %% [markdown]` cell written as a string, else `header`."""
    is_markdown = "[markdown]" in lines[header] or "[md]" in lines[header]
    if not is_markdown or header + 1 >= len(lines):
        return header
    opening = lines[header + 1].strip()
    quote = next((q for q in QUOTES if opening.lstrip("rRuU").startswith(q)), None)
    if quote is None:
        return header
    if opening.lstrip("rRuU")[3:].rstrip().endswith(quote):
        return header + 1
    for index in range(header + 2, len(lines)):
        if lines[index].rstrip().endswith(quote):
            return index
    return header


def read_source(path: Path, file: str) -> Source:
    """Read a module source file; `file` is the name to use in messages (relative to the repo).

    Parsed once per process and version of the file (lint, student and solution of a module run in one
    doit process). The cached Source is never handed out: each caller gets its own copy of the notebook,
    so a caller (a Dask worker thread, a long-lived CLI) cannot change what the next one reads.
    """
    path = Path(path)
    stat = path.stat()
    cached = _read_source(path, file, stat.st_mtime_ns, stat.st_size)
    return replace(cached, nb=clone(cached.nb))


@lru_cache(maxsize=64)
def _read_source(path: Path, file: str, mtime_ns: int, size: int) -> Source:
    if size > 20 * 1024 * 1024:
        raise CourseError.at(
            file, None, "is larger than 20 MB; a module source should be a few hundred KB (move data to separate files)"
        )
    text, crlf = decode(path.read_bytes(), file)
    return replace(reads_source(text, file, "ipynb" if path.suffix == ".ipynb" else "py"), crlf=crlf, size=size)
