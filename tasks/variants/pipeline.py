"""The order of the transforms, in one place: the steps of each build variant (variants.VARIANTS)."""

from __future__ import annotations

import hashlib
from types import MappingProxyType

from ..course.model import Markup
from . import stubs as s
from . import transforms as t
from .registry import VARIANTS
from ..notebook.nbnode import clone

STUDENT_STEPS = (
    t.drop_hidden_cells,
    t.drop_hidden_tests,
    s.stub_unmarked_answers,  # before stub_solutions: a cell it stubbed has no markers left
    s.stub_solutions,
    t.replace_written_answers,
    t.clear_outputs,
    t.normalize_nbgrader,
    t.lock_test_cells,
    s.add_run_all_cell,
)
SOLUTION_STEPS = (
    t.strip_hide_directives,
    t.strip_markers,
    t.clear_outputs,
    t.normalize_nbgrader,
)
PUBLIC_SOLUTION_STEPS = (
    t.drop_hidden_cells,
    t.drop_hidden_tests,
    t.strip_markers,
    t.clear_outputs,
    t.normalize_nbgrader,
)
NBGRADER_SOURCE_STEPS = (t.drop_hidden_cells, t.clear_outputs, t.normalize_nbgrader)

# The steps of each build variant (variants.py holds the rest of what a variant is: kept apart so that the leak
# guard and the archive, which read the registry, do not depend on the transforms' code).
STEPS = MappingProxyType(
    {
        "student": STUDENT_STEPS,
        "solution": SOLUTION_STEPS,
        "public_solution": PUBLIC_SOLUTION_STEPS,
        "nbgrader_source": NBGRADER_SOURCE_STEPS,
    }
)
if set(STEPS) != set(VARIANTS):
    raise ImportError(
        f"pipeline.STEPS names {sorted(STEPS)}, variants.VARIANTS {sorted(VARIANTS)}: give each variant its steps"
    )


def apply(nb, steps, ctx: t.StepContext):
    """Run `steps` in order on a private copy of `nb`; the input is never changed."""
    result = clone(nb)
    for step in steps:
        result = step(result, ctx)
    return result


def build_variant(nb, version: str, module_label: str, markup: Markup = Markup()):
    """The notebook of the variant named `version` (variants.VARIANTS) of a source notebook, read with the
    course's `markup:` settings."""
    return apply(nb, STEPS[version], t.StepContext(module=module_label, markup=markup))


def code_digest(nb) -> str:
    """A hash of the code cells only: markdown edits leave it unchanged (execution is keyed on it)."""
    digest = hashlib.sha256()
    for cell in t.code_cells(nb):
        digest.update(cell.source.encode("utf-8"))
        digest.update(b"\n\x00cell\x00\n")
    return digest.hexdigest()
