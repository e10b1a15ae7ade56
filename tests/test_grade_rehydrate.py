"""tasks/grade/rehydrate.py: only answer cells come from a submission; notes for everything tampered with."""

from __future__ import annotations

import pytest

from tasks.course.config import load_course
from tasks.course.paths import Paths
from tasks.grade.bundle import load_bundle
from tasks.grade.rehydrate import extract_answers, rehydrate

from gradeclass import ADD, CLASS, SCALE, answer, cell, correct, released, write_course


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = write_course(tmp_path_factory.mktemp("rehydrate") / "course")
    loaded = load_course(root)
    return root, load_bundle(loaded, Paths(loaded), loaded.module("vec"))


def sources(nb, bundle):
    answers = extract_answers(nb, bundle)
    return {c.grade_id: c.source for c in rehydrate(answers, bundle)}, answers.notes


def test_answers_go_into_the_pristine_notebook(course):
    root, bundle = course
    ran, notes = sources(correct(released(root, "vec")), bundle)
    assert ran["vec-add"] == ADD and ran["vec-scale"] == SCALE
    assert "VEC_HIDDEN_CHECK" in ran["test-add"]  # the hidden test is back
    assert "vec-staff" not in ran  # instructor-only cells that grade nothing are not run
    assert notes == ()


def test_untouched_submission_runs_the_stubs(course):
    root, bundle = course
    nb = released(root, "vec")
    assert nb["cells"][1]["id"] == "tito-run-all"  # the Run All cell is no cell the student added: no note
    ran, notes = sources(nb, bundle)
    assert "is not implemented yet" in ran["vec-add"] and notes == ()
    assert {s.what for s in bundle.stubs} == {"add", "scale"} and all(s.message in str(nb) for s in bundle.stubs)


@pytest.mark.parametrize(
    "student, fragment",
    [
        ("s08-tampered-test", "test 'test-add' was edited; the course's test was run"),
        ("s09-deleted-test", "test 'test-scale' was deleted; the course's test was run"),
        ("s10-deleted-answer", "answer cell 'vec-add' was deleted"),
        ("s11-duplicated", "cell 'vec-add' appears 2 times; the first copy was graded"),
        ("s12-reordered", "cells were moved; they were graded in the course's order"),
        ("s13-retyped", "answer cell 'vec-scale' was changed from code to markdown; graded as code"),
        ("s14-added-cell", "1 code cell(s) you added were not run"),
        ("s22-empty", "answer cell 'vec-scale' was deleted"),
    ],
)
def test_tampering_is_noted_and_tests_come_from_the_source(course, student, fragment):
    root, bundle = course
    nb = CLASS[student][0](released(root, "vec"))
    ran, notes = sources(nb, bundle)
    assert any(fragment in note for note in notes), notes
    assert "VEC_HIDDEN_CHECK" in ran["test-add"] and ran["test-scale"] == bundle_cell(bundle, "test-scale").source


def bundle_cell(bundle, grade_id):
    return next(c for c in bundle.cells if c.grade_id == grade_id)


def test_matching_falls_back_to_the_cell_id(course):
    root, bundle = course
    nb = answer(released(root, "vec"), "vec-add", ADD)
    del cell(nb, "vec-add")["metadata"]["nbgrader"]  # metadata stripped by some editor; the id is still there
    ran, notes = sources(nb, bundle)
    assert ran["vec-add"] == ADD and notes == ()


@pytest.mark.parametrize("garbage", [{}, {"cells": "nope"}, {"cells": [1, None, {"metadata": 5}]}, [], "text"])
def test_malformed_json_shapes_never_crash(course, garbage):
    _, bundle = course
    answers = extract_answers(garbage, bundle)
    assert all(source is None for _, source in answers.cells)


def test_answers_digest_changes_with_the_answers_only(course):
    root, bundle = course
    one = extract_answers(correct(released(root, "vec")), bundle)
    again = correct(released(root, "vec"))
    cell(again, "test-add")["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "ran"}]
    assert extract_answers(again, bundle).digest == one.digest
    assert extract_answers(released(root, "vec"), bundle).digest != one.digest
