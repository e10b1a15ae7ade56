"""The registry of task kinds: every doit task the course has, in one table.

dodo.py defines its `task_*` creators from KINDS, boot() takes the default tasks from it, `doit prune` keeps
exactly what the kinds with outputs declare as targets, and the temp-file sweep and prune look only in the
output folders named here. Adding a task kind is one entry (see docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..variants.registry import variants_of_task
from .task_archive import task_archive
from .task_execute import task_check_student, task_validate
from .task_export import task_export
from .task_lint import task_lint
from .task_prune import task_prune
from .task_release import task_deploy_solutions, task_deploy_student, task_release
from .task_tag import task_tag_release
from .task_variants import task_solution, task_student


@dataclass(frozen=True)
class TaskKind:
    name: str  # the doit task (and its group of subtasks `name:MODULE`)
    creator: Callable  # (course, paths) -> the task dicts; its docstring is the `doit list` line
    outputs: tuple[str, ...] = ()  # output folders its targets live in (Paths.output_dir names)
    default: bool = False  # run by a bare `doit` (make build)


def _variant_outputs(task: str) -> tuple[str, ...]:
    return tuple(v.folder for v in variants_of_task(task)) + ("digests",)


KINDS = (
    TaskKind("lint", task_lint, default=True),
    TaskKind("student", task_student, _variant_outputs("student"), default=True),
    TaskKind("solution", task_solution, _variant_outputs("solution"), default=True),
    TaskKind("export", task_export, ("package",), default=True),
    TaskKind("validate", task_validate, ("executed",), default=True),
    TaskKind("check_student", task_check_student, ("checks",), default=True),
    TaskKind("archive", task_archive, ("archives",), default=True),
    TaskKind("prune", task_prune),
    TaskKind("release", task_release),
    TaskKind("deploy_student", task_deploy_student),
    TaskKind("deploy_solutions", task_deploy_solutions),
    TaskKind("tag_release", task_tag_release),
)


def default_tasks() -> list[str]:
    return [kind.name for kind in KINDS if kind.default]


def output_folders() -> list[str]:
    """Every output folder of every kind, once, in registry order."""
    return list(dict.fromkeys(name for kind in KINDS for name in kind.outputs))


def producers() -> list[TaskKind]:
    return [kind for kind in KINDS if kind.outputs]


def bound(kind: TaskKind, course, paths) -> Callable:
    """A doit task creator (a function without arguments, named task_<kind>) for this course."""

    def create():
        return kind.creator(course, paths)

    create.__name__ = create.__qualname__ = f"task_{kind.name}"
    create.__doc__ = kind.creator.__doc__
    return create


def doit_creators(course, paths) -> dict[str, Callable]:
    """`task_<name>` -> creator for every kind, as dodo.py's namespace (doit keeps this order for equal lines)."""
    return {f"task_{kind.name}": bound(kind, course, paths) for kind in KINDS}
