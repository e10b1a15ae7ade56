"""A tiny 2-module course and a synthetic class of submissions for the grading tests (tests/test_grade_*.py).

`vec` (answers: add, scale; tests: test-add 2 points with a hidden part, test-scale 3, test-partial 4 by
nbgrader's partial credit, a written answer worth 1) and `stats` (mean; depends on vec's `add` from the
package). Each student of CLASS is a change to the released student notebook and the exact scores it
must get: the gradebook of the whole class is compared with EXPECTED.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

VEC = '''\
# %% [markdown]
# # Vec: adding and scaling vectors

# %% nbgrader={"grade": false, "grade_id": "vec-imports", "locked": false, "schema_version": 3, "solution": false}
#| default_exp core.vec
#| export
import numpy as np

# %% nbgrader={"grade": false, "grade_id": "vec-add", "locked": false, "schema_version": 3, "solution": true}
#| export
def add(a, b):
    """Element-wise sum. TODO: add a and b."""
    ### BEGIN SOLUTION
    return np.asarray(a) + np.asarray(b)
    ### END SOLUTION

# %% nbgrader={"grade": false, "grade_id": "vec-scale", "locked": false, "schema_version": 3, "solution": true}
#| export
def scale(a, k):
    """Multiply a by k. TODO: scale a."""
    ### BEGIN SOLUTION
    return np.asarray(a) * k
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-add", "locked": true, "points": 2, "schema_version": 3, "solution": false}
assert list(add([1, 2], [3, 4])) == [4, 6]
### BEGIN HIDDEN TESTS
assert list(add([5], [-5])) == [0], "VEC_HIDDEN_CHECK"
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test-scale", "locked": true, "points": 3, "schema_version": 3, "solution": false}
assert list(scale([1, 2], 3)) == [3, 6]

# %% nbgrader={"grade": true, "grade_id": "test-partial", "locked": true, "points": 4, "schema_version": 3, "solution": false}
sum(1 for k in (1, 2, 3, 4) if list(scale([1], k)) == [k])

# %% [markdown] nbgrader={"grade": true, "grade_id": "explain", "locked": false, "points": 1, "schema_version": 3, "solution": true}
# Why does `add` use `np.asarray`?
# YOUR ANSWER HERE

# %% nbgrader={"grade": false, "grade_id": "vec-staff", "locked": false, "schema_version": 3, "solution": false}
#| hide
raise RuntimeError("instructor-only cell: never run when grading")
'''

STATS = '''\
# %% [markdown]
# # Stats

# %% nbgrader={"grade": false, "grade_id": "stats-imports", "locked": false, "schema_version": 3, "solution": false}
#| default_exp core.stats
#| export
import numpy as np
from tinytorch.core.vec import add

# %% nbgrader={"grade": false, "grade_id": "stats-mean", "locked": false, "schema_version": 3, "solution": true}
#| export
def mean(a):
    """The mean of a. TODO."""
    ### BEGIN SOLUTION
    return float(np.sum(a)) / len(a)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-mean", "locked": true, "points": 5, "schema_version": 3, "solution": false}
assert mean(add([1, 2, 3], [1, 2, 3])) == 4.0
'''

COURSE_YAML = """\
course: GradeDemo
outputs: [notebook]
grading:
  timeout: {timeout}
  memory: 768
modules:
  - {{name: vec, folder: modules/01_vec, source: vec.py, release: 1, solutions: 2}}
  - {{name: stats, folder: modules/02_stats, source: stats.py, release: 2, solutions: 3, depends_on: [vec]}}
"""


def write_course(root: Path, timeout: int = 3) -> Path:
    (root / "modules/01_vec").mkdir(parents=True)
    (root / "modules/02_stats").mkdir(parents=True)
    (root / "modules/01_vec/vec.py").write_text(VEC)
    (root / "modules/02_stats/stats.py").write_text(STATS)
    (root / "tinytorch").mkdir()
    shutil.copy2(REPO / "tinytorch/__init__.py", root / "tinytorch/__init__.py")
    (root / "course.yaml").write_text(COURSE_YAML.format(timeout=timeout))
    return root


def released(root: Path, module: str) -> dict:
    """The student notebook of `module` as the build releases it (parsed JSON)."""
    from tasks.course.config import load_course
    from tasks.notebook.render import render_ipynb
    from tasks.notebook.source import read_source
    from tasks.variants.pipeline import build_variant

    course = load_course(root)
    m = course.module(module)
    source = read_source(root / m.folder / m.source, m.source)
    return json.loads(render_ipynb(build_variant(source.nb, "student", m.slug), "python3"))


def cell(nb: dict, grade_id: str) -> dict:
    return next(c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)


def answer(nb: dict, grade_id: str, source: str) -> dict:
    cell(nb, grade_id)["source"] = source
    return nb


ADD = "def add(a, b):\n    return np.asarray(a) + np.asarray(b)\n"
SCALE = "def scale(a, k):\n    return np.asarray(a) * k\n"
MEAN = "def mean(a):\n    return float(np.sum(a)) / len(a)\n"


def correct(nb):
    return answer(answer(nb, "vec-add", ADD), "vec-scale", SCALE)


def tamper_test(nb):
    correct(nb)
    answer(nb, "vec-add", "def add(a, b):\n    return np.asarray(a) - np.asarray(b)\n")
    cell(nb, "test-add")["source"] = "assert True  # nothing to see here"
    return nb


def delete(grade_id, then=correct):
    def change(nb):
        then(nb)
        nb["cells"] = [c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") != grade_id]
        return nb

    return change


def duplicate(nb):
    correct(nb)
    copy = json.loads(json.dumps(cell(nb, "vec-add")))
    copy["source"] = "def add(a, b):\n    return 0\n"
    copy["id"] = "dup-1"
    nb["cells"].append(copy)
    return nb


def reorder(nb):
    correct(nb)
    answers = [
        c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("solution") and c["cell_type"] == "code"
    ]
    nb["cells"] = [c for c in nb["cells"] if c not in answers] + answers[::-1]
    return nb


def retype(nb):
    correct(nb)
    cell(nb, "vec-scale")["cell_type"] = "markdown"
    cell(nb, "vec-scale").pop("outputs", None)
    cell(nb, "vec-scale").pop("execution_count", None)
    return nb


def added(nb):
    correct(nb)
    nb["cells"].append(
        {
            "cell_type": "code",
            "id": "mine",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": "add = lambda a, b: 'sabotage'\n",
        }
    )
    return nb


def src(text):
    return lambda nb: answer(correct(nb), "vec-add", text)


def scale_src(text):
    return lambda nb: answer(correct(nb), "vec-scale", text)


def raw(text):
    return lambda nb: text


def empty(nb):
    nb["cells"] = []
    return nb


def nbformat3(nb):
    return {"nbformat": 3, "nbformat_minor": 0, "worksheets": [{"cells": []}], "metadata": {}}


# student -> (change to the released notebook, or raw text of the file; expected points per graded cell of vec)
# graded cells of vec: test-add (2), test-scale (3), test-partial (4), explain (1, by hand)
CLASS = {
    "s01-correct": (correct, [2, 3, 4, 0]),
    "s02-correct": (correct, [2, 3, 4, 0]),
    "s03-correct": (correct, [2, 3, 4, 0]),
    "s04-stubs": (lambda nb: nb, [0, 0, 0, 0]),
    "s05-stubs": (lambda nb: nb, [0, 0, 0, 0]),
    "s06-partial": (scale_src("def scale(a, k):\n    return np.asarray(a) * min(k, 2)\n"), [2, 0, 2, 0]),
    "s07-wrong-add": (src("def add(a, b):\n    return np.asarray(a) - np.asarray(b)\n"), [0, 3, 4, 0]),
    "s08-tampered-test": (tamper_test, [0, 3, 4, 0]),
    "s09-deleted-test": (delete("test-scale"), [2, 3, 4, 0]),
    "s10-deleted-answer": (delete("vec-add"), [0, 3, 4, 0]),
    "s11-duplicated": (duplicate, [2, 3, 4, 0]),
    "s12-reordered": (reorder, [2, 3, 4, 0]),
    "s13-retyped": (retype, [2, 3, 4, 0]),
    "s14-added-cell": (added, [2, 3, 4, 0]),
    "s15-infinite-loop": (src("def add(a, b):\n    while True:\n        pass\n"), [0, 3, 4, 0]),
    "s16-crash": (src("import ctypes\nctypes.string_at(0)\n"), [0, 3, 4, 0]),
    "s17-syntax-error": (src("def add(a, b)\n    return a + b\n"), [0, 3, 4, 0]),
    "s18-broken-json": (raw('{"cells": [ {"cell_type": "code", '), [0, 0, 0, 0]),
    "s19-sys-exit": (src(ADD + "import sys\nsys.exit(1)\n"), [2, 3, 4, 0]),
    "s20-huge-output": (src(ADD + "for _ in range(200000):\n    print('x' * 100)\n"), [2, 3, 4, 0]),
    "s21-memory-hog": (scale_src("hog = np.ones(2 * 1024 ** 3)\n" + SCALE), [2, 0, 0, 0]),
    "s22-empty": (empty, [0, 0, 0, 0]),
    "s23-nbformat3": (nbformat3, [0, 0, 0, 0]),
    "s24-os-exit": (src(ADD + "import os\nos._exit(3)\n"), [0, 3, 4, 0]),
}
EXPECTED_OUTCOMES = {
    "s04-stubs": ["not_attempted", "not_attempted", "not_attempted", "hand"],
    "s10-deleted-answer": ["not_attempted", "passed", "passed", "hand"],  # its stub, as released
    "s11-duplicated": ["passed", "passed", "passed", "hand"],  # the first copy, as its note says
    "s15-infinite-loop": ["error", "passed", "passed", "hand"],
    "s18-broken-json": ["error", "error", "error", "error"],
}


def submission_text(root: Path, student: str, module: str = "vec") -> str:
    change, _ = CLASS[student]
    result = change(released(root, module))
    return result if isinstance(result, str) else json.dumps(result, indent=1)


def write_class(root: Path, students=None, module: str = "vec") -> dict[str, list[float]]:
    """Write each student's submission under submissions/; return the expected points per student."""
    expected = {}
    for student in students or CLASS:
        path = root / "submissions" / student / module / f"{module}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(submission_text(root, student, module))
        expected[student] = CLASS[student][1]
    return expected
