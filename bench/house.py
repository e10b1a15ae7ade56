"""Measure the engine's house for the renovation (issue 27): files and lines of tasks/, its classes and the
class names defined more than once, its top-level functions and the share named `_x` (module-private), and the
call sites of read_source( and build_variant( (their definitions not counted). Prints a markdown table.

    python bench/house.py [REPO]             # REPO defaults to this checkout
"""

from __future__ import annotations

import ast
import re
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CALLED = ("read_source", "build_variant")


def measure(root: Path) -> dict:
    """The figures of root/tasks, as {what: value}."""
    files = sorted((root / "tasks").rglob("*.py"))
    texts = [path.read_text() for path in files]
    classes: Counter[str] = Counter()
    functions = private = 0
    for path, text in zip(files, texts):
        for node in ast.parse(text, filename=str(path)).body:
            if isinstance(node, ast.ClassDef):
                classes[node.name] += 1
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                functions += 1
                private += node.name.startswith("_")
    source = "\n".join(texts)
    figures = {
        "files": len(files),
        "lines": sum(len(text.splitlines()) for text in texts),
        "classes": sum(classes.values()),
        "class names defined more than once": ", ".join(sorted(k for k, n in classes.items() if n > 1)) or "none",
        "top-level functions": functions,
        "top-level functions named `_x`": f"{private} ({100 * private / max(functions, 1):.0f}%)",
    }
    for name in CALLED:
        calls = len(re.findall(rf"(?<!\w){name}\(", source))  # `name(` and `module.name(`, not `_name(`
        figures[f"call sites of `{name}(`"] = calls - len(re.findall(rf"\bdef {name}\(", source))
    return figures


def table(figures: dict) -> str:
    lines = ["| tasks/ | value |", "|---|---|"]
    lines += [f"| {what} | {value} |" for what, value in figures.items()]
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(measure(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO)))
