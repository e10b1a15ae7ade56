"""tasks/variants/stubs.py: stubs recorded as data by the transform, and failures told apart with them."""

from __future__ import annotations

from tasks.notebook.source import reads_source
from tasks.variants.pipeline import build_variant
from tasks.variants.stubs import RUN_ALL_ID, Stub, run_all_source, stub_failure, stub_matching, stubs

SOURCE = '''\
# %% nbgrader={"grade": false, "grade_id": "ops", "locked": false, "schema_version": 3, "solution": true}
class Ops:
    def add(self, a, b):
        """TODO: add."""
        ### BEGIN SOLUTION
        return a + b
        ### END SOLUTION

    def neg(self, a):
        ### BEGIN SOLUTION
        return -a
        ### END SOLUTION

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
scale = 2
### END SOLUTION
'''


def student():
    return build_variant(reads_source(SOURCE, "x.py", "py").nb, "student", "01_x")


def test_each_stub_is_recorded_with_what_its_message_and_its_line():
    nb = student()
    found = stubs(nb)
    assert [(s.what, s.cell, s.line) for s in found] == [
        ("Ops.add", 1, 3),
        ("Ops.neg", 1, 6),
        ("The code in cell 'setup'", 2, 0),
    ]  # cell 0 is the Run All cell the student version opens with
    assert nb.cells[0].id == RUN_ALL_ID
    for stub in found:
        assert (
            nb.cells[stub.cell].source.split("\n")[stub.line].strip()
            == f"raise NotImplementedError({__import__('json').dumps(stub.message)})"
        )


def test_a_failure_at_a_stub_is_told_from_any_other():
    nb = student()
    add = stubs(nb)[0]
    assert stub_failure(nb, "NotImplementedError", add.message) == add
    assert stub_failure(nb, "NameError", "name 'scale' is not defined") is None
    assert stub_failure(nb, "NotImplementedError", "something else is not implemented yet") is None
    assert stub_failure(nb, "AssertionError", add.message) is None


def test_stubs_kept_without_their_notebook_tell_failures_apart_the_same_way():
    known = tuple(stubs(student()))  # what a grading bundle carries
    assert stub_matching(known, "NotImplementedError", known[2].message) == known[2]
    assert stub_matching(known, "NotImplementedError", "Ops.add (module 01_x) is not implemented yet") is None
    assert stub_matching((), "NotImplementedError", known[0].message) is None


def test_solution_versions_have_no_stubs():
    assert stubs(build_variant(reads_source(SOURCE, "x.py", "py").nb, "solution", "01_x")) == []
    assert isinstance(stubs(student())[0], Stub)


def test_the_run_all_cell_hands_each_stub_with_its_scope_as_data():
    import ast

    nb = student()
    cell = nb.cells[0].source
    call = next(
        n for n in ast.walk(ast.parse(cell)) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "exercises"
    )
    handed = [ast.literal_eval(arg) for arg in call.args]
    assert handed == [(s.what, scope, s.message) for s, scope in zip(stubs(nb), ("Ops.add", "Ops.neg", ""))]
    assert run_all_source(nb) == cell
