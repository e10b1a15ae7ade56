"""A fast reader for the plain subset of jupytext's percent format: jupytext's result exactly, or None.

Module sources are read the way jupytext reads `py:percent`. Importing jupytext and running its
line-by-line reader cost more than the rest of a module's build, so the common case takes this path:
`reads_cells(text)` returns the cells jupytext would make, or None when the text uses anything outside
the subset below, and the caller then asks jupytext itself. Declining is always safe; a wrong answer is
not, so each rule keeps only what can be decided exactly. The subset:

- the file starts with a cell header, and every line jupytext could take for a header is one of
  `# %%`, `# %% [markdown]`, optionally followed by ` nbgrader={...}` (a JSON object without `=`);
- no header line sits inside a triple-quoted string, or inside a fenced block of a markdown cell;
- no line is anything jupytext would treat as a (commented) magic, shell or help command, or an
  escaped code-cell marker (`# +`);
- no line breaks other than `\\n` (jupytext splits on every kind Python knows).

tests/test_percent.py holds this to jupytext on the course's sources and on generated ones.
The parsing rules ported here follow jupytext 1.19 (cell_reader.py, stringparser.py; MIT licence).
"""

from __future__ import annotations

import json
import re

# Lines jupytext takes for the start of a cell (DoublePercentScriptCellReader.start_code_re and
# alternative_start_code_re), and the ones this reader handles.
CANDIDATE_RE = re.compile(r"^\s*#\s*(?:%%%*\s.*|(?:%%|<codecell>|In\[[0-9 ]*\]:?)\s*)$")
HEADER_RE = re.compile(r"^# %%( \[markdown\])?(?: nbgrader=(\{[^=]*\}))?$")
# Everything jupytext's uncomment_magic and unescape_code_start would change (jupytext/magics.py),
# searched over the whole text at once: a superset of their line-by-line matches.
MAGIC_RE = re.compile(
    "|".join(
        [
            r"^\s*(?:# |#)*(?:%|%%|%%%)[a-zA-Z]",  # line and cell magics, possibly commented
            r"^\s*(?:(?:# |#)+\s*)?(?:\?|!)\s*[A-Za-z\.\~\$\\\/\{\}]",  # shell and help commands
            r"^(?:# |#)*\s*[a-zA-Z_][a-zA-Z_$0-9]*\s*=\s*(?:%|%%|%%%|!)[a-zA-Z]",  # x = !ls
            r"^\s*(?:# )*[^\s]*\?\s*$",  # obj?
            r"^(?:# |#)*(?:cat|cd|cp|mv|rm|rmdir|mkdir|copy|ddir|echo|ls|ldir|ren)(?:$|\s$|\s[^=,])",
            r"^(?:# |#)*(?:#|# )\+",  # an escaped `# +` cell marker
        ]
    ),
    re.MULTILINE,
)
UNUSUAL_BREAK_RE = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
BLANK_RE = re.compile(r"^\s*$")
FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
QUOTE_FORMS = [(prefix, quote) for prefix in ("", "r", "R") for quote in ('"""', "'''")]


def reads_cells(text: str) -> list[tuple[str, str, dict]] | None:
    """(cell_type, source, metadata) for each cell, as jupytext reads `text`, or None if outside the subset.

    Metadata leaves out jupytext's `lines_to_next_cell`, which the build drops.
    """
    if not text or UNUSUAL_BREAK_RE.search(text) or MAGIC_RE.search(text):
        return None
    lines = text.splitlines()
    starts = [index for index, line in enumerate(lines) if CANDIDATE_RE.match(line)]
    if not starts or starts[0] != 0:
        return None
    ends = starts[1:] + [len(lines)]
    cells = []
    for start, end in zip(starts, ends):
        cell = _read_cell(lines, start, end, last=end == len(lines))
        if cell is None:
            return None
        cells.append(cell)
    return cells


def _read_cell(lines: list[str], start: int, end: int, last: bool) -> tuple[str, str, dict] | None:
    """The cell whose header is lines[start] and whose next header is lines[end] (or the end of file)."""
    header = HEADER_RE.match(lines[start])
    if header is None:
        return None
    metadata = {}
    if header.group(2):
        try:
            metadata["nbgrader"] = json.loads(header.group(2))
        except ValueError:
            return None
        if not isinstance(metadata["nbgrader"], dict):
            return None
    markdown = bool(header.group(1))
    chunk = lines[start:end]
    if not last and not _ends_outside_strings_and_fences(chunk, markdown):
        return None
    body = chunk[1 : _content_end(chunk)]
    if not markdown:
        return "code", "\n".join(body), metadata
    return "markdown", "\n".join(_markdown_content(body, metadata)), metadata


def _content_end(chunk: list[str]) -> int:
    """Where a cell's content stops: jupytext leaves out one empty line, or exactly two blank ones."""
    if len(chunk) >= 3 and not BLANK_RE.match(chunk[-3]) and BLANK_RE.match(chunk[-2]) and BLANK_RE.match(chunk[-1]):
        return len(chunk) - 2
    if chunk[-1] == "":
        return len(chunk) - 1
    return len(chunk)


def _markdown_content(body: list[str], metadata: dict) -> list[str]:
    """A markdown cell's lines: the inside of a triple-quoted string (noting its quotes), or uncommented."""
    content = "\n".join(body).strip()
    for prefix, quote in QUOTE_FORMS:
        left, right = prefix + quote, quote
        if content.startswith(left) and content.endswith(right) and len(content) >= len(left + right):
            content = content[len(left) : -len(right)]
            if content.startswith("\n"):
                content, left = content[1:], left + "\n"
            if content.endswith("\n"):
                content, right = content[:-1], "\n" + right
            if not prefix:
                if len(left) == len(right) == 4:
                    metadata["cell_marker"] = left[:3]
            elif len(left[1:]) == len(right) == 4:
                metadata["cell_marker"] = left[:4]
            else:
                metadata["cell_marker"] = left + "," + right
            return content.splitlines()
    return [_uncomment(line) for line in body]


def _uncomment(line: str) -> str:
    return line[2:] if line.startswith("# ") else line[1:] if line.startswith("#") else line


def _ends_outside_strings_and_fences(chunk: list[str], markdown: bool) -> bool:
    """Is the line after `chunk` outside any triple-quoted string (and, in markdown, any fenced block)?

    jupytext's StringParser only changes its carried state on lines with a triple quote, so only those
    are scanned. A fence is taken as opened without jupytext's look-ahead for its closing line; when
    that differs, the fence stays open here and the caller declines.
    """
    triple, fence = None, None
    for line in chunk:
        has_triple = '"""' in line or "'''" in line
        if triple is not None:
            if has_triple:
                triple = scan_quotes(line, triple)
            continue
        if has_triple and not line.lstrip().startswith("#"):
            triple = scan_quotes(line, None)
        if markdown:
            text = _uncomment(line)
            if fence:
                if _closes_fence(text, fence):
                    fence = None
                continue
            fence = _opening_fence(text)
    return triple is None and fence is None


def scan_quotes(line: str, triple: str | None) -> str | None:
    """jupytext's StringParser.read_line for Python: the triple quote open after `line`, if any."""
    single, triple_start = None, -1
    for i, char in enumerate(line):
        if single is None and triple is None and char == "#":
            break
        if char not in "\"'" or line[i - 1 : i] == "\\":
            continue
        if single == char:
            single = None
        elif single is not None:
            continue
        elif line[i - 2 : i + 1] == 3 * char and i >= triple_start + 3:
            if triple == char:
                triple, triple_start = None, i
            elif triple is None:
                triple, triple_start = char, i
        elif triple is None:
            single = char
    return triple


def _opening_fence(text: str) -> tuple[str, int] | None:
    match = FENCE_RE.match(text)
    if not match or (match.group(1)[0] == "`" and "`" in match.group(2)):
        return None
    return match.group(1)[0], len(match.group(1))


def _closes_fence(text: str, fence: tuple[str, int]) -> bool:
    match = FENCE_RE.match(text)
    return (
        bool(match) and match.group(1)[0] == fence[0] and len(match.group(1)) >= fence[1] and not match.group(2).strip()
    )
