"""The docs' links resolve: every relative link and image in the course's markdown names a file (or folder)
of the repository, and a `#anchor` a heading of the file it points into. External links (a scheme, `//`) are
not followed: the check needs no network. Code blocks and code spans are not read for links."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

from ..base.errors import Finding

INLINE_RE = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_RE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
CODE_SPAN_RE = re.compile(r"(`+).+?\1")
FENCE_RE = re.compile(r"^\s{0,3}(```|~~~)")
HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
EXTERNAL_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*:|//)")


def markdown_files(root: Path, entries) -> tuple[list[Path], list[str]]:
    """(the .md files of `entries`, the entries that do not exist): files or folders relative to `root`."""
    files, missing = [], []
    for entry in entries:
        path = root / entry
        if path.is_dir():
            files += sorted(p for p in path.rglob("*.md") if ".ipynb_checkpoints" not in p.parts)
        elif path.is_file():
            files.append(path)
        else:
            missing.append(entry)
    return files, missing


def links(text: str) -> list[tuple[int, str]]:
    """(line number, target) of each link and image of a markdown text, outside code."""
    found, fenced = [], None
    for number, line in enumerate(text.split("\n"), 1):
        fence = FENCE_RE.match(line)
        if fence:
            fenced = None if fenced == fence[1] else (fenced or fence[1])
            continue
        if fenced:
            continue
        plain = CODE_SPAN_RE.sub("", line)
        found += [(number, m[1]) for m in INLINE_RE.finditer(plain)]
        reference = REFERENCE_RE.match(plain)
        if reference:
            found.append((number, reference[1]))
    return found


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as '-'."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", lambda m: m[1] or "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(text: str) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for line in text.split("\n"):
        match = HEADING_RE.match(line)
        if match:
            base = slug(match[1])
            count = seen.get(base, 0)
            found.add(base if not count else f"{base}-{count}")
            seen[base] = count + 1
    return found


def broken_links(root: Path, files: list[Path]) -> list[Finding]:
    """A finding at file:line for each relative link whose file or anchor does not exist."""
    root = root.resolve()
    findings, texts = [], {}

    def read(path: Path) -> str:
        if path not in texts:
            texts[path] = path.read_text(encoding="utf-8", errors="replace")
        return texts[path]

    for file in files:
        shown = file.resolve().relative_to(root).as_posix() if root in file.resolve().parents else str(file)
        for number, target in links(read(file)):
            if EXTERNAL_RE.match(target):
                continue
            location, _, anchor = unquote(target).partition("#")
            path = (file.parent / location).resolve() if location else file.resolve()
            if location and not (path == root or root in path.parents):
                findings.append(Finding(shown, number, f"link '{target}' leaves the repository"))
            elif not path.exists():
                findings.append(Finding(shown, number, f"link '{target}': {location} does not exist"))
            elif anchor and path.suffix == ".md" and path.is_file() and anchor.lower() not in anchors(read(path)):
                findings.append(Finding(shown, number, f"link '{target}': no heading '#{anchor}' in {path.name}"))
    return findings
