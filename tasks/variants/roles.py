"""A cell's role, decided here and nowhere else: what of it students get, and how it is graded.

nbgrader's metadata says what a cell is flagged as (notebook/nbgrader.py reads it); the markup inside it and
course.yaml's `markup:` (course.model.Markup) decide the rest. The transforms, the leak guard, lint and the
grading bundle all ask these functions, so they cannot disagree about a cell.
"""

from __future__ import annotations

import ast
from enum import StrEnum

from ..course.model import Markup
from ..notebook.nbgrader import is_answer, nbgrader_meta
from .markers import DIRECTIVE_RE, MarkerError, find_regions


class Role(StrEnum):
    """How grading treats a source cell (`grading_kind`); a member equals its text ("answer" == Role.ANSWER)."""

    ANSWER = "answer"  # the student's code goes here
    TEST = "test"  # graded, its points
    HAND = "hand"  # graded by hand: a written answer, a graded answer cell, a task
    FIXED = "fixed"  # runs as written


def _has_solution_region(cell) -> bool:
    """The cell has a `### BEGIN SOLUTION` region (a cell with broken markers counts: lint reports it)."""
    try:
        regions = find_regions(cell.source.split("\n"), code=cell.cell_type == "code")
    except MarkerError:
        return True
    return any(region.kind == "solution" for region in regions)


def unmarked_answer(cell) -> bool:
    """An answer code cell (`"solution": true`) without a solution region."""
    return cell.cell_type == "code" and is_answer(cell) and not _has_solution_region(cell)


def only_imports(source: str) -> bool:
    """The code is imports (optional ones in `try: ... except ImportError:` too), `#|` directives and comments,
    with at least one import or directive: TinyTorch's `imports` cell, which students get as it is."""
    lines = source.split("\n")
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    if not tree.body and not any(DIRECTIVE_RE.match(line) for line in lines):
        return False
    return all(_import_statement(node) for node in tree.body)


def _import_statement(node) -> bool:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return True
    if not isinstance(node, ast.Try) or node.orelse or node.finalbody:
        return False
    fallback = [n for handler in node.handlers for n in handler.body]
    return all(_import_statement(n) for n in node.body) and all(
        _import_statement(n) or isinstance(n, ast.Pass) or _constant_assignment(n) for n in fallback
    )


def _constant_assignment(node) -> bool:
    return isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)


def stubbed_whole(cell, markup: Markup) -> bool:
    """Students get this cell as nbgrader's stub (`# YOUR CODE HERE` and a raise), nothing of it but its `#|`
    directives: an answer code cell without markers, unless it holds only imports, or the course keeps such
    cells (`markup: {unmarked_answers: keep}`, TinyTorch's behaviour)."""
    return markup.unmarked_answers == "stub" and unmarked_answer(cell) and not only_imports(cell.source)


def defines(source: str) -> list[str]:
    """Names of the functions and classes a cell's code defines at its top level."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]


def is_task(cell) -> bool:
    """nbgrader's task cell (`"task": true`): a description of work graded by hand, with its points."""
    return nbgrader_meta(cell).get("task") is True


def grading_kind(cell) -> Role:
    """How grading treats a source cell: `answer` (the student's code goes here), `test` (graded, its points),
    `hand` (graded by hand: a written answer, a graded answer cell, a task) or `fixed` (runs as written)."""
    meta = nbgrader_meta(cell)
    if is_task(cell) or (meta.get("grade") and (meta.get("solution") or cell.get("cell_type") != "code")):
        return Role.HAND
    if meta.get("grade"):
        return Role.TEST
    if meta.get("solution") or (cell.get("cell_type") == "code" and _has_solution_region(cell)):
        return Role.ANSWER
    return Role.FIXED
