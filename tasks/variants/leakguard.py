"""The leak guard: no line of a solution region, hidden test or instructor cell in a student artifact.

It re-reads the source markup itself (a plain line scan, independent of the transforms) and searches
each written artifact: notebooks cell by cell, .py files line by line, archives member by member.
"""

from __future__ import annotations

import ast
import difflib
import functools
import io
import json
import re
import unicodedata
from collections import Counter
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..course.model import Markup
from ..notebook.nbgrader import is_answer
from ..base.errors import CourseError, Finding, Location
from .stubs import kept_lines
from .registry import ALL_SECRETS, VARIANTS
from .roles import stubbed_whole

TRIVIAL_RE = re.compile(r"^[\W_]*$")
LEADING_RE = re.compile(r"^[\s#]*")
WORD_RE = re.compile(r"\w+")
TRIVIAL = {
    "pass",
    "else:",
    "try:",
    "finally:",
    "return",
    "break",
    "continue",
    "return None",
    "return self",
    "return result",
    "return out",
    "return x",
    "return output",
    "yield",
    "raise",
    "else",
    "end",
}
LONG_ENOUGH_FOR_SUBSTRING = 24

# The guard's own markup recogniser, deliberately broader than tasks/variants/markers.py (it never uses it,
# so one mistake cannot blind both): any case, any Unicode space, any number of `#`, a misspelled kind.
GUARD_MARKER_RE = re.compile(r"^#+\s*(?P<edge>begin|end)\b\s*(?P<rest>[a-z][a-z\s]*?)\s*#*$", re.IGNORECASE)
GUARD_HIDE_RE = re.compile(r"^#\s*\|?\s*hide\s*$", re.IGNORECASE)
DEF_LINE_RE = re.compile(r"^\s*(async\s+)?def\s")


@dataclass(frozen=True)
class Secret:
    text: str  # the line as the guard compares it (key(): no indentation, comment signs or surrounding space)
    cell: int  # index in the source notebook
    line: int  # index in the cell
    # visible source lines that contain this (long) secret: students may see those, so they are no leak
    visible_in: frozenset[str] = field(default=frozenset(), compare=False)


def key(line: str) -> str:
    """How the guard compares lines, the same for every output format: a markdown line is `# text` in a
    .py and `text` in a notebook, a commented-out line is still its text; Unicode spaces are spaces."""
    if not line.isascii():
        line = "".join(
            " " if ch.isspace() or unicodedata.category(ch) == "Cf" else ch
            for ch in unicodedata.normalize("NFKC", line)
        )
    return LEADING_RE.sub("", line).strip()


@functools.lru_cache(maxsize=8192)
def _guard_marker(line: str) -> tuple[str, str] | None:
    """('begin'|'end', 'solution'|'hidden') for anything that looks like a marker, exact or not (cached per
    line: the same marker lines recur in every region, and difflib is slow)."""
    match = GUARD_MARKER_RE.match(_key_spaces(line))
    if not match:
        return None
    rest = re.sub(r"\s+", " ", match["rest"]).upper()
    if rest.startswith("HIDDEN TEST") or difflib.SequenceMatcher(None, rest, "HIDDEN TESTS").ratio() >= 0.75:
        return match["edge"].lower(), "hidden"
    if rest.startswith("SOLUTION") or difflib.SequenceMatcher(None, rest, "SOLUTION").ratio() >= 0.75:
        return match["edge"].lower(), "solution"
    return None


def _key_spaces(line: str) -> str:
    if not line.isascii():
        line = "".join(" " if ch.isspace() or unicodedata.category(ch) == "Cf" else ch for ch in line)
    return line.strip()


def _guard_hidden_cell(cell) -> bool:
    return cell.cell_type == "code" and any(GUARD_HIDE_RE.match(_key_spaces(line)) for line in cell.source.split("\n"))


@functools.lru_cache(maxsize=4096)
def in_literals(code: str) -> frozenset[int]:
    """Line indexes inside a multi-line string constant, from the syntax tree (markers.py uses tokenize).

    Cached per cell text, apart from markers.py's cache (one mistake must not blind both): the guard reads the
    same cells for the student and the solution variant of a module."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return frozenset()
    return frozenset(
        i for node in _multiline_nodes(tree) if _is_string(node) for i in range(node.lineno - 1, node.end_lineno)
    )


def _is_string(node) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _multiline_nodes(tree):
    """Every node of `tree` except those inside an expression written on one line (which holds no multi-line
    string): ast.walk, without visiting the bulk of a cell's nodes."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(
            child
            for child in ast.iter_child_nodes(node)
            if not (isinstance(child, ast.expr) and child.end_lineno == child.lineno)
        )


def _inside_function(lines: list[str], begin: int) -> bool:
    """True when a `def` line less indented than line `begin` opens the block around it."""
    limit = len(lines[begin].expandtabs()) - len(lines[begin].expandtabs().lstrip())
    for line in reversed(lines[:begin]):
        stripped = line.expandtabs().lstrip()
        if stripped and not stripped.startswith("#") and len(line.expandtabs()) - len(stripped) < limit:
            if DEF_LINE_RE.match(line):
                return True
            limit = len(line.expandtabs()) - len(stripped)
    return False


def _region_lines(cell, kinds: frozenset[str], markup: Markup = Markup()) -> tuple[set[int], set[int]]:
    """(secret line indexes, marker line indexes) of one cell, by the guard's own reading of the markup (and,
    for an answer cell without markers, the one rule of `roles.stubbed_whole`)."""
    lines = cell.source.split("\n")
    code = cell.cell_type == "code"
    if code and _guard_hidden_cell(cell):
        directive = {i for i, line in enumerate(lines) if GUARD_HIDE_RE.match(_key_spaces(line))}
        return (set(range(len(lines))) - directive if "hide" in kinds else set()), directive
    found = [(i, m) for i, line in enumerate(lines) if (m := _guard_marker(line))]
    if found and code:
        literal = in_literals(cell.source)
        found = [(i, m) for i, m in found if i not in literal]
    secret, markers, open_at = set(), {i for i, _ in found}, None
    for index, (edge, kind) in found:
        if edge == "begin" and open_at is None:
            open_at = (index, kind)
        elif edge == "end" and open_at is not None and kind == open_at[1]:  # an END of another kind closes nothing
            secret.update(_region_secret(lines, open_at[0], index, code) if open_at[1] in kinds else ())
            open_at = None
    if open_at is not None and open_at[1] in kinds:  # never closed: everything after its BEGIN is secret
        secret.update(range(open_at[0] + 1, len(lines)))
    if not found and "solution" in kinds and is_answer(cell) and (not code or stubbed_whole(cell, markup)):
        secret.update(range(len(lines)))
    return secret, markers


def _region_secret(lines: list[str], begin: int, end: int, code: bool) -> set[int]:
    inner = range(begin + 1, end)
    if not code or _inside_function(lines, begin):
        return set(inner)
    kept = kept_lines(lines[begin + 1 : end])  # definitions in a class body: signatures and docstrings ship
    return {i for i in inner if i - begin - 1 not in kept}


def secret_lines(nb, kinds: frozenset[str] = ALL_SECRETS, markup: Markup = Markup()) -> dict[str, Secret]:
    """Non-trivial lines that only exist inside the source's regions, instructor cells or answers students
    get as a stub, of `kinds` ('solution' regions and answers, 'hidden' test regions, 'hide' cells), read
    with the course's `markup:` settings; all else is visible."""
    secrets: dict[str, Secret] = {}
    visible: set[str] = set()
    for cell_index, cell in enumerate(nb.cells):
        secret, markers = _region_lines(cell, kinds, markup)
        for line_index, line in enumerate(cell.source.split("\n")):
            if line_index in markers:
                continue
            text = key(line)
            if line_index not in secret:
                visible.add(text)
            elif not trivial(text, line):
                secrets.setdefault(text, Secret(text, cell_index, line_index))
    secrets = {text: secret for text, secret in secrets.items() if text not in visible}
    containing: dict[str, set[str]] = {}
    finder = SubstringFinder([text for text in secrets if len(text) >= LONG_ENOUGH_FOR_SUBSTRING])
    for line in visible:
        for text in finder.found_in(line):
            containing.setdefault(text, set()).add(line)
    return {text: Secret(text, s.cell, s.line, frozenset(containing.get(text, ()))) for text, s in secrets.items()}


def trivial(text: str, line: str = "") -> bool:
    return not text or text in TRIVIAL or bool(TRIVIAL_RE.match(text)) or line.strip().startswith("#|")


class SubstringFinder:
    """Which of many long strings occur inside a line, in time linear in the line's length.

    A string that occurs inside a line holds its inner words (word runs not at its ends) as whole words of
    that line, at the same offsets. Each string is filed under its rarest inner word (the longest of equally
    rare ones), with that word's offset in the string and the string's length; for each occurrence in the line
    of a word filed under, the piece of the line where such a string would be is looked up exactly (a set, not
    a list of candidates: strings that differ only at their ends, `arr_1 = np.asarray(x)` ... `arr_99 = ...`,
    cost one lookup per offset and length, however many there are). Strings of fewer than three word runs
    are compared with every line."""

    def __init__(self, texts: list[str]):
        self.by_word: dict[str, dict[tuple[int, int], set[str]]] = {}
        self.always: list[str] = []
        self.shortest = min(map(len, texts), default=0)
        inner = {text: [(m.group(), m.start()) for m in WORD_RE.finditer(text)][1:-1] for text in texts}
        counts = Counter(word for words in inner.values() for word in {word for word, _ in words})
        for text, words in inner.items():
            if not words:
                self.always.append(text)
                continue
            word, offset = min(words, key=lambda w: (counts[w[0]], -len(w[0])))
            self.by_word.setdefault(word, {}).setdefault((offset, len(text)), set()).add(text)

    def found_in(self, line: str) -> list[str]:
        if len(line) < self.shortest:
            return []
        found = [text for text in self.always if text in line]
        for word in self.by_word.keys() & WORD_RE.findall(line) if self.by_word else ():
            shapes, at = self.by_word[word].items(), line.find(word)
            while at >= 0:  # every occurrence (whole words among them): the lookup is exact anyway
                for (offset, length), texts in shapes:
                    if at >= offset and (piece := line[at - offset : at - offset + length]) in texts:
                        found.append(piece)
                at = line.find(word, at + 1)
        return list(dict.fromkeys(found)) if len(found) > 1 else found


def artifact_texts(name: str, data: bytes) -> list[tuple[str, list[str]]]:
    """(place, lines) pieces of one artifact: a notebook's cells, attachments and outputs, or a text file's lines."""
    if name.endswith(".ipynb"):
        nb = json.loads(data.decode("utf-8"))
        pieces = []
        for index, cell in enumerate(nb.get("cells", []), 1):
            pieces.append((f"{name} (cell {index})", "".join(cell.get("source", "")).split("\n")))
            for attachment, bundle in (cell.get("attachments") or {}).items():
                pieces.extend(
                    (f"{name} (cell {index} attachment {attachment})", text.split("\n"))
                    for text in _attachment_texts(bundle)
                )
            for output in cell.get("outputs", []):
                text = "".join(output.get("text", "")) + json.dumps(output.get("data", {}))
                pieces.append((f"{name} (cell {index} output)", text.split("\n")))
        return pieces
    return [(name, data.decode("utf-8", errors="replace").split("\n"))]


def _attachment_texts(bundle) -> list[str]:
    """The texts of a notebook attachment's mime bundle: each value as written and, when it is base64 (as
    nbformat stores attachments) of UTF-8 text, decoded too. Images decode to binary and are skipped."""
    import base64
    import binascii

    texts = []
    for value in (bundle or {}).values() if isinstance(bundle, dict) else []:
        raw = "".join(value) if isinstance(value, list) else value if isinstance(value, str) else json.dumps(value)
        texts.append(raw)
        try:
            decoded = base64.b64decode("".join(raw.split()), validate=True)
        except (binascii.Error, ValueError):
            continue
        if not _is_binary(decoded):
            texts.append(decoded.decode("utf-8"))
    return texts


def _is_binary(data: bytes) -> bool:
    """Bytes the guard cannot read as text: not UTF-8, or holding NUL bytes."""
    if b"\x00" in data:
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


BUILD_ADVICE = "The artifact was not kept; fix the markers around that line."  # what fixes a leak at build time


def scan_bytes(
    secrets: dict[str, Secret], name: str, data: bytes, source_where, advice: str = BUILD_ADVICE
) -> list[Finding]:
    """Findings for every secret line present in the artifact `name` with content `data` (linear in its size)."""
    findings = []
    finder = SubstringFinder([s for s in secrets if len(s) >= LONG_ENOUGH_FOR_SUBSTRING])
    for place, lines in artifact_texts(name, data):
        for number, line in enumerate(lines, 1):
            text = key(line)
            hit = secrets.get(text) or next(
                (secrets[s] for s in finder.found_in(text) if text not in secrets[s].visible_in), None
            )
            if hit:
                findings.append(leak(place, number, hit, source_where, advice))
    return findings


def leak(place: str, number: int, secret: Secret, source_where, advice: str = BUILD_ADVICE) -> Finding:
    src_file, src_line, src_cell = source_where(secret.cell, secret.line)
    origin = Location(src_file, src_line, src_cell)
    return Finding(
        place,
        number,
        f"LEAK: instructor-only text from {origin} is in a student artifact: {secret.text[:80]!r}. {advice}",
    )


def _archive_members(path: Path, data: bytes) -> list[tuple[str, bytes]]:
    """(entry name, content) of every member of a .zip or .tar.gz; links and other non-files are refused."""
    if path.name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return [(n, archive.read(n)) for n in archive.namelist() if not n.endswith("/")]
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        members = []
        for member in archive.getmembers():
            if member.isfile():
                members.append((member.name, archive.extractfile(member).read()))
            elif not member.isdir():
                members.append((member.name, None))
        return members


def scan_artifact(
    secrets: dict[str, Secret],
    name: str,
    data: bytes | None,
    source_where,
    binary_ok: frozenset[str] = frozenset(),
    entry: str | None = None,
    advice: str = BUILD_ADVICE,
) -> list[Finding]:
    """Scan one artifact (notebook, .py, any text, or a .zip/.tar.gz of them: every member) before it is kept.

    Bytes that cannot be read as text cannot be scanned: they pass only when their name (the archive entry
    name for a member) is in `binary_ok` (the module's `data:` files)."""
    if data is None:
        return [
            Finding(name, None, "is a link or special file inside an archive; only regular files may reach students")
        ]
    if name.endswith((".zip", ".tar.gz")) and (entry or name) not in binary_ok:
        findings = []
        for member, content in _archive_members(Path(name), data):
            findings.extend(
                scan_artifact(secrets, f"{Path(name).name}/{member}", content, source_where, binary_ok, member, advice)
            )
        return findings
    if _is_binary(data):
        if (entry or name) in binary_ok:
            return []
        return [
            Finding(
                name,
                None,
                "is not UTF-8 text, so the leak guard cannot scan it; a binary file reaches students only when the module's `data:` in course.yaml lists it",
            )
        ]
    try:
        return scan_bytes(secrets, name, data, source_where, advice)
    except ValueError as error:  # a .ipynb that is not JSON
        return [Finding(name, None, f"cannot be read to scan it for leaks ({error}); nothing was kept")]


def guard(
    source,
    artifacts: dict[str, bytes],
    version: str = "student",
    advice: str = BUILD_ADVICE,
    binary_ok=frozenset(),
    markup: Markup = Markup(),
) -> None:
    """The leak guard: raise (so nothing is kept) if any secret line of `source` is in an artifact.

    `source` is a source.Source; `artifacts` maps the name to show to the exact bytes to be written;
    `version` says what must stay secret: everything for the student version, the hidden tests and
    instructor cells for the solution released to students. `advice` ends each message: what fixes it
    where the guard runs (at build time the markers; at release time, a built file changed since). `markup`:
    course.yaml's `markup:` (which answer cells students get as a stub).
    """
    secrets = secret_lines(source.nb, VARIANTS[version].secrets, markup)
    binary_ok = frozenset(binary_ok)  # names (or archive entries) that may be binary: the module's `data:` files
    findings = [
        f
        for name, data in artifacts.items()
        for f in scan_artifact(secrets, name, data, source.location, binary_ok, advice=advice)
    ]
    if findings:
        raise CourseError(findings)
