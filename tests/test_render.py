"""tasks/render.py: built notebooks to deterministic .ipynb JSON and percent-format .py text."""

from __future__ import annotations

import copy
import json

import jupytext
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from tasks.notebook.render import IPYNB_CELL_KEYS, render, render_ipynb, render_py

NBGRADER = {"grade": False, "grade_id": "impl", "locked": False, "schema_version": 3, "solution": True}


def sample():
    nb = new_notebook(
        cells=[
            new_markdown_cell("# Title\nProse.", metadata={"cell_marker": '"""', "custom": 1}),
            new_code_cell(
                "x = 1",
                metadata={
                    "nbgrader": NBGRADER,
                    "lines_to_next_cell": 2,
                    "tags": ["keep"],
                    "editable": False,
                    "collapsed": True,
                },
            ),
            new_code_cell("y = 2"),
        ]
    )
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
        "# %% [markdown]\n"
        '"""\n'
        "# Title\n"
        "Prose.\n"
        '"""\n'
        "\n"
        '# %% nbgrader={"grade": false, "grade_id": "impl", "locked": false, "schema_version": 3, "solution": true}\n'
        "x = 1\n"
        "\n"
        "\n"  # the cell asked jupytext for two blank lines (lines_to_next_cell); the key itself is not written
        "# %%\n"
        "y = 2\n"
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


# --- .ipynb without nbformat: the same bytes nbformat writes ------------------------------------------------


def with_outputs():
    nb = sample()
    code = nb.cells[1]
    code.execution_count = 3
    code.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="line 1\nline 2\n"),
        nbformat.v4.new_output(
            "execute_result",
            execution_count=3,
            data={
                "text/plain": "array([1,\n 2])",
                "text/html": "<b>x</b>\n<i>y</i>",
                "image/png": "iVBORw0KGgo=\n",
                "application/json": {"a": [1, 2]},
                "image/svg+xml": "<svg>\n</svg>",
                "application/javascript": "a;\nb;",
            },
        ),
        nbformat.v4.new_output("display_data", data={"text/plain": "shown"}, metadata={"isolated": True}),
        nbformat.v4.new_output("error", ename="ValueError", evalue="bad", traceback=["Traceback", "line\nbreak"]),
    ]
    nb.cells[0]["attachments"] = {"a.png": {"image/png": "iVBOR\nw0=", "text/plain": "an\nimage"}}
    nb.cells.append(nbformat.v4.new_markdown_cell("caf\u00e9 \u2014 \U0001f600 and a tab\there\r\nCRLF"))
    nb.cells[-1]["id"] = "cell-003"
    return nb


def nbformat_text(nb, kernel):
    out = copy.deepcopy(nb)
    out.nbformat, out.nbformat_minor = 4, 5
    out.metadata = nbformat.from_dict(
        {
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": kernel},
            "language_info": {"name": "python"},
        }
    )
    for cell in out.cells:
        cell.metadata = nbformat.from_dict({k: v for k, v in cell.metadata.items() if k in IPYNB_CELL_KEYS})
    return nbformat.writes(out, version=4) + "\n"


@pytest.mark.parametrize("make", [sample, with_outputs])
def test_ipynb_is_what_nbformat_writes_byte_for_byte(make):
    assert render_ipynb(make(), "python3") == nbformat_text(make(), "python3")


def test_ipynb_with_outputs_is_valid_and_leaves_the_input_alone():
    nb = with_outputs()
    before = copy.deepcopy(nb)
    nbformat.validate(nbformat.reads(render_ipynb(nb, "python3"), as_version=4))
    assert nb == before


def test_ipynb_of_plain_dict_notebooks_equals_nbformat_notebooks():
    plain = json.loads(json.dumps(with_outputs()))
    assert render_ipynb(plain, "python3") == render_ipynb(with_outputs(), "python3")
