"""The markup inside cells: solution and hidden-test regions, and `#|` directives.

Pure functions on lists of lines. `find_regions` raises MarkerError for unbalanced, nested or
misspelled markers; callers turn it into a CourseError with the file line.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

MARKER_RE = re.compile(r"^(?P<indent>[ \t]*)#+[ \t]*(?P<edge>BEGIN|END) (?P<kind>SOLUTION|HIDDEN TESTS)[ \t]*$")
NEAR_MARKER_RE = re.compile(r"^[ \t]*#+[ \t]*(?P<edge>begin|end)[ \t]+(?P<rest>\S.*?)[ \t#]*$", re.IGNORECASE)
DIRECTIVE_RE = re.compile(r"^#\|[ \t]*(?P<name>[\w-]+)(?:[ \t]+(?P<arg>\S.*?))?[ \t]*$")
KINDS = {"SOLUTION": "solution", "HIDDEN TESTS": "hidden"}


class MarkerError(ValueError):
    def __init__(self, line_index: int, message: str):
        super().__init__(message)
        self.line_index = line_index


@dataclass(frozen=True)
class Region:
    """Lines `begin`..`end` (indexes of the marker lines, inclusive) of one cell."""

    kind: str  # "solution" or "hidden"
    begin: int
    end: int
    indent: str

    def inner(self, lines: list[str]) -> list[str]:
        return lines[self.begin + 1 : self.end]


def marker(line: str) -> tuple[str, str, str] | None:
    """('BEGIN'|'END', 'solution'|'hidden', indent) for a marker line, else None."""
    match = MARKER_RE.match(line)
    if not match:
        return None
    return match["edge"], KINDS[match["kind"]], match["indent"]


def near_miss(line: str) -> str | None:
    """The marker a line was probably meant to be, when it is close to one but not exact."""
    match = NEAR_MARKER_RE.match(line)
    if not match or marker(line):
        return None
    rest = match["rest"].upper()
    for kind in KINDS:
        if rest.startswith(kind) or difflib.SequenceMatcher(None, rest, kind).ratio() >= 0.75:
            return f"### {match['edge'].upper()} {kind}"
    return None


def find_regions(lines: list[str]) -> list[Region]:
    regions, open_at = [], None
    for index, line in enumerate(lines):
        found = marker(line)
        if found is None:
            meant = near_miss(line)
            if meant:
                raise MarkerError(index, f"'{line.strip()}' looks like a marker but is not one; write exactly '{meant}'")
            continue
        edge, kind, indent = found
        if edge == "BEGIN":
            if open_at is not None:
                raise MarkerError(index, f"nested marker: a {describe(kind)} region begins inside the {describe(open_at[1])} region begun {index - open_at[0]} line(s) above; close that one first with '### END {upper(open_at[1])}'")
            open_at = (index, kind, indent)
        else:
            if open_at is None:
                raise MarkerError(index, f"'### END {upper(kind)}' without a matching '### BEGIN {upper(kind)}' above it in this cell; add the BEGIN line where the region starts, or delete this line")
            if open_at[1] != kind:
                raise MarkerError(index, f"'### END {upper(kind)}' closes a {describe(open_at[1])} region; use '### END {upper(open_at[1])}'")
            regions.append(Region(kind, open_at[0], index, open_at[2]))
            open_at = None
    if open_at is not None:
        raise MarkerError(open_at[0], f"'### BEGIN {upper(open_at[1])}' is never closed in this cell; add '### END {upper(open_at[1])}' (regions cannot span cells)")
    return regions


def describe(kind: str) -> str:
    return "solution" if kind == "solution" else "hidden-tests"


def upper(kind: str) -> str:
    return "SOLUTION" if kind == "solution" else "HIDDEN TESTS"


def has_marker_text(line: str) -> bool:
    """True for a marker or a near miss: used to find markers where none may stand (markdown)."""
    return marker(line) is not None or near_miss(line) is not None


def directives(lines: list[str]) -> list[tuple[int, str, str | None]]:
    """(line index, name, argument) of each `#| name arg` line."""
    found = []
    for index, line in enumerate(lines):
        match = DIRECTIVE_RE.match(line)
        if match:
            found.append((index, match["name"], match["arg"]))
    return found


def has_directive(lines: list[str], name: str) -> bool:
    return any(found == name for _, found, _ in directives(lines))


def without_directive(lines: list[str], name: str) -> list[str]:
    drop = {index for index, found, _ in directives(lines) if found == name}
    return [line for index, line in enumerate(lines) if index not in drop]
