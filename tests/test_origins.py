"""tasks/variants/origins.py: every line of a built cell maps back to the source line it came from."""

from __future__ import annotations

import pytest

from tasks.notebook.source import cell_index, reads_source
from tasks.variants.origins import Line, lines_of, origin_line, set_lines
from tasks.variants.pipeline import build_variant
from tasks.variants.stubs import RUN_ALL_ID

SOURCE = '''\
# %% [markdown]
"""
# X
"""

# %% nbgrader={"grade": false, "grade_id": "add", "locked": false, "schema_version": 3, "solution": true}
#| export
def add(a, b):
    """TODO: add."""
    ### BEGIN SOLUTION
    total = a + b
    return total
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-add", "locked": true, "points": 1, "schema_version": 3, "solution": false}
def test_unit_add():
    assert add(1, 2) == 3
    ### BEGIN HIDDEN TESTS
    assert add(2, 2) == 4
    ### END HIDDEN TESTS
    print("add ok")

test_unit_add()
'''


def file_line(text: str) -> int:
    return SOURCE.split("\n").index(text) + 1


@pytest.mark.parametrize("version", ["student", "solution", "public_solution"])
def test_each_built_line_maps_to_the_source_line_it_came_from(version):
    source = reads_source(SOURCE, "modules/01_x/x.py", "py")
    nb = build_variant(source.nb, version, "01_x")
    for cell in nb.cells:
        if cell.cell_type != "code" or cell.id == RUN_ALL_ID:  # the Run All cell is the build's own
            continue
        for number, text in enumerate(cell.source.split("\n")):
            _, line, _ = source.location(cell_index(cell), origin_line(cell, number))
            if "NotImplementedError" in text:  # a stub stands where its region began
                assert line == file_line("    ### BEGIN SOLUTION")
            else:
                assert SOURCE.split("\n")[line - 1] == text, (version, text)


def test_a_new_line_takes_the_place_after_the_line_above_it():
    cell = reads_source(SOURCE, "x.py", "py").nb.cells[1]
    lines = lines_of(cell)
    lines[3:6] = ["    raise NotImplementedError()"]
    set_lines(cell, lines)
    assert [origin_line(cell, i) for i in range(5)] == [0, 1, 2, 3, 6]


def test_unchanged_cells_map_line_for_line_and_store_nothing():
    cell = reads_source(SOURCE, "x.py", "py").nb.cells[2]
    set_lines(cell, lines_of(cell))
    assert "coursebuild" not in cell.metadata
    assert origin_line(cell, 4) == 4
    assert isinstance(lines_of(cell)[0], Line)


def test_the_map_is_never_rendered_into_an_artifact():
    from tasks.notebook.render import render_ipynb

    nb = build_variant(reads_source(SOURCE, "x.py", "py").nb, "student", "01_x")
    assert "coursebuild" in nb.cells[2].metadata  # the stubbed cell (cell 1 is the Run All cell)
    assert "coursebuild" not in render_ipynb(nb, "python3")
