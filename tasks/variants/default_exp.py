"""The `#| default_exp` rule, stated once: lint and the export both judge a module's declarations with
`declaration_problems`, so they accept the same sources and say the same words."""

from __future__ import annotations

import re

DOTTED_RE = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
MISSING = "has no '#| default_exp' line, so its '#| export' cells have nowhere to go; add e.g. '#| default_exp core.tensor' to the first code cell"


def declaration_problems(found: list[tuple[object, int, str]], exports: bool = True) -> list[tuple[object, str]]:
    """(where, message) for what is wrong with a module's `#| default_exp` lines, given as
    (where, line shown to the user, target) in source order; `where` None for a missing line. A module
    without `#| export` cells (`exports` False: written answers, an nbgrader assignment) needs none."""
    if not found:
        return [(None, MISSING)] if exports else []
    if len(found) > 1:
        lines = ", ".join(str(line) for _, line, _ in found)
        return [
            (where, f"has {len(found)} '#| default_exp' lines (lines {lines}); keep exactly one")
            for where, _, _ in found[1:]
        ]
    where, _, target = found[0]
    if not DOTTED_RE.match(target):
        return [
            (where, f"'#| default_exp {target}' is not a dotted module name; write e.g. '#| default_exp core.tensor'")
        ]
    return []
