"""doit tasks `student:NAME` and `solution:NAME`: the two versions of a module, with the leak guard."""
from __future__ import annotations

from pathlib import Path

from .context import current, load
from .doitutil import config_changed_for, reports_user_errors
from .engine import engine_files
from .fsutil import write_atomic
from .leakguard import guard
from .pipeline import build_version, code_digest
from .render import render
from .source import read_source

FORMAT_OF_SUFFIX = {".ipynb": "notebook", ".py": "python"}


def module_source(paths, module):
    path = paths.source(module)
    return read_source(path, paths.rel(path))


def rendered_version(course, paths, module, version: str) -> tuple[object, dict[Path, str]]:
    """The version's notebook and the text of each of its files (not written yet)."""
    source = module_source(paths, module)
    nb = build_version(source.nb, version, module.slug)
    files = {path: render(nb, FORMAT_OF_SUFFIX[path.suffix], course.execution.kernel) for path in paths.version_files(module, version)}
    if version == "student":
        guard(source, {paths.rel(p): text.encode("utf-8") for p, text in files.items()})
    return nb, files


@reports_user_errors
def version_action(root: str, name: str, version: str) -> None:
    course, paths = load(root)
    module = course.module(name)
    nb, files = rendered_version(course, paths, module, version)
    for path, text in files.items():
        write_atomic(path, text)
    write_atomic(paths.code_digest(module, version), code_digest(nb) + "\n")


def version_tasks(version: str):
    course, paths = current()
    engine = engine_files("task_versions")
    settings = {"outputs": list(course.outputs), "kernel": course.execution.kernel}
    for module in course.modules:
        yield {
            "name": module.name,
            "actions": [(version_action, [str(course.root), module.name, version])],
            "file_dep": [paths.rel(paths.source(module))] + engine,
            "task_dep": [f"lint:{module.name}"],
            "targets": [paths.rel(p) for p in paths.version_files(module, version) + [paths.code_digest(module, version)]],
            "uptodate": [config_changed_for({"module": module.as_dict(), **settings})],
            "clean": True,
            "doc": f"{version} version of {module.folder} -> {paths.rel(paths.version_files(module, version)[0].parent)}/",
        }


def task_student():
    """Student notebooks: solutions stubbed, hidden tests and instructor cells removed, leak-guarded."""
    yield from version_tasks("student")


def task_solution():
    """Solution notebooks: everything visible, marker lines and #| hide directives stripped."""
    yield from version_tasks("solution")
