"""tasks/pipeline.py: step order, the student and solution versions of a source, and the code digest."""

from __future__ import annotations

import copy

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tasks.variants import stubs as s
from tasks.variants import transforms as t
from tasks.variants.markers import marker
from tasks.variants.pipeline import SOLUTION_STEPS, STEPS, STUDENT_STEPS, apply, build_variant, code_digest
from tasks.notebook.source import reads_source

SOURCE = '''\
# %% [markdown]
"""
# Activations
"""

# %% nbgrader={"grade": false, "grade_id": "imports", "locked": false, "schema_version": 3, "solution": false}
#| default_exp core.activations
#| export
import numpy as np

# %% nbgrader={"grade": false, "grade_id": "relu", "locked": false, "schema_version": 3, "solution": true}
#| export
def relu(x):
    """TODO: zero the negatives."""
    ### BEGIN SOLUTION
    return np.maximum(0, x)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-relu", "locked": true, "points": 3, "schema_version": 3, "solution": false}
def test_unit_relu():
    assert relu(-1) == 0
    ### BEGIN HIDDEN TESTS
    assert relu(2) == 2
    ### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "note", "locked": false, "schema_version": 3, "solution": false}
#| hide
print("instructor: relu(3) must be 3")
'''


def source_nb():
    nb = reads_source(SOURCE, "activations.py", "py").nb
    nb.cells[1].outputs = [new_output("stream", name="stdout", text="old output\n")]
    nb.cells[1].execution_count = 4
    return nb


def test_step_order():
    assert STUDENT_STEPS == (
        t.drop_hidden_cells,
        t.drop_hidden_tests,
        s.stub_unmarked_answers,
        s.stub_solutions,
        t.replace_written_answers,
        t.clear_outputs,
        t.normalize_nbgrader,
        t.lock_test_cells,
        s.add_run_all_cell,
    )
    assert SOLUTION_STEPS == (t.strip_hide_directives, t.strip_markers, t.clear_outputs, t.normalize_nbgrader)
    assert STEPS["student"] == STUDENT_STEPS
    assert STEPS["solution"] == SOLUTION_STEPS


def test_build_version_never_changes_its_input():
    nb = source_nb()
    before = copy.deepcopy(nb)
    build_variant(nb, "student", "02_activations")
    build_variant(nb, "solution", "02_activations")
    assert nb == before


def test_student_version():
    student = build_variant(source_nb(), "student", "02_activations")
    # the #| hide cell is gone; the Run All cell comes before the first code cell
    assert [c.id for c in student.cells] == ["cell-000", "tito-run-all", "cell-001", "cell-002", "cell-003"]
    relu = student.cells[3].source
    assert relu.split("\n")[-1] == (
        '    raise NotImplementedError("relu (module 02_activations) is not implemented yet: replace this line with '
        'your code. See the TODO in its docstring.")'
    )
    assert "np.maximum" not in relu
    assert student.cells[4].source == "def test_unit_relu():\n    assert relu(-1) == 0"
    assert "instructor" not in str(student)
    for cell in student.cells:
        if cell.cell_type == "code" and cell.id != "tito-run-all":
            assert cell.outputs == [] and cell.execution_count is None
            assert cell.metadata["nbgrader"]["schema_version"] == 3
            assert not any(marker(line) for line in cell.source.split("\n"))


def test_solution_is_the_source_minus_marker_lines():
    source = source_nb()
    solution = build_variant(source, "solution", "02_activations")
    assert [c.id for c in solution.cells] == [c.id for c in source.cells]
    for original, built in zip(source.cells, solution.cells):
        expected = [line for line in original.source.split("\n") if marker(line) is None and line != "#| hide"]
        assert built.source.split("\n") == expected
        assert built.cell_type == original.cell_type
    assert solution.cells[4].source == 'print("instructor: relu(3) must be 3")'  # kept, directive stripped
    assert solution.cells[1].outputs == [] and solution.cells[1].execution_count is None


def test_public_solution_shows_solutions_but_no_hidden_tests_or_instructor_cells():
    public = build_variant(source_nb(), "public_solution", "02_activations")
    assert [c.id for c in public.cells] == ["cell-000", "cell-001", "cell-002", "cell-003"]
    assert (
        public.cells[2].source
        == '#| export\ndef relu(x):\n    """TODO: zero the negatives."""\n    return np.maximum(0, x)'
    )
    assert public.cells[3].source == "def test_unit_relu():\n    assert relu(-1) == 0"
    assert "instructor" not in str(public)


def test_versions_keep_nbgrader_metadata():
    source = source_nb()
    for version in STEPS:
        built = build_variant(source, version, "02_activations")
        test_cell = next(c for c in built.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test-relu")
        assert test_cell.metadata["nbgrader"] == {
            "grade": True,
            "grade_id": "test-relu",
            "locked": True,
            "points": 3,
            "schema_version": 3,
            "solution": False,
        }


def test_apply_runs_steps_in_order_on_a_copy():
    calls = []

    def first(nb, ctx):
        calls.append(("first", ctx.module))
        nb.cells.append(new_code_cell("a"))
        return nb

    def second(nb, ctx):
        calls.append(("second", len(nb.cells)))
        return nb

    nb = new_notebook()
    result = apply(nb, (first, second), t.StepContext(module="m"))
    assert calls == [("first", "m"), ("second", 1)]
    assert nb.cells == [] and len(result.cells) == 1


# --- code digest ----------------------------------------------------------------------------------------------


def digest_of(text: str) -> str:
    return code_digest(reads_source(text, "a.py", "py").nb)


def test_code_digest_ignores_markdown_edits():
    assert digest_of(SOURCE) == digest_of(SOURCE.replace("# Activations", "# Activation functions, revised"))
    assert digest_of(SOURCE) == digest_of(SOURCE + '\n# %% [markdown]\n"""\nA new markdown cell.\n"""\n')


def test_code_digest_changes_with_code_edits():
    base = digest_of(SOURCE)
    assert base != digest_of(SOURCE.replace("np.maximum(0, x)", "np.maximum(x, 0)"))
    assert base != digest_of(SOURCE + "\n# %%\nx = 1\n")
    assert base != digest_of(
        SOURCE.replace("    ### END HIDDEN TESTS\n", "    assert relu(3) == 3\n    ### END HIDDEN TESTS\n")
    )


def test_code_digest_ignores_outputs_and_sees_cell_boundaries():
    one = new_notebook(cells=[new_code_cell("a = 1\nb = 2"), new_markdown_cell("m")])
    two = new_notebook(cells=[new_code_cell("a = 1"), new_code_cell("b = 2")])
    with_output = copy.deepcopy(one)
    with_output.cells[0].outputs = [new_output("stream", name="stdout", text="x")]
    assert code_digest(one) == code_digest(with_output)
    assert code_digest(one) != code_digest(two)
    assert len(code_digest(one)) == 64


def test_student_and_solution_digests_differ():
    nb = source_nb()
    assert code_digest(build_variant(nb, "student", "m")) != code_digest(build_variant(nb, "solution", "m"))


def test_only_the_student_version_locks_test_cells():
    from nbformat.v4 import new_code_cell, new_notebook

    test = new_code_cell(
        "assert True", metadata={"nbgrader": {"grade": True, "grade_id": "t", "locked": True, "points": 1}}
    )
    nb = new_notebook(cells=[test])
    assert build_variant(nb, "student", "01_x").cells[0].metadata["editable"] is False
    assert build_variant(nb, "student", "01_x").cells[0].metadata["deletable"] is False
    for version in ("solution", "public_solution"):
        assert "editable" not in build_variant(nb, version, "01_x").cells[0].metadata
