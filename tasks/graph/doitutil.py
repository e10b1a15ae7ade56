"""Small helpers shared by the task files: user errors as clean task failures, and config slices."""

from __future__ import annotations

import functools
import sys

from ..base.errors import CourseError


def reports_user_errors(action):
    """Turn a CourseError into a doit TaskFailed: the message, no traceback (it is the user's to fix)."""

    @functools.wraps(action)
    def wrapper(*args, **kwargs):
        from doit.exceptions import TaskFailed

        try:
            result = action(*args, **kwargs)
        except CourseError as error:
            return TaskFailed(str(error))
        return None if result is None else result

    return wrapper


def warn(findings) -> None:
    for finding in findings:
        print(str(finding), file=sys.stderr)


def failing_task(message: str):
    """An action that fails with `message`: for a module whose task cannot even be described."""
    from doit.exceptions import TaskFailed

    return TaskFailed(message)


def config_changed_for(value):
    """doit's config_changed on this task's own slice of the configuration (one per task: doit keys it)."""
    from doit.tools import config_changed

    return config_changed(value)


def module_groups(course, basename: str):
    """`basename:MODULE` for each module of several notebooks: its parts' tasks (`basename:MODULE.NOTEBOOK`) as
    one, so a module is named the same way whatever its number of notebooks (`doit student:ps1`)."""
    for module in course.modules:
        if module.notebooks:
            yield {
                "name": module.name,
                "actions": None,
                "task_dep": [f"{basename}:{part.name}" for part in module.parts],
                "doc": f"{basename} every notebook of {module.folder}",
            }
