"""The registry of build variants: what the engine makes from one module source, and where each goes.

One entry says everything about a variant but its transforms (pipeline.STEPS, checked to name the same
variants): its build folder, what the leak guard keeps out of it, where it goes in the student repository,
and the doit task that builds it. The version tasks, the leak guard, archives and releases all read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Variant:
    """One build variant of a module: everything the engine knows about it, in one entry of VARIANTS."""

    name: str  # what callers name it: build_variant(nb, "student", ...); its steps: pipeline.STEPS[name]
    folder: str | None  # build/<folder>/<module slug>/ (Paths.variant_files); None: not written by the build
    secrets: frozenset[str]  # what the leak guard keeps out of it ("solution", "hidden", "hide"); empty: not guarded
    repo_dir: str | None  # where it goes in the student repository (modules/, solutions/); None: never shipped
    task: str | None  # the doit task that builds it (also names its code digest); None: a command writes it

    @property
    def guarded(self) -> bool:
        return bool(self.secrets)


ALL_SECRETS = frozenset({"solution", "hidden", "hide"})
VARIANTS = MappingProxyType(
    {
        v.name: v
        for v in (
            Variant("student", "student", ALL_SECRETS, "modules", "student"),
            Variant("solution", "solution", frozenset(), None, "solution"),
            Variant("public_solution", "public-solution", frozenset({"hidden", "hide"}), "solutions", "solution"),
            # the instructor notebook nbgrader generates and grades from (markers and hidden tests kept):
            # `tito nbgrader export` writes it into nbgrader's source/ folder (grade/nbgrader_export.py)
            Variant("nbgrader_source", None, frozenset(), None, None),
        )
    }
)


def variants_of_task(task: str) -> tuple[Variant, ...]:
    """The variants one doit task builds (`solution` builds the solution and the public solution)."""
    return tuple(v for v in VARIANTS.values() if v.task == task)


def shipped_as(repo_dir: str) -> Variant:
    """The variant that goes into `repo_dir` of the student repository."""
    return next(v for v in VARIANTS.values() if v.repo_dir == repo_dir)
