"""A mini course with a module of several notebooks (`notebooks:`) and a course-wide header notebook."""

from __future__ import annotations

from pathlib import Path

from conftest import MINI_SOURCE, write_mini_course

HEADER = '''\
# %% [markdown]
"""
# Header of the course
Write your name below.
"""

# %%
NAME = ""
'''

PROBLEM = '''\
# %% [markdown]
"""
# {name}
"""

# %% nbgrader={"grade": false, "grade_id": "{name}-answer", "locked": false, "schema_version": 3, "solution": true}
def {name}_value():
    ### BEGIN SOLUTION
    return {points}  # {name} secret solution
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "{name}-test", "locked": true, "points": {points}, "schema_version": 3, "solution": false}
assert {name}_value() == {points}
'''


def write_multinb_course(root: Path, extra_yaml: str = "") -> Path:
    """`alpha` (one notebook, week 1) and `ps1` (problem1 and problem2 in modules/02_ps1, week 1), framed by
    header.py (course-wide)."""
    write_mini_course(root, names=("alpha",), extra_yaml="header: header.py\n" + extra_yaml)
    (root / "header.py").write_text(HEADER)
    folder = root / "modules" / "02_ps1"
    folder.mkdir(parents=True)
    for name, points in (("problem1", 1), ("problem2", 2)):
        (folder / f"{name}.py").write_text(PROBLEM.replace("{name}", name).replace("{points}", str(points)))
    (folder / "data.csv").write_text("x\n1\n")
    with open(root / "course.yaml", "a") as out:
        out.write(
            "  - name: ps1\n    folder: modules/02_ps1\n    notebooks: [problem1.py, problem2.py]\n"
            "    data: ['*.csv']\n    release: 1\n    solutions: 2\n"
        )
    return root


__all__ = ["write_multinb_course", "MINI_SOURCE"]
