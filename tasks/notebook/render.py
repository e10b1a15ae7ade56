"""Built notebooks to text: deterministic .ipynb JSON and percent-format .py. Pure: notebook in, text out."""

from __future__ import annotations

import json

from .nbnode import NBFORMAT, NBFORMAT_MINOR

IPYNB_CELL_KEYS = ("nbgrader", "tags", "editable", "deletable", "slideshow", "jupyter")
SPLIT_MIMES = ("application/javascript", "image/svg+xml")  # split as text, like nbformat
PY_METADATA = {"jupytext": {"notebook_metadata_filter": "-all", "cell_metadata_filter": "nbgrader,-all"}}


def kernel_metadata(kernel: str) -> dict:
    return {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": kernel},
        "language_info": {"name": "python"},
    }


def render_ipynb(nb, kernel: str) -> str:
    """nbformat 4.5 JSON with sorted keys, fixed metadata and only the cell metadata Jupyter uses.

    Byte for byte what `nbformat.writes(nb, version=4)` writes, without importing nbformat: multi-line
    text as lists of lines, one-space indent, sorted keys, UTF-8 left unescaped.
    """
    out = {
        "cells": [_ipynb_cell(cell) for cell in nb["cells"]],
        "metadata": kernel_metadata(kernel),
        "nbformat": NBFORMAT,
        "nbformat_minor": NBFORMAT_MINOR,
    }
    return (
        json.dumps(out, sort_keys=True, indent=1, separators=(",", ": "), ensure_ascii=False, default=_ascii_bytes)
        + "\n"
    )


def _ipynb_cell(cell) -> dict:
    out = dict(cell)
    out["metadata"] = {k: v for k, v in cell["metadata"].items() if k in IPYNB_CELL_KEYS}
    if isinstance(out.get("source"), str):
        out["source"] = out["source"].splitlines(True)
    if "attachments" in out:
        out["attachments"] = {name: _split_mimebundle(bundle) for name, bundle in out["attachments"].items()}
    if out.get("cell_type") == "code":
        out["outputs"] = [_split_output(output) for output in out.get("outputs", [])]
    return out


def _split_output(output) -> dict:
    """nbformat's split_lines for one output: text fields of rich outputs and streams become line lists."""
    out = dict(output)
    if out.get("output_type") in ("execute_result", "display_data"):
        out["data"] = _split_mimebundle(out.get("data", {}))
    elif out.get("output_type") == "stream" and isinstance(out.get("text"), str):
        out["text"] = out["text"].splitlines(True)
    return out


def _split_mimebundle(data) -> dict:
    return {
        key: value.splitlines(True)
        if isinstance(value, str) and (key.startswith("text/") or key in SPLIT_MIMES)
        else value
        for key, value in data.items()
    }


def _ascii_bytes(value):
    if isinstance(value, bytes):
        return value.decode("ascii")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def render_py(nb) -> str:
    """jupytext percent format, no header, nbgrader metadata on the `# %%` lines."""
    from .lightimport import light_jsonschema

    light_jsonschema()
    import jupytext
    import nbformat

    out = nbformat.from_dict(nb)  # a converted copy: the caller's notebook is not changed
    out.metadata = nbformat.from_dict(PY_METADATA)
    return jupytext.writes(out, fmt="py:percent")


def render(nb, fmt: str, kernel: str) -> str:
    return render_ipynb(nb, kernel) if fmt == "notebook" else render_py(nb)
