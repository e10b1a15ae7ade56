"""tito/runall.py (shipped to students): Jupyter's "Run All" goes on past the stubs of a fresh student notebook.

A built student notebook, in a student repository's layout (tito/ as the release ships it), run in a real
kernel the way Jupyter's Run All runs it: nbclient stopping at the first error (allow_errors=False), the
kernel importing the repository as the editable install does, and WITHOUT the TITO_STRICT the counting tools
set. The counting tools themselves (check_student, `tito module complete`, grading) are held in their own
tests: test_task_execute, test_student_tito, test_grade_run and test_cli_grade.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tasks.notebook.render import render_ipynb
from tasks.notebook.source import reads_source
from tasks.release.course_files import tito_package
from tasks.variants.pipeline import build_variant
from tasks.variants.stubs import RUN_ALL_ID, stubs

SOURCE = '''\
# %% [markdown]
"""
# Vec
"""

# %% nbgrader={"grade": false, "grade_id": "vec-imports", "locked": false, "schema_version": 3, "solution": false}
#| default_exp core.vec
#| export
import numpy as np

# %% nbgrader={"grade": false, "grade_id": "vec-impl", "locked": false, "schema_version": 3, "solution": true}
#| export
class Vec:
    def __init__(self, data):
        self.data = np.asarray(data)

    def __add__(self, other):
        """TODO: add element-wise."""
        ### BEGIN SOLUTION
        return Vec(self.data + other.data)
        ### END SOLUTION

    def norm(self):
        """TODO: the Euclidean norm."""
        ### BEGIN SOLUTION
        return float(np.sqrt((self.data ** 2).sum()))
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-add", "locked": true, "points": 1, "schema_version": 3, "solution": false}
def test_unit_add():
    assert (Vec([1, 2]) + Vec([3, 4])).data.tolist() == [4, 6]

test_unit_add()

# %% nbgrader={"grade": true, "grade_id": "test-norm", "locked": true, "points": 1, "schema_version": 3, "solution": false}
def test_unit_norm():
    assert Vec([3, 4]).norm() == 5.0

test_unit_norm()

# %%
Vec([1, 2]).data.sum()
'''


@pytest.fixture
def repo(tmp_path) -> tuple[Path, dict]:
    """A student repository holding the shipped tito/ and the built student notebook of module 01_vec."""
    root = tmp_path / "student-repo"
    for name, data in tito_package().items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    nb = build_variant(reads_source(SOURCE, "vec.py", "py").nb, "student", "01_vec")
    (root / "modules/01_vec").mkdir(parents=True)
    (root / "modules/01_vec/vec.ipynb").write_text(render_ipynb(nb, "python3"))
    return root, {stub.what: stub for stub in stubs(nb)}


def run_all(root: Path, strict: bool = False, change=None):
    """Jupyter's Run All: every cell in order, stopping at the first error. Returns (notebook, error or None)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(root / "modules/01_vec/vec.ipynb", as_version=4)
    if change:
        change(nb)
    env = {k: v for k, v in os.environ.items() if k not in ("TITO_STRICT", "PYTHONPATH")}
    env["PYTHONPATH"] = str(root)  # what the editable install of the student repository provides
    if strict:
        env["TITO_STRICT"] = "1"
    client = NotebookClient(
        nb, kernel_name="python3", allow_errors=False, resources={"metadata": {"path": str(root / "modules/01_vec")}}
    )
    try:
        client.execute(env=env)
    except CellExecutionError as error:
        return nb, error
    return nb, None


def outputs(nb) -> list[list[dict]]:
    return [[dict(o) for o in c.outputs] for c in nb.cells if c.cell_type == "code"]


def printed(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def test_run_all_on_a_fresh_student_notebook_runs_to_the_end(repo):
    root, found = repo
    nb, error = run_all(root)
    assert error is None
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].id == RUN_ALL_ID and [c.execution_count for c in code] == [1, 2, 3, 4, 5, 6]
    assert not any(o.output_type == "error" for c in code for o in c.outputs)
    for cell, what in ((code[3], "Vec.__add__"), (code[4], "Vec.norm")):
        assert printed(cell) == (
            f"not implemented yet: {what} (its stub: In[3], line {found[what].line + 1}); "
            "this cell stopped there and does not pass\n"
        )
    assert code[5].outputs[0]["data"]["text/plain"] == "np.int64(3)"  # a cell's last value is still shown


def test_any_other_error_still_stops_run_all_with_its_traceback(repo):
    root, _ = repo

    def wrong_add(nb):  # the student wrote __add__, wrongly
        impl = next(c for c in nb.cells if "def __add__" in c.source)
        lines = impl.source.split("\n")
        at = next(i for i, line in enumerate(lines) if "raise NotImplementedError" in line and "__add__" in line)
        lines[at] = "        return Vec(self.data - other.data)"
        impl.source = "\n".join(lines)

    nb, error = run_all(root, change=wrong_add)
    assert error is not None and error.ename == "AssertionError"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[3].outputs[-1].output_type == "error" and "test_unit_add()" in "".join(code[3].outputs[-1].traceback)
    assert [c.execution_count for c in code[4:]] == [None, None]  # Run All stopped there


def test_a_students_own_not_implemented_error_is_not_softened(repo):
    root, _ = repo
    nb, error = run_all(
        root, change=lambda nb: nb.cells.append(nbformat.v4.new_code_cell("raise NotImplementedError('mine')"))
    )
    assert error is not None and (error.ename, error.evalue) == ("NotImplementedError", "mine")


@pytest.mark.parametrize("where", ["own-function", "own-cell", "tinytorch"])
def test_a_not_implemented_error_carrying_a_stubs_very_message_elsewhere_is_not_softened(repo, where):
    """Only the course's stub softens: the same message raised from the student's own function, their own
    cell, or an earlier module's export in tinytorch/ stops Run All with its traceback."""
    root, found = repo
    message = found["Vec.norm"].message
    line = f"raise NotImplementedError({json.dumps(message)})"
    code = {
        "own-function": f"def my_helper():\n    {line}\n\nmy_helper()",
        "own-cell": line,
        "tinytorch": "from tinytorch.core.old import old\nold()",
    }[where]
    (root / "tinytorch/core").mkdir(parents=True, exist_ok=True)
    (root / "tinytorch/core/old.py").write_text(f"def old():\n    {line}\n")
    nb, error = run_all(root, change=lambda nb: nb.cells.insert(3, nbformat.v4.new_code_cell(code)))
    assert error is not None and (error.ename, error.evalue) == ("NotImplementedError", message)


MAGICS = {
    "timeit": "%timeit -n 40 -r 3 Vec([1, 2]).data.sum()",
    "timeit-cell": "%%timeit -n 5 -r 2\nv = Vec([1, 2])\nv.data.sum()",
    "time-cell": "%%time\nv = Vec([3, 4])\nv.data.sum()",
    "time-line": "%time Vec([3, 4]).data.sum()",
    "run": "%run helper.py\nHELPED",
    "run-i": "%run -i helper.py\nHELPED * 2",
    "capture": "%%capture seen\nprint('inside')\nVec([1]).data.sum()",
    "captured": "seen.stdout",
}


def test_magics_give_the_same_outputs_with_the_run_all_helper_as_without(repo):
    """%timeit, %%time, %run ... compile their own code through IPython's AST transformers: the helper wraps
    only the cell, so each magic shows what it shows without it (the same outputs; a timed statement is never
    displayed once per loop)."""
    root, _ = repo
    (root / "modules/01_vec/helper.py").write_text("print('helper ran')\nHELPED = 21\n")

    def implemented_and_magics(nb):
        impl = next(c for c in nb.cells if "def __add__" in c.source)
        lines = [line for line in impl.source.split("\n") if "raise NotImplementedError" not in line]
        at = [i for i, line in enumerate(lines) if line.strip().startswith('"""TODO')]
        lines.insert(at[1] + 1, "        return float(np.sqrt((self.data ** 2).sum()))")
        lines.insert(at[0] + 1, "        return Vec(self.data + other.data)")
        impl.source = "\n".join(lines)
        nb.cells += [nbformat.v4.new_code_cell(code) for code in MAGICS.values()]

    shapes = {}
    for strict in (False, True):  # with the helper, and as without it (TITO_STRICT: importing it does nothing)
        nb, error = run_all(root, strict=strict, change=implemented_and_magics)
        assert error is None, error
        cells = [c for c in nb.cells if c.cell_type == "code"][-len(MAGICS) :]
        shapes[strict] = {
            name: [(o.output_type, o.get("name"), sorted(o.get("data", {}))) for o in cell.outputs]
            for name, cell in zip(MAGICS, cells)
        }
        if not strict:
            assert len(cells[0].outputs) == 1 and "per loop" in cells[0].outputs[0].text
            assert cells[4].outputs[-1]["data"]["text/plain"] == "21" and "helper ran" in printed(cells[4])
            assert cells[7].outputs[-1]["data"]["text/plain"] == "'inside\\n'"
    assert shapes[False] == shapes[True]


def test_with_tito_strict_a_stub_stops_run_all_as_before(repo):
    """The switch every counting tool sets: the same notebook stops at the first test reaching a stub."""
    root, found = repo
    nb, error = run_all(root, strict=True)
    assert error is not None and (error.ename, error.evalue) == ("NotImplementedError", found["Vec.__add__"].message)
    assert [c.execution_count for c in nb.cells if c.cell_type == "code"][4:] == [None, None]


def test_outside_ipython_importing_it_changes_nothing(repo):
    """What grading's plain-Python runner (and `python vec.py`) meets: the import is a no-op."""
    root, _ = repo
    probe = subprocess.run(
        [sys.executable, "-c", "import tito.runall as r, sys; print(r.install(), 'IPython' in sys.modules)"],
        cwd=root,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "TITO_STRICT"},
    )
    assert probe.stdout.split() == ["False", "False"], probe.stderr


def test_the_run_all_cell_reveals_nothing_and_imports_only_the_shipped_hook(repo):
    root, _ = repo
    data = json.loads((root / "modules/01_vec/vec.ipynb").read_text())
    cell = next(c for c in data["cells"] if c.get("id") == RUN_ALL_ID)
    text = "".join(cell["source"])
    assert "import tito.runall" in text and "np.sqrt" not in text and "self.data +" not in text
    assert (root / "tito/runall.py").is_file()
