"""Export a module's `#| export` cells into your `tinytorch` package, so later modules can import them.

The cells of the copy you work in (the notebook, or its `.py` twin if that is the one you edited) are
written, in order, to the module named by `#| default_exp`, with a DO NOT EDIT header; the file is made
read-only so edits go where they belong: the notebook.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from .repo import StudentModule, Stop, directives, edited, read_cells


def working_copy(module: StudentModule) -> tuple[Path, str]:
    """(the file the student works in, why that one): the notebook unless only the `.py` copy was edited."""
    notebook, python = module.notebook(), module.python_copy()
    if notebook is None and python is None:
        raise Stop(f"modules/{module.slug} has no notebook; restore it with `tito module reset {module.short}`")
    if python is None or notebook is None:
        chosen = notebook or python
        return chosen, "the only copy"
    py_edited, nb_edited = edited(module.root, python), edited(module.root, notebook)
    if py_edited and not nb_edited:
        return python, "you edited the .py copy, not the notebook"
    if py_edited and nb_edited:
        newer = max((notebook, python), key=lambda p: p.stat().st_mtime)
        return newer, f"you edited both the notebook and the .py copy; using the one saved last ({newer.name})"
    return notebook, "the notebook"


def export_target(cells, shown: str) -> str | None:
    """The module `#| default_exp` names; None when the notebook exports nothing (no `#| export` cells either:
    written answers only, say)."""
    for cell in cells:
        for name, value in directives(cell.source):
            if name == "default_exp" and value:
                return value
    if not any(cell.kind == "code" and any(n == "export" for n, _ in directives(cell.source)) for cell in cells):
        return None
    raise Stop(f"{shown}: no '#| default_exp' line; is this a course notebook? (restore it with `tito module reset`)")


def exported_code(cells) -> str:
    chunks = []
    for cell in cells:
        if cell.kind == "code" and any(name == "export" for name, _ in directives(cell.source)):
            kept = [line for line in cell.source.split("\n") if not directives(line)]
            chunks.append("\n".join(kept).strip("\n"))
    return "".join(f"\n{chunk}\n" for chunk in chunks)


def package_file(root: Path, target: str) -> Path:
    return root.joinpath("tinytorch", *target.split(".")).with_suffix(".py")


def write_read_only(path: Path, text: str) -> None:
    """Atomically replace `path` (even a read-only one) with `text`, then make it read-only."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temp, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def ensure_packages(root: Path, folder: Path) -> None:
    while folder != root:
        folder.mkdir(exist_ok=True)
        (folder / "__init__.py").touch()
        folder = folder.parent


def export(root: Path, source: Path, command: str) -> Path | None:
    """Write `source`'s export cells into tinytorch/; returns the file written (None: it exports nothing)."""
    shown = source.relative_to(root).as_posix()
    cells = read_cells(source)
    target = export_target(cells, shown)
    if target is None:
        return None
    path = package_file(root, target)
    ensure_packages(root, path.parent)
    header = f"# DO NOT EDIT: generated from {shown} by `{command}`.\n# Change the notebook instead and run the command again.\n"
    write_read_only(path, header + exported_code(cells))
    return path


def remove_export(root: Path, source: Path) -> Path | None:
    """Delete the package file `source` exports to (if any); returns it."""
    try:
        target = export_target(read_cells(source), source.name)
    except Stop:
        return None
    path = package_file(root, target) if target else None
    if path and path.exists():
        path.unlink()
        return path
    return None
