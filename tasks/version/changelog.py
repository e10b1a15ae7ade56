"""CHANGELOG.md: one section per version, newest first, generated from the changes (compiled.py) and the
instructor's notes. Pure text in, text out."""

from __future__ import annotations

from datetime import date

from .compiled import SECTIONS, Change

HEADINGS = {
    "breaking": "Breaking changes (students' work on these must change)",
    "added": "Modules added",
    "removed": "Modules removed",
    "changed": "Modules changed",
    "course": "course.yaml",
    "other": "Other files",
}


def header(course_name: str) -> str:
    return (
        f"# {course_name}: changelog\n\nEach version of the course, newest first, written by `tito version cut` from what "
        'changed in the compiled modules since the previous version (docs/instructor-guide.md, "Versions of the course").\n'
    )


def section(tag: str, previous: str | None, changes: list[Change], checked: str, notes: str, day: date) -> str:
    """The markdown section of one version (`checked`: the release check's one-line summary)."""
    since = f"Changes since {previous}." if previous else "The first version."
    lines = [f"## {tag} ({day.isoformat()})", "", f"{since} Release check: {checked}.", ""]
    for name in SECTIONS:
        items = _items(name, [c for c in changes if c.section == name])
        if items:
            lines += [f"### {HEADINGS[name]}", "", *[f"- {item}" for item in items], ""]
    if not changes:
        lines += ["No change to the course material.", ""]
    if notes.strip():
        lines += ["### Notes", "", notes.strip(), ""]
    return "\n".join(lines)


def _items(name: str, changes: list[Change]) -> list[str]:
    if name != "changed":
        return [c.text for c in changes]
    per_module: dict[str, list[str]] = {}
    for change in changes:
        per_module.setdefault(change.module or "", []).append(change.text)
    return [f"{module}: {'; '.join(texts)}" for module, texts in per_module.items()]


def with_section(existing: str | None, course_name: str, new_section: str) -> str:
    """CHANGELOG.md with `new_section` above the previous versions (the header kept, or written)."""
    text = existing if existing and existing.strip() else header(course_name)
    at = text.find("\n## ")
    if at < 0:
        return text.rstrip("\n") + "\n\n" + new_section.rstrip("\n") + "\n"
    return text[: at + 1] + new_section.rstrip("\n") + "\n\n" + text[at + 1 :]
