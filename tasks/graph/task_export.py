"""doit tasks `export:NAME`: a module's `#| export` cells into tinytorch/<default_exp>.py (read-only)."""
from __future__ import annotations

from ..course.context import load
from .doitutil import config_changed_for, failing_task, reports_user_errors
from .engine import engine_files
from ..base.errors import CourseError
from ..package.exports import declared_target, export_text, package_inits, target_clashes
from ..base.fsutil import write_atomic
from ..versions.pipeline import build_version
from ..notebook.source import read_source

READ_ONLY = 0o444
INIT_TEXT = '"""Package marker written by coursebuild\'s export; it imports nothing, so partial exports import cleanly."""\n'


def export_targets(course, paths) -> tuple[dict[str, str], dict[str, str]]:
    """({module: dotted target}, {module: error message}) for the whole course, from a cheap text scan."""
    targets, problems = {}, {}
    for module in course.modules:
        try:
            targets[module.name] = declared_target(paths.source(module), paths.rel(paths.source(module)))
        except CourseError as error:
            problems[module.name] = str(error)
    for name, message in target_clashes(targets).items():
        problems[name] = f"{paths.rel(paths.source(course.module(name)))}: {message}"
    return {n: t for n, t in targets.items() if n not in problems}, problems


@reports_user_errors
def export_action(root: str, name: str) -> None:
    course, paths = load(root)
    module = course.module(name)
    path = paths.source(module)
    file = paths.rel(path)
    target = declared_target(path, file)
    source = read_source(path, file)
    solution = build_version(source.nb, "solution", module.slug)
    text = export_text(solution, module.name, file, source.location)
    target_file = paths.export_file(target)
    for init in package_inits(paths.package, target_file):
        if not init.exists():
            write_atomic(init, INIT_TEXT)
    write_atomic(target_file, text, mode=READ_ONLY)


def task_export(course, paths):
    """Export each module's #| export cells to the tinytorch package (read-only files)."""
    targets, problems = export_targets(course, paths)
    engine = engine_files(__name__)
    for module in course.modules:
        if module.name in problems:
            yield {"name": module.name, "actions": [(failing_task, [problems[module.name]])], "doc": "export (broken: see message)"}
            continue
        target_file = paths.export_file(targets[module.name])
        yield {
            "name": module.name,
            "actions": [(export_action, [str(course.root), module.name])],
            "file_dep": [paths.rel(paths.code_digest(module, "solution"))] + engine,
            "targets": [paths.rel(target_file)],
            "uptodate": [config_changed_for({"module": module.name, "target": targets[module.name]})],
            "clean": True,
            "doc": f"export {module.folder} -> {paths.rel(target_file)}",
        }
