"""tasks/grade/submissions.py: finding submissions; every unreadable file a clear problem, never a crash."""

from __future__ import annotations

import json

import pytest

from tasks.course.config import load_course
from tasks.course.paths import Paths
from tasks.grade.bundle import load_bundle
from tasks.grade.submissions import MAX_BYTES, find_submissions, parse_submission, read_submission

from gradeclass import correct, released, write_course


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = write_course(tmp_path_factory.mktemp("subs") / "course")
    loaded = load_course(root)
    paths = Paths(loaded)
    return root, loaded, paths, load_bundle(loaded, paths, loaded.module("vec"), package={})


@pytest.mark.parametrize(
    "name, data, fragment",
    [
        ("vec.ipynb", b"", "is empty"),
        ("vec.ipynb", b"\xff\xfe\x00", "is not UTF-8"),
        ("vec.ipynb", b'{"cells": [', "is not valid JSON (line 1"),
        ("vec.ipynb", b"[1, 2]", "is JSON but not a notebook"),
        ("vec.ipynb", json.dumps({"nbformat": 3, "worksheets": []}).encode(), "is an nbformat 3 notebook"),
        ("vec.py", b"def add(a, b):\n    return a + b\n", "is not a notebook (.ipynb) but a .py"),
    ],
    ids=["empty", "not-utf8", "broken-json", "not-a-notebook", "nbformat3", "python-file"],
)
def test_bad_files_are_problems_naming_student_and_file(course, name, data, fragment):
    *_, bundle = course
    shown = f"submissions/ada/vec/{name}"
    submission = parse_submission(data, shown, "ada", "vec", bundle)
    assert submission.answers is None and submission.problem.startswith(f"{shown}: ") and fragment in submission.problem
    assert submission.content_digest


def test_a_huge_file_is_refused_unread(course, tmp_path):
    *_, bundle = course
    path = tmp_path / "vec.ipynb"
    with open(path, "wb") as handle:
        handle.truncate(MAX_BYTES + 1)
    submission = read_submission(path, "submissions/ada/vec/vec.ipynb", "ada", "vec", bundle)
    assert "MB, more than the 20 MB" in submission.problem


def test_find_submissions_by_student_prefers_the_module_notebook(course):
    root, loaded, paths, bundle = course
    module = loaded.module("vec")
    for student, files in {
        "ada": ["vec.ipynb", "scratch.ipynb"],
        "bob": ["mine.ipynb"],
        "cy": ["vec.py"],
        "dee": [],
    }.items():
        folder = root / "submissions" / student / "vec"
        folder.mkdir(parents=True)
        for name in files:
            (folder / name).write_text(json.dumps(correct(released(root, "vec"))))
    found = [(s, p.name) for s, p in find_submissions(paths, module)]
    assert found == [("ada", "vec.ipynb"), ("bob", "mine.ipynb"), ("cy", "vec.py")]
