"""What changed between two versions of the course, read from the compiled modules (compile/: the student and
solution variants of each source), and the semantic-version level each change needs.

An exercise is an answer cell of the student variant (nbgrader `solution: true`), known by its grade_id; its
signature is the `def` lines of that cell. A removed module or exercise, or a changed signature, breaks what
students wrote (major); a new module or exercise is new material (minor); anything else is a fix (patch).
Pure: sources in, `Change`s out (cli/ reads the old sources from git).
"""

from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass

from ..notebook.nbgrader import grade_id, is_answer, is_test
from .semver import LEVELS

SECTIONS = ("breaking", "added", "removed", "changed", "course", "other")  # the changelog's order


@dataclass(frozen=True)
class Exercise:
    grade_id: str
    signature: tuple[str, ...]  # `def name(args)` of each function the student cell defines (methods as Class.name)
    student: str  # the cell in the student variant
    solution: str  # the same cell in the solution variant


@dataclass(frozen=True)
class Outline:
    """One module as its variants show it: exercises, tests (hidden ones too) and every other cell."""

    name: str
    folder: str
    exercises: tuple[Exercise, ...]
    tests: tuple[tuple[str, str], ...]  # (grade_id, the cell in the solution variant)
    other: tuple[str, ...]  # the solution variant's other cells (text, examples, instructor cells), in order

    def exercise(self, gid: str) -> Exercise | None:
        return next((e for e in self.exercises if e.grade_id == gid), None)


@dataclass(frozen=True)
class Change:
    level: str  # patch, minor or major (semver.LEVELS)
    section: str  # where the changelog lists it (SECTIONS)
    text: str
    module: str | None = None


def outline(records, module) -> Outline:
    """A module as the changelog compares it, from the compiled record of each of its notebooks
    (compile.compiled.CompiledNotebook, one per part): a cell of a module of several is labelled with its
    notebook's name first (`problem1/q1`)."""
    exercises, tests, other = [], [], []
    for record in records:
        prefix = f"{record.module.stem}/" if len(records) > 1 else ""
        student, solution = record.variant("student"), record.variant("solution")
        solved = {cell.get("id"): cell.source for cell in solution.cells}
        exercises += [
            Exercise(prefix + _label(cell, index), signatures(cell.source), cell.source, solved.get(cell.get("id"), ""))
            for index, cell in enumerate(student.cells)
            if is_answer(cell)
        ]
        tests += [
            (prefix + _label(c, i), c.source) for i, c in enumerate(solution.cells) if is_test(c) and not is_answer(c)
        ]
        other += [c.source for c in solution.cells if not is_answer(c) and not is_test(c)]
    return Outline(module.name, module.folder, tuple(exercises), tuple(tests), tuple(other))


def _label(cell, index: int) -> str:
    return grade_id(cell) or f"cell {index + 1}"


def signatures(code: str) -> tuple[str, ...]:
    """`def name(args) -> ret` of each function a cell defines at its top level or in its classes."""
    try:
        tree = ast.parse(code)
    except SyntaxError:  # a written answer, or code only a later cell completes: its def lines as written
        return tuple(
            " ".join(line.split()).rstrip(":") for line in code.split("\n") if line.lstrip().startswith("def ")
        )
    found = []

    def visit(body, prefix: str) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
                found.append(f"def {prefix}{node.name}({ast.unparse(node.args)}){returns}")
            elif isinstance(node, ast.ClassDef):
                visit(node.body, f"{prefix}{node.name}.")

    visit(tree.body, "")
    return tuple(found)


def module_changes(old: Outline, new: Outline) -> list[Change]:
    """What changed in one module between two versions, each change with its level."""
    name, changes = new.name, []
    for exercise in old.exercises:
        if new.exercise(exercise.grade_id) is None:
            changes.append(Change("major", "breaking", f"{name}: exercise `{exercise.grade_id}` removed", name))
    for exercise in new.exercises:
        before = old.exercise(exercise.grade_id)
        if before is None:
            changes.append(Change("minor", "changed", f"new exercise `{exercise.grade_id}`", name))
        elif before.signature != exercise.signature:
            was = "; ".join(f"`{s}`" for s in before.signature) or "no function"
            now = "; ".join(f"`{s}`" for s in exercise.signature) or "no function"
            changes.append(
                Change("major", "breaking", f"{name}: exercise `{exercise.grade_id}`: {was} is now {now}", name)
            )
        else:
            if before.solution != exercise.solution:
                changes.append(Change("patch", "changed", f"solution of `{exercise.grade_id}` changed", name))
            if before.student != exercise.student:
                changes.append(Change("patch", "changed", f"exercise `{exercise.grade_id}` reworded", name))
    old_tests, new_tests = dict(old.tests), dict(new.tests)
    for test in old_tests.keys() - new_tests.keys():
        changes.append(Change("patch", "changed", f"test `{test}` removed", name))
    for test, code in new.tests:
        if test not in old_tests:
            changes.append(Change("patch", "changed", f"new test `{test}`", name))
        elif old_tests[test] != code:
            changes.append(Change("patch", "changed", f"test `{test}` changed", name))
    edited = _cells_changed(old.other, new.other)
    if edited:
        changes.append(
            Change("patch", "changed", f"text or examples changed ({edited} cell{'s' * (edited > 1)})", name)
        )
    return changes


def _cells_changed(old: tuple[str, ...], new: tuple[str, ...]) -> int:
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")


MODULE_FIELDS = {
    "folder": "folder",
    "source": "source",
    "release": "release week",
    "solutions": "solutions week",
    "depends_on": "depends_on",
    "data": "data files",
}
COURSE_FIELDS = ("name", "outputs", "archive", "execution", "student_repo", "grading", "package_init")


def course_changes(old_course, new_course, old: dict[str, Outline], new: dict[str, Outline]) -> list[Change]:
    """Modules added, removed and changed (`old`/`new`: module name -> Outline), and course.yaml's changes."""
    changes = []
    before = {m.name: m for m in old_course.modules} if old_course else {}
    for module in new_course.modules:
        if module.name not in before:
            exercises = ", ".join(f"`{e.grade_id}`" for e in new[module.name].exercises) or "none"
            changes.append(
                Change("minor", "added", f"{module.name} (`{module.folder}`): exercises {exercises}", module.name)
            )
            continue
        was = before[module.name]
        changes += module_changes(old[module.name], new[module.name])
        for key, words in MODULE_FIELDS.items():
            a, b = getattr(was, key), getattr(module, key)
            if a != b:
                shown = (lambda v: ", ".join(v) or "none") if isinstance(a, tuple) else str
                changes.append(
                    Change("patch", "course", f"{module.name}: {words} {shown(a)} → {shown(b)}", module.name)
                )
    names = {m.name for m in new_course.modules}
    for module in old_course.modules if old_course else ():
        if module.name not in names:
            changes.append(Change("major", "removed", f"{module.name} (`{module.folder}`)", module.name))
    for key in COURSE_FIELDS if old_course else ():
        if getattr(old_course, key) != getattr(new_course, key):
            changes.append(Change("patch", "course", f"`{'course' if key == 'name' else key}` changed"))
    return changes


def level_needed(changes: list[Change]) -> str | None:
    """The semantic-version level the changes need together (None: nothing changed)."""
    return max((c.level for c in changes), key=LEVELS.index, default=None)


def reasons(changes: list[Change], level: str) -> list[str]:
    """The changes that need `level`, each in a few words (for a refusal's message)."""
    words = {
        "added": lambda c: f"module {c.module} added",
        "removed": lambda c: f"module {c.module} removed",
        "breaking": lambda c: c.text,
        "changed": lambda c: f"{c.module}: {c.text}",
        "course": lambda c: f"course.yaml: {c.text}",
        "other": lambda c: f"other files: {c.text}",
    }
    return [words[c.section](c) for c in changes if c.level == level]
