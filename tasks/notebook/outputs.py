"""Executed notebooks as (the current solution notebook) + (outputs recorded per code cell by validate).

Validation is keyed on the code cells only, so a markdown edit must not re-execute anything; yet the
executed notebook shows the markdown too. Validate records the outputs of each code cell together with the
code digest; whenever the solution is rebuilt with the same code, its executed notebook is merged anew from
those outputs. Incremental and clean builds then give the same file. Pure functions plus thin file I/O.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from .nbgrader import grade_id


def code_cell_labels(nb) -> list[str]:
    """How a code cell is named independently of markdown around it: its grade_id, else `code cell K`."""
    labels, count = [], 0
    for cell in nb.cells:
        if cell.cell_type == "code":
            count += 1
            labels.append(grade_id(cell) or f"code cell {count}")
    return labels


def recorded_outputs(executed_nb, digest: str) -> dict:
    """What validate keeps: the code digest and, per code cell in order, its outputs and execution count."""
    cells = [
        {"execution_count": c.get("execution_count"), "outputs": c.get("outputs", [])}
        for c in executed_nb.cells
        if c.cell_type == "code"
    ]
    return {"code_digest": digest, "cells": cells}


def merged(solution_nb, record: dict):
    """The solution notebook with the recorded outputs put into its code cells (same code, same order)."""
    nb = copy.deepcopy(solution_nb)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    if len(code) != len(record["cells"]):
        raise ValueError("recorded outputs do not match the notebook's code cells")
    from .lightimport import light_jsonschema

    light_jsonschema()
    import nbformat

    for cell, recorded in zip(code, record["cells"]):
        cell.outputs = [nbformat.from_dict(o) for o in recorded["outputs"]]
        cell.execution_count = recorded["execution_count"]
    return nb


def record_text(record: dict) -> str:
    return json.dumps(record, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def read_record(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
