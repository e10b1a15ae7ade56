"""The layer rules of tasks/ (docs/architecture.md), checked over the real import graph, lazy imports included.

base -> course -> notebook -> variants -> package -> compile -> kernel -> version -> release -> graph: a module imports only from its
own layer and the layers before it. grade/ may use everything below graph/; cli/ uses everything. Only graph/
and cli/ import doit; only cli/ reads the command line; nothing below graph/ prints (graph's task actions
print into doit, which captures it, and its reporter shows it).
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

TASKS = Path(__file__).resolve().parent.parent / "tasks"
ORDER = ["base", "course", "notebook", "variants", "package", "compile", "kernel", "version", "release", "graph"]
ALLOWED = {layer: set(ORDER[: i + 1]) for i, layer in enumerate(ORDER)}
ALLOWED["grade"] = set(ORDER[:-1]) | {"grade"}
ALLOWED["cli"] = set(ORDER) | {"grade", "cli"}
SHIPPED = TASKS / "release" / "resources"  # files copied into the student repository, not engine code


PROGRAMS = {
    TASKS / "kernel" / "forkserver.py",
    TASKS / "grade" / "sandboxed.py",
}  # programs in another interpreter (their own argv)


def engine_modules() -> list[Path]:
    return sorted(p for p in TASKS.rglob("*.py") if SHIPPED not in p.parents and p.parent != TASKS)


def layer_of(path: Path) -> str:
    return path.relative_to(TASKS).parts[0]


def imports(path: Path, root: Path = TASKS) -> list[tuple[int, str]]:
    """(line, absolute dotted name) of every import in the file under the package folder `root`, at any depth."""
    package = ".".join(("tasks",) + path.relative_to(root).parent.parts)
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            name = (
                importlib.util.resolve_name("." * node.level + (node.module or ""), package)
                if node.level
                else node.module
            )
            found += [(node.lineno, name)] + [(node.lineno, f"{name}.{a.name}") for a in node.names if name == "tasks"]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def test_the_layers_exist_and_each_names_what_it_owns():
    for layer in ORDER:
        init = TASKS / layer / "__init__.py"
        assert init.is_file() and ast.get_docstring(ast.parse(init.read_text())), layer
    assert {layer_of(p) for p in engine_modules()} <= set(ALLOWED), "a new subpackage needs a place in the layer rules"


@pytest.mark.parametrize("path", engine_modules(), ids=lambda p: p.relative_to(TASKS).as_posix())
def test_imports_point_down_the_layers(path):
    layer = layer_of(path)
    wrong = [
        f"{path.name}:{line} imports {name}"
        for line, name in imports(path)
        if name.startswith("tasks.") and name.split(".")[1] not in ALLOWED[layer]
    ]
    assert not wrong, f"{layer}/ may import only {sorted(ALLOWED[layer])}"


@pytest.mark.parametrize("path", engine_modules(), ids=lambda p: p.relative_to(TASKS).as_posix())
def test_only_graph_and_cli_import_doit_and_only_cli_reads_the_command_line(path):
    layer = layer_of(path)
    names = [name for _, name in imports(path)]
    if layer not in {"graph", "cli"}:
        assert not [n for n in names if n == "doit" or n.startswith("doit.")]
    if layer != "cli":
        assert "argparse" not in names
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # reading the command line (setting it for a child program, as grade's runner does, is not reading it;
        # a program the engine runs in another interpreter reads its own)
        assert path in PROGRAMS or not [
            n.lineno
            for n in ast.walk(tree)
            if isinstance(n, ast.Attribute)
            and n.attr == "argv"
            and isinstance(n.ctx, ast.Load)
            and isinstance(n.value, ast.Name)
            and n.value.id == "sys"
        ]


@pytest.mark.parametrize(
    "path",
    [p for p in engine_modules() if layer_of(p) not in {"graph", "cli"}],
    ids=lambda p: p.relative_to(TASKS).as_posix(),
)
def test_nothing_below_graph_prints(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = [
        n.lineno
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print"
    ]
    assert not calls, f"{path.name} prints at lines {calls}: raise a CourseError or return what to show"


def test_the_rules_catch_an_upward_import(tmp_path):
    """The check itself can fail: a course/ module importing from variants/ is reported."""
    bad = tmp_path / "tasks" / "course" / "bad.py"
    bad.parent.mkdir(parents=True)
    bad.write_text("def f():\n    from ..variants.pipeline import VARIANTS\n")
    names = [name for _, name in imports(bad, tmp_path / "tasks")]
    assert "tasks.variants.pipeline" in names and "variants" not in ALLOWED["course"]
