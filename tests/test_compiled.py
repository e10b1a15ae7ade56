"""tasks/compile/compiled.py: a module source compiled once, the record every later stage reads."""

from __future__ import annotations

import ast
import importlib.util
import os
from pathlib import Path

import pytest

from tasks.base.errors import CourseError
from tasks.compile.compiled import compiled
from tasks.course.config import load_course
from tasks.course.model import Markup
from tasks.course.paths import Paths
from tasks.notebook.source import read_source
from tasks.package.exports import export_text
from tasks.variants.pipeline import build_variant, code_digest
from tasks.variants.registry import VARIANTS
from tasks.variants.roles import Role, grading_kind
from tasks.variants.stubs import RUN_ALL_ID, STRICT_ENV, stubs

from conftest import write_mini_course

SHIPPED_RUNALL = Path(__file__).resolve().parent.parent / "tasks/release/resources/tito/runall.py"


@pytest.fixture
def course(tmp_path):
    root = write_mini_course(tmp_path / "mini")
    course = load_course(root)
    return course, Paths(course)


def test_the_record_is_what_the_source_builds_each_part_made_once(course):
    course, paths = course
    module = course.module("alpha")
    record = compiled(paths, module, course.markup)
    source = read_source(paths.source(module), paths.rel(paths.source(module)))
    assert record is compiled(paths, module, course.markup)  # once per process and file version
    for name in VARIANTS:
        built = record.variant(name)
        assert built is record.variant(name)  # built once, then shared
        assert built == build_variant(source.nb, name, module.slug, course.markup)
        assert record.code_digest(name) == code_digest(built)
    assert record.roles == tuple(grading_kind(c) for c in source.nb.cells)
    assert Role.ANSWER in record.roles and Role.TEST in record.roles
    assert record.grade_ids == ("mini-imports", "mini-double", "test-double", "instructor-check")
    assert record.stubs == tuple(stubs(record.variant("student"))) and [s.what for s in record.stubs] == ["double"]
    assert record.export_target() == "core.alpha"
    solution = build_variant(source.nb, "solution", module.slug, course.markup)
    assert record.export_text() == export_text(solution, "alpha", record.file, source.location)
    with pytest.raises(KeyError):
        record.variant("teacher")


def test_the_nbgrader_source_is_a_registry_variant_with_markers_and_hidden_tests_kept(course):
    course, paths = course
    nb = compiled(paths, course.module("alpha"), course.markup).variant("nbgrader_source")
    text = "\n".join(c.source for c in nb.cells)
    assert "### BEGIN SOLUTION" in text and "### BEGIN HIDDEN TESTS" in text
    assert "instructor_reference" not in text  # `#| hide` cells never reach nbgrader


def test_an_edited_source_or_other_settings_give_a_new_record(course):
    course, paths = course
    module = course.module("alpha")
    record = compiled(paths, module, course.markup)
    assert compiled(paths, module, Markup(stubs="nbgrader")) is not record
    path = paths.source(module)
    path.write_text(path.read_text().replace("TODO: multiply x by two.", "TODO: multiply x by 2."))
    os.utime(path, ns=(1, 1))  # another file version even on a coarse clock
    fresh = compiled(paths, module, course.markup)
    assert fresh is not record and any("multiply x by 2" in c.source for c in fresh.variant("student").cells)


def test_an_unreadable_source_is_a_course_error_naming_the_file(course):
    course, paths = course
    module = course.module("alpha")
    paths.source(module).write_bytes(b"# %%\nx = '\xff'\n")
    with pytest.raises(CourseError) as error:
        compiled(paths, module, course.markup)
    assert "modules/01_alpha/alpha.py:2" in str(error.value)


def test_a_stub_the_engine_makes_is_recognised_by_the_student_side_from_the_data_it_is_handed(course):
    """The student side (tito/runall.py, standard library only) is handed each stub's message by the Run All
    cell and compares the error with it: the engine's message is the student side's, by construction.
    (tests/test_runall.py runs the same in a real kernel.)"""
    course, paths = course
    record = compiled(paths, course.module("alpha"), course.markup)
    student = record.variant("student")
    run_all = next(c for c in student.cells if c.get("id") == RUN_ALL_ID)
    call = next(n for n in ast.walk(ast.parse(run_all.source)) if isinstance(n, ast.Call))
    handed = [ast.literal_eval(arg) for arg in call.args]
    spec = importlib.util.spec_from_file_location("shipped_runall", SHIPPED_RUNALL)
    runall = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runall)  # outside IPython it installs nothing
    assert runall.STRICT == STRICT_ENV
    runall.exercises(*handed)
    stub = record.stubs[0]
    raised = student.cells[stub.cell].source.split("\n")[stub.line].strip()
    with pytest.raises(NotImplementedError) as error:
        exec(raised, {})
    assert runall._EXERCISES[str(error.value)] == (stub.what, "double")
