"""One small notebook transform per function, in the style of nbgrader's preprocessors.

Each step takes a notebook it may change (the pipeline hands it a private copy) and a StepContext,
and returns the notebook. No step reads or writes files. The order of the steps lives in pipeline.py.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from functools import lru_cache

from ..course.model import Markup
from ..notebook.nbgrader import grade_id, is_answer, is_test
from .definitions import definition_stubs, stubbed_definitions
from .markers import DIRECTIVE_RE, find_regions, has_directive, without_directive
from .origins import Line, lines_of, set_lines
from ..notebook.nbnode import new_cell
from .roles import defines, stubbed_whole
from .stubs import RUN_ALL_ID, record_stubs, run_all_source, stubs

STUB_SIGNATURE = "is not implemented yet"
YOUR_CODE_HERE = "# YOUR CODE HERE"  # nbgrader's line above its stub
DEF_RE = re.compile(r"^(?P<indent>[ \t]*)(?:async[ \t]+)?def[ \t]+(?P<name>\w+)")
CLASS_RE = re.compile(r"^(?P<indent>[ \t]*)class[ \t]+(?P<name>\w+)")
NBGRADER_DEFAULTS = {"grade": False, "locked": False, "solution": False, "schema_version": 3}


@dataclass(frozen=True)
class StepContext:
    module: str  # the module's folder name, e.g. "01_tensor": how students know it
    markup: Markup = Markup()  # course.yaml `markup:`


def code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


# --- student steps ----------------------------------------------------------------------------------


def drop_hidden_cells(nb, ctx: StepContext):
    """Remove instructor-only cells (`#| hide`)."""
    nb.cells = [c for c in nb.cells if not (c.cell_type == "code" and has_directive(c.source.split("\n"), "hide"))]
    return nb


def drop_hidden_tests(nb, ctx: StepContext):
    """Remove every `### BEGIN HIDDEN TESTS` ... `### END HIDDEN TESTS` region, markers included."""
    for cell in code_cells(nb):
        regions = [r for r in find_regions(cell.source.split("\n")) if r.kind == "hidden"]
        if not regions:
            continue  # lines_of/set_lines would leave it as it is
        lines = lines_of(cell)
        for region in reversed(regions):
            del lines[region.begin : region.end + 1]
        set_lines(cell, lines)
    return nb


def stub_solutions(nb, ctx: StepContext):
    """Replace every solution region by a `raise NotImplementedError(...)` at the BEGIN line's indent."""
    for cell in code_cells(nb):
        regions = [r for r in find_regions(cell.source.split("\n")) if r.kind == "solution"]
        if not regions:
            continue  # lines_of/set_lines would leave it as it is, and there is no stub to record
        lines, made = lines_of(cell), []
        for region in reversed(regions):
            lines[region.begin : region.end + 1] = stub_region(lines, region, ctx, cell, made)
        set_lines(cell, lines)
        record_stubs(cell, lines, made)
    return nb


def stub_unmarked_answers(nb, ctx: StepContext):
    """An answer code cell without markers (`roles.stubbed_whole`) becomes nbgrader's stub, `# YOUR CODE HERE`
    and a raise: nothing of the cell stays but its `#|` directives (so the student's answer is exported)."""
    for cell in code_cells(nb):
        if not stubbed_whole(cell, ctx.markup):
            continue
        kept = [line for line in lines_of(cell) if DIRECTIVE_RE.match(line)]
        made = [stub_for([], 0, "", ctx, cell)]
        lines = [*kept, Line.at(YOUR_CODE_HERE, None), made[0][0]]
        defined = defines(cell.source)
        set_lines(cell, lines)
        record_stubs(cell, lines, made, defined)
    return nb


def stub_region(lines: list[str], region, ctx: StepContext, cell, made: list) -> list[str]:
    """One stub line; or, for a region of whole definitions outside any function (a class body, a cell's
    top level), the definitions with their signatures and docstrings kept and each body stubbed.
    Each stub made is added to `made` as (line, what, message): recorded as data by stub_solutions."""
    stubs = definition_stubs(region.inner(lines))
    if stubs is None or enclosing_scope(lines, region.begin, len(region.indent.expandtabs()))[0] is not None:
        made.append(stub_for(lines, region.begin, region.indent, ctx, cell))
        return [region.indent + YOUR_CODE_HERE, made[-1][0]] if ctx.markup.stubs == "nbgrader" else [made[-1][0]]
    outer = enclosing_classes(lines, region.begin, len(region.indent.expandtabs()))
    return stubbed_definitions(region.inner(lines), stubs, lambda stub: definition_stub_line(stub, outer, ctx, made))


def definition_stub_line(stub, outer: list[str], ctx: StepContext, made: list | None = None) -> str:
    what = ".".join([*outer, *stub.qual])
    message = f"{what} (module {ctx.module}) {STUB_SIGNATURE}: replace this line with your code. {todo_pointer(stub.docstring)}"
    line = raise_line(stub.indent, message, ctx)
    if made is not None:
        made.append((line, what, "" if ctx.markup.stubs == "nbgrader" else message))
    return line


def enclosing_classes(lines: list[str], begin: int, indent: int) -> list[str]:
    """Names of the classes around line `begin` (no function is around it), outermost first."""
    names, limit = [], indent
    for index in range(begin - 1, -1, -1):
        line = lines[index]
        if not is_code(line) or width(line) >= limit:
            continue
        match = CLASS_RE.match(line)
        if match:
            names.insert(0, match["name"])
        limit = width(line)
        if limit == 0:
            break
    return names


def stub_line(lines: list[str], begin: int, indent: str, ctx: StepContext, cell) -> str:
    """The stub for a region starting at `begin`: names the function, the module and where the TODO is."""
    return stub_for(lines, begin, indent, ctx, cell)[0]


def stub_for(lines: list[str], begin: int, indent: str, ctx: StepContext, cell) -> tuple[str, str, str]:
    """(stub line, what students implement, the message it raises) for a region starting at `begin`."""
    scope, docstring = enclosing_scope(lines, begin, len(indent.expandtabs()))
    if scope:
        pointer = todo_pointer(docstring)
        what = scope
    else:
        cell_id = grade_id(cell)
        what = f"The code in cell '{cell_id}'" if cell_id else "This cell's code"
        pointer = "See the instructions above this cell."
    message = f"{what} (module {ctx.module}) {STUB_SIGNATURE}: replace this line with your code. {pointer}"
    line = raise_line(indent, message, ctx)
    return line, what, "" if ctx.markup.stubs == "nbgrader" else message


def raise_line(indent: str, message: str, ctx: StepContext) -> str:
    """A stub's raise: naming what to implement, or nbgrader's bare one (`markup: {stubs: nbgrader}`)."""
    if ctx.markup.stubs == "nbgrader":
        return "".join((indent, "raise NotImplementedError()"))
    return f"{indent}raise NotImplementedError({json.dumps(message)})"


def enclosing_scope(lines: list[str], begin: int, indent: int) -> tuple[str | None, str]:
    """('Class.method', text between the def line and the region) for the def around line `begin`."""
    found = scope_from_syntax(lines, begin)
    return found if found is not None else scope_from_indentation(lines, begin, indent)


def width(line: str) -> int:
    return len(line[: len(line) - len(line.lstrip())].expandtabs())


def is_code(line: str) -> bool:
    return bool(line.strip()) and not line.lstrip().startswith("#")


def scope_from_syntax(lines: list[str], begin: int) -> tuple[str | None, str] | None:
    """The scope from the cell's syntax tree; None when the cell does not parse (magics) or the region is empty."""
    first = next((i for i in range(begin + 1, len(lines)) if is_code(lines[i])), None)
    if first is None or width(lines[first]) < width(lines[begin]):
        return None
    defined = scopes_of("\n".join(lines))
    if defined is None:
        return None
    scopes = sorted((scope for scope in defined if scope[0] <= first < scope[1]), key=lambda scope: scope[0])
    defs = [scope for scope in scopes if not scope[3]]
    if not defs:
        return None, ""
    return ".".join(scope[2] for scope in scopes), "\n".join(lines[defs[-1][0] : begin])


@lru_cache(maxsize=1024)
def scopes_of(code: str) -> tuple[tuple[int, int, str, bool], ...] | None:
    """(first line, last line, name, is a class) of every def and class of `code`, in ast.walk's order; None
    when it does not parse. Cached per text: each region of a cell asks (twice), and lint builds the student
    version again."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return None
    return tuple(
        (node.lineno, node.end_lineno, node.name, isinstance(node, ast.ClassDef))
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    )


def scope_from_indentation(lines: list[str], begin: int, indent: int) -> tuple[str | None, str]:
    """The scope from indentation alone: each less-indented line above `begin` opens an enclosing block."""
    names, def_at, limit = [], None, indent
    for index in range(begin - 1, -1, -1):
        line = lines[index]
        if not is_code(line) or width(line) >= limit:
            continue
        match = DEF_RE.match(line) or CLASS_RE.match(line)
        if match:
            if DEF_RE.match(line) and def_at is None:
                def_at = index
            names.insert(0, match["name"])
        limit = width(line)
        if limit == 0:
            break
    if def_at is None:
        return None, ""
    return ".".join(names), "\n".join(lines[def_at + 1 : begin])


def todo_pointer(docstring: str) -> str:
    found = [word for word in ("TODO", "HINT") if word in docstring]
    if found:
        return f"See the {' and '.join(found)} in its docstring."
    return "See its docstring and the explanation above."


def lock_test_cells(nb, ctx: StepContext):
    """Test and read-only cells are neither editable nor deletable in Jupyter (what nbgrader's release does)."""
    for cell in nb.cells:
        if is_test(cell):
            cell.metadata["editable"], cell.metadata["deletable"] = False, False
    return nb


def add_run_all_cell(nb, ctx: StepContext):
    """A notebook with stubs opens with the Run All cell (stubs.run_all_source), before its first code cell:
    in Jupyter, a cell stopped by one of its stubs then prints one line and "Run All" goes on to the end."""
    if not stubs(nb):
        return nb
    cell = new_cell("code", run_all_source(nb), {"deletable": False, "editable": False})
    cell["id"] = RUN_ALL_ID
    first = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), len(nb.cells))
    nb.cells.insert(first, cell)
    return nb


WRITTEN_ANSWER = "YOUR ANSWER HERE"


def replace_written_answers(nb, ctx: StepContext):
    """Written answers, as nbgrader builds them: a markdown cell flagged `"solution": true` without markers
    becomes "YOUR ANSWER HERE"; each solution region in a markdown cell becomes that line."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        regions = [r for r in find_regions(cell.source.split("\n"), code=False) if r.kind == "solution"]
        lines = lines_of(cell) if regions else []
        if not regions and is_answer(cell):
            cell.source = WRITTEN_ANSWER
        for region in reversed(regions):
            lines[region.begin : region.end + 1] = [region.indent + WRITTEN_ANSWER]
        if regions:
            set_lines(cell, lines)
    return nb


# --- solution steps ---------------------------------------------------------------------------------


def strip_markers(nb, ctx: StepContext):
    """Remove the marker lines themselves (of code and markdown cells); the text between them stays."""
    for cell in nb.cells:
        regions = find_regions(cell.source.split("\n"), code=cell.cell_type == "code")
        drop = {i for r in regions for i in (r.begin, r.end)}
        if drop:
            set_lines(cell, [line for index, line in enumerate(lines_of(cell)) if index not in drop])
    return nb


def strip_hide_directives(nb, ctx: StepContext):
    """Remove the `#| hide` line of instructor cells; the cells stay."""
    for cell in code_cells(nb):
        if has_directive(cell.source.split("\n"), "hide"):  # set_lines would leave any other cell as it is
            set_lines(cell, without_directive(lines_of(cell), "hide"))
    return nb


# --- both -------------------------------------------------------------------------------------------


def clear_outputs(nb, ctx: StepContext):
    """No outputs or execution counts in a built notebook."""
    for cell in code_cells(nb):
        cell.outputs, cell.execution_count = [], None
    return nb


def normalize_nbgrader(nb, ctx: StepContext):
    """Fill the nbgrader schema-3 defaults so every flagged cell validates (points stay as given)."""
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if isinstance(meta, dict):
            cell.metadata["nbgrader"] = dict(sorted({**NBGRADER_DEFAULTS, **meta, "schema_version": 3}.items()))
    return nb
