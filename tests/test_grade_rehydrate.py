"""tasks/grade/rehydrate.py: only answer cells come from a submission; notes for everything tampered with."""

from __future__ import annotations

import json

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


TAKEN_ANSWERS = {"vec-add": ADD, "vec-scale": SCALE, "explain": "Because lists do not add element-wise.\n"}


def strip_cell(nb, grade_id):
    """The cell no longer recognisable as that answer: its nbgrader metadata and its id gone."""
    found = cell(nb, grade_id)
    del found["metadata"]["nbgrader"]
    found["id"] = f"mine-{grade_id}"


def rename_cell(nb, grade_id):
    found = cell(nb, grade_id)
    found["metadata"]["nbgrader"]["grade_id"], found["id"] = f"my-{grade_id}", f"mine-{grade_id}"


def remove_cell(nb, grade_id):
    nb["cells"].remove(cell(nb, grade_id))


def remove_and_reuse_its_id(nb, grade_id):
    """Deleted, and a test cell given its id: that cell is still the test (matched by grade_id), never the answer."""
    old = cell(nb, grade_id)["id"]
    remove_cell(nb, grade_id)
    cell(nb, "test-add")["id"] = old


@pytest.mark.parametrize("delete", [remove_cell, strip_cell, rename_cell, remove_and_reuse_its_id])
def test_a_deleted_answer_is_graded_as_the_released_stub_and_nothing_else(course, delete):
    """Every set of deleted answer cells (code and written), deleted any way: each deleted one runs exactly what
    the student received (a stub: not attempted), each kept one the student's answer, each is noted."""
    from itertools import combinations

    root, bundle = course
    taken = {c.grade_id: c for c in bundle.cells if c.kind in ("answer", "hand")}
    assert set(taken) == set(TAKEN_ANSWERS)
    stubs = [s.message for s in bundle.stubs]
    for size in range(1, len(taken) + 1):
        for deleted in combinations(sorted(taken), size):
            nb = released(root, "vec")
            for grade_id, text in TAKEN_ANSWERS.items():
                answer(nb, grade_id, text)
            for grade_id in deleted:
                delete(nb, grade_id)
            ran, notes = sources(nb, bundle)
            wanted = {g: taken[g].released if g in deleted else TAKEN_ANSWERS[g] for g in taken}
            assert {g: ran[g] for g in taken} == wanted, deleted
            assert all(any(m in taken[g].released for m in stubs) for g in deleted if taken[g].kind == "answer")
            for grade_id in deleted:
                assert (
                    f"answer cell '{grade_id}' was deleted (or its metadata removed); graded as not attempted" in notes
                )
            assert ran["test-add"] == bundle_cell(bundle, "test-add").source


def copies(nb, grade_id, texts, before=False, by_id=False):
    """The answer cell `grade_id` followed (or preceded) by copies of it holding `texts[1:]`; returns `texts`
    in notebook order. `by_id`: every copy without its nbgrader metadata, matched by its cell id."""
    original = cell(nb, grade_id)
    original["source"] = texts[0]
    made = []
    for n, text in enumerate(texts[1:], 1):
        copy = json.loads(json.dumps(original))
        copy["source"] = text
        copy["id"] = original["id"] if by_id else f"copy-{n}"
        made.append(copy)
    at = nb["cells"].index(original)
    group = made + [original] if before else [original] + made
    nb["cells"][at : at + 1] = group
    if by_id:
        for c in group:
            del c["metadata"]["nbgrader"]
    return [c["source"] for c in group]


@pytest.mark.parametrize("before", [False, True], ids=["copies-after", "copies-before"])
@pytest.mark.parametrize("by_id", [False, True], ids=["by-grade-id", "by-cell-id"])
@pytest.mark.parametrize("count", [2, 3])
def test_of_a_duplicated_answer_the_copy_the_note_names_is_graded_and_shown(course, before, by_id, count):
    from tasks.grade.feedback import own_code
    from tasks.grade.task import Submission

    root, bundle = course
    nb = released(root, "vec")
    texts = [f"def add(a, b):\n    return {n}\n" for n in range(count)]
    in_order = copies(nb, "vec-add", texts, before=before, by_id=by_id)
    answers = extract_answers(nb, bundle)
    ran = {c.grade_id: c.source for c in rehydrate(answers, bundle)}
    assert f"cell 'vec-add' appears {count} times; the first copy was graded" in answers.notes
    assert ran["vec-add"] == in_order[0]  # the first copy in the notebook, as the note says
    shown = dict(own_code(Submission("ada", "vec", "p", answers), bundle))
    assert shown["vec-add"] == in_order[0]  # the feedback shows the copy that was graded
