"""doit tasks `lint:NAME`: check one module's source; errors stop that module, warnings are printed."""
from __future__ import annotations

from .context import current, load
from .doitutil import config_changed_for, reports_user_errors, warn
from .engine import engine_files
from .errors import CourseError
from .exports import declared_targets
from .lint import LintInput, lint
from .source import read_source


def export_owners(course, paths) -> dict[str, str]:
    """dotted export target -> module name, from a cheap scan of every source (no notebook parsing)."""
    owners = {}
    for module in course.modules:
        for _, target in declared_targets(paths.source(module)):
            owners.setdefault(target, module.name)
    return owners


@reports_user_errors
def lint_action(root: str, name: str) -> None:
    course, paths = load(root)
    module = course.module(name)
    source = read_source(paths.source(module), paths.rel(paths.source(module)))
    findings = lint(LintInput(source, name, module.depends_on, export_owners(course, paths)))
    errors = [f for f in findings if f.severity == "error"]
    warn(f for f in findings if f.severity != "error")
    if errors:
        raise CourseError(errors)


def task_lint():
    """Lint module sources: markers, nbgrader metadata, grade ids, tests, imports vs depends_on."""
    course, paths = current()
    engine = engine_files("task_lint")
    owners = export_owners(course, paths)
    for module in course.modules:
        yield {
            "name": module.name,
            "actions": [(lint_action, [str(course.root), module.name])],
            "file_dep": [paths.rel(paths.source(module))] + engine,
            "uptodate": [config_changed_for({"module": module.as_dict(), "exports": owners})],
            "doc": f"lint {module.folder}/{module.source}",
            "verbosity": 2,
        }

