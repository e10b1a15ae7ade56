"""An nbgrader course built as nbgrader would: a module of written answers and a markerless answer cell, without
`#| default_exp`, with unlocked tests, builds, validates and passes check_student (real doit, real kernels)."""

from __future__ import annotations

from conftest import run_doit, write_mini_course

ESSAY = """\
# %% [markdown]
# Explain recursion.

# %% [markdown] nbgrader={"grade": true, "grade_id": "why", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# It calls itself on a smaller input until a base case stops it.

# %% nbgrader={"grade": false, "grade_id": "play", "locked": false, "schema_version": 3, "solution": true}
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)

# %% nbgrader={"grade": true, "grade_id": "test-fib", "locked": false, "points": 1, "schema_version": 3, "solution": false}
assert fib(10) == 55
"""


def test_a_module_without_package_code_builds_validates_and_checks(tmp_path):
    root = write_mini_course(tmp_path / "mini", names=("alpha",))
    (root / "modules/02_essay").mkdir(parents=True)
    (root / "modules/02_essay/essay.py").write_text(ESSAY)
    with open(root / "course.yaml", "a") as course:
        course.write("  - {name: essay, folder: modules/02_essay, source: essay.py, release: 2, solutions: 3}\n")
    done = run_doit(root, "-n", "2", "lint", "student", "export", "validate", "check_student")
    assert done.returncode == 0, done.output
    assert "check_student:essay: 1 function(s) for students to implement: The code in cell 'play'" in done.output
    assert "2 cell(s) stop at a stub, every other cell runs" in done.output
    assert "without fib, which later cells use" in done.output and "unmarked_answers: keep" in done.output
    student = (root / "build/student/02_essay/essay.py").read_text()
    assert "fib(n - 1)" not in student and "base case" not in student and "YOUR ANSWER HERE" in student
    assert not list((root / "tinytorch").rglob("essay*"))  # nothing exported
