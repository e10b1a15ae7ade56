"""An nbgrader course directory in the shape of nbgrader's documentation example (ps1), for the migration tests.

`write_nbgrader_course(DIR)` writes nbgrader_config.py (course id, a header notebook, a 3 s per-cell timeout),
source/header.ipynb and source/ps1/ with two notebooks and an image:
- problem1.ipynb: Part A `squares` and Part B `sum_of_squares` (solution regions), their tests UNLOCKED as
  in nbgrader's example, a plain cell calling `squares(10)`, Part C a written answer (1 point), Part D an
  answer code cell WITHOUT markers graded by hand (2 points), Part E a task cell (4 points);
- problem2.ipynb: written answers only (Parts A and B, 1 + 2 points);
- jupyter.png, shown by problem1's first cell.
ps1 is worth 13 points, as in nbgrader. `SOLUTION_TEXTS` are solution lines that must reach no student file.
"""

from __future__ import annotations

import json
from pathlib import Path

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a1f9a3e70000000049454e44ae426082"
)
SOLUTION_TEXTS = (
    'raise ValueError("n must be greater than or equal to 1")',
    "return [i ** 2 for i in range(1, n + 1)]",
    "return sum(squares(n))",
    "return sum_of_squares(n) + 0  # the reference use case",
    "i^2$ adds the squares",
    "recursion, with base cases 0 and 1",
    "infinite recursion for negative inputs",
)


def meta(grade_id: str, grade=False, solution=False, locked=False, points=None, task=False) -> dict:
    found = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution}
    if points is not None:
        found["points"] = points
    if task:
        found["task"] = True
    return {"nbgrader": found}


def code(source: str, metadata: dict | None = None) -> dict:
    return {"cell_type": "code", "execution_count": None, "metadata": metadata or {}, "outputs": [], "source": source}


def markdown(source: str, metadata: dict | None = None) -> dict:
    return {"cell_type": "markdown", "metadata": metadata or {}, "source": source}


def notebook(*cells) -> str:
    kernel = {"display_name": "Python 3", "language": "python", "name": "python3"}
    return json.dumps({"cells": list(cells), "metadata": {"kernelspec": kernel}, "nbformat": 4, "nbformat_minor": 0})


HEADER = notebook(
    markdown("Before you turn this problem in, make sure everything runs as expected (Restart and Run All)."),
    code('NAME = ""\nCOLLABORATORS = ""'),
    markdown("---"),
)

PROBLEM1 = notebook(
    markdown(
        "For this problem set, we'll be using the Jupyter notebook:\n\n![](jupyter.png)", meta("jupyter", locked=True)
    ),
    markdown(
        "---\n## Part A (2 points)\n\nWrite a function that returns the list of squares of 1..n; raise ValueError for n < 1."
    ),
    code(
        'def squares(n):\n    """Compute the squares of numbers from 1 to n."""\n    ### BEGIN SOLUTION\n'
        "    if n < 1:\n"
        '        raise ValueError("n must be greater than or equal to 1")\n'
        "    return [i ** 2 for i in range(1, n + 1)]\n    ### END SOLUTION",
        meta("squares", solution=True),
    ),
    code("squares(10)"),
    code(
        '"""Check that squares returns the correct output for several inputs"""\n'
        "assert squares(1) == [1]\nassert squares(2) == [1, 4]\nassert squares(11)[-1] == 121",
        meta("correct_squares", grade=True, points=1),
    ),
    code(
        '"""Check that squares raises an error for invalid inputs"""\n'
        "try:\n    squares(0)\nexcept ValueError:\n    pass\nelse:\n"
        '    raise AssertionError("did not raise")',
        meta("squares_invalid_input", grade=True, points=1),
    ),
    markdown("---\n## Part B (1 point)\n\nUsing `squares`, compute the sum of the squares of 1..n."),
    code(
        'def sum_of_squares(n):\n    """Compute the sum of the squares of numbers from 1 to n."""\n'
        "    ### BEGIN SOLUTION\n    return sum(squares(n))\n    ### END SOLUTION",
        meta("sum_of_squares", solution=True),
    ),
    code(
        "assert sum_of_squares(1) == 1\nassert sum_of_squares(10) == 385\nassert sum_of_squares(11) == 506",
        meta("correct_sum_of_squares", grade=True, points=0.5),
    ),
    code(
        "orig_squares = squares\ndel squares\ntry:\n    sum_of_squares(1)\nexcept NameError:\n    pass\nelse:\n"
        '    raise AssertionError("sum_of_squares does not use squares")\nfinally:\n    squares = orig_squares',
        meta("sum_of_squares_uses_squares", grade=True, points=0.5),
    ),
    markdown("---\n## Part C (1 point)\n\nWrite the equation your `sum_of_squares` implements."),
    markdown(
        "$\\sum_{i=1}^n i^2$ adds the squares", meta("sum_of_squares_equation", grade=True, solution=True, points=1)
    ),
    markdown("---\n## Part D (2 points)\n\nFind a use case for `sum_of_squares` and implement it below."),
    code(
        'def pyramidal_number(n):\n    """Returns the n^th pyramidal number"""\n'
        "    return sum_of_squares(n) + 0  # the reference use case",
        meta("sum_of_squares_application", grade=True, solution=True, points=2),
    ),
    markdown(
        "---\n## Part E (4 points)\n\nState the formulae for an arithmetic and a geometric sum and verify them.",
        meta("cell-938593c4a215c6cc", locked=True, points=4, task=True),
    ),
)

PROBLEM2 = notebook(
    markdown("Consider `f(x) = x if x in (0, 1) else f(x - 1) + f(x - 2)`.\n\n## Part A (1 point)\n\nWhat does it do?"),
    markdown(
        "It computes Fibonacci numbers by recursion, with base cases 0 and 1.",
        meta("part-a", grade=True, solution=True, points=1),
    ),
    markdown("## Part B (2 points)\n\nFor what inputs does it misbehave?"),
    markdown(
        "It runs into an infinite recursion for negative inputs.", meta("part-b", grade=True, solution=True, points=2)
    ),
)

CONFIG = """c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "course101"
c.IncludeHeaderFooter.header = "source/header.ipynb"
c.ExecutePreprocessor.timeout = 3
"""


def write_nbgrader_course(folder: Path) -> Path:
    (folder / "source" / "ps1").mkdir(parents=True)
    (folder / "nbgrader_config.py").write_text(CONFIG)
    (folder / "source" / "header.ipynb").write_text(HEADER)
    (folder / "source" / "ps1" / "problem1.ipynb").write_text(PROBLEM1)
    (folder / "source" / "ps1" / "problem2.ipynb").write_text(PROBLEM2)
    (folder / "source" / "ps1" / "jupyter.png").write_bytes(PNG)
    return folder


def write_gradebook(folder: Path, due: str) -> None:
    """A gradebook.db with nbgrader's `assignment` table (name, duedate as naive UTC), as nbgrader keeps it."""
    import sqlite3

    db = sqlite3.connect(folder / "gradebook.db")
    db.execute("CREATE TABLE assignment (id VARCHAR(32) PRIMARY KEY, name VARCHAR(128) UNIQUE, duedate DATETIME)")
    db.execute("INSERT INTO assignment VALUES ('a1', 'ps1', ?)", (due,))
    db.commit()
    db.close()
