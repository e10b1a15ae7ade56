"""doit tasks `lint:NAME`: check one module's source; errors stop that module, warnings are printed."""

from __future__ import annotations

from ..course.context import load
from .doitutil import config_changed_for, module_groups, reports_user_errors, warn
from ..base.engine import engine_files
from ..base.errors import CourseError
from ..package.exports import declared_targets


def export_owners(course, paths) -> tuple[dict[str, str], tuple[str, ...]]:
    """({dotted export target: module name}, modules with no readable target), from a cheap text scan."""
    owners, unknown = {}, []
    for module in course.parts:
        try:
            found = declared_targets(paths.source(module))
        except CourseError:
            found = []  # an unreadable source: its own lint reports why
        if not found and not module.part_of:
            unknown.append(module.name)
        for _, target in found:
            owners.setdefault(target, module.module_name)
    return owners, tuple(unknown)


@reports_user_errors
def _lint_action(root: str, name: str) -> None:
    from ..compile.compiled import compiled  # lazy: every `doit` start imports this file
    from ..variants.lint import LintInput, lint

    course, paths = load(root)
    module = course.module(name)
    record = compiled(paths, module, course.markup)
    order = tuple(m.name for m in course.modules)
    owners, unknown = export_owners(course, paths)
    student = lambda: record.variant("student")  # noqa: E731 (built once, for the student and check_student tasks too)
    findings = lint(
        LintInput(record.source, module.module_name, module.depends_on, owners, order, unknown, course.markup, student)
    )
    errors = [f for f in findings if f.severity == "error"]
    warn(f for f in findings if f.severity != "error")
    if errors:
        raise CourseError(errors)


def task_lint(course, paths):
    """Lint module sources: markers, nbgrader metadata, grade ids, tests, imports vs depends_on."""
    engine = engine_files(__name__)
    owners, unknown = export_owners(course, paths)
    for module in course.parts:
        yield {
            "name": module.name,
            "actions": [(_lint_action, [str(course.root), module.name])],
            "file_dep": [paths.rel(p) for p in paths.source_files(module)] + engine,
            "uptodate": [
                config_changed_for(
                    {
                        "module": module.as_dict(),
                        "exports": owners,
                        "unknown": list(unknown),
                        "markup": vars(course.markup),
                    }
                )
            ],
            "doc": f"lint {module.folder}/{module.source}",
            "verbosity": 2,
        }
    yield from module_groups(course, "lint")
