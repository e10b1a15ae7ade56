"""The command-line variables (`doit release week=5`) each task reads, with what each does: shown by
`doit help TASK` under doit's own line (doit only knows `--options`, and shows one docstring line)."""

from __future__ import annotations

VARIABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "release": (
        (
            "week=N",
            "required: release everything due by week N (exercises whose `release` week is <= N, "
            "solutions whose `solutions` week is <= N), as one commit and the tag of week N",
        ),
        (
            "errata=1",
            "also add name.v2.ipynb beside each released notebook whose source changed since "
            "(a released notebook is never rewritten)",
        ),
        ("force=1", "move the week's tag when it already points at another commit (never force-pushed)"),
    ),
    "deploy_student": (
        ("errata=1", "also add name.v2.ipynb beside each deployed notebook whose source changed since"),
    ),
}


def variables_help(task: str) -> str:
    """The lines `doit help TASK` adds for the task's command-line variables ('' when it has none)."""
    rows = VARIABLES.get(task.partition(":")[0], ())
    if not rows:
        return ""
    width = max(len(name) for name, _ in rows)
    return "command-line variables (write them after the task name):\n" + "".join(
        f"  {name.ljust(width)}  {what}\n" for name, what in rows
    )
