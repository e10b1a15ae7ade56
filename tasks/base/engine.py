"""Which engine source files a piece of the engine is made of: the code that made an output.

doit does not notice changes to action code, so each task lists the files of the engine modules its action
uses (graph/), and grading keys each result on a fingerprint of the modules the grading task uses
(grade/run.py), so an edit to either reruns what it decides. The files are found by following the
package's own import statements (including lazy ones inside functions):
`from .x import`, `from ..course.paths import`, `from . import a, b`, `from tasks.notebook import source`,
`import tasks.course.paths`. Modules are named by their dotted path inside the package (`graph.task_lint`).
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
PACKAGE = PACKAGE_DIR.name

# A line scan, not ast: this runs on every `doit` start, and parsing costs ~0.3 s. Any indentation counts.
# A line starts after "\n" (the text is scanned with one put in front): the same matches as `^` with re.M,
# 3-5x faster, as the regex engine then looks for the literal "\n" instead of trying every position.
FROM_RE = re.compile(r"\n[ \t]*from[ \t]+(?P<dots>\.*)(?P<path>[\w.]*)[ \t]+import[ \t]+(?P<names>\([^)]*\)|[^#\n]+)")
IMPORT_RE = re.compile(r"\n[ \t]*import[ \t]+(?P<names>[^#\n]+)")


@lru_cache(maxsize=None)
def _module_index(package_dir: Path) -> dict[str, str]:
    """Every engine module's dotted name ('' for the package) -> its file, from one walk of the package: this
    runs on every `doit` start, and asking the file system about each candidate name cost ~700 stat calls.
    A `name.py` wins over a package folder `name/` of the same name, as in `import`."""
    index: dict[str, str] = {}
    for folder, dirs, files in os.walk(package_dir):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        rel = os.path.relpath(folder, package_dir)
        prefix = "" if rel == os.curdir else rel.replace(os.sep, ".") + "."
        for name in files:
            if name.endswith(".py") and name != "__init__.py":
                index[prefix + name[:-3]] = os.path.join(folder, name)
        if "__init__.py" in files:
            index.setdefault(prefix[:-1], os.path.join(folder, "__init__.py"))
    return index


def _absolute(importer: str, dots: str, path: str) -> str | None:
    """The engine-relative dotted name a `from <dots><path>` in module `importer` refers to, or None."""
    if not dots:
        if path == PACKAGE or path.startswith(PACKAGE + "."):
            return path[len(PACKAGE) + 1 :]
        return None
    parts = importer.split(".")[:-1] if not _is_package(importer) else importer.split(".")
    up = len(dots) - 1
    if up > len(parts):
        return None
    base = parts[: len(parts) - up]
    return ".".join(base + ([path] if path else []))


def _is_package(module: str) -> bool:
    path = _module_index(PACKAGE_DIR).get(module)
    return path is not None and os.path.basename(path) == "__init__.py"


def _names(text: str) -> list[str]:
    return [name.split()[0] for name in text.strip("() \\\n").replace("\n", " ").split(",") if name.strip()]


@lru_cache(maxsize=None)
def local_imports(module: str) -> frozenset[str]:
    """The engine modules `module` imports directly (packages count as their `__init__`)."""
    path = _module_index(PACKAGE_DIR).get(module)
    if path is None:
        return frozenset()
    with open(path, encoding="utf-8") as file:
        text = "\n" + file.read()
    index = _module_index(PACKAGE_DIR)
    found: set[str] = set()
    for match in FROM_RE.finditer(text):
        target = _absolute(module, match["dots"], match["path"])
        if target is None:
            continue
        if target:
            found.add(target)
        for name in _names(match["names"]):  # `from .course import paths`: a submodule, when one exists
            sub = f"{target}.{name}" if target else name
            if sub in index:
                found.add(sub)
    for match in IMPORT_RE.finditer(text):
        for name in _names(match["names"]):
            if name.startswith(PACKAGE + "."):
                found.add(name[len(PACKAGE) + 1 :])
    return frozenset(m for m in found if m != module and m in index)


@lru_cache(maxsize=None)
def engine_files(*modules: str) -> list[str]:
    """Sorted paths (relative to the repository) of `modules` and every engine module they import.

    Modules are dotted names inside the package (`graph.task_lint`), or `__name__` (`tasks.graph.task_lint`).
    """
    seen: set[str] = set()
    stack = [m[len(PACKAGE) + 1 :] if m.startswith(PACKAGE + ".") else m for m in modules]
    while stack:
        module = stack.pop()
        if module not in seen:
            seen.add(module)
            stack.extend(local_imports(module))
            stack.extend(".".join(module.split(".")[:i]) for i in range(len(module.split("."))))  # its packages
    index, start = _module_index(PACKAGE_DIR), len(os.path.dirname(PACKAGE_DIR)) + 1
    return sorted({index[m][start:].replace(os.sep, "/") for m in seen if m in index})
