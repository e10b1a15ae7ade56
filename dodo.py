"""coursebuild for TinyTorch: the doit task graph. `doit list` explains every task.

Configuration lives in course.yaml; the engine in tasks/. This file only wires them together.
"""
from pathlib import Path

from tasks.graph.boot import boot

DOIT_CONFIG = boot(Path(__file__).resolve().parent)

from tasks.graph.task_lint import task_lint  # noqa: E402
from tasks.graph.task_versions import task_solution, task_student  # noqa: E402
from tasks.graph.task_export import task_export  # noqa: E402
from tasks.graph.task_execute import task_check_student, task_validate  # noqa: E402
from tasks.graph.task_archive import task_archive  # noqa: E402
from tasks.graph.task_prune import task_prune  # noqa: E402
from tasks.graph.task_release import task_deploy_solutions, task_deploy_student, task_release  # noqa: E402
from tasks.graph.task_tag import task_tag_release  # noqa: E402
