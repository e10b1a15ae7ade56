"""tasks/grade/submissions.py: finding submissions; every unreadable file a clear problem, never a crash."""

from __future__ import annotations

import json

import pytest

from tasks.course.config import load_course
from tasks.course.paths import Paths
from tasks.grade.bundle import load_bundle
from tasks.grade.collect import collect_file
from tasks.grade.intake import MAX_BYTES
from tasks.grade.submissions import find_submissions, parse_submission, read_submission

from gradeclass import correct, released, write_course


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = write_course(tmp_path_factory.mktemp("subs") / "course")
    loaded = load_course(root)
    paths = Paths(loaded)
    return root, loaded, paths, load_bundle(loaded, paths, loaded.module("vec"), package={})


BAD_FILES = [
    ("vec.ipynb", b"", "is empty (0 bytes)"),
    ("vec.ipynb", b"  \n", "is empty (3 bytes of blank space)"),
    ("vec.ipynb", b"\xff\xfe\x00", "is not text (not UTF-8)"),
    ("vec.ipynb", b'{"cells": [', "is not valid JSON (line 1"),
    ("vec.ipynb", b"[1, 2]", "is JSON but not a notebook"),
    ("vec.ipynb", json.dumps({"nbformat": 3, "worksheets": []}).encode(), "nbformat version 3"),
    ("vec.py", b"def add(a, b):\n    return a + b\n", "is a Python file"),
    ("vec.txt", json.dumps({"nbformat": 4, "cells": []}).encode(), "is not a notebook (.ipynb) but a .txt"),
    ("vec.ipynb", None, "MB, more than the 20 MB a submission may have"),
]


@pytest.mark.parametrize(
    "name, data, says",
    BAD_FILES,
    ids=["empty", "blank", "not-utf8", "broken-json", "not-a-notebook", "nbformat3", "python", "txt", "huge"],
)
def test_a_bad_file_gets_one_verdict_from_collect_and_from_grading(course, tmp_path, name, data, says):
    """One rule (intake.check_notebook / check_size): `tito collect` refuses the file with the reason that
    grading records when the same file is found under submissions/, word for word."""
    root, loaded, paths, bundle = course
    folder = tmp_path / "submitted" / "ada" / "vec"
    folder.mkdir(parents=True)
    path = folder / name
    if data is None:
        with open(path, "wb") as handle:
            handle.truncate(MAX_BYTES + 1)  # sparse: its size is refused before it is read
    else:
        path.write_bytes(data)
    collected = collect_file(paths, tmp_path / "submitted", "ada", loaded.module("vec"), {"vec": frozenset()})
    assert collected.status == "problem" and collected.message.startswith(f"{path} "), collected
    refused = collected.message.removeprefix(f"{path} ")
    graded = read_submission(path, f"submissions/ada/vec/{name}", "ada", "vec", bundle)
    assert graded.answers is None and graded.content_digest
    assert graded.problem == f"submissions/ada/vec/{name}: {refused}"
    assert says in refused, refused
    if data is not None:
        assert parse_submission(data, f"x/{name}", "ada", "vec", bundle).problem == f"x/{name}: {refused}"


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
