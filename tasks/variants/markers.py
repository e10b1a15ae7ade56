"""The markup inside cells: solution and hidden-test regions, and `#|` directives.

Pure functions on lists of lines. `find_regions` raises MarkerError for unbalanced, nested or
misspelled markers; callers turn it into a CourseError with the file line.
"""

from __future__ import annotations

import difflib
import io
import re
import tokenize
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

MARKER_RE = re.compile(r"^(?P<indent>[ \t]*)#+[ \t]*(?P<edge>BEGIN|END) (?P<kind>SOLUTION|HIDDEN TESTS)[ \t]*$")
NEAR_MARKER_RE = re.compile(r"^[ \t]*#+[ \t]*(?P<edge>begin|end)[ \t]+(?P<rest>\S.*?)[ \t#]*$", re.IGNORECASE)
DIRECTIVE_RE = re.compile(r"^#\|[ \t]*(?P<name>[\w-]+)(?:[ \t]+(?P<arg>\S.*?))?[ \t]*$")
KINDS = {"SOLUTION": "solution", "HIDDEN TESTS": "hidden"}
KNOWN_DIRECTIVES = ("hide", "export", "default_exp")
# `#hide`, `# | hide`, `#| Hide`, `# hide`, an indented `#| hide`: what a directive looks like when mistyped
NEAR_DIRECTIVE_RE = re.compile(r"^[ \t]*#[ \t]*\|?[ \t]*(?P<name>[A-Za-z_-]+)(?:[ \t]+(?P<arg>\S.*?))?[ \t]*$")


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


def _plain_spaces(line: str) -> str:
    """`line` with every Unicode space or invisible format character (U+00A0, U+2003, U+200B, a stray CR, ...)
    turned into a plain space: what the author saw on screen."""
    return "".join(" " if ch != "\t" and (unicodedata.category(ch) in ("Zs", "Cf", "Cc")) else ch for ch in line)


def _odd_characters(line: str) -> str:
    """'U+00A0 (NO-BREAK SPACE), ...' for the characters plain_spaces() would replace; '' if none."""
    odd = sorted({ch for ch in line if ch != " " and _plain_spaces(ch) == " "})
    return ", ".join(f"U+{ord(ch):04X} ({unicodedata.name(ch, 'control character')})" for ch in odd)


def near_miss(line: str) -> str | None:
    """The marker a line was probably meant to be, when it is close to one but not exact."""
    if marker(line):
        return None
    if not line.isascii() or "\r" in line:
        line = _plain_spaces(line)
    match = NEAR_MARKER_RE.match(line)
    if not match:
        return None
    rest = match["rest"].upper()
    for kind in KINDS:
        if rest.startswith(kind) or difflib.SequenceMatcher(None, rest, kind).ratio() >= 0.75:
            return f"### {match['edge'].upper()} {kind}"
    return None


def find_regions(lines: list[str], code: bool = True) -> list[Region]:
    """The regions of a cell's lines (`code`: False for markdown, where no line is inside a string literal).

    Lint, the transforms and the leak guard each ask for the same cells' regions (hundreds of calls per
    module), and telling a marker from a line inside a string literal tokenizes the cell: the answer is
    computed once per cell text (a MarkerError is raised again each time, never cached)."""
    return list(_regions_of(tuple(lines), code))


@lru_cache(maxsize=4096)
def _regions_of(lines: tuple[str, ...], code: bool) -> tuple[Region, ...]:
    regions, open_at, literal = [], None, None if code else frozenset()
    for index, line in enumerate(lines):
        found = marker(line)
        meant = None if found else near_miss(line)
        if not found and not meant:
            continue
        literal = literal_lines(lines) if literal is None else literal
        if index in literal:
            continue  # marker text shown inside a string (an explanation of the markup): text, not a region
        if meant:
            raise MarkerError(index, _near_miss_message(line, meant))
        edge, kind, indent = found
        if edge == "BEGIN":
            if open_at is not None:
                raise MarkerError(
                    index,
                    f"nested marker: a {describe(kind)} region begins inside the {describe(open_at[1])} region begun {index - open_at[0]} line(s) above; close that one first with '### END {upper(open_at[1])}'",
                )
            open_at = (index, kind, indent)
        else:
            if open_at is None:
                raise MarkerError(
                    index,
                    f"'### END {upper(kind)}' without a matching '### BEGIN {upper(kind)}' above it in this cell; add the BEGIN line where the region starts, or delete this line",
                )
            if open_at[1] != kind:
                raise MarkerError(
                    index,
                    f"'### END {upper(kind)}' closes a {describe(open_at[1])} region; use '### END {upper(open_at[1])}'",
                )
            regions.append(Region(kind, open_at[0], index, open_at[2]))
            open_at = None
    if open_at is not None:
        raise MarkerError(
            open_at[0],
            f"'### BEGIN {upper(open_at[1])}' is never closed in this cell; add '### END {upper(open_at[1])}' (regions cannot span cells)",
        )
    return tuple(regions)


def _near_miss_message(line: str, meant: str) -> str:
    odd = _odd_characters(line)
    cause = f" (it contains {odd}, not plain spaces)" if odd else ""
    return f"{_plain_spaces(line).strip()!r} looks like a marker but is not one{cause}; write exactly '{meant}'"


def literal_lines(lines: list[str]) -> frozenset[int]:
    """Indexes of the lines inside a multi-line string literal of the cell (a docstring showing markup)."""
    found: set[int] = set()
    readline = io.StringIO("\n".join(lines) + "\n").readline
    try:
        for token in tokenize.generate_tokens(readline):
            if token.type == tokenize.STRING and token.end[0] > token.start[0]:
                found.update(range(token.start[0] - 1, token.end[0]))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass  # an unterminated string or bad indentation: the lines read so far are known
    return frozenset(found)


def directive_near_miss(line: str) -> str | None:
    """The directive a line was probably meant to be (`#| hide`), when it is close to one but not exact:
    `#hide`, `# | hide`, `#| Hide`, `# hide`, an indented `#| hide`, a non-breaking space in it."""
    plain = line if line.isascii() and "\r" not in line else _plain_spaces(line)
    match = NEAR_DIRECTIVE_RE.match(plain)
    if not match or (line == plain and DIRECTIVE_RE.match(line) and match["name"] in KNOWN_DIRECTIVES):
        return None
    name = match["name"].lower().replace("-", "_")
    if name not in KNOWN_DIRECTIVES:
        close = difflib.get_close_matches(name, KNOWN_DIRECTIVES, n=1, cutoff=0.8)
        if not close or "|" not in plain:
            return None  # a comment such as `# exports` or `# hidden`: only `#|` lines can be directive typos
        name = close[0]
    if name == "default_exp":
        return f"#| default_exp {match['arg'] or 'core.NAME'}"
    return None if match["arg"] and "|" not in plain else f"#| {name}"


def directive_near_miss_message(line: str, meant: str) -> str:
    odd = _odd_characters(line)
    if odd:
        cause = f"it contains {odd}, not plain spaces"
    elif line[:1] in (" ", "\t"):
        cause = "directives must start at the beginning of the line"
    else:
        cause = "the engine only reads '#|' directives, lower case"
    return f"{_plain_spaces(line).strip()!r} looks like a directive but is not one ({cause}); write exactly '{meant}'"


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
