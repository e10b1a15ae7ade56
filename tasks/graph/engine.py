"""Which engine source files a task's output depends on, so an edit to a transform reruns its tasks.

doit does not notice changes to action code; each task lists the files of the engine modules its action
uses, found by following `from .x import` statements (including lazy ones inside functions).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


# `from .x import ...`, `from . import x, y as z`, `from tasks.x import ...`, at any indentation (lazy imports
# inside functions count). A line scan, not ast: this runs on every `doit` start, and parsing costs ~0.3 s.
IMPORT_RE = re.compile(r"^[ \t]*from[ \t]+(?:\.(?P<rel>\w*)|tasks\.(?P<abs>\w+))[ \t]+import[ \t]+(?P<names>[^#\n]+)", re.M)


@lru_cache(maxsize=None)
def local_imports(module: str) -> frozenset[str]:
    found = set()
    for match in IMPORT_RE.finditer((PACKAGE_DIR / f"{module}.py").read_text(encoding="utf-8")):
        if match["rel"] or match["abs"]:
            found.add(match["rel"] or match["abs"])
        else:  # from . import a, b as c
            found.update(name.split()[0] for name in match["names"].strip("() \\").split(",") if name.strip())
    return frozenset(m for m in found if (PACKAGE_DIR / f"{m}.py").exists())


@lru_cache(maxsize=None)
def engine_files(*modules: str) -> list[str]:
    """Sorted paths (relative to the repository) of `modules` and every tasks module they import."""
    seen: set[str] = set()
    stack = list(modules)
    while stack:
        module = stack.pop()
        if module not in seen:
            seen.add(module)
            stack.extend(local_imports(module))
    return sorted(f"{PACKAGE_DIR.name}/{m}.py" for m in seen)
