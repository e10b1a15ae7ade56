"""What a release or deploy is asked to do, parsed from the command line: one frozen request object.

`doit release week=N [errata=1] [force=1] [dry=1] [confirm=1]`: unknown or misspelled arguments are
errors (an ignored `erata=1` would publish without the errata), and so are values that are not flags.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..base.errors import CourseError

FLAGS = ("errata", "force", "dry", "confirm")
RELEASE_ARGS = ("week",) + FLAGS
TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}
USAGE = "run `doit release week=5` (or `make release WEEK=5`)"


@dataclass(frozen=True)
class Request:
    """One publication: `title` heads the commit; `tag` is set for weekly releases only."""

    title: str
    exercises: tuple[str, ...]  # module names whose student files are offered
    solutions: tuple[str, ...]  # module names whose public solutions are offered
    week: int | None = None
    tag: str | None = None
    errata: bool = False
    force: bool = False
    dry: bool = False
    confirm: bool = False


def parse_week(raw) -> int:
    if raw is None or str(raw).strip() == "":
        raise CourseError.at("command line", None, f"release needs the week: {USAGE}")
    text = str(raw).strip()
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise CourseError.at(
            "command line", None, f"week={raw!r} is not a week number; use a whole number such as week=5"
        )
    return int(text)


def parse_flag(name: str, raw) -> bool:
    text = "" if raw is None else str(raw).strip().lower()
    if text in TRUE or text in FALSE:
        return text in TRUE
    raise CourseError.at("command line", None, f"{name}={raw!r} is not a yes/no value; use {name}=1 (or leave it out)")


def check_arguments(given: dict, allowed: tuple[str, ...], command: str) -> None:
    """Refuse command-line variables this command does not know (with the closest known one)."""
    for name in given:
        if name not in allowed:
            import difflib  # only for a message: not at every start

            close = difflib.get_close_matches(name, allowed, n=1)
            hint = f"did you mean '{close[0]}={given[name]}'?" if close else f"it takes: {', '.join(allowed)}"
            raise CourseError.at(
                "command line",
                None,
                f"unknown argument '{name}={given[name]}' for `doit {command}`; {hint} Nothing was changed.",
            )


def release_flags(given: dict) -> dict[str, bool]:
    """The yes/no arguments of a release, checked: {'errata': False, 'force': True, ...}."""
    check_arguments(given, RELEASE_ARGS, "release")
    return {name: parse_flag(name, given.get(name)) for name in FLAGS}
