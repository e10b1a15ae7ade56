"""Lint a module source: every finding names file:line. Errors stop that module's build; warnings don't.

Each check is a small function `(LintInput) -> iterator of Finding`; CHECKS lists them in order.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Iterator

from ..course.model import Markup
from ..notebook.nbgrader import cell_points, is_graded_test, nbgrader_meta
from ..base.errors import Finding
from .default_exp import declaration_problems
from .stubs import definition_stubs
from .roles import defines, is_task, only_imports, unmarked_answer
from .markers import (
    MarkerError,
    directive_near_miss,
    directive_near_miss_message,
    directives,
    find_regions,
    literal_lines,
)

GRADE_ID_RE = re.compile(r"^[A-Za-z0-9_-]+$")
TINYTORCH_IMPORT_RE = re.compile(
    r"^\s*(?:from\s+tinytorch\.(?P<from>[\w.]+)\s+import|import\s+tinytorch\.(?P<imp>[\w.]+))"
)
MAGIC_RE = re.compile(r"^\s*[%!]")


@dataclass(frozen=True)
class LintInput:
    source: object  # source.Source
    module: str  # module name
    depends_on: tuple[str, ...]
    exports: dict[str, str]  # dotted target (e.g. core.tensor) -> module name, for every module of the course
    course_order: tuple[str, ...] = ()  # every module name, in course order (empty: order unknown)
    unknown_exports: tuple[str, ...] = ()  # modules whose export target cannot be read (their own lint says why)
    markup: Markup = Markup()  # course.yaml `markup:`
    student: object = None  # () -> the student variant, as the compiled record has it (None: lint builds it)


def finding(src, cell: int, line: int | None, message: str, severity: str = "error") -> Finding:
    """A finding at line `line` of a cell, or (line None) at the cell itself: its `# %%` line in a .py source."""
    file, number, cell_number = src.source.location(cell, line)
    return Finding(file, number, message, severity=severity, cell=cell_number)


def _unreadable_metadata(cell) -> bool:
    return cell.metadata.get("incorrectly_encoded_metadata") is not None


def check_default_exp(src: LintInput) -> Iterator[Finding]:
    """Exactly one well-formed `#| default_exp`, whose target no other module uses."""
    found = [
        ((index, number), src.source.location(index, number)[1], arg or "")
        for index, cell in enumerate(src.source.nb.cells)
        if cell.cell_type == "code"
        for number, name, arg in directives(cell.source.split("\n"))
        if name == "default_exp"
    ]
    exports = any(
        name == "export"
        for cell in src.source.nb.cells
        if cell.cell_type == "code"
        for _, name, _ in directives(cell.source.split("\n"))
    )
    problems = declaration_problems(found, exports)
    for where, message in problems:
        yield Finding(src.source.file, 1, message) if where is None else finding(src, *where, message)
    if problems or not found:
        return
    (index, number), _, target = found[0]
    for other_target, owner in src.exports.items():
        if owner == src.module:
            continue
        if other_target == target:
            yield finding(
                src,
                index,
                number,
                f"exports to tinytorch.{target}, as module '{owner}' does; give each module its own '#| default_exp'",
            )
        elif other_target.startswith(target + ".") or target.startswith(other_target + "."):
            yield finding(
                src,
                index,
                number,
                f"exports to tinytorch.{target}, which clashes with module '{owner}' exporting tinytorch.{other_target} (one would be a package, the other a module); rename one",
            )


def check_metadata(src: LintInput) -> Iterator[Finding]:
    for index, cell in enumerate(src.source.nb.cells):
        bad = cell.metadata.get("incorrectly_encoded_metadata")
        if bad is not None:
            yield finding(
                src,
                index,
                None,
                f"the metadata on this cell's '# %%' line is not valid JSON ({bad[:60]!r}); write it as nbgrader={{\"grade\": false, ...}} with double quotes",
            )
        if "nbgrader" in cell.metadata and not isinstance(cell.metadata["nbgrader"], dict):
            yield finding(
                src, index, None, 'nbgrader metadata must be a JSON object like {"grade": false, "grade_id": "..."}'
            )


def check_markers(src: LintInput) -> Iterator[Finding]:
    for index, cell in enumerate(src.source.nb.cells):
        lines = cell.source.split("\n")
        try:
            regions = find_regions(lines, code=cell.cell_type == "code")
        except MarkerError as error:
            yield finding(src, index, error.line_index, str(error))
            continue
        if cell.cell_type != "code":
            for region in regions:
                if region.kind == "hidden":
                    yield finding(
                        src,
                        index,
                        region.begin,
                        "hidden-tests region in a markdown cell; hidden tests are code: move them into a test cell (a solution region in markdown is a written answer)",
                    )
            continue
        if _unreadable_metadata(cell):
            continue  # check_metadata reports it; what the cell is flagged as is unknown
        meta = nbgrader_meta(cell)
        for region in regions:
            if region.kind == "solution" and not meta.get("solution"):
                yield finding(
                    src,
                    index,
                    region.begin,
                    'solution region in a cell not flagged as a solution cell; add "solution": true to its nbgrader metadata',
                )
            if region.kind == "hidden" and not meta.get("grade"):
                yield finding(
                    src,
                    index,
                    region.begin,
                    'hidden-tests region outside a test cell; hidden tests belong in a cell with "grade": true, "locked": true',
                )


def check_grade_ids(src: LintInput) -> Iterator[Finding]:
    first_seen: dict[str, int] = {}
    for index, cell in enumerate(src.source.nb.cells):
        meta = nbgrader_meta(cell)
        if not any(meta.get(key) is True for key in ("grade", "solution", "locked", "task")) and "grade_id" not in meta:
            continue  # nbgrader names only graded, answer, read-only and task cells
        grade_id = meta.get("grade_id")
        if not isinstance(grade_id, str) or not GRADE_ID_RE.match(grade_id):
            yield finding(
                src, index, None, f"grade_id {grade_id!r} is missing or invalid; use letters, digits, '-' and '_'"
            )
            continue
        if grade_id in first_seen:
            _, line, cell_no = src.source.location(first_seen[grade_id], None)
            first = f"line {line}" if cell_no is None else f"cell {cell_no}"
            yield finding(
                src,
                index,
                None,
                f"duplicate grade_id '{grade_id}' (first used at {first}); every graded or solution cell needs its own id",
            )
        first_seen.setdefault(grade_id, index)


def check_test_cells(src: LintInput) -> Iterator[Finding]:
    """Every graded cell (a test, an answer graded by hand, a task) has points. Locking is not asked for:
    students get every test cell locked (as nbgrader's release does), and an answer cell is theirs to edit."""
    graded = 0
    for index, cell in enumerate(src.source.nb.cells):
        meta = nbgrader_meta(cell)
        if not (meta.get("grade") or is_task(cell)):
            continue
        graded += 1
        if cell_points(cell) is None:
            what = "test cell" if is_graded_test(cell) else "task cell" if is_task(cell) else "graded answer cell"
            yield finding(src, index, None, f"{what} '{meta.get('grade_id')}' has no points; add e.g. \"points\": 5")
    if graded == 0:
        yield Finding(
            src.source.file,
            1,
            'the module has no graded test cell (fine for a capstone or a demo: it still builds and validates); to grade it, add a code cell with nbgrader={"grade": true, "locked": true, "points": N, ...} that runs its unit tests',
            "warning",
        )


def check_tests_called(src: LintInput) -> Iterator[Finding]:
    """A graded test cell that defines test functions which neither it nor a later cell calls earns its points
    without testing anything (the pristine notebook passes it as soon as the definitions run)."""
    cells = src.source.nb.cells
    for index, cell in enumerate(cells):
        meta = nbgrader_meta(cell)
        if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution") or _unreadable_metadata(cell):
            continue
        try:
            tree = ast.parse(cell.source)
        except (SyntaxError, ValueError):
            continue  # magics: cannot tell
        defined = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        if not defined or any(n.decorator_list for n in defined):
            continue  # a decorator may run or register it
        executed = ast.Module(body=[n for n in tree.body if n not in defined], type_ignores=[])
        read = {n.id for n in ast.walk(executed) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        later = [c.source for c in cells[index + 1 :] if c.cell_type == "code"]
        if any(f.name in read or any(_reads_name(code, f.name) for code in later) for f in defined):
            continue
        tests = [f for f in defined if f.name.startswith("test")] or defined
        names = ", ".join(f"{f.name}()" for f in tests[:3]) + (" ..." if len(tests) > 3 else "")
        yield finding(
            src,
            index,
            tests[0].lineno - 1,
            f"test cell '{meta.get('grade_id')}' defines {names} but neither this cell nor a later one calls {'it' if len(tests) == 1 else 'them'}, so the cell earns its points without running a test; call {tests[0].name}() at the end of the cell, or under `if __name__ == \"__main__\":`",
        )


KEEP_SETTING = "markup: {unmarked_answers: keep}"


def check_unmarked_solutions(src: LintInput) -> Iterator[Finding]:
    """An answer code cell without markers (not only imports): students get nbgrader's stub for it, which matters
    when the cell exports or defines what later cells use; or, with `unmarked_answers: keep`, the cell as is."""
    cells = src.source.nb.cells
    for index, cell in enumerate(cells):
        if _unreadable_metadata(cell) or not unmarked_answer(cell) or only_imports(cell.source):
            continue
        if src.markup.unmarked_answers == "keep":
            yield finding(
                src,
                index,
                None,
                f'cell is flagged "solution": true but has no ### BEGIN SOLUTION region; course.yaml\'s `{KEEP_SETTING}` gives it to students unchanged, solution included (set "solution": false, or mark the part students write)',
                "warning",
            )
            continue
        later = [c.source for c in cells[index + 1 :] if c.cell_type == "code"]
        used = [name for name in defines(cell.source) if any(_reads_name(code, name) for code in later)]
        exported = any(name == "export" for _, name, _ in directives(cell.source.split("\n")))
        if not used and not exported:
            continue  # an answer cell as nbgrader means it: students get `# YOUR CODE HERE` and write it
        lost = (
            f"without {', '.join(used[:3])}{' ...' if len(used) > 3 else ''}, which later cells use"
            if used
            else "and exports only the student's code"
        )
        yield finding(
            src,
            index,
            None,
            f'cell is flagged "solution": true but has no ### BEGIN SOLUTION region, so students get it as nbgrader does, `# YOUR CODE HERE` and a raise, {lost}; mark the part students write with ### BEGIN/END SOLUTION (signatures and docstrings stay), or add `{KEEP_SETTING}` to course.yaml to give such cells to students unchanged (TinyTorch\'s behaviour)',
            "warning",
        )


def check_directives(src: LintInput) -> Iterator[Finding]:
    for index, cell in enumerate(src.source.nb.cells):
        if cell.cell_type != "code":
            continue
        for number, line in enumerate(cell.source.split("\n")):
            meant = directive_near_miss(line) if "#" in line else None
            if meant and number not in literal_lines(cell.source.split("\n")):
                yield finding(src, index, number, directive_near_miss_message(line, meant))
        found = directives(cell.source.split("\n"))
        names = {name for _, name, _ in found}
        if "hide" in names and "export" in names:
            line = next(i for i, name, _ in found if name == "hide")
            yield finding(
                src,
                index,
                line,
                "a '#| hide' cell cannot also be '#| export': students would import code they never saw; split the cell",
            )
        if "hide" in names and nbgrader_meta(cell).get("grade"):
            yield finding(
                src,
                index,
                None,
                "a test cell cannot be '#| hide'; hide individual assertions with ### BEGIN HIDDEN TESTS instead",
            )


def check_imports(src: LintInput) -> Iterator[Finding]:
    own = {target for target, name in src.exports.items() if name == src.module}
    for index, cell in enumerate(src.source.nb.cells):
        if cell.cell_type != "code" or "tinytorch" not in cell.source:
            continue
        optional = _optional_import_lines(cell.source)
        for number, target in _tinytorch_imports(cell.source, src.exports):
            owner = src.exports.get(target)
            if number in optional and target not in own:
                continue  # `try: import ... except ImportError:` is an optional feature, not a dependency
            if target in own:
                yield finding(
                    src,
                    index,
                    number,
                    f"imports its own export tinytorch.{target}; use the names defined in this module directly",
                )
            elif owner is None and any(dep in src.unknown_exports for dep in src.depends_on):
                continue  # probably the export of a dependency whose own source is broken: reported there
            elif owner is None:
                yield finding(
                    src,
                    index,
                    number,
                    f"imports tinytorch.{target}, which no module of course.yaml exports (known: {', '.join(sorted(src.exports)) or 'none'})",
                )
            elif owner not in src.depends_on and _comes_later(src, owner):
                yield finding(
                    src,
                    index,
                    number,
                    f"imports tinytorch.{target} from module '{owner}', which comes later in the course than '{src.module}'; a module can only import earlier modules",
                )
            elif owner not in src.depends_on:
                yield finding(
                    src,
                    index,
                    number,
                    f"imports tinytorch.{target} from module '{owner}', which is not in depends_on of '{src.module}' in course.yaml; add it there",
                )


def _tinytorch_imports(code: str, exports) -> list[tuple[int, str]]:
    """(line index, dotted target) of each tinytorch module a cell imports, in any of Python's import forms:
    `from tinytorch.core.tensor import Tensor`, `import tinytorch.core.tensor as T`, `from tinytorch.core import
    tensor`, over several lines too. A cell that does not parse (magics) is read line by line."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return [
            (n, m["from"] or m["imp"])
            for n, line in enumerate(code.split("\n"))
            if (m := TINYTORCH_IMPORT_RE.match(line))
        ]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(
                (node.lineno - 1, a.name[len("tinytorch.") :]) for a in node.names if a.name.startswith("tinytorch.")
            )
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "tinytorch":
            package = node.module[len("tinytorch.") :]
            for alias in node.names:
                submodule = f"{package}.{alias.name}" if package else alias.name
                target = submodule if submodule in exports else package
                if target:
                    found.add((node.lineno - 1, target))
    return sorted(found)


IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}


def _optional_import_lines(code: str) -> set[int]:
    """Line indexes of the imports inside a `try:` whose handlers catch ImportError (or a bare `except:`)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return set()
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(_catches_import_error(h.type) for h in node.handlers):
            lines.update(
                inner.lineno - 1
                for statement in node.body
                for inner in ast.walk(statement)
                if isinstance(inner, (ast.Import, ast.ImportFrom))
            )
    return lines


def _catches_import_error(kind) -> bool:
    if kind is None:
        return True
    names = kind.elts if isinstance(kind, ast.Tuple) else [kind]
    return any(isinstance(n, ast.Name) and n.id in IMPORT_ERRORS for n in names)


def _comes_later(src: LintInput, owner: str) -> bool:
    order = src.course_order
    return src.module in order and owner in order and order.index(owner) > order.index(src.module)


def check_region_placement(src: LintInput) -> Iterator[Finding]:
    """A solution region outside every function becomes one `raise` (unless it holds whole definitions):
    in a class body the class would never exist; at a cell's top level the names it assigns would not."""
    from .stubs import enclosing_classes, enclosing_scope

    cells = src.source.nb.cells
    for index, cell in enumerate(cells):
        if cell.cell_type != "code" or "BEGIN SOLUTION" not in cell.source or not parses(cell.source):
            continue
        lines = cell.source.split("\n")
        try:
            regions = [r for r in find_regions(lines) if r.kind == "solution"]
        except MarkerError:
            continue  # check_markers reports it
        for region in regions:
            depth = len(region.indent.expandtabs())
            if enclosing_scope(lines, region.begin, depth)[0] is not None or definition_stubs(region.inner(lines)):
                continue
            classes = enclosing_classes(lines, region.begin, depth)
            if classes:
                yield finding(
                    src,
                    index,
                    region.begin,
                    f"this solution region is directly in the body of class {'.'.join(classes)} and holds more than whole method definitions, so its stub (a raise) would run when the class is defined and the class would not exist for the cells after it; keep only whole methods (each body on its own lines) in the region, or put the region inside a method",
                )
                continue
            yield from _used_after(src, index, lines, region)


def _used_after(src: LintInput, index: int, lines: list[str], region) -> Iterator[Finding]:
    """Names assigned in a top-level region that the rest of the cell or a later code cell reads."""
    bound = sorted(bound_names("\n".join(line.strip() for line in region.inner(lines))))
    later = ["\n".join(lines[region.end + 1 :])] + [
        c.source for c in src.source.nb.cells[index + 1 :] if c.cell_type == "code"
    ]
    for name in bound:
        if any(_reads_name(code, name) for code in later):
            yield finding(
                src,
                index,
                region.begin,
                f"this solution region is at the top level of the cell and assigns '{name}', which code after it uses; in the student version the region is a raise, so '{name}' would be undefined there (NameError instead of a stub). Put the region inside a function, or assign '{name}' outside the region",
            )
            return


def bound_names(code: str) -> set[str]:
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return set()
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    names.update(n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)))
    names.update(
        (a.asname or a.name).split(".")[0]
        for n in tree.body
        if isinstance(n, (ast.Import, ast.ImportFrom))
        for a in n.names
    )
    return names


def _reads_name(code: str, name: str) -> bool:
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return re.search(rf"(?<![\w.]){re.escape(name)}\b", code) is not None
    return any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load) for n in ast.walk(tree))


def check_student_compiles(src: LintInput) -> Iterator[Finding]:
    """Cells that parse in the source must still parse once regions are stubbed and hidden tests removed."""
    from .pipeline import build_variant

    if any(f.severity == "error" for f in check_markers(src)):
        return
    student = src.student() if src.student else build_variant(src.source.nb, "student", src.module, src.markup)
    by_id = {cell.id: index for index, cell in enumerate(src.source.nb.cells)}
    for cell in [c for c in student.cells if c.id in by_id]:  # the Run All cell is the build's own
        original = src.source.nb.cells[by_id[cell.id]]
        if (
            cell.cell_type != "code"
            or cell.source == original.source
            or any(MAGIC_RE.match(text) for text in cell.source.split("\n"))
        ):
            continue
        if not parses(cell.source) and parses(original.source):
            line, cause = _why_student_breaks(original.source.split("\n"))
            yield finding(src, by_id[cell.id], line, f"this cell no longer parses in the student version: {cause}")


def _why_student_breaks(lines: list[str]) -> tuple[int | None, str]:
    """The real cause of a student cell that does not parse: a region inside brackets, a marker indented
    with tabs among spaces (or the reverse), or a block left empty by a hidden-tests region."""
    depth = _bracket_depths(lines)
    for region in find_regions(lines):
        if depth.get(region.begin, 0) > 0:
            return (
                region.begin,
                f"the {'solution' if region.kind == 'solution' else 'hidden-tests'} region begins inside brackets (a list, dict or call spanning several lines), where its {'stub (a raise statement)' if region.kind == 'solution' else 'removal'} cannot stand; put the whole statement inside the region",
            )
        code = next((text for text in region.inner(lines) if text.strip()), "")
        if region.indent and code and (("\t" in region.indent) != ("\t" in code[: len(code) - len(code.lstrip())])):
            return (
                region.begin,
                "the marker is indented with a tab while the code in its region is indented with spaces (or the reverse), and the stub takes the marker's indentation; indent the marker exactly like the code",
            )
    return (
        None,
        "a hidden-tests region was probably the only statement of a block; keep a visible statement in that block",
    )


def _bracket_depths(lines: list[str]) -> dict[int, int]:
    """Open-bracket depth at the start of each line (from the tokens, so brackets in strings do not count)."""
    import io
    import tokenize

    depths, depth = {}, 0
    try:
        for token in tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline):
            depths.setdefault(token.start[0] - 1, depth)
            if token.type == tokenize.OP and token.string in "([{":
                depth += 1
            elif token.type == tokenize.OP and token.string in ")]}":
                depth -= 1
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return depths


def parses(code: str) -> bool:
    try:
        compile(code, "<cell>", "exec")
        return True
    except (SyntaxError, ValueError):
        return False


def check_line_endings(src: LintInput) -> Iterator[Finding]:
    if getattr(src.source, "crlf", False):
        yield Finding(
            src.source.file,
            1,
            "uses Windows (CRLF) line endings; they are read as LF and built outputs use LF",
            "warning",
        )


LARGE_SOURCE = 1024 * 1024


def check_source_size(src: LintInput) -> Iterator[Finding]:
    size = getattr(src.source, "size", 0)
    if size > LARGE_SOURCE:
        yield Finding(
            src.source.file,
            1,
            f"is {size / 1024 / 1024:.1f} MB; a module source is normally well under 1 MB, and every build and every student's notebook pays for its size (move data into files in the module folder: they ship with the student version)",
            "warning",
        )


CHECKS = (
    check_default_exp,
    check_metadata,
    check_markers,
    check_grade_ids,
    check_test_cells,
    check_tests_called,
    check_unmarked_solutions,
    check_directives,
    check_imports,
    check_region_placement,
    check_student_compiles,
    check_line_endings,
    check_source_size,
)


def lint(src: LintInput) -> list[Finding]:
    return [f for check in CHECKS for f in check(src)]
