"""tasks/nbnode.py: notebooks as dicts with attribute access, copied fast and deeply."""

from __future__ import annotations

import copy

import nbformat
import pytest

from tasks.notebook.nbnode import Node, clone, new_cell, new_notebook


def test_keys_are_attributes_both_ways():
    cell = Node(source="x = 1")
    assert cell.source == "x = 1"
    cell.metadata = {}
    assert cell["metadata"] == {}
    del cell.metadata
    assert "metadata" not in cell
    with pytest.raises(AttributeError):
        cell.missing
    with pytest.raises(AttributeError):
        del cell.missing


def test_clone_is_deep_and_makes_nodes():
    original = {"cells": [{"source": "a", "metadata": {"tags": ["t"]}}], "n": 4}
    copied = clone(original)
    copied.cells[0].metadata.tags.append("u")
    copied.cells[0].source = "b"
    assert original == {"cells": [{"source": "a", "metadata": {"tags": ["t"]}}], "n": 4}
    assert isinstance(copied.cells[0].metadata, Node)


def test_deepcopy_uses_clone():
    nb = new_notebook([new_cell("code", "x", {"nbgrader": {"grade": False}})])
    copied = copy.deepcopy(nb)
    copied.cells[0].metadata.nbgrader["grade"] = True
    assert nb.cells[0].metadata.nbgrader == {"grade": False}


def test_new_cells_have_the_shape_nbformat_gives_them():
    cells = [new_cell("code", "x = 1", {}), new_cell("markdown", "# T", {"cell_marker": '"""'})]
    for index, cell in enumerate(cells):
        cell.id = f"cell-{index:03d}"
    nb = new_notebook(cells)
    reference = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_markdown_cell("# T")]
    )
    assert set(nb) == set(reference) and (nb.nbformat, nb.nbformat_minor) == (
        reference.nbformat,
        reference.nbformat_minor,
    )
    assert [set(c) for c in nb.cells] == [set(c) for c in reference.cells]
    nbformat.validate(nbformat.from_dict(nb))


def test_metadata_is_copied_not_shared():
    metadata = {"nbgrader": {"grade_id": "a"}}
    cell = new_cell("code", "", metadata)
    cell.metadata.nbgrader["grade_id"] = "b"
    assert metadata == {"nbgrader": {"grade_id": "a"}}
