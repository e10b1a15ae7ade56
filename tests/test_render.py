"""tasks/render.py: built notebooks to deterministic .ipynb JSON and percent-format .py text."""
from __future__ import annotations

import json

import jupytext
import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from tasks.render import render, render_ipynb, render_py

NBGRADER = {"grade": False, "grade_id": "impl", "locked": False, "schema_version": 3, "solution": True}


def sample():
    nb = new_notebook(cells=[
        new_markdown_cell("# Title\nProse.", metadata={"cell_marker": '"""', "custom": 1}),
        new_code_cell("x = 1", metadata={"nbgrader": NBGRADER, "lines_to_next_cell": 2, "tags": ["keep"],
                                         "editable": False, "collapsed": True}),
        new_code_cell("y = 2"),
    ])
    nb.metadata = {"jupytext": {"formats": "py:percent"}, "author": "someone"}
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index:03d}"
    return nb


# --- .ipynb -------------------------------------------------------------------------------------------------

def test_ipynb_is_valid_nbformat_4_5():
    text = render_ipynb(sample(), "python3")
    nb = nbformat.reads(text, as_version=4)
    nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)


def test_ipynb_has_fixed_notebook_metadata_with_the_kernel():
    data = json.loads(render_ipynb(sample(), "tinytorch-kernel"))
    assert data["metadata"] == {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "tinytorch-kernel"},
        "language_info": {"name": "python"},
    }


def test_ipynb_keeps_only_the_cell_metadata_jupyter_uses():
    cells = json.loads(render_ipynb(sample(), "python3"))["cells"]
    assert cells[0]["metadata"] == {}
    assert cells[1]["metadata"] == {"editable": False, "nbgrader": NBGRADER, "tags": ["keep"]}
    assert [c["id"] for c in cells] == ["cell-000", "cell-001", "cell-002"]


def test_ipynb_text_is_sorted_indented_and_ends_with_a_newline():
    text = render_ipynb(sample(), "python3")
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def test_ipynb_is_deterministic_and_leaves_the_input_alone():
    nb = sample()
    before = json.dumps(nb, sort_keys=True)
    assert render_ipynb(nb, "python3") == render_ipynb(sample(), "python3")
    assert json.dumps(nb, sort_keys=True) == before


def test_ipynb_keeps_non_ascii_text():
    nb = new_notebook(cells=[new_markdown_cell("caf\u00e9 \u2014 ok")])
    nb.cells[0]["id"] = "cell-000"
    assert "caf\u00e9 \u2014 ok" in render_ipynb(nb, "python3")


# --- .py ------------------------------------------------------------------------------------------------------------

def test_py_has_no_header_and_nbgrader_on_the_cell_line():
    text = render_py(sample())
    assert text == (
        '# %% [markdown]\n'
        '"""\n'
        '# Title\n'
        'Prose.\n'
        '"""\n'
        '\n'
        '# %% nbgrader={"grade": false, "grade_id": "impl", "locked": false, "schema_version": 3, "solution": true}\n'
        'x = 1\n'
        '\n'
        '\n'  # the cell asked jupytext for two blank lines (lines_to_next_cell); the key itself is not written
        '# %%\n'
        'y = 2\n'
    )


def test_py_markdown_without_a_cell_marker_is_commented():
    nb = new_notebook(cells=[new_markdown_cell("## Heading\ntext")])
    assert render_py(nb) == "# %% [markdown]\n# ## Heading\n# text\n"


def test_py_reads_back_to_the_same_cells():
    nb = sample()
    back = jupytext.reads(render_py(nb), fmt="py:percent")
    assert [(c.cell_type, c.source) for c in back.cells] == [(c.cell_type, c.source) for c in nb.cells]
    assert back.cells[1].metadata["nbgrader"] == NBGRADER


def test_py_leaves_the_input_alone():
    nb = sample()
    render_py(nb)
    assert nb.metadata == {"jupytext": {"formats": "py:percent"}, "author": "someone"}


def test_render_dispatches_on_format():
    nb = sample()
    assert render(nb, "notebook", "python3") == render_ipynb(nb, "python3")
    assert render(nb, "python", "python3") == render_py(nb)
