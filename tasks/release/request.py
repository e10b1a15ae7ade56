"""What a release or deploy is asked to do: one frozen request object, and the week it names.

The command-line variables themselves (`doit release week=N errata=1 ...`) are read and checked by
tasks/graph/variables.py: unknown or misspelled names and yes/no values that are neither are errors.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..base.errors import CourseError

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
    ahead: bool = False  # tag the week although the repo holds material due later (deployed ahead of it)


def parse_week(raw) -> int:
    if raw is None or str(raw).strip() == "":
        raise CourseError.at("command line", None, f"release needs the week: {USAGE}")
    text = str(raw).strip()
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise CourseError.at(
            "command line", None, f"week={raw!r} is not a week number; use a whole number such as week=5"
        )
    return int(text)
