"""Stubs, in one place: where the student variant's stubs are made, recorded as data, and recognised.

- **made** (the student steps `stub_solutions` and `stub_unmarked_answers`, in the style of nbgrader's
  clearsolutions): a solution region becomes a `raise NotImplementedError(<stub_message>)` at its BEGIN line's
  indent; a region of whole definitions keeps each signature and docstring and stubs each body
  (`definition_stubs`, which the leak guard reads too: `kept_lines`); an answer cell without markers becomes
  nbgrader's stub, `# YOUR CODE HERE` and a raise. The message text is `stub_message`, and only there.
- **recorded** by the step that makes each stub (never parsed back from the text): `stubs(nb)` lists them for
  a built student notebook, and the compiled record (compile/) holds them as data.
- **recognised**: `stub_failure(nb, ename, evalue)` tells a failure that stopped at a stub ("not attempted")
  from any other failure ("wrong answer" or broken code): grading and check_student both decide with it
  (`stub_matching` for a list of stubs kept without their notebook).
- **handed to the student side** as data: a student notebook with stubs opens with the Run All cell
  (`add_run_all_cell`, `run_all_source(nb)`): it imports the student repository's `tito/runall.py` and hands
  it the notebook's stubs (what, where, message), so that Jupyter's "Run All" goes on past a cell stopped by one
  of them (one line instead of a traceback), and by nothing else, unless TITO_STRICT is set, as every tool that
  counts tests sets it. `tito module complete` reads the same data from the cell. The student side never
  parses a message: it compares the error with the messages it was handed.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from functools import lru_cache

from ..notebook.nbgrader import grade_id
from ..notebook.nbnode import new_cell
from .markers import DIRECTIVE_RE, find_regions
from .meta import private
from .origins import Line, lines_of, set_lines
from .roles import defines, stubbed_whole
from .transforms import StepContext, code_cells

STUB_SIGNATURE = "is not implemented yet"
STUB_MESSAGE = "{what} (module {module}) " + STUB_SIGNATURE + ": replace this line with your code. {pointer}"
YOUR_CODE_HERE = "# YOUR CODE HERE"  # nbgrader's line above its stub
DEF_RE = re.compile(r"^(?P<indent>[ \t]*)(?:async[ \t]+)?def[ \t]+(?P<name>\w+)")
CLASS_RE = re.compile(r"^(?P<indent>[ \t]*)class[ \t]+(?P<name>\w+)")
STUBS_KEY = "stubs"
STUB_ERROR = "NotImplementedError"
NAME_ERROR_RE = re.compile(r"^name '(?P<name>\w+)' is not defined$")
STRICT_ENV = "TITO_STRICT"  # set in every kernel that counts tests: tito/runall.py then softens nothing
RUN_ALL_ID = "tito-run-all"  # the Run All cell's id (the only built cell not made from a source cell)
RUN_ALL_SOURCE = """\
# Lets "Run All" go on past the exercises you have not written yet: a test that reaches one prints
# "not implemented yet: ..." instead of stopping the notebook. It still counts as not passed
# (tito module complete, grading). How it works: tito/runall.py in your repository.
try:
    import tito.runall
except ImportError:  # not set up yet (python3 -m tito setup): Run All stops at the first exercise
    pass
else:  # this notebook's exercises as the course made them (what, where, the message of its stub)
    tito.runall.exercises(
{exercises}
    )"""


@dataclass(frozen=True)
class Stub:
    what: str  # what students implement: "Tensor.add", or "The code in cell 'grade-id'"
    message: str  # the NotImplementedError message the stub raises
    cell: int  # 0-based index of the cell in the built notebook
    line: int  # 0-based line of the `raise` in that cell
    defines: tuple[str, ...] = ()  # a whole cell stubbed: what its solution defined (a NameError for one is the stub's)


def stub_message(what: str, module: str, pointer: str) -> str:
    """The text a named stub raises (`markup: {stubs: named}`): what to implement, the module, where the TODO is.
    The student side gets each message as data (the Run All cell) and compares, never parses it."""
    return STUB_MESSAGE.format(what=what, module=module, pointer=pointer)


# --- making stubs (the student steps) -----------------------------------------------------------------


def stub_solutions(nb, ctx: StepContext):
    """Replace every solution region by a `raise NotImplementedError(...)` at the BEGIN line's indent."""
    for cell in code_cells(nb):
        regions = [r for r in find_regions(cell.source.split("\n")) if r.kind == "solution"]
        if not regions:
            continue  # lines_of/set_lines would leave it as it is, and there is no stub to record
        lines, made = lines_of(cell), []
        for region in reversed(regions):
            lines[region.begin : region.end + 1] = _stub_region(lines, region, ctx, cell, made)
        set_lines(cell, lines)
        _record_stubs(cell, lines, made)
    return nb


def stub_unmarked_answers(nb, ctx: StepContext):
    """An answer code cell without markers (`roles.stubbed_whole`) becomes nbgrader's stub, `# YOUR CODE HERE`
    and a raise: nothing of the cell stays but its `#|` directives (so the student's answer is exported)."""
    for cell in code_cells(nb):
        if not stubbed_whole(cell, ctx.markup):
            continue
        kept = [line for line in lines_of(cell) if DIRECTIVE_RE.match(line)]
        made = [_stub_for([], 0, "", ctx, cell)]
        lines = [*kept, Line.at(YOUR_CODE_HERE, None), made[0][0]]
        defined = defines(cell.source)
        set_lines(cell, lines)
        _record_stubs(cell, lines, made, defined)
    return nb


def _stub_region(lines: list[str], region, ctx: StepContext, cell, made: list) -> list[str]:
    """One stub line; or, for a region of whole definitions outside any function (a class body, a cell's
    top level), the definitions with their signatures and docstrings kept and each body stubbed.
    Each stub made is added to `made` as (line, what, message): recorded as data by stub_solutions."""
    kept = definition_stubs(region.inner(lines))
    if kept is None or enclosing_scope(lines, region.begin, len(region.indent.expandtabs()))[0] is not None:
        made.append(_stub_for(lines, region.begin, region.indent, ctx, cell))
        return [region.indent + YOUR_CODE_HERE, made[-1][0]] if ctx.markup.stubs == "nbgrader" else [made[-1][0]]
    outer = enclosing_classes(lines, region.begin, len(region.indent.expandtabs()))
    return _stubbed_definitions(region.inner(lines), kept, lambda stub: _definition_stub_line(stub, outer, ctx, made))


def _definition_stub_line(stub, outer: list[str], ctx: StepContext, made: list | None = None) -> str:
    what = ".".join([*outer, *stub.qual])
    message = stub_message(what, ctx.module, _todo_pointer(stub.docstring))
    line = _raise_line(stub.indent, message, ctx)
    if made is not None:
        made.append((line, what, "" if ctx.markup.stubs == "nbgrader" else message))
    return line


def enclosing_classes(lines: list[str], begin: int, indent: int) -> list[str]:
    """Names of the classes around line `begin` (no function is around it), outermost first."""
    names, limit = [], indent
    for index in range(begin - 1, -1, -1):
        line = lines[index]
        if not _is_code(line) or _width(line) >= limit:
            continue
        match = CLASS_RE.match(line)
        if match:
            names.insert(0, match["name"])
        limit = _width(line)
        if limit == 0:
            break
    return names


def _stub_for(lines: list[str], begin: int, indent: str, ctx: StepContext, cell) -> tuple[str, str, str]:
    """(stub line, what students implement, the message it raises) for a region starting at `begin`."""
    scope, docstring = enclosing_scope(lines, begin, len(indent.expandtabs()))
    if scope:
        pointer = _todo_pointer(docstring)
        what = scope
    else:
        cell_id = grade_id(cell)
        what = f"The code in cell '{cell_id}'" if cell_id else "This cell's code"
        pointer = "See the instructions above this cell."
    message = stub_message(what, ctx.module, pointer)
    line = _raise_line(indent, message, ctx)
    return line, what, "" if ctx.markup.stubs == "nbgrader" else message


def _raise_line(indent: str, message: str, ctx: StepContext) -> str:
    """A stub's raise: naming what to implement, or nbgrader's bare one (`markup: {stubs: nbgrader}`)."""
    if ctx.markup.stubs == "nbgrader":
        return "".join((indent, "raise NotImplementedError()"))
    return f"{indent}raise NotImplementedError({json.dumps(message)})"


def enclosing_scope(lines: list[str], begin: int, indent: int) -> tuple[str | None, str]:
    """('Class.method', text between the def line and the region) for the def around line `begin`."""
    found = _scope_from_syntax(lines, begin)
    return found if found is not None else _scope_from_indentation(lines, begin, indent)


def _width(line: str) -> int:
    return len(line[: len(line) - len(line.lstrip())].expandtabs())


def _is_code(line: str) -> bool:
    return bool(line.strip()) and not line.lstrip().startswith("#")


def _scope_from_syntax(lines: list[str], begin: int) -> tuple[str | None, str] | None:
    """The scope from the cell's syntax tree; None when the cell does not parse (magics) or the region is empty."""
    first = next((i for i in range(begin + 1, len(lines)) if _is_code(lines[i])), None)
    if first is None or _width(lines[first]) < _width(lines[begin]):
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


def _scope_from_indentation(lines: list[str], begin: int, indent: int) -> tuple[str | None, str]:
    """The scope from indentation alone: each less-indented line above `begin` opens an enclosing block."""
    names, def_at, limit = [], None, indent
    for index in range(begin - 1, -1, -1):
        line = lines[index]
        if not _is_code(line) or _width(line) >= limit:
            continue
        match = DEF_RE.match(line) or CLASS_RE.match(line)
        if match:
            if DEF_RE.match(line) and def_at is None:
                def_at = index
            names.insert(0, match["name"])
        limit = _width(line)
        if limit == 0:
            break
    if def_at is None:
        return None, ""
    return ".".join(names), "\n".join(lines[def_at + 1 : begin])


def _todo_pointer(docstring: str) -> str:
    found = [word for word in ("TODO", "HINT") if word in docstring]
    if found:
        return f"See the {' and '.join(found)} in its docstring."
    return "See its docstring and the explanation above."


# --- definitions kept around their stubs --------------------------------------------------------------

DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(frozen=True)
class KeptDefinition:
    """One definition of a region of whole definitions: its kept lines (indexes into the region's inner
    lines) and, for a function, where its stub goes."""

    kept: tuple[int, ...]
    indent: str  # the indentation of the stub line ('' for a class: it has no stub of its own)
    qual: tuple[str, ...]  # class and function names, outermost first (empty for a class)
    docstring: str


def _dedented(lines: list[str]) -> tuple[str, int]:
    """The lines with the first code line's indentation removed from every line, and its width (-1 when
    a line is less indented than the first: not one block)."""
    first = next((line for line in lines if line.strip() and not line.lstrip().startswith("#")), "")
    cut = len(first) - len(first.lstrip())
    if any(line.strip() and line[:cut].strip() for line in lines):
        return "", -1
    return "\n".join(line[cut:] for line in lines), cut


def definition_stubs(inner: list[str]) -> list[KeptDefinition] | None:
    """The stubs of a region made only of function and class definitions (in a class: docstrings, `pass`
    and definitions), each function's body on lines of its own; None for any other region."""
    found = _stubs_of(tuple(inner))
    return None if found is None else list(found)


@lru_cache(maxsize=2048)
def _stubs_of(inner: tuple[str, ...]) -> tuple[KeptDefinition, ...] | None:
    """definition_stubs, parsed once per region text (the student version and the leak guard of both
    versions, and lint's student build, ask for the same regions)."""
    text, cut = _dedented(list(inner))
    if cut < 0 or not text.strip():
        return None
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    found: list[KeptDefinition] = []
    return tuple(found) if _collect(tree.body, list(inner), (), found) and found else None


def _collect(body: list[ast.stmt], inner: list[str], scope: tuple[str, ...], stubs: list[KeptDefinition]) -> bool:
    for node in body:
        if isinstance(node, DEFS):
            if node.body[0].lineno == node.lineno:
                return False  # `def f(): return 1`: the signature line holds solution code
            stubs.append(_stub_of(node, inner, scope))
        elif isinstance(node, ast.ClassDef):
            doc = _docstring_node(node)
            passes = tuple(n.lineno - 1 for n in node.body if isinstance(n, ast.Pass))
            stubs.append(KeptDefinition(_header_lines(node, inner) + passes, "", (), ""))
            if not _collect(
                [n for n in node.body if n is not doc and not isinstance(n, ast.Pass)],
                inner,
                (*scope, node.name),
                stubs,
            ):
                return False
        else:
            return False
    return True


def _docstring_node(node) -> ast.Expr | None:
    first = node.body[0] if node.body else None
    return (
        first
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str)
        else None
    )


def _header_lines(node, inner: list[str]) -> tuple[int, ...]:
    """Decorators, the (maybe multi-line) signature and the docstring: the line indexes a student keeps."""
    start = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
    doc = _docstring_node(node)
    end = doc.end_lineno if doc else node.body[0].lineno - 1
    return tuple(i for i in range(start, end) if inner[i].strip() and not inner[i].lstrip().startswith("#"))


def _stub_of(node, inner: list[str], scope: tuple[str, ...]) -> KeptDefinition:
    """A function's kept lines; its stub goes at the indentation of its first statement."""
    doc = _docstring_node(node)
    first = node.body[1] if doc and len(node.body) > 1 else node.body[0]
    return KeptDefinition(
        _header_lines(node, inner),
        _leading(inner[first.lineno - 1]),
        (*scope, node.name),
        ast.get_docstring(node) or "",
    )


def _leading(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def kept_lines(inner: list[str]) -> frozenset[int]:
    """Indexes of a region's inner lines a student receives unchanged (signatures, docstrings); empty for a
    region of statements."""
    return frozenset(i for stub in definition_stubs(inner) or [] for i in stub.kept)


def _stubbed_definitions(inner: list[str], stubs: list[KeptDefinition], stub_line) -> list[str]:
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


# --- recorded and recognised -----------------------------------------------------------------------


def _record_stubs(cell, lines: list[str], made: list[tuple[str, str, str]], defines: list[str] = ()) -> None:
    """Remember the stubs just written into `lines` (the cell's final lines): (line text, what, message); for a
    whole cell stubbed, the names its solution defined (`defines`)."""
    found, claimed = [], set()
    for text, what, message in made:
        index = next(i for i, line in enumerate(lines) if line is text and i not in claimed)
        claimed.add(index)
        found.append(
            {"line": index, "what": what, "message": message, **({"defines": list(defines)} if defines else {})}
        )
    if found:
        private(cell, create=True)[STUBS_KEY] = sorted(found, key=lambda s: s["line"])


def stubs(nb) -> list[Stub]:
    """Every stub of a built notebook, in notebook order."""
    return [
        Stub(s["what"], s["message"], index, s["line"], tuple(s.get("defines", ())))
        for index, cell in enumerate(nb.cells)
        for s in private(cell).get(STUBS_KEY, [])
    ]


def stub_failure(nb, ename: str, evalue: str) -> Stub | None:
    """The stub an error (`ename: evalue`, as the kernel reports it) stopped at, or None when it is any other
    error: a student who has not attempted that exercise, as opposed to a wrong answer or broken code."""
    return stub_matching(stubs(nb), ename, evalue)


def stub_matching(known: list[Stub], ename: str, evalue: str) -> Stub | None:
    """The stub of `known` that an error (`ename: evalue`) stopped at, or None: its NotImplementedError, or a
    NameError for a name that only the solution of a cell stubbed whole defined (nbgrader's stub defines
    nothing, so the cells that use its names stop there)."""
    if ename == "NameError":
        match = NAME_ERROR_RE.match(evalue)
        return next((stub for stub in known if match and match["name"] in stub.defines), None)
    if ename != STUB_ERROR:
        return None
    return next((stub for stub in known if stub.message == evalue), None)


# --- handed to the student side: the Run All cell ----------------------------------------------------


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


def run_all_source(nb) -> str:
    """The Run All cell of a notebook with stubs: RUN_ALL_SOURCE handing tito/runall.py each stub as
    (what, scope, message); scope is the qualified name of the def or class the stub is in ("" at a cell's
    top level, None when its cell is not plain Python)."""
    rows = [
        f"        {(stub.what, _scope(nb.cells[stub.cell].source, stub.line), stub.message)!r}," for stub in stubs(nb)
    ]
    return RUN_ALL_SOURCE.format(exercises="\n".join(dict.fromkeys(rows)))  # once each, in notebook order


def _scope(source: str, line: int) -> str | None:
    """The dotted names of the defs and classes around 0-based `line` of `source`, as Python's `co_qualname`
    of the frame running it reads without its `<locals>` parts; None when `source` does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    around = [
        node
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and node.lineno <= line + 1 <= node.end_lineno
    ]
    return ".".join(node.name for node in sorted(around, key=lambda node: node.lineno))
