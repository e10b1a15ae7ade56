"""The leak guard: no line of a solution region, hidden test or instructor cell in a student artifact.

It re-reads the source markup itself (a plain line scan, independent of the transforms) and searches
each written artifact: notebooks cell by cell, .py files line by line, archives member by member.
"""
from __future__ import annotations

import io
import json
import re
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..base.errors import CourseError, Finding, Location
from .markers import has_directive, marker

TRIVIAL_RE = re.compile(r"^[\W_]*$")
COMMENT_RE = re.compile(r"^[ \t]*#+[ \t]?")
TRIVIAL = {"pass", "else:", "try:", "finally:", "return", "break", "continue", "return None", "return self",
           "return result", "return out", "return x", "return output", "yield", "raise", "else", "end"}
LONG_ENOUGH_FOR_SUBSTRING = 24
BUILD_ADVICE = "The artifact was not kept; fix the markers around that line."


@dataclass(frozen=True)
class Secret:
    text: str  # the stripped line
    cell: int  # index in the source notebook
    line: int  # index in the cell
    # visible source lines that contain this (long) secret: students may see those, so they are no leak
    visible_in: frozenset[str] = field(default=frozenset(), compare=False)


ALL_SECRETS = frozenset({"solution", "hidden", "hide"})


def secret_lines(nb, kinds: frozenset[str] = ALL_SECRETS) -> dict[str, Secret]:
    """Non-trivial stripped lines that only exist inside the source's regions or instructor cells of `kinds`
    ('solution' regions, 'hidden' test regions, 'hide' cells); everything else counts as visible."""
    secrets: dict[str, Secret] = {}
    visible: set[str] = set()
    for cell_index, cell in enumerate(nb.cells):
        lines = cell.source.split("\n")
        hidden_cell = "hide" in kinds and cell.cell_type == "code" and has_directive(lines, "hide")
        inside = False
        for line_index, line in enumerate(lines):
            found = marker(line) if cell.cell_type == "code" else None
            if found:
                inside = found[0] == "BEGIN" and found[1] in kinds
                continue
            stripped = line.strip()
            if inside or hidden_cell:
                if not trivial(stripped):
                    secrets.setdefault(stripped, Secret(stripped, cell_index, line_index))
            else:
                visible.add(stripped)
    return {
        text: Secret(text, secret.cell, secret.line, frozenset(v for v in visible if text in v))
        if len(text) >= LONG_ENOUGH_FOR_SUBSTRING else secret
        for text, secret in secrets.items() if text not in visible
    }


def trivial(stripped: str) -> bool:
    return not stripped or stripped in TRIVIAL or bool(TRIVIAL_RE.match(stripped)) or stripped.startswith("#|")


def artifact_texts(name: str, data: bytes) -> list[tuple[str, list[str]]]:
    """(place, lines) pieces of one artifact: a notebook's cells and outputs, or a text file's lines."""
    if name.endswith(".ipynb"):
        nb = json.loads(data.decode("utf-8"))
        pieces = []
        for index, cell in enumerate(nb.get("cells", []), 1):
            pieces.append((f"{name} (cell {index})", "".join(cell.get("source", "")).split("\n")))
            for output in cell.get("outputs", []):
                text = "".join(output.get("text", "")) + json.dumps(output.get("data", {}))
                pieces.append((f"{name} (cell {index} output)", text.split("\n")))
        return pieces
    lines = data.decode("utf-8", errors="replace").split("\n")
    pieces = [(name, lines)]
    if name.endswith(".py"):  # markdown cells of a percent .py are `# ` comments: their text too (same line numbers)
        pieces.append((name, [COMMENT_RE.sub("", line) if COMMENT_RE.match(line) else "" for line in lines]))
    return pieces


def scan_bytes(secrets: dict[str, Secret], name: str, data: bytes, source_where, advice: str = BUILD_ADVICE) -> list[Finding]:
    """Findings for every secret line present in the artifact `name` with content `data`."""
    findings = []
    long_secrets = [s for s in secrets if len(s) >= LONG_ENOUGH_FOR_SUBSTRING]
    for place, lines in artifact_texts(name, data):
        for number, line in enumerate(lines, 1):
            stripped = line.strip()
            hit = secrets.get(stripped) or next(
                (secrets[s] for s in long_secrets if s in stripped and stripped not in secrets[s].visible_in), None)
            if hit:
                findings.append(leak(place, number, hit, source_where, advice))
    return findings


def leak(place: str, number: int, secret: Secret, source_where, advice: str = BUILD_ADVICE) -> Finding:
    src_file, src_line, src_cell = source_where(secret.cell, secret.line)
    origin = Location(src_file, src_line, src_cell)
    return Finding(place, number, f"LEAK: instructor-only text from {origin} is in a student artifact: {secret.text[:80]!r}. {advice}")


def archive_members(path: Path, data: bytes) -> list[tuple[str, bytes]]:
    if path.name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return [(f"{path.name}/{n}", archive.read(n)) for n in archive.namelist()]
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        return [(f"{path.name}/{m.name}", archive.extractfile(m).read()) for m in archive.getmembers() if m.isfile()]


def scan_artifact(secrets: dict[str, Secret], name: str, data: bytes, source_where, advice: str = BUILD_ADVICE) -> list[Finding]:
    """Scan one artifact (notebook, .py, text, or a .zip/.tar.gz of them) before it is kept."""
    if name.endswith((".zip", ".tar.gz")):
        findings = []
        for member, content in archive_members(Path(name), data):
            if member.endswith((".ipynb", ".py", ".txt", ".md")):
                findings.extend(scan_bytes(secrets, member, content, source_where, advice))
        return findings
    return scan_bytes(secrets, name, data, source_where, advice)


GUARDED = {"student": ALL_SECRETS, "public_solution": frozenset({"hidden", "hide"})}


def guard(source, artifacts: dict[str, bytes], version: str = "student", advice: str = BUILD_ADVICE) -> None:
    """The leak guard: raise (so nothing is kept) if any secret line of `source` is in an artifact.

    `source` is a source.Source; `artifacts` maps the name to show to the exact bytes to be written;
    `version` says what must stay secret: everything for the student version, the hidden tests and
    instructor cells for the solution released to students. `advice` ends each message: what fixes it
    where the guard runs (at build time the markers; at release time, a built file changed since).
    """
    secrets = secret_lines(source.nb, GUARDED[version])
    findings = [f for name, data in artifacts.items() for f in scan_artifact(secrets, name, data, source.location, advice)]
    if findings:
        raise CourseError(findings)
