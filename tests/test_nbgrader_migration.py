"""Migrating a real nbgrader course, with zero hand edits, against nbgrader 0.9.6 side by side.

tests/nbgraderdemo.py writes an nbgrader course in the shape of nbgrader's documentation example (ps1: two
notebooks, a header, unlocked tests, a markerless answer cell, a task cell, written answers, an image).
`tito nbgrader import` turns it into modules; `doit` builds, validates and checks them; `tito release` ships
them; five students submit in nbgrader's `submitted/<student>/ps1/<notebook>.ipynb` layout (one late, one
whose code loops past the timeout); `tito collect --from` and `tito grade` grade them, and nbgrader 0.9.6 (its
own virtual environment, as the benchmark runs it) autogrades the same submissions from the ORIGINAL nbgrader
course: every cell gets the same score on both sides. Skipped, saying why, only when nbgrader cannot be
installed here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import IGNORED, REPO, run_doit
from nbgraderdemo import SOLUTION_TEXTS, write_gradebook, write_nbgrader_course

from nbgraderenv import nbgrader_env

STUB = re.compile(r"raise NotImplementedError\(.*\)")
SQUARES = "if n < 1:\n        raise ValueError('n < 1')\n    return [k * k for k in range(1, n + 1)]"
WRONG = "return [k for k in range(1, n + 1)]"
LOOPS = "while n == 11:\n        pass\n    " + SQUARES
ON_TIME, LATE, DUE = "2026-12-01 10:00:00.000000 UTC", "2026-12-08 10:00:00.000000 UTC", "2026-12-07 17:00:00"
STUDENTS = {  # student -> (squares' body, the rest answered?, timestamp)
    "ada": (SQUARES, True, ON_TIME),
    "bob": (None, False, ON_TIME),  # the untouched student notebooks
    "cyd": (WRONG, True, ON_TIME),
    "dee": (LOOPS, True, ON_TIME),  # squares(11) never returns: two test cells time out
    "eve": (SQUARES, True, LATE),
}
NBGRADER_SCORES = """
import json, sys
from nbgrader.api import Gradebook
found = {}
with Gradebook(sys.argv[1]) as gb:
    for submission in gb.assignment_submissions("ps1"):
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                key = f"{submission.student.id}/{notebook.name}/{grade.name}"
                found[key] = [grade.score or 0.0, grade.max_score]
print(json.dumps(found))
"""


def run(argv: list, cwd: Path, env: dict | None = None) -> str:
    clean = {k: v for k, v in (env or os.environ).items() if not k.startswith(("GIT_", "DOIT_", "COURSEBUILD_"))}
    proc = subprocess.run([str(a) for a in argv], cwd=cwd, env=clean, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"{argv}:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc.stdout + proc.stderr


def tito(root: Path, *args: str) -> str:
    return run([sys.executable, "-m", "tasks.cli.main", *args], root)


def empty_course(root: Path) -> Path:
    """A course repository with the engine and no course.yaml yet: what `tito nbgrader import` starts from."""
    (root / "tinytorch").mkdir(parents=True)
    shutil.copy2(REPO / "tinytorch/__init__.py", root / "tinytorch/__init__.py")
    shutil.copy2(REPO / "dodo.py", root / "dodo.py")
    shutil.copytree(REPO / "tasks", root / "tasks", ignore=IGNORED)
    return root


def answered(released: dict, squares: str | None, rest: bool) -> dict:
    """A student's notebook: the released one with their answers in its answer cells."""
    nb = json.loads(json.dumps(released))
    for cell in nb["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        text = "".join(cell["source"])
        if grade_id == "squares" and squares:
            text = STUB.sub(lambda _: squares, text)
        elif grade_id == "sum_of_squares" and rest:
            text = STUB.sub("return sum(squares(n))", text)
        elif grade_id == "sum_of_squares_application" and rest:
            text = "def cubes_pyramid(n):\n    return sum_of_squares(n)"
        elif grade_id in ("sum_of_squares_equation", "part-a", "part-b") and rest:
            text = f"My own answer to {grade_id}."
        cell["source"] = text
    return nb


def test_an_nbgrader_course_migrates_builds_releases_and_grades_as_nbgrader_does(tmp_path, nbgrader_bin):
    nbg = write_nbgrader_course(tmp_path / "nbgrader-course")
    env = nbgrader_env(tmp_path / "jupyter", nbgrader_bin)
    run([nbgrader_bin / "nbgrader", "db", "assignment", "add", "ps1", f"--duedate={DUE} UTC"], nbg, env)
    root = empty_course(tmp_path / "course")

    report = tito(root, "nbgrader", "import", str(nbg))
    assert "1 assignment(s), 2 notebook(s) -> 1 module(s)" in report, report
    assert "source/header.ipynb -> header.ipynb" in report and "due 2026-12-07 17:00 UTC" in report
    course = (root / "course.yaml").read_text()
    assert "timeout: 3" in course and 'data: ["jupyter.png"]' in course
    assert 'notebooks: ["problem1.ipynb", "problem2.ipynb"]\n    header: "header.ipynb"' in course  # ONE module
    assert "Before you turn" not in (root / "modules/01_ps1/problem1.ipynb").read_text()  # the header is not copied in

    built = run_doit(root, "-n", "2", "lint", "student", "solution", "export", "validate", "check_student")
    assert built.returncode == 0, built.output
    tito(root, "release", "--week", "1")
    repo = root / "student-repo"
    shipped = [p for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts]
    for path in shipped:
        text = path.read_bytes().decode("utf-8", errors="replace")
        assert not [s for s in SOLUTION_TEXTS if s in text], f"{path} holds a solution line"
    assert sorted(p.name for p in (repo / "modules/01_ps1").iterdir()) == [
        "jupyter.png",
        "problem1.ipynb",
        "problem2.ipynb",
    ]  # one folder, as nbgrader releases it

    released = {
        stem: json.loads((repo / f"modules/01_ps1/{stem}.ipynb").read_text()) for stem in ("problem1", "problem2")
    }
    for nb in released.values():  # the header's cells first in each, as nbgrader's generate_assignment puts them
        assert "".join(nb["cells"][0]["source"]).startswith("Before you turn"), nb["cells"][0]
    for student, (squares, rest, when) in STUDENTS.items():
        folder = nbg / "submitted" / student / "ps1"
        folder.mkdir(parents=True)
        for stem, nb in released.items():
            (folder / f"{stem}.ipynb").write_text(json.dumps(answered(nb, squares, rest)))
        (folder / "timestamp.txt").write_text(when + "\n")

    collected = tito(root, "collect", "--all", "--from", str(nbg / "submitted"))
    assert "ps1.problem1: 5 collected, 0 missing, 0 with a problem" in collected, collected
    assert re.search(r"eve: collected \(.*problem1\.ipynb; LATE: submitted 2026-12-08T10:00:00\+00:00", collected)
    assert "ada: collected" not in collected  # only the late one is listed
    tito(root, "grade", "--all", "--workers", "5")
    ours = our_scores(root)
    tito(root, "grades")
    wide = (root / "build/grades/grades.csv").read_text().splitlines()
    assert wide[0] == "student,ps1.problem1,ps1.problem2,ps1,total"  # per notebook, and per module
    assert wide[1] == "(max),10,3,13,13" and "ada,3,0,3,3" in wide

    run([nbgrader_bin / "nbgrader", "generate_assignment", "ps1", "--force"], nbg, env)
    autograded = run([nbgrader_bin / "nbgrader", "autograde", "ps1", "--create"], nbg, env)
    assert "not recognized" not in autograded
    theirs = json.loads(run([nbgrader_bin / "python", "-c", NBGRADER_SCORES, f"sqlite:///{nbg / 'gradebook.db'}"], nbg))

    assert ours == theirs, "\n".join(
        f"{k}: tito {ours.get(k)}, nbgrader {theirs.get(k)}"
        for k in sorted(set(ours) | set(theirs))
        if ours.get(k) != theirs.get(k)
    )
    assert sum(m for key, (_, m) in ours.items() if key.startswith("ada/")) == 13  # as in nbgrader, tasks included
    assert {k: v[0] for k, v in ours.items() if k.startswith("dee/problem1/") and "squares" in k} == {
        "dee/problem1/correct_squares": 0.0,  # timed out
        "dee/problem1/squares_invalid_input": 1.0,  # graded in a fresh process after the timeout
        "dee/problem1/correct_sum_of_squares": 0.0,  # timed out
        "dee/problem1/sum_of_squares_uses_squares": 0.5,
        "dee/problem1/sum_of_squares_equation": 0.0,  # by hand
        "dee/problem1/sum_of_squares_application": 0.0,  # by hand
    }


def our_scores(root: Path) -> dict[str, list[float]]:
    """student/notebook/grade_id -> [points, max points] from `tito grade`'s gradebook."""
    code = (
        "import json, sys; sys.path.insert(0, '.')\n"
        "from tasks.grade import gradebook\n"
        "db = gradebook.open_gradebook('grades/gradebook.sqlite')\n"
        "print(json.dumps([dict(r) for r in gradebook.results(db)]))\n"
    )
    rows = json.loads(run([sys.executable, "-c", code], root))
    notebook = {"ps1.problem1": "problem1", "ps1.problem2": "problem2"}
    return {f"{r['student']}/{notebook[r['module']]}/{r['grade_id']}": [r["points"], r["max_points"]] for r in rows}


def test_import_reports_every_cell_it_changed_and_adds_to_an_existing_course(tmp_path):
    """A marker nbgrader reads but this project would not (any line containing BEGIN SOLUTION) is rewritten and
    reported; an existing course.yaml gets the modules after its own, and the deadlines."""
    from tasks.grade.nbgrader_import import import_course

    nbg = write_nbgrader_course(tmp_path / "nbg")
    write_gradebook(nbg, "2026-12-07 17:00:00.000000")
    problem = nbg / "source/ps1/problem1.ipynb"
    problem.write_text(problem.read_text().replace("### BEGIN SOLUTION", "# BEGIN SOLUTION ##", 1))
    answer = nbg / "source/ps1/problem2.ipynb"
    answer.write_text(
        answer.read_text()
        .replace("It runs into", "BEGIN SOLUTION\\nIt runs into")
        .replace("inputs.", "inputs.\\nEND SOLUTION")
    )
    root = empty_course(tmp_path / "course")
    (root / "modules/01_intro").mkdir(parents=True)
    (root / "modules/01_intro/intro.py").write_text("# %% [markdown]\n# Hello\n")
    (root / "course.yaml").write_text(
        "course: C\ngrading:\n  timeout: 5\nmodules:\n"
        "  - {name: intro, folder: modules/01_intro, source: intro.py, release: 1, solutions: 2}\n"
    )
    report = import_course(root, nbg)
    assert "cell 3, line 3: '# BEGIN SOLUTION ##' -> '### BEGIN SOLUTION'" in report
    assert "cell 4, line 1: 'BEGIN SOLUTION' -> '### BEGIN SOLUTION'" in report  # a written answer's region
    assert "modules/02_ps1/problem1.ipynb" in report and "week 2" in report
    from tasks.course.config import load_course

    course = load_course(root)
    assert [m.name for m in course.modules] == ["intro", "ps1"]
    assert [p.name for p in course.module("ps1").parts] == ["ps1.problem1", "ps1.problem2"]
    assert course.grading.deadline("ps1").isoformat() == "2026-12-07T17:00:00+00:00"
    assert course.grading.timeout == 5 and course.module("ps1").header == "modules/02_ps1/header.ipynb"
    done = run_doit(root, "lint", "student")
    assert done.returncode == 0, done.output
    student = (root / "build/student/02_ps1/problem2.ipynb").read_text()
    assert "negative inputs" not in student and "YOUR ANSWER HERE" in student


def test_import_of_a_folder_without_source_says_what_it_needs(tmp_path):
    from tasks.base.errors import CourseError
    from tasks.grade.nbgrader_import import import_course

    with pytest.raises(CourseError, match="has no source/ folder, so it is not an nbgrader course directory"):
        import_course(empty_course(tmp_path / "course"), tmp_path)
