"""Which engine source files a task's output depends on, so an edit to a transform reruns its tasks.

doit does not notice changes to action code; each task lists the files of the engine modules its action
uses, found by following `from .x import` statements (including lazy ones inside functions).
"""
from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def local_imports(module: str) -> frozenset[str]:
    tree = ast.parse((PACKAGE_DIR / f"{module}.py").read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tasks."):
            found.add(node.module.split(".")[1])
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
