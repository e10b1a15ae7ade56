"""doit tasks `student:NAME` and `solution:NAME`: the two versions of a module, with the leak guard."""

from __future__ import annotations

from pathlib import Path

from ..course.context import load
from .doitutil import config_changed_for, module_groups, reports_user_errors
from ..base.engine import engine_files
from ..base.fsutil import write_atomic
from ..variants.registry import VARIANTS, variants_of_task

# The actions' imports are inside them: every `doit` start imports this file, and a no-op runs no action.

FORMAT_OF_SUFFIX = {".ipynb": "notebook", ".py": "python"}


def rendered_variant(course, paths, record, version: str) -> tuple[object, dict[Path, str]]:
    """The version's notebook (of the compiled `record`) and the text of each of its files (not written yet,
    leak-guarded)."""
    from ..notebook.render import render
    from ..variants.leakguard import guard

    module = record.module
    nb = record.variant(version)
    files = {
        path: render(nb, FORMAT_OF_SUFFIX[path.suffix], course.execution.kernel)
        for path in paths.variant_files(module, VARIANTS[version].folder)
    }
    if VARIANTS[version].guarded:
        guard(
            record.source,
            {paths.rel(p): text.encode("utf-8") for p, text in files.items()},
            version,
            markup=course.markup,
        )
    return nb, files


@reports_user_errors
def variant_action(root: str, name: str, task: str) -> None:
    """Build every version a task makes (`student`; or `solution` and the public solution), then write them."""
    from ..compile.compiled import compiled

    course, paths = load(root)
    module = course.module(name)
    record = compiled(paths, module, course.markup)
    built = [rendered_variant(course, paths, record, variant.name) for variant in variants_of_task(task)]
    for _, files in built:
        for path, text in files.items():
            write_atomic(path, text)
    digest = record.code_digest(variants_of_task(task)[0].name)
    write_atomic(paths.code_digest(module, task), digest + "\n")
    if task == "solution":
        _refresh_executed(course, paths, module, built[0][0], digest)


def _refresh_executed(course, paths, module, solution_nb, digest: str) -> None:
    """Same code as last validated (a markdown edit): the executed notebook is merged anew, nothing runs."""
    from ..notebook.outputs import merged, read_record
    from ..notebook.render import render

    record = read_record(paths.executed_outputs(module))
    if record and record.get("code_digest") == digest:
        notebook = render(merged(solution_nb, record), "notebook", course.execution.kernel)
        write_atomic(paths.executed_notebook(module), notebook)


def _variant_tasks(course, paths, task: str):
    engine = engine_files(__name__)
    settings = {"outputs": list(course.outputs), "kernel": course.execution.kernel, "markup": vars(course.markup)}
    for module in course.parts:
        yield {
            "name": module.name,
            "actions": [(variant_action, [str(course.root), module.name, task])],
            "file_dep": [paths.rel(p) for p in paths.source_files(module)] + engine,
            "task_dep": [f"lint:{module.name}"],
            "targets": [paths.rel(p) for v in variants_of_task(task) for p in paths.variant_files(module, v.folder)]
            + [paths.rel(paths.code_digest(module, task))],
            "uptodate": [config_changed_for({"module": module.as_dict(), **settings})],
            "clean": True,
            "doc": f"{task} version of {module.folder} -> {paths.rel(paths.variant_files(module, VARIANTS[task].folder)[0].parent)}/",
        }
    yield from module_groups(course, task)


def task_student(course, paths):
    """Student notebooks: solutions stubbed, hidden tests and instructor cells removed, leak-guarded."""
    yield from _variant_tasks(course, paths, "student")


def task_solution(course, paths):
    """Solution notebooks: everything visible, markers stripped; plus the hidden-test-free copy students get."""
    yield from _variant_tasks(course, paths, "solution")
