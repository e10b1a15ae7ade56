"""Your repository as tito sees it: where it is, its modules, their notebooks, and git's view of them."""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

VERSION = re.compile(r"\.v(\d+)\.(ipynb|py)$")
DIRECTIVE = re.compile(r"^#\|\s*(\w[\w-]*)(?:\s+(\S+))?\s*$")
CELL_HEADER = re.compile(r"^# %%(?P<rest>.*)$")


class Stop(Exception):
    """A problem the student can fix: the message says how (tito prints it and exits non-zero)."""


def find_root(start: Path | None = None) -> Path:
    """The student repository: the nearest folder upwards holding both `modules/` and `tito/`."""
    here = Path(start or os.getcwd()).resolve()
    for folder in [here, *here.parents]:
        if (folder / "modules").is_dir() and (folder / "tito").is_dir():
            return folder
    raise Stop(
        f"{here} is not inside your TinyTorch repository (no modules/ and tito/ folders here or above); cd into your clone first"
    )


@dataclass(frozen=True)
class StudentModule:
    root: Path
    slug: str  # 01_tensor
    stem: str | None = None  # one notebook of a module of several (problem1 of problem1.ipynb); None: the module's

    @property
    def folder(self) -> Path:
        return self.root / "modules" / self.slug

    @property
    def number(self) -> str:
        head = self.slug.split("_", 1)[0]
        return head if head.isdigit() else ""

    @property
    def name(self) -> str:
        return self.slug.split("_", 1)[1] if "_" in self.slug and self.number else self.slug

    @property
    def short(self) -> str:
        """How to name it on the command line: `01`."""
        return self.number or self.slug

    def notebook(self) -> Path | None:
        """The notebook first released in the folder (errata copies name.v2.ipynb are not it); of a part, its own."""
        found = sorted(p for p in self.folder.glob(f"{self.stem or '*'}.ipynb") if not VERSION.search(p.name))
        return found[0] if found else None

    def parts(self) -> list[StudentModule]:
        """Each notebook of a module of several (`problem1.ipynb`, `problem2.ipynb` in one folder), else [self]."""
        names = {p.stem for p in self.folder.glob("*.ipynb") if not VERSION.search(p.name)}
        names = names or {p.stem for p in self.folder.glob("*.py") if not VERSION.search(p.name)}
        return [StudentModule(self.root, self.slug, stem) for stem in sorted(names)] if len(names) > 1 else [self]

    def python_copy(self) -> Path | None:
        notebook = self.notebook()
        if notebook is None:  # a course that ships only the percent .py (course.yaml `outputs: [python]`)
            found = sorted(p for p in self.folder.glob(f"{self.stem or '*'}.py") if not VERSION.search(p.name))
            return found[0] if found else None
        copy = notebook.with_suffix(".py") if notebook else None
        return copy if copy and copy.exists() else None


def modules(root: Path) -> list[StudentModule]:
    base = root / "modules"
    return (
        [StudentModule(root, p.name) for p in sorted(base.iterdir()) if p.is_dir() and not p.name.startswith(".")]
        if base.is_dir()
        else []
    )


def find_module(root: Path, text: str) -> StudentModule:
    """A released module by number (`01`, `1`), name (`tensor`) or folder (`01_tensor`, `modules/01_tensor`)."""
    wanted = text.strip().rstrip("/").rstrip("\\")
    released = modules(root)
    for module in released:
        if wanted in (module.slug, module.name) or Path(wanted).name == module.slug:
            return module
        if wanted.isdigit() and module.number and int(wanted) == int(module.number):
            return module
    close = difflib.get_close_matches(wanted, [m.slug for m in released] + [m.name for m in released], n=1, cutoff=0.5)
    hint = f"did you mean '{close[0]}'? " if close else ""
    names = ", ".join(m.slug for m in released) or "none yet"
    raise Stop(f"no released module '{text}'; {hint}(released: {names}; new ones arrive with `tito update`)")


# --- git -------------------------------------------------------------------------------------------


def git(root: Path, *args: str, check: bool = False, binary: bool = False) -> subprocess.CompletedProcess:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=not binary, env=env)
    except FileNotFoundError:
        raise Stop("git is not installed; install it (e.g. sudo apt install git) and try again") from None
    if check and proc.returncode != 0:
        raise Stop(f"`git {' '.join(args)}` failed: {(proc.stderr or proc.stdout).strip()}")
    return proc


def released_bytes(root: Path, path: Path) -> bytes | None:
    """The file as the course first released it (the commit that added it), or None if git does not know it."""
    rel = path.relative_to(root).as_posix()
    added = git(root, "log", "--diff-filter=A", "--format=%H", "--", rel).stdout.split()
    if not added:
        return None
    shown = git(root, "show", f"{added[-1]}:{rel}", binary=True)
    return shown.stdout if shown.returncode == 0 else None


def edited(root: Path, path: Path) -> bool:
    """Whether the student changed this file since it was released (True when git cannot tell)."""
    original = released_bytes(root, path)
    return original is None or original != path.read_bytes()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- cells, from a notebook or its percent-format .py copy -------------------------------------------


@dataclass
class NotebookCell:
    kind: str  # "code" or "markdown"
    source: str
    nbgrader: dict

    @property
    def grade_id(self) -> str:
        return str(self.nbgrader.get("grade_id", ""))

    @property
    def is_test(self) -> bool:
        if self.nbgrader:
            return bool(self.nbgrader.get("grade")) and not self.nbgrader.get("solution")
        return self.kind == "code" and bool(re.search(r"^def test_\w+", self.source, re.M))


def notebook_cells(path: Path) -> list[NotebookCell]:
    return cells_of(_text(path), ".ipynb", path.name)


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, ValueError) as error:
        raise Stop(f"{path}: cannot be read ({error}); restore it with `tito module reset`") from None


def cells_of(text: str, suffix: str, shown: str) -> list[NotebookCell]:
    """The cells of a notebook's text (`suffix` ".ipynb") or of a percent `.py`'s text."""
    if suffix != ".ipynb":
        return percent_text_cells(text)
    broken = (
        f"{shown} is not a notebook any more ({{why}}); restore the released one with `tito module reset` "
        "(it backs yours up under .tito/backups/ first), then copy your work back into it"
    )
    try:
        data = json.loads(text)
    except ValueError as error:
        raise Stop(broken.format(why=f"not valid JSON: {error}")) from None
    raw = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(raw, list):
        raise Stop(broken.format(why='it has no list of "cells"'))
    cells = []
    for number, cell in enumerate(raw, 1):
        source = cell.get("source", "") if isinstance(cell, dict) else None
        source = "".join(source) if isinstance(source, list) and all(isinstance(s, str) for s in source) else source
        if not isinstance(source, str):
            raise Stop(broken.format(why=f"cell {number} is not a cell with text"))
        metadata = cell.get("metadata")
        nbgrader = metadata.get("nbgrader") if isinstance(metadata, dict) else None
        cells.append(
            NotebookCell(str(cell.get("cell_type", "")), source, nbgrader if isinstance(nbgrader, dict) else {})
        )
    return cells


def percent_cells(path: Path) -> list[NotebookCell]:
    return percent_text_cells(_text(path))


def percent_text_cells(text: str) -> list[NotebookCell]:
    """Cells of a jupytext percent `.py` (`# %%` headers; `[markdown]` cells; `nbgrader={...}` metadata)."""
    cells, lines = [], []
    for line in text.split("\n"):
        header = CELL_HEADER.match(line)
        if header:
            lines = []
            cells.append(
                (
                    NotebookCell(
                        "markdown" if "[markdown]" in header["rest"] else "code", "", header_metadata(header["rest"])
                    ),
                    lines,
                )
            )
        elif cells:  # lines before the first cell are the file's jupytext header
            lines.append(line)
    for cell, body in cells:
        cell.source = "\n".join(body).strip("\n")
    return [cell for cell, _ in cells]


def header_metadata(rest: str) -> dict:
    found = re.search(r"nbgrader=(\{.*?\})(?:\s+\w+=|\s*$)", rest)
    if not found:
        return {}
    try:
        found = json.loads(found[1])
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def read_cells(path: Path) -> list[NotebookCell]:
    return notebook_cells(path) if path.suffix == ".ipynb" else percent_cells(path)


def released_cells(root: Path, path: Path) -> list[NotebookCell] | None:
    """The cells of `path` as the course released it, or None when git does not know it (or it was broken)."""
    original = released_bytes(root, path)
    if original is None:
        return None
    try:
        return cells_of(original.decode("utf-8"), path.suffix, path.name)
    except (Stop, ValueError):
        return None


def directives(source: str) -> list[tuple[str, str | None]]:
    return [(m[1], m[2]) for m in (DIRECTIVE.match(line) for line in source.split("\n")) if m]
