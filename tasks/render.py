"""Built notebooks to text: deterministic .ipynb JSON and percent-format .py. Pure: notebook in, text out."""
from __future__ import annotations

import copy

IPYNB_CELL_KEYS = ("nbgrader", "tags", "editable", "deletable", "slideshow", "jupyter")
PY_METADATA = {"jupytext": {"notebook_metadata_filter": "-all", "cell_metadata_filter": "nbgrader,-all"}}


def kernel_metadata(kernel: str) -> dict:
    return {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": kernel},
        "language_info": {"name": "python"},
    }


def render_ipynb(nb, kernel: str) -> str:
    """nbformat 4.5 JSON with sorted keys, fixed metadata and only the cell metadata Jupyter uses."""
    import nbformat

    out = copy.deepcopy(nb)
    out.nbformat, out.nbformat_minor = 4, 5
    out.metadata = nbformat.from_dict(kernel_metadata(kernel))
    for cell in out.cells:
        cell.metadata = nbformat.from_dict({k: v for k, v in cell.metadata.items() if k in IPYNB_CELL_KEYS})
    return nbformat.writes(out, version=4) + "\n"


def render_py(nb) -> str:
    """jupytext percent format, no header, nbgrader metadata on the `# %%` lines."""
    import jupytext
    import nbformat

    out = copy.deepcopy(nb)
    out.metadata = nbformat.from_dict(PY_METADATA)
    return jupytext.writes(out, fmt="py:percent")


def render(nb, fmt: str, kernel: str) -> str:
    return render_ipynb(nb, kernel) if fmt == "notebook" else render_py(nb)
