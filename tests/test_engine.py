"""tasks/base/engine.py: every engine module's tracked files equal its transitive engine imports, found
independently here with `ast` and importlib's own name resolution, across subpackages."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

from tasks.base import engine
from tasks.base.engine import engine_files

TASKS = Path(engine.__file__).resolve().parent.parent
REPO = TASKS.parent


def dotted(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_path(name: str) -> Path | None:
    base = REPO.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def direct_imports(name: str) -> set[str]:
    path = module_path(name)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            target = (
                importlib.util.resolve_name("." * node.level + (node.module or ""), package)
                if node.level
                else node.module
            )
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m and m.split(".")[0] == "tasks" and module_path(m)}


def transitive(name: str) -> set[str]:
    seen, stack = set(), [name]
    while stack:
        module = stack.pop()
        if module in seen:
            continue
        seen.add(module)
        stack.extend(direct_imports(module))
        parts = module.split(".")
        parents = (".".join(parts[:i]) for i in range(1, len(parts)))  # importing a.b.c runs a/__init__, a/b/__init__
        stack.extend(p for p in parents if module_path(p))  # a folder without __init__.py runs nothing
    return seen


ENGINE_MODULES = sorted(dotted(p) for p in TASKS.rglob("*.py") if "resources" not in p.parts)


@pytest.mark.parametrize("module", ENGINE_MODULES)
def test_engine_files_are_the_transitive_engine_imports(module):
    expected = sorted(module_path(m).relative_to(REPO).as_posix() for m in transitive(module))
    assert engine_files(module) == expected


def test_subpackage_imports_of_every_form_are_followed(tmp_path, monkeypatch):
    pkg = tmp_path / "tasks"
    for rel, text in {
        "__init__.py": "",
        "a/__init__.py": "",
        "a/one.py": "from ..b.two import x\nfrom . import three as t\n",
        "a/three.py": "def f():\n    from tasks.c import four\n",
        "b/__init__.py": "",
        "b/two.py": "import tasks.c.five\nfrom ..c.six import (\n    y,\n    z,\n)\n",
        "c/__init__.py": "",
        "c/four.py": "",
        "c/five.py": "",
        "c/six.py": "",
        "c/unused.py": "",
    }.items():
        (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
        (pkg / rel).write_text(text)
    monkeypatch.setattr(engine, "PACKAGE_DIR", pkg)
    engine.local_imports.cache_clear()
    engine.engine_files.cache_clear()
    try:
        files = engine.engine_files("a.one")
    finally:
        engine.local_imports.cache_clear()
        engine.engine_files.cache_clear()
    assert files == [
        f"tasks/{p}"
        for p in (
            "__init__.py",
            "a/__init__.py",
            "a/one.py",
            "a/three.py",
            "b/__init__.py",
            "b/two.py",
            "c/__init__.py",
            "c/five.py",
            "c/four.py",
            "c/six.py",
        )
    ]
