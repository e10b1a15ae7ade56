"""Which engine source files a task's output depends on, so an edit to a transform reruns its tasks.

doit does not notice changes to action code; each task lists the files of the engine modules its action
uses, found by following the package's own import statements (including lazy ones inside functions):
`from .x import`, `from ..course.paths import`, `from . import a, b`, `from tasks.notebook import source`,
`import tasks.course.paths`. Modules are named by their dotted path inside the package (`graph.task_lint`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
PACKAGE = PACKAGE_DIR.name

# A line scan, not ast: this runs on every `doit` start, and parsing costs ~0.3 s. Any indentation counts.
FROM_RE = re.compile(
    r"^[ \t]*from[ \t]+(?P<dots>\.*)(?P<path>[\w.]*)[ \t]+import[ \t]+(?P<names>\([^)]*\)|[^#\n]+)", re.M
)
IMPORT_RE = re.compile(r"^[ \t]*import[ \t]+(?P<names>[^#\n]+)", re.M)


def module_file(module: str) -> Path | None:
    """The file of a dotted engine module (`course.paths` or a package `course`), or None."""
    base = PACKAGE_DIR.joinpath(*module.split(".")) if module else PACKAGE_DIR
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _absolute(importer: str, dots: str, path: str) -> str | None:
    """The engine-relative dotted name a `from <dots><path>` in module `importer` refers to, or None."""
    if not dots:
        if path == PACKAGE or path.startswith(PACKAGE + "."):
            return path[len(PACKAGE) + 1 :]
        return None
    parts = importer.split(".")[:-1] if module_file(importer) and not _is_package(importer) else importer.split(".")
    up = len(dots) - 1
    if up > len(parts):
        return None
    base = parts[: len(parts) - up]
    return ".".join(base + ([path] if path else []))


def _is_package(module: str) -> bool:
    base = PACKAGE_DIR.joinpath(*module.split(".")) if module else PACKAGE_DIR
    return (base / "__init__.py").is_file() and not base.with_suffix(".py").is_file()


def _names(text: str) -> list[str]:
    return [name.split()[0] for name in text.strip("() \\\n").replace("\n", " ").split(",") if name.strip()]


@lru_cache(maxsize=None)
def local_imports(module: str) -> frozenset[str]:
    """The engine modules `module` imports directly (packages count as their `__init__`)."""
    path = module_file(module)
    if path is None:
        return frozenset()
    text = path.read_text(encoding="utf-8")
    found: set[str] = set()
    for match in FROM_RE.finditer(text):
        target = _absolute(module, match["dots"], match["path"])
        if target is None:
            continue
        if target:
            found.add(target)
        for name in _names(match["names"]):  # `from .course import paths`: a submodule, when one exists
            sub = f"{target}.{name}" if target else name
            if module_file(sub):
                found.add(sub)
    for match in IMPORT_RE.finditer(text):
        for name in _names(match["names"]):
            if name.startswith(PACKAGE + "."):
                found.add(name[len(PACKAGE) + 1 :])
    return frozenset(m for m in found if m != module and module_file(m))


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
    files = {module_file(m) for m in seen} - {None}
    return sorted(path.relative_to(PACKAGE_DIR.parent).as_posix() for path in files)
