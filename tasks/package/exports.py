"""`#| export` cells to the tinytorch package (nbdev style). Pure: notebook in, module text out.

`declared_target` scans a source's raw text cheaply (no jupytext), so task creators can name the
export's target file without parsing notebooks.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from ..base.errors import CourseError
from ..variants.default_exp import DOTTED_RE, declaration_problems  # noqa: F401 (DOTTED_RE: for callers)

# What only an export action uses is imported inside it: task creators import this file on every `doit` start.

DEFAULT_EXP_RE = re.compile(r"^#\|[ \t]*default_exp(?:[ \t]+(?P<target>\S*))?[ \t]*$")
# The same line anywhere in a text that starts with "\n": found by that literal, several times faster than
# `^`/`$` with re.M (every `doit` start scans every source).
DEFAULT_EXP_LINE_RE = re.compile(r"\n#\|[ \t]*default_exp(?:[ \t]+(?P<target>\S*))?[ \t]*(?=\n|\Z)")
EXPORT_LINE_RE = re.compile(r"\n#\|[ \t]*export[ \t]*(?=\n|\Z)")
_SCANNED: dict[tuple[Path, int, int], tuple[list[tuple[int, str]], bool]] = {}  # (path, mtime_ns, size) -> scan


def _raw_cell_sources(path: Path, file: str | None = None) -> list[str]:
    """Cell texts of a source, roughly: .ipynb cells, or the whole .py text as one piece."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".ipynb":
        try:
            return ["".join(c.get("source", "")) for c in json.loads(text).get("cells", [])]
        except (ValueError, AttributeError, TypeError) as error:
            line = getattr(error, "lineno", None)
            raise CourseError.at(
                file or str(path),
                line,
                "cannot be read as a notebook, so its export target is unknown; fix the file (lint names the problem)",
            )
    return [text.replace("\r\n", "\n")]


def declared_targets(path: Path, file: str | None = None) -> list[tuple[int, str]]:
    """(line, target) of every `#| default_exp` line in a source (line within its cell for .ipynb).

    Task creators ask for every module's target on each `doit` start: scanned once per file version.
    """
    return list(_scanned(path, file)[0])


def _scanned(path: Path, file: str | None) -> tuple[list[tuple[int, str]], bool]:
    """(default_exp targets, has an export line), scanned once per file version."""
    stat = Path(path).stat()
    key = (Path(path), stat.st_mtime_ns, stat.st_size)
    if key not in _SCANNED:  # `file` only names the source in an error, which is never cached
        if len(_SCANNED) > 512:
            _SCANNED.clear()
        pieces = _raw_cell_sources(Path(path), file)
        _SCANNED[key] = (_scan_targets(pieces), any(EXPORT_LINE_RE.search("\n" + piece) for piece in pieces))
    return _SCANNED[key]


def _scan_targets(pieces: list[str]) -> list[tuple[int, str]]:
    found = []
    for piece in pieces:
        text = "\n" + piece
        for match in DEFAULT_EXP_LINE_RE.finditer(text):
            found.append((text.count("\n", 0, match.start() + 1), match["target"] or ""))
    return found


def declared_target(path: Path, file: str) -> str | None:
    """The one dotted export target of a source; None for a source without package code (`has_package_code`);
    CourseError when there is none, several, or a bad one."""
    targets, exports = _scanned(path, file)
    if not targets and not exports:
        return None
    problems = declaration_problems([(line, line, target) for line, target in targets])
    if problems:
        line, message = problems[0]
        raise CourseError.at(file, 1 if line is None else line, message)
    return targets[0][1]


def target_clashes(targets: dict[str, str]) -> dict[str, str]:
    """module name -> message, for modules whose export path equals or contains another's."""
    clashes = {}
    items = sorted(targets.items())
    for name, target in items:
        for other, other_target in items:
            if other == name:
                continue
            if target == other_target:
                clashes[name] = (
                    f"exports to tinytorch.{target}, as module '{other}' does; give each module its own '#| default_exp'"
                )
            elif other_target.startswith(target + "."):
                clashes[name] = (
                    f"exports to tinytorch.{target}, which module '{other}' needs as a package (tinytorch.{other_target}); rename one"
                )
    return clashes


def export_cells(nb) -> list[tuple[int, str]]:
    """(cell index, code without `#|` directive lines) of each `#| export` code cell, in order."""
    from ..variants.markers import directives

    cells = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        lines = cell.source.split("\n")
        found = directives(lines)
        if any(name == "export" for _, name, _ in found):
            drop = {i for i, _, _ in found}
            code = "\n".join(line for i, line in enumerate(lines) if i not in drop).strip("\n")
            cells.append((index, code))
    return cells


def public_names(code: str) -> list[str]:
    """Top-level functions, classes and assigned names not starting with '_', in order."""
    names = []
    for node in ast.parse(code).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, ast.Assign) or isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.extend(bound_names(target))
    return [n for n in dict.fromkeys(names) if not n.startswith("_")]


def bound_names(target) -> list[str]:
    """Names an assignment target binds: `a`, `a, (b, *c)`; not `obj.attr` or `table[key]` (they bind nothing)."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Starred):
        return bound_names(target.value)
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in bound_names(element)]
    return []


def export_text(nb, module_name: str, source_file: str, where) -> str:
    """The generated package module for the `#| export` cells of a solution notebook."""
    cells = export_cells(nb)
    if not cells:
        raise CourseError.at(
            source_file, 1, "has no '#| export' cell; mark the cells whose code belongs in the package with '#| export'"
        )
    for index, code in cells:
        try:
            ast.parse(code)
        except SyntaxError as error:
            file, line, cell = where(index, 0)
            raise CourseError.at(
                file, line, f"exported cell does not parse: {error.msg} (line {error.lineno} of the cell)", cell=cell
            )
    _check_importable(nb, cells, where)
    names = public_names("\n\n".join(code for _, code in cells))
    header = [
        f"# Generated by coursebuild from {source_file} (module '{module_name}'). DO NOT EDIT.",
        f"# Edit the source and run `doit export:{module_name}`; this file is read-only and is replaced on export.",
        "",
        f"__all__ = {names!r}",
        "",
    ]
    from ..notebook.outputs import code_cell_labels

    labels = dict(zip([i for i, c in enumerate(nb.cells) if c.cell_type == "code"], code_cell_labels(nb)))
    body = [f"\n# %% {source_file}: {labels[index]}\n{code}\n" for index, code in cells]
    return "\n".join(header) + "".join(body)


MODULE_GLOBALS = {
    "__name__",
    "__file__",
    "__doc__",
    "__spec__",
    "__loader__",
    "__package__",
    "__builtins__",
    "__path__",
}


def _unbound_globals(code: str) -> set[str]:
    """Global names the code reads (at top level or inside any function or class) but never binds, builtins
    aside: what a generated module made of it would fail on with NameError. Empty with a `*` import."""
    import builtins
    import symtable

    if any(
        isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)
        for node in ast.walk(ast.parse(code))
    ):
        return set()
    top = symtable.symtable(code, "<export>", "exec")
    bound = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported() or s.is_namespace()}
    read = {s.get_name() for s in top.get_symbols() if s.is_referenced()}
    stack = list(top.get_children())
    while stack:
        table = stack.pop()
        stack.extend(table.get_children())
        for symbol in table.get_symbols():
            if symbol.is_global() and symbol.is_referenced():
                read.add(symbol.get_name())
            if symbol.is_declared_global() and symbol.is_assigned():
                bound.add(symbol.get_name())
    return read - bound - set(dir(builtins)) - MODULE_GLOBALS


def _cell_binds(code: str) -> set[str]:
    """Names a cell binds at its top level (imports, defs, classes, assignments)."""
    import symtable

    try:
        table = symtable.symtable(code, "<cell>", "exec")
    except SyntaxError:
        return set()
    return {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported() or s.is_namespace()}


def _check_importable(nb, cells: list[tuple[int, str]], where) -> None:
    """An export must run on its own: a name its cells use that only a non-exported cell defines (an import
    left in a plain cell, say) would fail when the package is imported. CourseError naming name and cells."""
    missing = _unbound_globals("\n\n".join(code for _, code in cells))
    if not missing:
        return
    from ..notebook.outputs import code_cell_labels

    labels = dict(zip([i for i, c in enumerate(nb.cells) if c.cell_type == "code"], code_cell_labels(nb)))
    exported = {index for index, _ in cells}
    defined_by = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and index not in exported:
            for name in _cell_binds(_directive_free(cell.source)) & missing:
                defined_by.setdefault(name, index)
    for name in sorted(defined_by):
        user = next(index for index, code in cells if name in _names_read(code))
        file, line, cell = where(user, _first_use(nb.cells[user].source, name))
        raise CourseError.at(
            file,
            line,
            f"exported cell '{labels[user]}' uses '{name}', which only the cell '{labels[defined_by[name]]}' "
            f"defines, and that cell is not exported: the generated package module would fail with NameError. "
            f"Add '#| export' to '{labels[defined_by[name]]}', or define '{name}' in an exported cell",
            cell=cell,
        )


def _names_read(code: str) -> set[str]:
    return {
        node.id for node in ast.walk(ast.parse(code)) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }


def _first_use(source: str, name: str) -> int:
    """0-based line of the first read of `name` in a cell (directive lines are comments: numbering is kept)."""
    try:
        tree = ast.parse(_directive_free(source))
    except SyntaxError:
        return 0
    lines = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)
    ]
    return min(lines) - 1 if lines else 0


def _directive_free(source: str) -> str:
    """A cell's code without its IPython magics and shell lines (cell_binds only needs its bindings)."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n"))


def package_inits(package: Path, target_file: Path) -> list[Path]:
    """The `__init__.py` files a target needs between the package root and its folder."""
    inits, folder = [], target_file.parent
    while folder != package and package in folder.parents:
        inits.append(folder / "__init__.py")
        folder = folder.parent
    return inits[::-1]
