"""The command-line variables (`doit release week=5`) each task reads: what each does, and reading them.

`VARIABLES` is the one list: `doit help TASK` shows it under doit's own line (doit only knows `--options`,
and shows one docstring line), and `task_variables` refuses any other name for that task and parses every
yes/no variable (those written `name=1`) by one strict rule, `yes_no`: `errata=ture` is an error in every
task, never a quiet "no".
"""

from __future__ import annotations

from ..base.errors import CourseError

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
        ("confirm=1", "publish several weeks in one release (refused without it; look first with dry=1)"),
        (
            "ahead=1",
            "tag the week although the repository already holds material due later (deployed with "
            "deploy_student / deploy_solutions); without it such a release is refused",
        ),
        ("dry=1", "say what would be committed and tagged; change nothing"),
    ),
    "deploy_student": (
        ("errata=1", "also add name.v2.ipynb beside each deployed notebook whose source changed since"),
    ),
    "deploy_solutions": (("errata=1", "accepted as for deploy_student (solutions are simply replaced)"),),
    "tag_release": (
        ("tag=NAME", "required: the annotated tag to set on the deployed commit, e.g. week5-tensor-solutions"),
        ("message=TEXT", "required: the tag's message"),
        ("dry=1", "say what would be tagged; change nothing"),
    ),
}
TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def variables_help(task: str) -> str:
    """The lines `doit help TASK` adds for the task's command-line variables ('' when it has none)."""
    rows = VARIABLES.get(task.partition(":")[0], ())
    if not rows:
        return ""
    width = max(len(name) for name, _ in rows)
    return "command-line variables (write them after the task name):\n" + "".join(
        f"  {name.ljust(width)}  {what}\n" for name, what in rows
    )


def yes_no(name: str, raw) -> bool:
    """A yes/no variable: 1/true/yes/on or 0/false/no/off/empty (any case); anything else is an error."""
    text = "" if raw is None else str(raw).strip().lower()
    if text in TRUE or text in FALSE:
        return text in TRUE
    raise CourseError.at("command line", None, f"{name}={raw!r} is not a yes/no value; use {name}=1 (or leave it out)")


def command_line_vars() -> dict:
    """Every `name=value` of the doit command line (empty outside doit). doit's public `get_var` reads one
    name; refusing unknown names needs them all, which doit keeps in its private `doit_cmd._CMDLINE_VARS`:
    this is the one place that reads it, and it fails loudly (tests/test_adapters.py too) if doit drops it."""
    from doit import doit_cmd

    if not hasattr(doit_cmd, "_CMDLINE_VARS"):
        raise RuntimeError("doit no longer keeps doit_cmd._CMDLINE_VARS: see tasks/graph/variables.py")
    return dict(doit_cmd._CMDLINE_VARS or {})


def task_variables(task: str, given: dict | None = None) -> dict:
    """The variables of `task` from the command line (or `given`), checked: an unknown name (with the closest
    known one) or a yes/no variable that is neither is a CourseError. Yes/no variables come back as booleans
    (False when absent), the others as given (None when absent)."""
    given = command_line_vars() if given is None else given
    rows = [spelled.partition("=") for spelled, _ in VARIABLES[task]]
    allowed = [name for name, _, _ in rows]
    for name in given:
        if name not in allowed:
            import difflib  # only for a message: not at every start

            close = difflib.get_close_matches(name, allowed, n=1)
            hint = f"did you mean '{close[0]}={given[name]}'?" if close else f"it takes: {', '.join(allowed)}."
            raise CourseError.at(
                "command line",
                None,
                f"unknown argument '{name}={given[name]}' for `doit {task}`; {hint} Nothing was changed.",
            )
    return {name: yes_no(name, given.get(name)) if value == "1" else given.get(name) for name, _, value in rows}
