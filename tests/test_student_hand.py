"""Answers graded by hand in the student's `tito module complete` (tito/hand.py), run for real: the nbgrader
course of nbgrader's documentation example (tests/nbgraderdemo.py) imported, built and released by the engine,
a clone of its student repository, a real kernel. Its problem2 (written answers only) is moved to an assignment of
its own, ps2, so that one module is written answers only; ps1 (problem1) has tests, a written answer, a code answer
graded by hand (nbgrader's `# YOUR CODE HERE` stub) and a task cell."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import IGNORED, REPO
from nbgraderdemo import write_gradebook, write_nbgrader_course
from test_student_tito import git, tito
from test_submit import Student, bare

WRITTEN = "modules/02_ps2/problem2.ipynb"
MIXED = "modules/01_ps1/problem1.ipynb"
STUB = re.compile(r"raise NotImplementedError\(.*\)")
SQUARES = "if n < 1:\n        raise ValueError('n < 1')\n    return [k * k for k in range(1, n + 1)]"


def released_example(base: Path, split: bool) -> Path:
    """The nbgrader example course, imported (`tito nbgrader import`) and released up to its last week; `split`:
    problem2 moved to an assignment of its own (ps2) first."""
    nbg = write_nbgrader_course(base / "nbg")
    if split:
        (nbg / "source/ps2").mkdir()
        shutil.move(nbg / "source/ps1/problem2.ipynb", nbg / "source/ps2/problem2.ipynb")
    write_gradebook(nbg, "2026-12-07 17:00:00.000000")
    root = base / "course"
    (root / "tinytorch").mkdir(parents=True)
    shutil.copy2(REPO / "tinytorch/__init__.py", root / "tinytorch/__init__.py")
    shutil.copy2(REPO / "dodo.py", root / "dodo.py")
    shutil.copytree(REPO / "tasks", root / "tasks", ignore=IGNORED)
    for command in (["nbgrader", "import", str(nbg)], ["release", "--week", "2", "--confirm"]):
        done = subprocess.run(
            [sys.executable, "-m", "tasks.cli.main", *command], cwd=root, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return root / "student-repo"


@pytest.fixture(scope="module")
def hand_repo(tmp_path_factory) -> Path:
    return released_example(tmp_path_factory.mktemp("hand"), split=True)


@pytest.fixture
def clone(hand_repo, tmp_path) -> Path:
    target = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(hand_repo), str(target)], check=True)
    return target


def edit(notebook: Path, change) -> None:
    """Change the notebook's cells as a student does in Jupyter: `change(cells)` edits the list in place."""
    data = json.loads(notebook.read_text())
    change(data["cells"])
    notebook.write_text(json.dumps(data, indent=1))


def by_id(cells: list, grade_id: str) -> dict:
    return next(c for c in cells if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)


def answer(grade_id: str, text: str):
    return lambda cells: by_id(cells, grade_id).update(source=text)


def hand_progress(clone: Path, slug: str) -> dict:
    return json.loads((clone / ".tito/progress.json").read_text())["modules"][slug]


def test_a_written_only_module_is_graded_by_hand_and_complete_once_every_answer_is_written(clone):
    first = tito(clone, "module", "complete", "02")
    assert first.returncode == 1, first.stdout + first.stderr
    assert "this module is graded by hand: 0 of 2 answers written; missing: part-a (cell 5), part-b (cell 7)" in (
        first.stdout
    )
    assert "  cell 7 (part-b): write your answer in place of YOUR ANSWER HERE" in first.stdout
    assert "next: write the missing answers above, save the notebook, then run tito module complete 02" in first.stdout
    assert "tests pass" not in first.stdout and "nothing to export" in first.stdout
    entry = hand_progress(clone, "02_ps2")
    assert entry["hand"] == {"written": 0, "total": 2, "missing": ["part-a (cell 5)", "part-b (cell 7)"]}
    assert entry["complete"] is False

    notebook = clone / WRITTEN
    edit(notebook, answer("part-a", "Fibonacci numbers, by recursion."))
    edit(notebook, answer("part-b", "  \n"))  # blank is not an answer
    second = tito(clone, "module", "complete", "02")
    assert second.returncode == 1
    assert "1 of 2 answers written; missing: part-b (cell 7)" in second.stdout
    assert "02_ps2               1 of 2 answers written (graded by hand)" in tito(clone, "module", "status").stdout

    edit(notebook, answer("part-b", ["Negative inputs:\n", "it never stops."]))
    third = tito(clone, "module", "complete", "02")
    assert third.returncode == 0, third.stdout + third.stderr
    assert (
        "this module is graded by hand: 2 of 2 answers written; module complete "
        "(your answers are graded by hand once you submit: tito submit)"
    ) in third.stdout
    entry = hand_progress(clone, "02_ps2")
    assert entry["hand"] == {"written": 2, "total": 2, "missing": []} and entry["complete"] is True
    assert "02_ps2               complete; answers graded by hand (" in tito(clone, "module", "status").stdout


def test_a_mixed_module_needs_its_tests_to_pass_and_its_answers_and_task_written(clone):
    notebook = clone / MIXED

    def implement(cells):
        for grade_id, body in (("squares", SQUARES), ("sum_of_squares", "return sum(squares(n))")):
            cell = by_id(cells, grade_id)
            cell["source"] = STUB.sub(lambda _: body, "".join(cell["source"]).replace("# YOUR CODE HERE\n", ""))

    edit(notebook, implement)
    first = tito(clone, "module", "complete", "01")
    assert first.returncode == 1, first.stdout + first.stderr
    lines = first.stdout.splitlines()
    at = lines.index("4 of 4 tests pass")  # no "module complete": its answers are not written
    assert lines[at + 1].startswith(
        "graded by hand: 0 of 3 answers written; missing: sum_of_squares_equation (cell 16)"
    )
    assert (
        "  cell 18 (sum_of_squares_application): replace `# YOUR CODE HERE` and the `raise NotImplementedError` "
        "line with your code"
    ) in lines
    assert "  cell 19 (cell-938593c4a215c6cc) is a task: add a cell below it with your answer" in lines

    edit(notebook, answer("sum_of_squares_equation", "$\\sum_{i=1}^n i^2$"))
    edit(notebook, answer("sum_of_squares_application", "def pyramid(n):\n    return sum_of_squares(n)"))
    edit(notebook, lambda cells: cells.append({"cell_type": "markdown", "metadata": {}, "source": "  "}))
    second = tito(clone, "module", "complete", "01")
    assert second.returncode == 1
    assert "graded by hand: 2 of 3 answers written; missing: cell-938593c4a215c6cc (cell 19)" in second.stdout

    task = {
        "cell_type": "markdown",
        "metadata": {},
        "source": "Arithmetic: n(a1 + an)/2. Geometric: a(1 - r^n)/(1 - r).",
    }
    edit(notebook, lambda cells: cells.append(task))
    third = tito(clone, "module", "complete", "01")
    assert third.returncode == 0, third.stdout + third.stderr
    assert "4 of 4 tests pass\ngraded by hand: 3 of 3 answers written; module complete" in third.stdout
    entry = hand_progress(clone, "01_ps1")
    assert entry["tests"]["passed"] == 4 and entry["hand"]["written"] == 3 and entry["complete"] is True


def test_a_task_is_answered_only_by_text_of_your_own_and_a_copied_answer_cell_is_named(clone):
    notebook = clone / MIXED
    task_text = lambda cells: "".join(by_id(cells, "cell-938593c4a215c6cc")["source"])  # noqa: E731
    edit(notebook, lambda cells: cells.append({"cell_type": "markdown", "metadata": {}, "source": task_text(cells)}))
    edit(notebook, lambda cells: cells.append(json.loads(json.dumps(by_id(cells, "sum_of_squares_equation")))))
    done = tito(clone, "module", "complete", "01", "--skip-export")
    assert done.returncode == 1
    assert "  cell 19 (cell-938593c4a215c6cc) is a task: add a cell below it with your answer" in done.stdout
    assert (
        "  sum_of_squares_equation (cell 21): a second copy of cell 16 (same grade_id); graders read one: "
        "delete the copy"
    ) in done.stdout


def test_a_broken_notebook_or_a_removed_cell_says_what_to_do(clone):
    notebook = clone / WRITTEN
    released = notebook.read_text()
    notebook.write_text(released[:-40])
    broken = tito(clone, "module", "complete", "02")
    assert broken.returncode == 2 and "Traceback" not in broken.stderr
    assert "problem2.ipynb is not a notebook any more (not valid JSON:" in broken.stderr
    assert "restore the released one with `tito module reset`" in broken.stderr
    notebook.write_text(json.dumps({"cells": [{"cell_type": "markdown", "source": 3}]}))
    assert "cell 1 is not a cell with text" in tito(clone, "module", "complete", "02").stderr
    notebook.write_text("[]")
    assert 'it has no list of "cells"' in tito(clone, "module", "complete", "02").stderr

    notebook.write_text(released)
    edit(notebook, lambda cells: cells.remove(by_id(cells, "part-b")))
    edit(notebook, answer("part-a", "Fibonacci."))
    gone = tito(clone, "module", "complete", "02")
    assert gone.returncode == 1 and "Traceback" not in gone.stdout + gone.stderr
    assert "1 of 2 answers written; missing: part-b (removed)" in gone.stdout
    assert "  part-b: this written answer's cell is gone from your notebook; `tito module reset 02` restores" in (
        gone.stdout
    )

    edit(clone / MIXED, lambda cells: cells.remove(by_id(cells, "correct_squares")))
    tests_gone = tito(clone, "module", "complete", "01", "--skip-export")
    assert tests_gone.returncode == 1
    assert "0 of 3 tests pass; next: implement squares" in tests_gone.stdout
    assert "  removed from your notebook: test cell(s) correct_squares; `tito module reset 01` restores" in (
        tests_gone.stdout
    )


def test_a_student_with_an_empty_home_answers_completes_and_submits(hand_repo, tmp_path):
    """A default git (an empty HOME, no identity): clone, complete (not yet), write, complete, status, submit."""
    student = Student(tmp_path / "ann").clone(hand_repo)
    first = student.tito("module", "complete", "ps2")
    assert first.returncode == 1 and "0 of 2 answers written" in first.stdout, first.stdout + first.stderr
    notebook = student.repo / WRITTEN
    edit(notebook, answer("part-a", "Fibonacci numbers."))
    edit(notebook, answer("part-b", "Negative ones."))
    done = student.tito("module", "complete", "02")
    assert done.returncode == 0 and "2 of 2 answers written; module complete" in done.stdout, done.stdout + done.stderr
    status = student.tito("module", "status")
    assert "02_ps2               complete; answers graded by hand" in status.stdout
    assert "next: tito module start 01 (01_ps1)" in status.stdout
    own = bare(tmp_path / "ann-own.git")
    sent = student.tito("submit", "02", "--to", str(own))
    assert sent.returncode == 0, sent.stdout + sent.stderr
    shipped = json.loads(git(own, "show", f"HEAD:{WRITTEN}"))
    assert "".join(by_id(shipped["cells"], "part-b")["source"]) == "Negative ones."


def test_a_module_of_several_notebooks_counts_the_answers_of_every_notebook(tmp_path):
    """ps1 as nbgrader has it (problem1 and problem2 in one module): one entry, its notebooks' answers summed."""
    repo = released_example(tmp_path / "whole", split=False)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    first = tito(clone, "module", "complete", "01", "--skip-export")
    assert first.returncode == 1, first.stdout + first.stderr
    entry = hand_progress(clone, "01_ps1")
    assert [Path(n["notebook"]).name for n in entry["notebooks"]] == ["problem1.ipynb", "problem2.ipynb"]
    assert entry["hand"]["total"] == 5 and entry["hand"]["written"] == 0, entry  # 3 in problem1, 2 in problem2
    assert "part-b (cell 7)" in entry["hand"]["missing"] and entry["complete"] is False
