"""Solution regions that hold whole definitions: what of them a student keeps.

A region directly in a class body (or at the top level of a cell) may hold whole method or function
definitions, as the real course does for small classes. Replacing such a region by one `raise` would run
at class-definition time and the class would never exist. Instead each definition keeps its decorators,
signature and docstring, and its body becomes a stub. Both the transform (transforms.stub_solutions)
and the leak guard (which must know the kept lines are meant to ship) read the kept lines from here.
Pure functions on the region's inner lines; None when the region is not made of definitions only.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import lru_cache

DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(frozen=True)
class Stub:
    """A definition's kept lines (indexes into the region's inner lines) and, for a function, its stub."""

    kept: tuple[int, ...]
    indent: str  # the indentation of the stub line ('' for a class: it has no stub of its own)
    qual: tuple[str, ...]  # class and function names, outermost first (empty for a class)
    docstring: str


def dedented(lines: list[str]) -> tuple[str, int]:
    """The lines with the first code line's indentation removed from every line, and its width (-1 when
    a line is less indented than the first: not one block)."""
    first = next((line for line in lines if line.strip() and not line.lstrip().startswith("#")), "")
    cut = len(first) - len(first.lstrip())
    if any(line.strip() and line[:cut].strip() for line in lines):
        return "", -1
    return "\n".join(line[cut:] for line in lines), cut


def definition_stubs(inner: list[str]) -> list[Stub] | None:
    """The stubs of a region made only of function and class definitions (in a class: docstrings, `pass`
    and definitions), each function's body on lines of its own; None for any other region."""
    found = stubs_of(tuple(inner))
    return None if found is None else list(found)


@lru_cache(maxsize=2048)
def stubs_of(inner: tuple[str, ...]) -> tuple[Stub, ...] | None:
    """definition_stubs, parsed once per region text (the student version and the leak guard of both
    versions, and lint's student build, ask for the same regions)."""
    text, cut = dedented(list(inner))
    if cut < 0 or not text.strip():
        return None
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    stubs: list[Stub] = []
    return tuple(stubs) if collect(tree.body, list(inner), (), stubs) and stubs else None


def collect(body: list[ast.stmt], inner: list[str], scope: tuple[str, ...], stubs: list[Stub]) -> bool:
    for node in body:
        if isinstance(node, DEFS):
            if node.body[0].lineno == node.lineno:
                return False  # `def f(): return 1`: the signature line holds solution code
            stubs.append(stub_of(node, inner, scope))
        elif isinstance(node, ast.ClassDef):
            doc = docstring_node(node)
            passes = tuple(n.lineno - 1 for n in node.body if isinstance(n, ast.Pass))
            stubs.append(Stub(header_lines(node, inner) + passes, "", (), ""))
            if not collect(
                [n for n in node.body if n is not doc and not isinstance(n, ast.Pass)],
                inner,
                (*scope, node.name),
                stubs,
            ):
                return False
        else:
            return False
    return True


def docstring_node(node) -> ast.Expr | None:
    first = node.body[0] if node.body else None
    return (
        first
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str)
        else None
    )


def header_lines(node, inner: list[str]) -> tuple[int, ...]:
    """Decorators, the (maybe multi-line) signature and the docstring: the line indexes a student keeps."""
    start = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
    doc = docstring_node(node)
    end = doc.end_lineno if doc else node.body[0].lineno - 1
    return tuple(i for i in range(start, end) if inner[i].strip() and not inner[i].lstrip().startswith("#"))


def stub_of(node, inner: list[str], scope: tuple[str, ...]) -> Stub:
    """A function's kept lines; its stub goes at the indentation of its first statement."""
    doc = docstring_node(node)
    first = node.body[1] if doc and len(node.body) > 1 else node.body[0]
    return Stub(
        header_lines(node, inner), leading(inner[first.lineno - 1]), (*scope, node.name), ast.get_docstring(node) or ""
    )


def leading(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def kept_lines(inner: list[str]) -> frozenset[int]:
    """Indexes of a region's inner lines a student receives unchanged (signatures, docstrings); empty for a
    region of statements."""
    return frozenset(i for stub in definition_stubs(inner) or [] for i in stub.kept)


def stubbed_definitions(inner: list[str], stubs: list[Stub], stub_line) -> list[str]:
    """The student lines of a definition region: kept lines, a blank line where one separated them, and
    `stub_line(stub)` after each function's kept lines."""
    after = {max(stub.kept): stub for stub in stubs if stub.qual}
    kept = {i for stub in stubs for i in stub.kept}
    out: list[str] = []
    for index, line in enumerate(inner):
        if index in kept:
            if out and index - 1 >= 0 and not inner[index - 1].strip():
                out.append("")
            out.append(line)
            if index in after:
                out.append(stub_line(after[index]))
    return out
