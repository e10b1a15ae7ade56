"""One small notebook transform per function, in the style of nbgrader's preprocessors.

Each step takes a notebook it may change (the pipeline hands it a private copy) and a StepContext,
and returns the notebook. No step reads or writes files. The order of the steps lives in pipeline.py; the
steps that make stubs (and the Run All cell) live in stubs.py, the one home of stubs.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..course.model import Markup
from ..notebook.nbgrader import is_answer, is_test
from .markers import find_regions, has_directive, without_directive
from .origins import lines_of, set_lines

NBGRADER_DEFAULTS = {"grade": False, "locked": False, "solution": False, "schema_version": 3}


@dataclass(frozen=True)
class StepContext:
    module: str  # the module's folder name, e.g. "01_tensor": how students know it
    markup: Markup = Markup()  # course.yaml `markup:`


def code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


# --- student steps ----------------------------------------------------------------------------------


def drop_hidden_cells(nb, ctx: StepContext):
    """Remove instructor-only cells (`#| hide`)."""
    nb.cells = [c for c in nb.cells if not (c.cell_type == "code" and has_directive(c.source.split("\n"), "hide"))]
    return nb


def drop_hidden_tests(nb, ctx: StepContext):
    """Remove every `### BEGIN HIDDEN TESTS` ... `### END HIDDEN TESTS` region, markers included."""
    for cell in code_cells(nb):
        regions = [r for r in find_regions(cell.source.split("\n")) if r.kind == "hidden"]
        if not regions:
            continue  # lines_of/set_lines would leave it as it is
        lines = lines_of(cell)
        for region in reversed(regions):
            del lines[region.begin : region.end + 1]
        set_lines(cell, lines)
    return nb


def lock_test_cells(nb, ctx: StepContext):
    """Test and read-only cells are neither editable nor deletable in Jupyter (what nbgrader's release does)."""
    for cell in nb.cells:
        if is_test(cell):
            cell.metadata["editable"], cell.metadata["deletable"] = False, False
    return nb


WRITTEN_ANSWER = "YOUR ANSWER HERE"


def replace_written_answers(nb, ctx: StepContext):
    """Written answers, as nbgrader builds them: a markdown cell flagged `"solution": true` without markers
    becomes "YOUR ANSWER HERE"; each solution region in a markdown cell becomes that line."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        regions = [r for r in find_regions(cell.source.split("\n"), code=False) if r.kind == "solution"]
        lines = lines_of(cell) if regions else []
        if not regions and is_answer(cell):
            cell.source = WRITTEN_ANSWER
        for region in reversed(regions):
            lines[region.begin : region.end + 1] = [region.indent + WRITTEN_ANSWER]
        if regions:
            set_lines(cell, lines)
    return nb


# --- solution steps ---------------------------------------------------------------------------------


def strip_markers(nb, ctx: StepContext):
    """Remove the marker lines themselves (of code and markdown cells); the text between them stays."""
    for cell in nb.cells:
        regions = find_regions(cell.source.split("\n"), code=cell.cell_type == "code")
        drop = {i for r in regions for i in (r.begin, r.end)}
        if drop:
            set_lines(cell, [line for index, line in enumerate(lines_of(cell)) if index not in drop])
    return nb


def strip_hide_directives(nb, ctx: StepContext):
    """Remove the `#| hide` line of instructor cells; the cells stay."""
    for cell in code_cells(nb):
        if has_directive(cell.source.split("\n"), "hide"):  # set_lines would leave any other cell as it is
            set_lines(cell, without_directive(lines_of(cell), "hide"))
    return nb


# --- both -------------------------------------------------------------------------------------------


def clear_outputs(nb, ctx: StepContext):
    """No outputs or execution counts in a built notebook."""
    for cell in code_cells(nb):
        cell.outputs, cell.execution_count = [], None
    return nb


def normalize_nbgrader(nb, ctx: StepContext):
    """Fill the nbgrader schema-3 defaults so every flagged cell validates (points stay as given)."""
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if isinstance(meta, dict):
            cell.metadata["nbgrader"] = dict(sorted({**NBGRADER_DEFAULTS, **meta, "schema_version": 3}.items()))
    return nb
