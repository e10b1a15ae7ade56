"""CHANGES.md in the student repository: what each release brought, in words a student reads (new modules,
solutions out, corrected notebooks and what each correction was). The release commit writes it; `tito update`
prints the entries it brings.

A correction is described by comparing the released student notebook with its corrected copy, cell by cell
(grade_ids): both are student artifacts the leak guard already passed, so nothing here can reveal more.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath

from ..base.errors import CourseError
from ..notebook.nbgrader import grade_id, is_answer, is_test
from ..notebook.source import reads_source
from .compiled import signatures

CHANGES = "CHANGES.md"
HEADER = (
    "# What changed\n\nEach release of the course adds an entry here, newest first; `tito update` shows the new "
    "ones. Your own files are never changed: a corrected notebook arrives beside yours as NAME.v2.ipynb.\n"
)
WORDS = {
    "exercises for": "New exercises: {}",
    "solutions for": "Solutions out: {}",
    "updated solutions for": "Solutions corrected: {}",
}


def with_entry(
    previous: str | None, title: str, added: dict[str, list[str]], corrected: dict[str, tuple[str, bytes, bytes]]
) -> bytes:
    """CHANGES.md with this release's entry on top. `added`: Plan.added (what -> modules); `corrected`: each
    errata copy's path -> (the path it corrects, that file's released bytes, the copy's bytes)."""
    text = previous if previous and previous.strip() else HEADER
    lines = [WORDS[what].format(", ".join(modules)) for what, modules in added.items() if what in WORDS and modules]
    copies: dict[PurePosixPath, list[str]] = {}
    for path in sorted(corrected, key=lambda p: (PurePosixPath(p).suffix != ".ipynb", p)):
        copies.setdefault(PurePosixPath(path).with_suffix(""), []).append(path)
    for first, *also in copies.values():
        of, old, new = corrected[first]
        what = describe(old, new, first)
        more = f" (also as `{', '.join(PurePosixPath(p).name for p in also)}`)" if also else ""
        lines.append(
            f"Corrected: `{first}`{more}, a corrected copy of `{PurePosixPath(of).name}` (yours stays as it is)"
            + (f": {what}" if what else "")
        )
    entry = f"## {_heading(text, title)}\n\n" + "".join(f"- {line}\n" for line in lines)
    at = text.find("\n## ")
    body = text.rstrip("\n") + "\n\n" + entry if at < 0 else text[: at + 1] + entry + "\n" + text[at + 1 :]
    return body.encode("utf-8")


def _heading(text: str, title: str) -> str:
    """`title`, made unique among the file's headings (`Week 4`, then `Week 4, update 2`): `tito update` tells
    new entries by their headings."""
    taken = {line[3:].strip() for line in text.split("\n") if line.startswith("## ")}
    return next(h for n in range(1, 10_000) if (h := title if n == 1 else f"{title}, update {n}") not in taken)


def describe(old: bytes, new: bytes, path: str) -> str:
    """What changed from `old` to `new` (two student notebooks, .ipynb or jupytext .py), in a student's words."""
    before, after = _cells(old, path), _cells(new, path)
    if before is None or after is None:
        return ""
    said = []
    for key, (kind, source) in after[0].items():
        was = before[0].get(key)
        if was is None:
            said.append(f"new {kind} `{key}`")
        elif was[1] != source:
            now = "; ".join(f"`{s}`" for s in signatures(source)) if kind == "exercise" else ""
            said.append(
                f"{kind} `{key}` changed"
                + (f" (now {now})" if now and signatures(was[1]) != signatures(source) else "")
            )
    said += [f"{kind} `{key}` removed" for key, (kind, _) in before[0].items() if key not in after[0]]
    return "; ".join(said + (["explanations changed"] if before[1] != after[1] else []))


def _cells(data: bytes, path: str) -> tuple[dict[str, tuple[str, str]], list[str]] | None:
    """({grade_id: (exercise | test, source)}, the other cells' sources) of a notebook; None if unreadable."""
    try:
        if PurePosixPath(path).suffix == ".ipynb":
            cells = json.loads(data.decode("utf-8"))["cells"]
        else:
            cells = reads_source(data.decode("utf-8"), path, "py").nb.cells
    except (ValueError, KeyError, TypeError, CourseError):
        return None
    graded, other = {}, []
    for cell in cells:
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        if grade_id(cell) and is_answer(cell):
            graded[grade_id(cell)] = ("exercise", source)
        elif grade_id(cell) and is_test(cell):
            graded[grade_id(cell)] = ("test", source)
        else:
            other.append(source)
    return graded, other
