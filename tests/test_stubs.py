"""tasks/variants/stubs.py: stubs recorded as data by the transform, and failures told apart with them."""

from __future__ import annotations

from tasks.notebook.source import reads_source
from tasks.variants.pipeline import build_variant
from tasks.variants.stubs import Stub, stub_failure, stubs

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
        ("Ops.add", 0, 3),
        ("Ops.neg", 0, 6),
        ("The code in cell 'setup'", 1, 0),
    ]
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


def test_solution_versions_have_no_stubs():
    assert stubs(build_variant(reads_source(SOURCE, "x.py", "py").nb, "solution", "01_x")) == []
    assert isinstance(stubs(student())[0], Stub)
