"""What each module offers a release: its built files (leak-guarded again) under their student-repo paths."""
from __future__ import annotations

from ..base.errors import CourseError
from ..notebook.source import read_source
from ..versions.leakguard import guard
from .plan import Offer

KINDS = {"exercises": ("student", "student"), "solutions": ("public_solution", "solution")}  # version, task


def offers(course, paths, modules, kind: str) -> list[Offer]:
    """The built files of `modules` for `kind` ('exercises' or 'solutions'), leak-guarded again."""
    return [module_offer(paths, module, kind) for module in modules]


def module_offer(paths, module, kind: str) -> Offer:
    version, task = KINDS[kind]
    built = paths.version_files(module, version)
    missing = [paths.rel(p) for p in built if not p.exists()]
    if missing:
        raise CourseError.at(missing[0], None, f"is missing; build it first with `doit {task}:{module.name}`")
    folder = paths.repo_module_dir(module) if kind == "exercises" else paths.repo_solution_dir(module)
    files = {str(folder / p.name): p.read_bytes() for p in built}
    source = read_source(paths.source(module), paths.rel(paths.source(module)))
    guard(source, {paths.rel(p): p.read_bytes() for p in built}, version)
    if kind == "exercises":
        data_root = paths.root / module.folder
        files.update({str(folder / p.relative_to(data_root).as_posix()): p.read_bytes() for p in paths.data_files(module)})
    return Offer(module.name, kind, files)
