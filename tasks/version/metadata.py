"""The module-metadata gates of course.yaml's `release_check.meta`: each module declares every configured key in
its `meta:`, a number within [min, max], a list with between min and max entries. None unless configured."""

from __future__ import annotations

from ..base.errors import Finding
from ..course.model import COURSE_FILE


def metadata_findings(course) -> list[Finding]:
    """A finding at course.yaml:LINE for each module missing a configured key or outside its range."""
    findings = []
    for gate in course.release_check.meta:
        for index, module in enumerate(course.modules):
            where = f"modules[{index}] ({module.name})"
            entry = next((m for m in module.meta if m.key == gate.key), None)
            if entry is None:
                findings.append(
                    Finding(
                        COURSE_FILE,
                        module.line,
                        f"{where}: no meta.{gate.key} (release_check.meta on line {gate.line} asks every module for it); "
                        f"add `meta: {{{gate.key}: ...}}` to the module",
                    )
                )
                continue
            problem = _out_of_range(entry.value, gate.low, gate.high)
            if problem:
                findings.append(
                    Finding(
                        COURSE_FILE,
                        entry.line,
                        f"{where}: meta.{gate.key} {problem} (release_check.meta, line {gate.line})",
                    )
                )
    return findings


def _out_of_range(value, low, high) -> str | None:
    if isinstance(value, str):
        return None if low is None and high is None else f"is text ('{value}'); min and max need a number or a list"
    measured, what = (len(value), "entries") if isinstance(value, tuple) else (value, "")
    if (low is not None and measured < low) or (high is not None and measured > high):
        bounds = f"{'' if low is None else low}..{'' if high is None else high}"
        return f"has {measured} {what}, outside {bounds}" if what else f"is {measured}, outside {bounds}"
    return None
