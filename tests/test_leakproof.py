"""Leak-proofing, property-based: generated module sources in the real format never leak into student artifacts.

A hypothesis strategy writes whole module sources (jupytext percent .py with nbgrader markup, as in
docs/authoring.md): markdown cells in both styles, solution cells with functions, methods, nested functions
and classes at random indentation (spaces of several widths, or tabs), solution regions at random depths
inside function bodies, locked test cells with hidden-test regions after a visible statement, `#| hide`
instructor cells and `#| export` cells. Every line the generator writes is tagged (visible, solution,
hidden, marker, hide directive, instructor), and every secret line carries a token that exists nowhere
else, so a leak is a substring search. The tags are an oracle independent of the engine: from them the
test derives the exact solution, public-solution and student versions and compares. The engine's own leak
guard is held to the same examples: no false alarm on clean artifacts, and a secret line planted anywhere
in a student artifact is refused (code or markdown cell, .ipynb or .py, alone or inside an archive).

`test_markup_look_alikes_written_answers_and_class_body_regions` adds what hostile or careless instructors
write: marker and directive look-alikes (Unicode spaces, CR line ends in an .ipynb, wrong case, typos,
indented directives), written answers (markdown flagged "solution": true, regions in markdown) and solution
regions of whole methods in a class body. Each is either built correctly or refused by lint naming the line
and what to write; and the guard, reading the markup on its own, still holds every secret line back.

The history scan (no solution before its week, no hidden test or executed notebook ever, in a real student
repository after a simulated term) is tests/test_term.py's `assert_history_is_clean`; here it runs once on
a small generated course (`test_a_term_of_generated_modules_leaves_a_clean_history`).
"""

from __future__ import annotations

import copy
import os
import functools
import io
import json
import re
import subprocess
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tasks.course.model import Markup
from tasks.package.archive import archive_bytes
from tasks.base.errors import CourseError
from tasks.variants.leakguard import guard
from tasks.variants.pipeline import build_variant
from tasks.notebook.render import render_ipynb, render_py
from tasks.notebook.source import reads_source
from tasks.variants.stubs import RUN_ALL_ID, run_all_source, stubs
from tasks.variants.stubs import STUB_SIGNATURE
from test_course import put_back_solutions

MODULE = "07_gen"  # the module label the stubs name
TINYTORCH = Markup(
    unmarked_answers="keep"
)  # the model is TinyTorch's markup: a solution-flagged cell without markers is kept
# line tags: what the line is in the source
VISIBLE, SOLUTION, HIDDEN, MARK_SOLUTION, MARK_HIDDEN, HIDE_DIRECTIVE, INSTRUCTOR = (
    "visible",
    "solution",
    "hidden",
    "mark-solution",
    "mark-hidden",
    "hide-directive",
    "instructor",
)
SOLUTION_META = '{"grade": false, "grade_id": "%s", "locked": false, "schema_version": 3, "solution": true}'
CODE_META = '{"grade": false, "grade_id": "%s", "locked": false, "schema_version": 3, "solution": false}'
TEST_META = '{"grade": true, "grade_id": "%s", "locked": true, "points": %d, "schema_version": 3, "solution": false}'
# independent of tasks/markers.py: what the format calls a marker and a hide directive
MARKER_RE = re.compile(r"^[ \t]*#+[ \t]*(BEGIN|END) (SOLUTION|HIDDEN TESTS)[ \t]*$")
HIDE_RE = re.compile(r"^#\|[ \t]*hide[ \t]*$")


# --- the model of a generated module ----------------------------------------------------------------------


@dataclass
class Region:
    kind: str  # "solution" or "hidden"
    indent: str
    qual: str  # Class.method / outer.inner: what the stub must name
    todo: bool = False  # the text between the innermost def and the region mentions TODO
    hint: bool = False
    inner: list[str] = field(default_factory=list)


@dataclass
class Cell:
    kind: str  # "markdown" or "code"
    header: str  # the `# %% ...` line
    lines: list[tuple[str, str, int | None]] = field(default_factory=list)  # (text, tag, region index)
    style: str = ""  # markdown: '"""' or '#'
    hide: bool = False

    def add(self, text: str, tag: str = VISIBLE, region: int | None = None) -> int:
        self.lines.append((text, tag, region))
        return len(self.lines) - 1

    def code(self, keep=lambda tag: True) -> str:
        return "\n".join(text for text, tag, _ in self.lines if keep(tag))

    def text(self) -> str:
        body = [text for text, _, _ in self.lines]
        if self.kind == "code":
            return "\n".join([self.header, *body])
        if self.style == '"""':
            return "\n".join([self.header, '"""', *body, '"""'])
        return "\n".join([self.header, *[f"# {line}" if line else "#" for line in body]])


@dataclass
class Module:
    cells: list[Cell] = field(default_factory=list)
    regions: list[Region] = field(default_factory=list)
    tokens: dict[str, set[str]] = field(
        default_factory=lambda: {"vis": set(), "sol": set(), "hid": set(), "ins": set()}
    )

    def text(self) -> str:
        return "\n\n".join(cell.text() for cell in self.cells) + "\n"

    def __repr__(self) -> str:  # what hypothesis shows for a failing example: the source itself
        return f"<generated module source:\n{self.text()}>"

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(repr(self))


class Writer:
    """Draws the random parts and hands out tokens that exist nowhere else (a fixed-width counter in each)."""

    def __init__(self, draw, unit: str, executable: bool = False, namespace: str = ""):
        self.draw, self.unit, self.executable, self.namespace = draw, unit, executable, namespace
        self.module = Module()
        self.count = 0

    def token(self, kind: str) -> str:
        self.count += 1
        suffix = self.draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=3))
        token = f"{kind}{self.namespace}{self.count:03d}_{suffix}"
        self.module.tokens[kind].add(token)
        return token

    def pick(self, options):
        return self.draw(st.sampled_from(options))

    def chance(self) -> bool:
        return self.draw(st.booleans())

    def grade_id(self, prefix: str) -> str:
        return f"{prefix}-{self.count + 1}"

    # --- lines ---

    def statement(self, cell: Cell, indent: str, kind: str, tag: str, region: int | None, code: bool = False) -> None:
        """One random statement (maybe a small block) whose every line carries a `kind` token; `code`: not a
        comment or blank line (a region opens with code: of comments only it would leave an empty block)."""
        t = self.token
        shapes = ["const", "list", "if", "for", "assert"] + ([] if code else ["comment", "blank"])
        if not self.executable:
            shapes += ["call"] + (["return"] if region is not None else [])
        shape = self.pick(shapes)
        if shape == "blank":  # a blank line inside a region (never first: see region())
            cell.add("", tag, region)
            shape = "comment"
        if shape == "call":
            cell.add(f"{indent}{t(kind)} = {t(kind)}(arg)", tag, region)
        elif shape == "const":
            cell.add(f"{indent}{t(kind)} = {self.draw(st.integers(0, 99))}", tag, region)
        elif shape == "list":
            cell.add(f"{indent}{t(kind)} = [{self.quoted(kind)}, {self.quoted(kind)}]", tag, region)
        elif shape == "if":
            cell.add(f"{indent}if {self.quoted(kind)}:", tag, region)
            cell.add(f"{indent}{self.unit}{t(kind)} = {self.quoted(kind)} + {self.quoted(kind)}", tag, region)
        elif shape == "for":
            name = t(kind)
            cell.add(f"{indent}for {name} in [{self.quoted(kind)}]:", tag, region)
            cell.add(f"{indent}{self.unit}{t(kind)} = {name} * 2", tag, region)
        elif shape == "return":
            cell.add(f"{indent}return {t(kind)}", tag, region)
        elif shape == "comment":
            cell.add(f"{indent}# {t(kind)}: why this line", tag, region)
        elif shape == "assert":
            cell.add(f"{indent}assert {self.quoted(kind)}, {self.quoted(kind)}", tag, region)

    def quoted(self, kind: str) -> str:
        return json.dumps(self.token(kind))

    def region(self, cell: Cell, indent: str, kind: str, qual: str, def_line: int | None) -> None:
        marker_kind, tag, mark_tag, token_kind = (
            ("SOLUTION", SOLUTION, MARK_SOLUTION, "sol")
            if kind == "solution"
            else ("HIDDEN TESTS", HIDDEN, MARK_HIDDEN, "hid")
        )
        hashes = self.pick(["###", "###", "##", "#", "####"])
        space = self.pick([" ", " ", ""])
        trailing = self.pick(["", "", " "])
        index = len(self.module.regions)
        region = Region(kind, indent, qual)
        self.module.regions.append(region)
        begin = cell.add(f"{indent}{hashes}{space}BEGIN {marker_kind}{trailing}", mark_tag, index)
        if def_line is not None:
            above = "\n".join(text for text, _, _ in cell.lines[def_line + 1 : begin])
            region.todo, region.hint = "TODO" in above, "HINT" in above
        first = len(cell.lines)
        self.statement(cell, indent, token_kind, tag, index, code=True)
        for _ in range(self.draw(st.integers(0, 3))):
            self.statement(cell, indent, token_kind, tag, index)
        if kind == "solution" and self.executable:
            cell.add(f"{indent}return {self.quoted(token_kind)}", tag, index)
        region.inner = [text for text, _, r in cell.lines[first:] if r == index]
        cell.add(f"{indent}{hashes}{space}END {marker_kind}{trailing}", mark_tag, index)

    def docstring(self, cell: Cell, indent: str) -> None:
        todo, hint = self.chance(), self.chance()
        words = (
            [f"Compute the {self.token('vis')}."]
            + ([f"TODO: return the {self.token('vis')}."] if todo else [])
            + ([f"HINT: use `{self.token('vis')}`."] if hint else [])
        )
        if self.chance():
            cell.add(f'{indent}"""{" ".join(words)}"""')
        else:
            cell.add(f'{indent}"""{words[0]}')
            for word in words[1:]:
                cell.add("")
                cell.add(f"{indent}{word}")
            cell.add(f'{indent}"""')

    # --- functions, classes ---

    def function(self, cell: Cell, indent: str, scopes: list[str], method: bool, depth: int) -> None:
        decorator = (
            self.pick(["", "", "", "@staticmethod", "@property"]) if method else self.pick(["", "", "@functools.cache"])
        )
        if self.executable:
            decorator = ""
        name = self.token("vis")
        params = {"@staticmethod": "arg", "@property": "self"}.get(decorator, "self, arg=1" if method else "arg=1")
        prefix = "async def" if not self.executable and self.draw(st.integers(0, 9)) == 0 else "def"
        if decorator:
            cell.add(f"{indent}{decorator}")
        def_line = cell.add(f"{indent}{prefix} {name}({params}):")
        qual = ".".join([*scopes, name])
        body = indent + self.unit
        self.docstring(cell, body)
        if decorator == "@property" or self.executable:
            cell.add(f"{body}arg = 1")
        pieces = self.draw(
            st.lists(
                st.sampled_from(["region", "region", "visible", "if", "for", "try", "nested"]), min_size=1, max_size=3
            )
        )
        for piece in pieces:
            if piece == "region":
                self.region(cell, body, "solution", qual, def_line)
            elif piece == "visible":
                cell.add(f"{body}{self.token('vis')} = {self.quoted('vis')}")
            elif piece in ("if", "for"):
                opener = f"if {self.quoted('vis')}:" if piece == "if" else f"for {self.token('vis')} in range(1):"
                cell.add(f"{body}{opener}")
                self.region(cell, body + self.unit, "solution", qual, def_line)
            elif piece == "try":
                cell.add(f"{body}try:")
                self.region(cell, body + self.unit, "solution", qual, def_line)
                cell.add(f"{body}except ZeroDivisionError:")
                cell.add(f"{body}{self.unit}{self.token('vis')} = 0")
            elif piece == "nested" and depth < 2 and not self.executable:
                self.function(cell, body, [*scopes, name], method=False, depth=depth + 1)
        if self.executable:
            cell.add(f"{body}return {self.quoted('vis')}")

    def klass(self, cell: Cell, indent: str, scopes: list[str], depth: int) -> None:
        name = "Cls" + self.token("vis")
        cell.add(f"{indent}class {name}{self.pick(['', '(object)', '()'])}:")
        body = indent + self.unit
        if self.chance():
            cell.add(f'{body}"""A {self.token("vis")} class."""')
        if self.chance():
            cell.add(f"{body}{self.token('vis')} = {self.quoted('vis')}")
        for number in range(self.draw(st.integers(1, 3))):
            if number or self.chance():
                cell.add("")
            if depth < 1 and not self.executable and self.draw(st.integers(0, 5)) == 0:
                self.klass(cell, body, [*scopes, name], depth + 1)
            else:
                self.function(cell, body, [*scopes, name], method=True, depth=depth)

    # --- cells ---

    def markdown(self) -> Cell:
        cell = Cell("markdown", "# %% [markdown]", style=self.pick(['"""', "#"]))
        cell.add(f"## {self.token('vis')} in a few words")
        for _ in range(self.draw(st.integers(1, 3))):
            if self.chance():
                cell.add("")
            cell.add(
                self.pick(["Prose about {} and {}.", "- a point on `{}` ({})", "The math: $y = {} + {}$"]).format(
                    self.token("vis"), self.token("vis")
                )
            )
        return cell

    def solution_cell(self) -> Cell:
        cell = Cell("code", "# %% nbgrader=" + SOLUTION_META % self.grade_id("impl"))
        if self.chance():
            cell.add("#| export")
        for number in range(self.draw(st.integers(1, 2))):
            if number:
                for _ in range(self.pick([1, 2])):
                    cell.add("")
            if self.chance():
                self.klass(cell, "", [], 0)
            else:
                self.function(cell, "", [], method=False, depth=0)
        return cell

    def test_cell(self, calls: list[str] = ()) -> Cell:
        cell = Cell("code", "# %% nbgrader=" + TEST_META % (self.grade_id("test"), self.draw(st.integers(1, 10))))
        name = f"test_unit_{self.token('vis')}"
        def_line = cell.add(f"def {name}():")
        body = self.unit
        for call in calls:  # executable modules: the test exercises the student code first
            cell.add(f"{body}assert {call} is not None")
        cell.add(f"{body}assert {self.quoted('vis')}, {self.quoted('vis')}")  # a visible statement first
        for piece in self.draw(
            st.lists(st.sampled_from(["hidden", "hidden", "block", "visible"]), min_size=1, max_size=3)
        ):
            if piece == "hidden":
                self.region(cell, body, "hidden", name, def_line)
            elif piece == "block":
                cell.add(f"{body}for {self.token('vis')} in range(2):")
                cell.add(f"{body}{self.unit}assert {self.quoted('vis')}")
                self.region(cell, body + self.unit, "hidden", name, def_line)
            else:
                cell.add(f"{body}assert {self.quoted('vis')}")
        if not any(r.kind == "hidden" and r.qual == name for r in self.module.regions):
            self.region(cell, body, "hidden", name, def_line)
        cell.add("")
        cell.add('if __name__ == "__main__":')
        cell.add(f"{self.unit}{name}()")
        return cell

    def hide_cell(self) -> Cell:
        cell = Cell("code", "# %% nbgrader=" + CODE_META % self.grade_id("instructor"), hide=True)
        cell.add(self.pick(["#| hide", "#| hide", "#|hide"]), HIDE_DIRECTIVE)
        cell.add(f"# {self.token('ins')}: for the staff only", INSTRUCTOR)
        for _ in range(self.draw(st.integers(1, 3))):
            self.statement(cell, "", "ins", INSTRUCTOR, None)
        if self.chance() and not self.executable:
            cell.add(f"def {self.token('ins')}(arg):", INSTRUCTOR)
            cell.add(f"{self.unit}return {self.quoted('ins')}", INSTRUCTOR)
        return cell

    def plain_cell(self) -> Cell:
        cell = Cell("code", "# %% nbgrader=" + CODE_META % self.grade_id("code"))
        export = self.chance()
        if export:
            cell.add("#| export")
        cell.add(f"{self.token('vis')} = {self.quoted('vis')}")
        if self.chance():
            cell.add("")
            cell.add(f"def {self.token('vis')}(arg):")
            cell.add(f"{self.unit}return {self.quoted('vis')}")
        return cell

    def imports_cell(self, target: str, extra: str = "") -> Cell:
        cell = Cell("code", "# %% nbgrader=" + CODE_META % "imports")
        cell.add(f"#| default_exp {target}")
        cell.add("#| export")
        cell.add("import functools")
        if extra:
            cell.add(extra)
        return cell


@st.composite
def modules(
    draw, executable: bool = False, target: str = "core.gen", extra_import: str = "", namespace: str = ""
) -> Module:
    """A whole module source in the real format, with its tagged model (tokens unique within `namespace`)."""
    unit = draw(st.sampled_from(["    ", "    ", "  ", "   ", "        ", "\t"]))
    w = Writer(draw, unit, executable, namespace)
    intro = w.markdown()
    body = [
        draw(st.sampled_from(["markdown", "solution", "test", "plain", "hide"])) for _ in range(draw(st.integers(2, 7)))
    ]
    body += ["solution", "test", "hide"]  # at least one of each, at a random place
    order = draw(st.permutations(body))
    cells = [intro, w.imports_cell(target, extra_import)]
    for kind in order:
        if kind == "test" and executable:
            continue  # written below, after every solution cell, calling them
        cells.append(
            {
                "markdown": w.markdown,
                "solution": w.solution_cell,
                "test": w.test_cell,
                "plain": w.plain_cell,
                "hide": w.hide_cell,
            }[kind]()
        )
    while not any(r.kind == "solution" for r in w.module.regions):  # a solution cell may hold no region: add one
        cells.append(w.solution_cell())
    if executable:
        # no nesting in executable modules: a qualified name is a function or Class.method
        calls = [f"{r.qual.replace('.', '().')}()" for r in w.module.regions if r.kind == "solution"]
        cells.append(w.test_cell(sorted(set(calls))))
    w.module.cells = cells
    return w.module


# --- the versions, from the model ------------------------------------------------------------------------


def expected_solution(cell: Cell) -> str:
    return cell.code(lambda tag: tag not in (MARK_SOLUTION, MARK_HIDDEN, HIDE_DIRECTIVE))


def expected_public_solution(cell: Cell) -> str:
    return cell.code(lambda tag: tag in (VISIBLE, SOLUTION))


def expected_student(model: Module, cell: Cell) -> list[str | Region]:
    """The student lines of a code cell; a Region stands for the one stub line it becomes."""
    out: list[str | Region] = []
    stubbed = set()
    for text, tag, region in cell.lines:
        if tag == VISIBLE:
            out.append(text)
        elif tag == MARK_SOLUTION and region not in stubbed:
            stubbed.add(region)
            out.append(model.regions[region])
    return out


def stub_message(line: str, indent: str) -> str:
    prefix = f"{indent}raise NotImplementedError("
    assert line.startswith(prefix) and line.endswith(")"), repr(line)
    return json.loads(line[len(prefix) : -1])


def artifact_texts(nb, name: str, archives: bool = True) -> tuple[dict[str, str], dict[str, bytes]]:
    """Every text a student could read: the rendered notebook (raw JSON, and its cells decoded), the .py, and
    both files again from inside a zip and a tar.gz archive (opened, not searched as compressed bytes); and the
    artifacts' bytes as the build would write them."""
    ipynb, py = render_ipynb(nb, "python3"), render_py(nb)
    texts = {
        f"{name}.ipynb": ipynb,
        f"{name}.py": py,
        f"{name}.ipynb (cells)": "\n".join("".join(c["source"]) for c in json.loads(ipynb)["cells"]),
    }
    files = {f"{name}.ipynb": ipynb.encode("utf-8"), f"{name}.py": py.encode("utf-8")}
    if archives:
        entries = {f"{MODULE}/{name}.ipynb": ipynb.encode("utf-8"), f"{MODULE}/{name}.py": py.encode("utf-8")}
        zipped, tarred = archive_bytes(entries, "zip"), archive_bytes(entries, "tar.gz")
        with zipfile.ZipFile(io.BytesIO(zipped)) as archive:
            assert sorted(archive.namelist()) == sorted(entries)
            texts.update({f"zip:{n}": archive.read(n).decode("utf-8") for n in archive.namelist()})
        with tarfile.open(fileobj=io.BytesIO(tarred), mode="r:gz") as archive:
            members = [m for m in archive.getmembers() if m.isfile()]
            assert sorted(m.name for m in members) == sorted(entries)
            texts.update({f"tar:{m.name}": archive.extractfile(m).read().decode("utf-8") for m in members})
        files[f"{name}.zip"], files[f"{name}.tar.gz"] = zipped, tarred
    return texts, files


def leaked(texts: dict[str, str], tokens: set[str]) -> list[tuple[str, str]]:
    return [(token, where) for where, text in texts.items() for token in sorted(tokens) if token in text]


# --- the properties --------------------------------------------------------------------------------------

PROPERTY = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@PROPERTY
@given(modules(), st.data())
def test_generated_modules_never_leak_and_their_versions_are_exact(model, data):
    """One parse per example, every property on it (parsing and rendering dominate the run time)."""
    text = model.text()
    source = reads_source(text, "modules/07_gen/gen.py", "py")

    # the engine reads the source as written (from here on the model is the oracle)
    assert [c.cell_type for c in source.nb.cells] == [c.kind for c in model.cells]
    for cell, want in zip(source.nb.cells, model.cells):
        assert cell.source == want.code()
        if want.kind == "code":
            compile(cell.source, "<source cell>", "exec")  # the generator writes valid Python

    student = build_variant(source.nb, "student", MODULE, TINYTORCH)
    solution = build_variant(source.nb, "solution", MODULE, TINYTORCH)
    public = build_variant(source.nb, "public_solution", MODULE, TINYTORCH)
    kept = [c for c in model.cells if not c.hide]

    # 1. no solution, hidden-test or instructor token in any student artifact (notebook, .py, zip, tar.gz) ...
    student_texts, student_files = artifact_texts(student, "gen")
    assert not leaked(student_texts, model.tokens["sol"] | model.tokens["hid"] | model.tokens["ins"])
    # ... nor with nbgrader's default markup (an unmarked answer stubbed whole: stricter still)
    nbgrader_texts, _ = artifact_texts(build_variant(source.nb, "student", MODULE), "gen", archives=False)
    assert not leaked(nbgrader_texts, model.tokens["sol"] | model.tokens["hid"] | model.tokens["ins"])
    # ... nor a hidden-test or instructor token in the solution released to students
    public_texts, public_files = artifact_texts(public, "gen", archives=False)
    assert not leaked(public_texts, model.tokens["hid"] | model.tokens["ins"])
    # from here on, the student version's cells made from the source (the Run All cell is the build's own)
    assert [c.source for c in student.cells if c.id == RUN_ALL_ID] == (
        [run_all_source(student)] if stubs(student) else []
    )
    student.cells = [c for c in student.cells if c.id != RUN_ALL_ID]
    # ... while every visible token reaches the student
    assert {
        t
        for t in model.tokens["vis"]
        if t not in student_texts["gen.py"] or t not in student_texts["gen.ipynb (cells)"]
    } == set()

    # 2. solution version == source minus the marker lines and the `#| hide` directive lines
    assert [c.source for c in solution.cells] == [
        expected_solution(c) if c.kind == "code" else c.code() for c in model.cells
    ]
    for cell, original in zip(solution.cells, source.nb.cells):  # the same, said with a regex on the parsed source
        if cell.cell_type == "code":
            assert cell.source == "\n".join(
                text for text in original.source.split("\n") if not MARKER_RE.match(text) and not HIDE_RE.match(text)
            )

    # 3. public solution == source minus instructor cells, hidden-test regions and markers
    assert [c.source for c in public.cells] == [
        expected_public_solution(c) if c.kind == "code" else c.code() for c in kept
    ]

    # 4. student version == the visible lines, one stub per solution region at the BEGIN line's indentation,
    #    naming the function and pointing at its TODO/HINT; every cell still compiles
    assert [c.id for c in student.cells] == [c.id for c, m in zip(source.nb.cells, model.cells) if not m.hide]
    for cell, want in zip(student.cells, kept):
        if want.kind == "markdown":
            assert cell.source == want.code()
            continue
        compile(cell.source, "<student cell>", "exec")
        lines, expected = cell.source.split("\n"), expected_student(model, want)
        assert len(lines) == len(expected), (cell.source, expected)
        for line, wanted in zip(lines, expected):
            if isinstance(wanted, Region):
                assert stub_message(line, wanted.indent) == expected_stub_message(wanted)
            else:
                assert line == wanted

    # 5. the student version with each stub replaced by its region's inner lines == the solution version without
    #    hidden tests and instructor cells: with the model's regions, and with tests/test_course.py's helper
    regions = iter(r for r in model.regions if r.kind == "solution")
    for cell, want in zip(student.cells, public.cells):
        if cell.cell_type == "code":
            out = []
            for line in cell.source.split("\n"):
                out.extend(next(regions).inner if STUB_SIGNATURE in line else [line])
            assert "\n".join(out) == want.source
    assert next(regions, None) is None
    assert [c.source for c in put_back_solutions(source.nb, student).cells] == [c.source for c in public.cells]

    # 6. the engine's leak guard: no false alarm on the clean artifacts ...
    guard(source, student_files, "student", markup=TINYTORCH)
    guard(source, public_files, "public_solution", markup=TINYTORCH)
    # ... and it stops any secret line planted anywhere in a student artifact, at any indentation
    assert_guard_catches_a_planted_line(source, student, model, data)


def expected_stub_message(region: Region) -> str:
    found = [word for word, present in (("TODO", region.todo), ("HINT", region.hint)) if present]
    pointer = (
        f"See the {' and '.join(found)} in its docstring." if found else "See its docstring and the explanation above."
    )
    return f"{region.qual} (module {MODULE}) {STUB_SIGNATURE}: replace this line with your code. {pointer}"


def assert_guard_catches_a_planted_line(source, student, model: Module, data) -> None:
    """Plant one secret line (at any indentation) in any cell of a student artifact, markdown cells of a .py
    (written as `# `-comments or in a triple-quoted string) included: the guard must refuse it."""
    secret = [
        text
        for cell in model.cells
        for text, tag, _ in cell.lines
        if tag in (SOLUTION, HIDDEN, INSTRUCTOR) and text.strip()
    ]
    planted = data.draw(st.sampled_from(secret), label="planted").strip()
    kind = data.draw(st.sampled_from(["ipynb", "py"]), label="leaky file")
    nb = copy.deepcopy(student)
    cell = nb.cells[data.draw(st.integers(0, len(nb.cells) - 1), label="cell")]
    lines = cell.source.split("\n")
    lines.insert(
        data.draw(st.integers(0, len(lines)), label="line"),
        data.draw(st.sampled_from(["", "    ", "\t", "  "])) + planted,
    )
    cell.source = "\n".join(lines)
    leaky = render_ipynb(nb, "python3") if kind == "ipynb" else render_py(nb)
    container = data.draw(st.sampled_from(["file", "zip", "tar.gz"]), label="artifact")
    if container == "file":
        artifacts = {f"gen.{kind}": leaky.encode("utf-8")}
    else:  # an archive holding the leaky file beside a clean one
        entries = {
            f"{MODULE}/gen.ipynb": render_ipynb(student, "python3").encode("utf-8"),
            f"{MODULE}/gen.py": render_py(student).encode("utf-8"),
            f"{MODULE}/gen.{kind}": leaky.encode("utf-8"),
        }
        artifacts = {f"gen.{container}": archive_bytes(entries, container)}
    with pytest.raises(CourseError, match="LEAK"):
        guard(source, artifacts, "student", markup=TINYTORCH)


def test_the_leak_guard_sees_secret_lines_in_the_markdown_of_a_py_file():
    """A .py artifact writes markdown cells either as a triple-quoted string or as `# `-comment lines (jupytext
    picks the comment style for `#`-style sources, and for text holding quotes). The guard compares every line
    without its comment signs (leakguard.key), so a short solution line inside a commented markdown cell,
    `# total = a + b`, is caught in a .py-only course (`outputs: [python]`) as it is in the .ipynb."""
    text = (
        "# %% [markdown]\n# Intro\n\n"
        '# %% nbgrader={"grade": false, "grade_id": "impl", "locked": false, "schema_version": 3, "solution": true}\n'
        'def add(a, b):\n    """TODO: add."""\n    ### BEGIN SOLUTION\n    total = a + b\n    return total\n    ### END SOLUTION\n'
    )
    source = reads_source(text, "modules/07_gen/gen.py", "py")
    student = build_variant(source.nb, "student", MODULE, TINYTORCH)
    student.cells[0].source += "\ntotal = a + b"  # what a transform bug moving a line into markdown would write
    with pytest.raises(CourseError, match="LEAK"):
        guard(source, {"gen.ipynb": render_ipynb(student, "python3").encode("utf-8")}, "student", markup=TINYTORCH)
    py = render_py(student)
    assert "# total = a + b" in py.split("\n")
    with pytest.raises(CourseError, match="LEAK"):
        guard(source, {"gen.py": py.encode("utf-8")}, "student", markup=TINYTORCH)


# --- look-alikes, written answers, class-body regions -----------------------------------------------------

ODD_SPACES = ["\u00a0", "\u2003", "\u2009", "\u202f", "\u3000", "\u200b "]
HIDE_LOOK_ALIKES = ["#hide", "# | hide", "#| Hide", "# hide", "  #| hide", "\t#| hide", "#| HIDE", "#|\u00a0hide"]
WRITTEN_META = '{"grade": true, "grade_id": "%s", "locked": false, "points": 2, "schema_version": 3, "solution": true}'


def marker_look_alike(line: str, draw) -> str:
    """A marker line as a careless instructor writes it: an odd space, wrong case, a typo."""
    how = draw(st.sampled_from(["space", "case", "typo", "double"]), label="look-alike")
    if how == "space":
        return re.sub(r"(BEGIN|END) ", lambda m: m[1] + draw(st.sampled_from(ODD_SPACES), label="space"), line, count=1)
    if how == "case":
        return (
            line.replace("BEGIN", "Begin")
            .replace("END", "End")
            .replace("SOLUTION", "Solution")
            .replace("HIDDEN TESTS", "hidden tests")
        )
    if how == "typo":
        return line.replace("SOLUTION", "SOLUTON").replace("HIDDEN TESTS", "HIDDEN TEST")
    return re.sub(r"(BEGIN|END) ", r"\1  ", line, count=1)


def class_body_cell(w: Writer) -> tuple[Cell, list[tuple[str, str, bool]]]:
    """A solution cell holding a class whose body has a region of whole methods (signatures and docstrings
    kept for students); returns the cell and (method, docstring text, todo) of each method in the region."""
    cell = Cell("code", "# %% nbgrader=" + SOLUTION_META % w.grade_id("schedule"))
    name = "Cls" + w.token("vis")
    cell.add(f"class {name}:")
    body = w.unit
    cell.add(f'{body}"""A {w.token("vis")} schedule."""')
    cell.add(f"{body}{w.token('vis')} = {w.quoted('vis')}")
    cell.add("")
    region = len(w.module.regions)
    w.module.regions.append(Region("solution", body, name))
    cell.add(f"{body}### BEGIN SOLUTION", MARK_SOLUTION, region)
    methods = []
    for number in range(w.draw(st.integers(1, 3))):
        if number:
            cell.add("", SOLUTION, region)
        method = w.token("vis")
        todo = w.chance()
        doc = f"Return the {w.token('vis')}." + (" TODO: write it." if todo else "")
        if w.chance():
            cell.add(f"{body}@staticmethod", VISIBLE, region)
            cell.add(f"{body}def {method}(arg=1):", VISIBLE, region)
        else:
            cell.add(f"{body}def {method}(self, arg=1):", VISIBLE, region)
        cell.add(f'{body}{w.unit}"""{doc}"""', VISIBLE, region)
        for _ in range(w.draw(st.integers(1, 2))):
            w.statement(cell, body + w.unit, "sol", SOLUTION, region, code=True)
        cell.add(f"{body}{w.unit}return {w.quoted('sol')}", SOLUTION, region)
        methods.append((f"{name}.{method}", doc, todo))
    cell.add(f"{body}### END SOLUTION", MARK_SOLUTION, region)
    return cell, methods


def written_answer_cells(w: Writer) -> list[Cell]:
    """A question, a markdown cell flagged "solution": true (the whole cell is the answer), and a markdown cell
    with a solution region (the answer inside the question's text)."""
    question = Cell("markdown", "# %% [markdown]", style=w.pick(['"""', "#"]))
    question.add(f"Why does the {w.token('vis')} vanish?")
    flagged = Cell(
        "markdown", "# %% [markdown] nbgrader=" + WRITTEN_META % w.grade_id("answer"), style=w.pick(['"""', "#"])
    )
    for _ in range(w.draw(st.integers(1, 3))):
        flagged.add(f"Because {w.token('sol')} saturates {w.token('sol')}.", SOLUTION)
    inline = Cell("markdown", "# %% [markdown]", style=w.pick(['"""', "#"]))
    inline.add(f"Explain the {w.token('vis')}:")
    inline.add("### BEGIN SOLUTION", MARK_SOLUTION)
    inline.add(f"The {w.token('sol')} is {w.token('sol')}.", SOLUTION)
    inline.add("### END SOLUTION", MARK_SOLUTION)
    inline.add(f"(Then {w.token('vis')}.)")
    return [question, flagged, inline]


@st.composite
def marked_up_modules(draw):
    """A generated module with look-alikes, written answers and class-body regions put into it; returns the
    model, the source text, its kind, the expected refusals [(cell index, line index, what to write)] and the
    class-body methods."""
    model = draw(modules())
    w = Writer(draw, draw(st.sampled_from(["    ", "  ", "\t"])), namespace="m")
    w.module = model
    w.count = 500  # past the tokens modules() handed out
    refusals, methods = [], []
    for change in draw(
        st.lists(st.sampled_from(["marker", "directive", "written", "class", "none"]), min_size=1, max_size=3)
    ):
        if change in ("marker", "directive") and refusals:
            continue  # one refusal per example, so the finding is known
        if change == "marker":
            spots = [
                (c, i)
                for c, cell in enumerate(model.cells)
                for i, (_, tag, _) in enumerate(cell.lines)
                if tag in (MARK_SOLUTION, MARK_HIDDEN)
            ]
            c, i = draw(st.sampled_from(spots), label="marker line")
            text, tag, region = model.cells[c].lines[i]
            changed = marker_look_alike(text, draw)
            model.cells[c].lines[i] = (changed, tag, region)
            refusals.append(
                (
                    c,
                    i,
                    "### "
                    + ("BEGIN" if "egin" in changed or "EGIN" in changed else "END")
                    + (" SOLUTION" if tag == MARK_SOLUTION else " HIDDEN TESTS"),
                )
            )
        elif change == "directive":
            c, i = draw(
                st.sampled_from(
                    [
                        (c, i)
                        for c, cell in enumerate(model.cells)
                        for i, (_, tag, _) in enumerate(cell.lines)
                        if tag == HIDE_DIRECTIVE
                    ]
                ),
                label="hide line",
            )
            model.cells[c].lines[i] = (draw(st.sampled_from(HIDE_LOOK_ALIKES), label="directive"), HIDE_DIRECTIVE, None)
            refusals.append((c, i, "#| hide"))
        elif change == "written":
            at = draw(st.integers(2, len(model.cells)), label="written at")
            model.cells[at:at] = written_answer_cells(w)
            refusals = [(c + 3 if c >= at else c, i, what) for c, i, what in refusals]
        elif change == "class":
            at = draw(st.integers(2, len(model.cells)), label="class at")
            cell, found = class_body_cell(w)
            model.cells.insert(at, cell)
            methods.extend(found)
            refusals = [(c + 1 if c >= at else c, i, what) for c, i, what in refusals]
    kind = draw(st.sampled_from(["py", "ipynb"]), label="source kind")
    text = model.text()
    if kind == "ipynb":
        import jupytext

        nb = jupytext.reads(text, fmt="py:percent")
        if draw(st.booleans(), label="windows line ends"):
            for cell in nb.cells:
                cell.source = cell.source.replace("\n", "\r\n")
        text = jupytext.writes(nb, fmt="ipynb")
    return model, text, kind, refusals, methods


def guard_secret_keys(model: Module, cells: set[int]) -> set[str]:
    """The non-trivial secret lines of the given cells, as the guard compares them."""
    from tasks.variants.leakguard import key, trivial

    return {
        key(text)
        for c in cells
        for text, tag, _ in model.cells[c].lines
        if tag in (SOLUTION, HIDDEN, INSTRUCTOR) and not trivial(key(text), text)
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(marked_up_modules())
def test_markup_look_alikes_written_answers_and_class_body_regions(case):
    """Refused with the line and what to write (and the guard still holds back every secret line of the cell
    whose markup was mistyped), or built with no secret token in any student artifact: written answers become
    YOUR ANSWER HERE, class-body methods keep signature and docstring with a stub, and the class exists."""
    from tasks.variants.leakguard import secret_lines
    from tasks.variants.lint import LintInput, lint
    from tasks.variants.transforms import WRITTEN_ANSWER

    model, text, kind, refusals, methods = case
    file = f"modules/07_gen/gen.{kind}"
    source = reads_source(text, file, kind)
    errors = [f for f in lint(LintInput(source, "gen", (), {"core.gen": "gen"})) if f.severity == "error"]
    if refusals:
        ((cell, line, meant),) = refusals
        assert errors, "a look-alike was not refused"
        assert any(f"write exactly '{meant}'" in f.message for f in errors), [str(f) for f in errors]
        where = source.location(cell, line)
        assert any((f.line, f.cell) == (where[1], where[2]) for f in errors), ([str(f) for f in errors], where)
        assert guard_secret_keys(model, {cell}) <= set(secret_lines(source.nb)), "the guard was blinded too"
        return
    assert errors == [], [str(f) for f in errors]
    student = build_variant(source.nb, "student", MODULE, TINYTORCH)
    solution = build_variant(source.nb, "solution", MODULE, TINYTORCH)
    public = build_variant(source.nb, "public_solution", MODULE, TINYTORCH)
    student_texts, student_files = artifact_texts(student, "gen")
    assert not leaked(student_texts, model.tokens["sol"] | model.tokens["hid"] | model.tokens["ins"])
    assert not leaked(artifact_texts(public, "gen", archives=False)[0], model.tokens["hid"] | model.tokens["ins"])
    assert {t for t in model.tokens["vis"] if t not in student_texts["gen.ipynb (cells)"]} == set()
    solution_text = "\n".join(c.source for c in solution.cells)
    assert {t for t in model.tokens["sol"] if t not in solution_text} == set()
    guard(source, student_files, "student", markup=TINYTORCH)
    for cell in student.cells:
        if cell.cell_type == "code":
            compile(cell.source, "<student cell>", "exec")
    markdown = [c.source for c in student.cells if c.cell_type == "markdown"]
    flagged = [c for c in model.cells if c.header.startswith("# %% [markdown] nbgrader=")]
    assert markdown.count(WRITTEN_ANSWER) == len(flagged)
    student_code = "\n".join(c.source for c in student.cells if c.cell_type == "code")
    for qual, doc, todo in methods:
        stub = next(line for line in student_code.split("\n") if f'"{qual} (module {MODULE}) {STUB_SIGNATURE}' in line)
        assert stub.endswith('See the TODO in its docstring.")') == todo
        assert f'"""{doc}"""' in student_code
    for cell in student.cells:  # the class exists in the student version: its cell runs without error
        if cell.cell_type == "code" and "### BEGIN" not in cell.source and cell.source.startswith("class Cls"):
            exec(compile(cell.source, "<student cell>", "exec"), {"functools": functools})  # the imports cell gives it


# --- the history of a student repository after a term of generated modules ------------------------------


def executable_course(root: Path, draw) -> None:
    """A two-module course of generated, executable modules (the second imports the first), in a mini course."""
    from conftest import write_mini_course

    write_mini_course(root, names=("alpha", "beta"), extra_yaml="")
    first = draw(modules(executable=True, target="core.alpha", namespace="a"))
    second = draw(
        modules(executable=True, target="core.beta", extra_import="from tinytorch.core.alpha import *", namespace="b")
    )
    (root / "modules/01_alpha/alpha.py").write_text(first.text())
    (root / "modules/02_beta/beta.py").write_text(second.text())


@settings(
    max_examples=1, deadline=None, suppress_health_check=list(HealthCheck), phases=[Phase.generate], database=None
)
@given(st.data())
def test_a_term_of_generated_modules_leaves_a_clean_history(tmp_path_factory, data):
    """Weeks 1-3 released to a bare remote: alpha out week 1 (solutions 2), beta week 2 (solutions 3)."""
    from conftest import run_doit
    from test_term import assert_history_is_clean

    tmp = tmp_path_factory.mktemp("term")
    remote = tmp / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    course = tmp / "course"
    executable_course(course, data.draw)
    with open(course / "course.yaml", "a") as handle:
        handle.write(f"student_repo:\n  remote: {remote}\n")
    for week in (1, 2, 3):
        result = run_doit(course, "-n", "2", "release", f"week={week}")
        assert result.returncode == 0, result.output[-3000:] + (course / "modules/01_alpha/alpha.py").read_text()
    assert_history_is_clean(course, remote)


# --- what a module folder contributes: leftovers, symlinks, files written while executing ------------------------

LEFTOVERS = (
    "alpha.py~",
    "alpha.py.bak",
    "alpha.py.orig",
    "#alpha.py#",
    ".#alpha.py",
    ".alpha.py.swp",
    "data/weights.csv~",
)
WRITES_AN_ANSWER_KEY = """
# %% nbgrader={"grade": false, "grade_id": "writes-files", "locked": false, "schema_version": 3, "solution": false}
#| hide
import pathlib
pathlib.Path("answer_key.txt").write_text("alpha_instructor_reference = 'for the staff of alpha only'\\n")
pathlib.Path("data").mkdir(exist_ok=True)
pathlib.Path("data/results.txt").write_text("alpha_doubled = np.asarray(x) * 2\\n")
"""


def with_data(root: Path, module: str, globs: str) -> None:
    yaml = root / "course.yaml"
    yaml.write_text(
        yaml.read_text().replace(f"    source: {module}.py\n", f"    source: {module}.py\n    data: {globs}\n", 1)
    )


def folder_state(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def archive_contents(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_leftovers_and_files_written_while_validating_never_ship_and_archives_stay_the_same(tmp_path):
    """Issue 11 leaks 1 and 2: editor backups of the source and the files a solution writes while it is validated
    stay out of the archive and the student repository; the module folder is untouched; a rerun of every
    execution leaves the archive byte-identical; only `data:` files ship beside the student version."""
    from conftest import run_doit, write_mini_course

    root = write_mini_course(tmp_path / "mini", names=("alpha",))
    folder = root / "modules/01_alpha"
    with open(folder / "alpha.py", "a") as handle:
        handle.write(WRITES_AN_ANSWER_KEY)
    source = (folder / "alpha.py").read_bytes()
    for name in LEFTOVERS:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(source)
    (folder / "data/weights.csv").write_text("1,2,3\n")
    (folder / "data/weights.npy").write_bytes(b"\x93NUMPY\x01\x00binary")
    (folder / "notes.txt").write_text("Read the data before you start.\n")
    with_data(root, "alpha", "[data, '*.txt', '*.py~']")
    before = folder_state(folder)

    built = run_doit(root, "-n", "2")
    assert built.returncode == 0, built.output[-3000:]
    assert folder_state(folder) == before, "an execution wrote into the module folder"
    archive = root / "build/archives/01_alpha-student.zip"
    contents = archive_contents(archive)
    assert sorted(contents) == [
        "01_alpha/alpha.ipynb",
        "01_alpha/alpha.py",
        "01_alpha/data/weights.csv",
        "01_alpha/data/weights.npy",
        "01_alpha/notes.txt",
    ]
    for secret in (b"alpha_doubled", b"alpha_instructor_reference", b"hidden"):
        assert not any(secret in data for data in contents.values()), secret
    first = archive.read_bytes()

    rerun = run_doit(root, "forget", "validate:alpha", "check_student:alpha")
    assert rerun.returncode == 0, rerun.output
    again = run_doit(root, "validate:alpha", "check_student:alpha", "archive:alpha")
    assert again.returncode == 0 and {"validate:alpha", "check_student:alpha"} <= again.ran, again.output
    assert archive.read_bytes() == first and folder_state(folder) == before

    released = run_doit(root, "release", "week=1")
    assert released.returncode == 0, released.output[-3000:]
    tree = subprocess.run(
        ["git", "-C", str(root / "student-repo"), "ls-tree", "-r", "--name-only", "HEAD", "modules/"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert tree == [f"modules/{name}" for name in sorted(contents)]


@pytest.mark.parametrize(
    "case, setup, says",
    [
        (
            "symlink-to-the-source",
            lambda f, t: os.symlink(f / "alpha.py", f / "copy.txt"),
            "modules/01_alpha/copy.txt: is a symlink to the module's source (the solution)",
        ),
        (
            "symlink-out-of-the-repository",
            lambda f, t: (t / "outside.txt").write_text("x\n") and os.symlink(t / "outside.txt", f / "out.txt"),
            "modules/01_alpha/out.txt: is a symlink to a file outside the repository",
        ),
        (
            "solution-line-in-a-data-file",
            lambda f, t: (f / "hint.txt").write_text("Hint:\n  alpha_doubled = np.asarray(x) * 2\n"),
            "LEAK: instructor-only text from modules/01_alpha/alpha.py",
        ),
    ],
)
def test_data_files_that_would_leak_stop_the_archive_and_the_release(tmp_path, case, setup, says):
    from conftest import run_doit, write_mini_course

    root = write_mini_course(tmp_path / "mini", names=("alpha",))
    folder = root / "modules/01_alpha"
    setup(folder, tmp_path)
    with_data(root, "alpha", "['*.txt']")
    result = run_doit(root, "archive:alpha")
    assert result.returncode != 0 and says in result.output and "Traceback" not in result.output, result.output[-3000:]
    assert not (root / "build/archives/01_alpha-student.zip").exists()


NEEDS_A_HELPER = """
# %% nbgrader={"grade": false, "grade_id": "uses-helpers", "locked": false, "schema_version": 3, "solution": false}
import alpha_helper

# %% nbgrader={"grade": false, "grade_id": "uses-data", "locked": false, "schema_version": 3, "solution": false}
print(open("tables/scale.csv").read())
"""


def test_check_student_runs_the_shipped_layout_and_names_a_helper_that_does_not_ship(tmp_path):
    """Issue 11 leak 2: validate runs with the instructor's folder, check_student with what students get: a helper
    module and a data file in the folder but not in `data:` make check_student fail, naming each."""
    from conftest import run_doit, write_mini_course

    root = write_mini_course(tmp_path / "mini", names=("alpha",))
    folder = root / "modules/01_alpha"
    with open(folder / "alpha.py", "a") as handle:
        handle.write(NEEDS_A_HELPER)
    (folder / "alpha_helper.py").write_text("SCALE = 2\n")
    (folder / "tables").mkdir()
    (folder / "tables/scale.csv").write_text("2\n")
    failed = run_doit(root, "validate:alpha", "check_student:alpha")
    assert failed.returncode != 0 and "Traceback" not in failed.output, failed.output[-3000:]
    assert "validate:alpha" in failed.ran
    assert "modules/01_alpha/alpha_helper.py is in the module folder but does not ship" in failed.output
    assert "add 'alpha_helper.py' to `data:` of module 'alpha' in course.yaml" in failed.output
    assert "modules/01_alpha/tables/scale.csv is in the module folder but does not ship" in failed.output

    with_data(root, "alpha", "[alpha_helper.py, tables]")
    passed = run_doit(root, "check_student:alpha")
    assert passed.returncode == 0, passed.output[-3000:]
