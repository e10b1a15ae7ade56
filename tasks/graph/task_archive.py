"""doit tasks `archive:NAME`: the student version and the module's data files, one deterministic archive."""

from __future__ import annotations

from ..course.context import load
from .doitutil import config_changed_for, reports_user_errors
from ..base.engine import engine_files
from ..course.datafiles import shipped_data
from ..base.fsutil import write_atomic
from ..variants.registry import VARIANTS

ARCHIVED = VARIANTS["student"]


def _archive_entries(paths, module) -> dict[str, bytes]:
    """Archive name -> content: `NN_name/<student files>` and `NN_name/<data files, relative>`."""
    entries = {
        f"{module.slug}/{p.name}": p.read_bytes()
        for part in module.parts
        for p in paths.variant_files(part, ARCHIVED.folder)
    }
    entries.update({f"{module.slug}/{name}": data for name, data in shipped_data(paths, module).items()})
    return entries


@reports_user_errors
def _archive_action(root: str, name: str) -> None:
    from ..compile.compiled import compiled  # the action's imports are lazy: every `doit` start imports this file
    from ..package.archive import archive_bytes
    from ..variants.leakguard import guard

    course, paths = load(root)
    module = course.module(name)
    data = archive_bytes(_archive_entries(paths, module), course.archive)
    target = paths.archive(module)
    for part in module.parts:
        guard(
            compiled(paths, part, course.markup).source,
            {paths.rel(target): data},
            ARCHIVED.name,
            binary_ok={f"{module.slug}/{name}" for name in shipped_data(paths, module)},
            markup=course.markup,
        )
    write_atomic(target, data)


def task_archive(course, paths):
    """Per-module student archives (.zip or .tar.gz per course.yaml), byte-identical when unchanged."""
    engine = engine_files(__name__)
    for module in course.modules:
        inputs = [p for part in module.parts for p in paths.variant_files(part, ARCHIVED.folder)]
        inputs += paths.data_files(module)
        yield {
            "name": module.name,
            "actions": [(_archive_action, [str(course.root), module.name])],
            "file_dep": [paths.rel(p) for p in inputs] + engine,
            "targets": [paths.rel(paths.archive(module))],
            "uptodate": [config_changed_for({"module": module.name, "archive": course.archive})],
            "clean": True,
            "doc": f"archive the student version of {module.folder}",
        }
