"""Where in the notebook an error happened, from the traceback the kernel reports (the only form IPython
gives it in): the frames that are notebook cells, as (execution count, 1-based line in that cell)."""

from __future__ import annotations

import re

ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
CELL_FRAME_RE = re.compile(
    r"^(?:Cell In\[(?P<count>\d+)\], line (?P<line>\d+)|\s*File <ipython-input-(?P<old>\d+)-\w+>:(?P<oldline>\d+))",
    re.M,
)
SYNTAX_RE = re.compile(r"^\s*Cell In\[(?P<count>\d+)\], line (?P<line>\d+)\s*$", re.M)


def plain(traceback: list[str]) -> str:
    """The traceback as plain text (IPython colours it with ANSI escapes)."""
    return ANSI_RE.sub("", "\n".join(traceback))


def cell_frames(traceback: list[str]) -> list[tuple[int, int]]:
    """(execution count, line) of each frame in a notebook cell, outermost first."""
    frames = []
    for match in CELL_FRAME_RE.finditer(plain(traceback)):
        count, line = (match["count"], match["line"]) if match["count"] else (match["old"], match["oldline"])
        frames.append((int(count), int(line)))
    return frames
