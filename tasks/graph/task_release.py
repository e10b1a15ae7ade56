"""doit tasks `release week=N`, `deploy_student[:NAME]`, `deploy_solutions[:NAME]`: the student repository.

Thin: the release itself is tasks/release/ (request, offers, course files, publish). Each publishes in ONE
commit, after the modules involved passed `validate` and `check_student`.
"""

from __future__ import annotations

import sys

from ..base.errors import CourseError
from ..course.context import load
from ..release.offers import offers, shipped
from ..release.request import Request, parse_week
from .doitutil import failing_task, reports_user_errors
from .variables import task_variables


def tell(line: str, warning: bool = False) -> None:
    """A line of the release's report: doit shows what a task action prints (warnings on stderr)."""
    print(line, file=sys.stderr if warning else sys.stdout)


def _week_request(course, week: int, flags: dict) -> Request:
    first = min(m.release for m in course.modules)
    if week < first:
        earliest = min(course.modules, key=lambda m: m.release)
        raise CourseError.at(
            "course.yaml",
            earliest.line,
            f"week {week} is before the first release (week {first}, module '{earliest.name}'); nothing to release: release week {first} or later, or give a module an earlier release week",
        )
    return Request(
        f"Week {week}",
        tuple(m.name for m in course.modules if m.release <= week),
        tuple(m.name for m in course.modules if m.solutions <= week),
        week=week,
        tag=course.student_repo.tag.format(week=week),
        **flags,
    )


@reports_user_errors
def release_action(root: str, week: int, **flags) -> None:
    """`flags`: errata, force, dry, confirm, ahead (booleans)."""
    from ..release.publish import publish  # lazy: every `doit` start imports this file

    course, paths = load(root)
    request = _week_request(course, week, flags)
    publish(course, paths, request, lambda: offered(course, paths, request), tell)


@reports_user_errors
def deploy_action(root: str, kind: str, names: list[str], errata: bool = False) -> None:
    from ..release.publish import publish

    course, paths = load(root)
    modules = tuple(names)
    request = Request(
        f"Deploy {kind}", modules if kind == "exercises" else (), modules if kind == "solutions" else (), errata=errata
    )
    publish(course, paths, request, lambda: offered(course, paths, request), tell)


def offered(course, paths, request: Request):
    solutions = offers(course, paths, [course.module(n) for n in request.solutions], "solutions")
    return solutions + offers(course, paths, [course.module(n) for n in request.exercises], "exercises")


# --- tasks ----------------------------------------------------------------------------------------


def proven(module, kind: str) -> list[str]:
    """The tasks a module must have passed before its `kind` files may leave the building."""
    built = f"{shipped(kind).task}:{module.name}"
    return [built, f"validate:{module.name}", f"check_student:{module.name}"]


def task_release(course, paths):
    """Release a week to the student repo: `doit release week=N [errata=1] [dry=1] [confirm=1] [force=1] [ahead=1]`."""
    try:
        flags = task_variables("release")
        week = parse_week(flags.pop("week"))
    except CourseError as error:
        return {"actions": [(failing_task, [str(error)])], "verbosity": 2}
    deps = [t for m in course.modules if m.release <= week for t in proven(m, "exercises")]
    deps += [t for m in course.modules if m.solutions <= week for t in proven(m, "solutions")]
    return {
        "actions": [(release_action, [str(course.root), week], flags)],
        "task_dep": list(dict.fromkeys(deps)),
        "verbosity": 2,
    }


def _deploy_tasks(course, kind: str, basename: str, doc: str):
    from doit.task import Task

    try:
        errata, refused = task_variables(basename)["errata"], None
    except CourseError as error:  # each deploy task fails with the message, before any dependency runs
        errata, refused = False, str(error)

    def run(names: list[str], deps: list[str]) -> dict:
        if refused:
            return {"actions": [(failing_task, [refused])], "task_dep": []}
        return {"actions": [(deploy_action, [str(course.root), kind, names, errata])], "task_dep": deps}

    for module in course.modules:
        yield {
            "name": module.name,
            **run([module.name], proven(module, kind)),
            "verbosity": 2,
            "doc": f"deploy {module.name}'s {kind} now, whatever the schedule",
        }
    everything = run([m.name for m in course.modules], [t for m in course.modules for t in proven(m, kind)])
    yield Task(basename, doc=doc, has_subtask=True, verbosity=2, **everything)


def task_deploy_student(course, paths):
    yield from _deploy_tasks(
        course,
        "exercises",
        "deploy_student",
        "Deploy every module's student notebooks now, in ONE commit (make deploy-all)",
    )


def task_deploy_solutions(course, paths):
    yield from _deploy_tasks(
        course, "solutions", "deploy_solutions", "Deploy every module's solutions now, in ONE commit"
    )
