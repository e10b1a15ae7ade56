"""`tito nbgrader export`: an nbgrader course directory on which nbgrader's own autograde gives our scores.

The interop test runs the real nbgrader (in the benchmark's own venv, build/bench/venv, as `make bench` makes
it); it is skipped, saying why, only when nbgrader cannot be installed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

from conftest import run_doit, write_mini_course
from tasks.base.errors import CourseError
from tasks.course.config import load_course
from tasks.course.paths import Paths
from tasks.grade.nbgrader_export import export

from nbgraderenv import nbgrader_env

STUB = re.compile(r"raise NotImplementedError\(.*\)")
ANSWERS = {  # student -> the body they wrote for double(x) (None: the untouched student notebook)
    "right": "return np.asarray(x) * 2",
    "stub": None,
    "wrong": "return x",
    "visible_only": "return 4",  # passes the visible test, fails the hidden one
}
EXPECTED = {"right": 1.0, "stub": 0.0, "wrong": 0.0, "visible_only": 0.0, "tamperer": 0.0}
SCORES = """
import json, sys
from nbgrader.api import Gradebook
with Gradebook(sys.argv[1]) as gb:
    print(json.dumps({s.student.id: s.score for s in gb.assignment_submissions(sys.argv[2])}))
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = write_mini_course(tmp_path_factory.mktemp("nbgexport") / "mini")
    result = run_doit(root, "student", "export")
    assert result.returncode == 0, result.output
    course = load_course(root)
    return course, Paths(course)


def submission(paths, module, answer: str | None, tamper: bool = False) -> bytes:
    nb = json.loads(paths.student_notebook(module).read_text())
    for cell in nb["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        text = "".join(cell["source"])
        if grade_id == "mini-double" and answer is not None:
            text = STUB.sub(answer, text)
        if grade_id == "test-double" and tamper:
            text = "pass  # tests? what tests"
        cell["source"] = text
    return json.dumps(nb).encode()


def test_export_writes_source_with_hidden_tests_release_as_built_and_the_config(built, tmp_path):
    course, paths = built
    beta = course.module("beta")
    target = tmp_path / "nbg"
    message = export(course, paths, [beta], target)
    assert "1 module(s)" in message and "nbgrader autograde MODULE" in message
    source = (target / "source/beta/beta.ipynb").read_text()
    assert "### BEGIN HIDDEN TESTS" in source and "### BEGIN SOLUTION" in source
    assert "for the staff of beta only" not in source  # `#| hide` cells stay with us
    assert (target / "release/beta/beta.ipynb").read_bytes() == paths.student_notebook(beta).read_bytes()
    assert (target / "tinytorch/core/alpha.py").is_file()
    config = (target / "nbgrader_config.py").read_text()
    assert "c.CourseDirectory.course_id = 'Mini'" in config and str(target.resolve()) in config
    compile(config, "nbgrader_config.py", "exec")


def test_export_of_an_unbuilt_module_names_the_task_and_writes_nothing(tmp_path):
    course = load_course(write_mini_course(tmp_path / "mini"))
    with pytest.raises(CourseError, match=r"run `doit student:alpha`"):
        export(course, Paths(course), list(course.modules), tmp_path / "nbg")
    assert not (tmp_path / "nbg").exists()


def test_nbgrader_autograde_on_the_export_gives_our_scores(built, nbgrader_bin, tmp_path):
    course, paths = built
    beta = course.module("beta")
    for student, answer in ANSWERS.items():
        paths.submission_file(student, beta).parent.mkdir(parents=True, exist_ok=True)
        paths.submission_file(student, beta).write_bytes(submission(paths, beta, answer))
    paths.submission_file("tamperer", beta).parent.mkdir(parents=True, exist_ok=True)
    paths.submission_file("tamperer", beta).write_bytes(submission(paths, beta, ANSWERS["wrong"], tamper=True))
    target = tmp_path / "nbg"
    assert "5 submission(s)" in export(course, paths, [beta], target)
    env = nbgrader_env(tmp_path / "jupyter", nbgrader_bin)
    for step in (["generate_assignment", "beta", "--force"], ["autograde", "beta", "--create"]):
        proc = subprocess.run(
            [str(nbgrader_bin / "nbgrader"), *step], cwd=target, env=env, capture_output=True, text=True, timeout=600
        )
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        assert "not recognized" not in proc.stdout + proc.stderr  # nbgrader 0.9.6 knows every option we write
    proc = subprocess.run(
        [str(nbgrader_bin / "python"), "-c", SCORES, f"sqlite:///{target / 'gradebook.db'}", "beta"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(proc.stdout) == EXPECTED
    assert our_scores(course, paths, "beta") == EXPECTED  # `tito grade` on the same submissions agrees


def our_scores(course, paths, module: str) -> dict[str, float]:
    """`tito grade` on the same submissions (an embedded one-worker Dask cluster): each student's total."""
    from tasks.grade import gradebook
    from tasks.grade.run import grade

    grade(course, paths, [module], workers=1, stream=open(os.devnull, "w"))
    db = gradebook.open_gradebook(paths.gradebook)
    try:
        totals: dict[str, float] = {}
        for row in gradebook.results(db, module):
            totals[row["student"]] = totals.get(row["student"], 0.0) + row["points"]
        return totals
    finally:
        db.close()


def test_an_origin_json_is_read_with_a_cap_and_its_shape_checked(tmp_path):
    from tasks.grade.nbgrader_export import submitted_time

    origin = tmp_path / "origin.json"
    origin.write_text('{"submitted": "2026-11-30 09:00:00 UTC"}')
    assert submitted_time(origin) == "2026-11-30 09:00:00 UTC"
    origin.write_text('{"submitted": "' + "9" * 70_000 + '"}')
    assert submitted_time(origin) is None  # over 64 KB: not read
    for text in ("[1, 2]", '{"submitted": {"a": 1}}', "not json"):
        origin.write_text(text)
        assert submitted_time(origin) is None, text
