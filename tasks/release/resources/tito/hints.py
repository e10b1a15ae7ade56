"""Say which module to complete when `tinytorch.X` is missing, instead of a bare ModuleNotFoundError.

`tinytorch/__init__.py` installs `MissingModuleHint` at the end of the import machinery: it is asked only
about `tinytorch.*` modules nothing else found, i.e. ones you have not exported yet.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from .repo import StudentModule, directives, modules, read_cells

IMPORT = re.compile(r"^\s*(?:from\s+(tinytorch(?:\.\w+)+)\s+import|import\s+(tinytorch(?:\.\w+)+))", re.M)


def exported_by(root: Path, dotted: str) -> StudentModule | None:
    """The (first) module whose `#| default_exp` is `dotted` or lies inside it (`tinytorch.core` -> the first
    module exporting into tinytorch.core: Python imports the package before the module)."""
    target = dotted.removeprefix("tinytorch.")
    for module in modules(root):
        notebook = module.notebook() or module.python_copy()
        exports = (
            [
                value
                for cell in read_cells(notebook)
                for name, value in directives(cell.source)
                if name == "default_exp" and value
            ]
            if notebook
            else []
        )
        if any(value == target or value.startswith(f"{target}.") for value in exports):
            return module
    return None


def advice(root: Path, dotted: str) -> str:
    module = exported_by(root, dotted)
    if module is None:
        return f"no released module exports {dotted} yet (is it a later week's? `tito update` brings new modules)"
    return f"complete {module.slug} first (tito module complete {module.short})"


def imported_packages(sources: list[str]) -> list[str]:
    found = [a or b for source in sources for a, b in IMPORT.findall(source)]
    return list(dict.fromkeys(found))


def missing_dependencies(root: Path, sources: list[str], own: str | None) -> list[str]:
    """Advice for each `tinytorch.X` the code imports that is not exported yet (its own module excepted)."""
    from .export import package_file

    missing = []
    for dotted in imported_packages(sources):
        target = dotted.removeprefix("tinytorch.")
        if (
            target != own
            and not package_file(root, target).exists()
            and not (root / "tinytorch" / Path(*target.split("."))).is_dir()
        ):
            missing.append(f"{dotted} is not exported yet: {advice(root, dotted)}")
    return missing


class MissingModuleHint:
    """A meta-path finder consulted last: a `tinytorch.*` module nobody found gets a message saying what to do."""

    def __init__(self, root: Path):
        self.root = root

    def find_spec(self, name, path=None, target=None):
        if not name.startswith("tinytorch.") or name.count(".") < 1:
            return None
        folder = self.root / "tinytorch" / Path(*name.split(".")[1:])
        if folder.is_dir():
            return None  # a package folder: its own import machinery will find it
        if self.is_package(name):  # `tinytorch.core` before anything was exported into it: go on to the module
            from importlib.machinery import ModuleSpec

            spec = ModuleSpec(name, None, is_package=True)
            spec.submodule_search_locations = [str(folder)]
            return spec
        raise ModuleNotFoundError(f"No module named '{name}': {advice(self.root, name)}", name=name)

    def is_package(self, name: str) -> bool:
        module = exported_by(self.root, name)
        target = name.removeprefix("tinytorch.")
        return module is not None and not any(
            value == target
            for cell in read_cells(module.notebook() or module.python_copy())
            for key, value in directives(cell.source)
            if key == "default_exp"
        )


def install(package_dir: str) -> None:
    root = Path(package_dir).resolve().parent
    if (root / "modules").is_dir() and not any(isinstance(f, MissingModuleHint) for f in sys.meta_path):
        sys.meta_path.append(MissingModuleHint(root))
