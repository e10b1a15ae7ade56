"""What each module offers a release: its built files (leak-guarded again) under their student-repo paths."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..base.errors import CourseError
from ..course.datafiles import shipped_data
from ..variants.registry import Variant, shipped_as

if TYPE_CHECKING:
    from .plan import Offer

SHIPPED_TO = {"exercises": "modules", "solutions": "solutions"}  # release kind -> folder in the student repo


def shipped(kind: str) -> Variant:
    """The build variant a release kind ('exercises' or 'solutions') ships (variants.VARIANTS)."""
    return shipped_as(SHIPPED_TO[kind])


def _tampered_advice(task: str, name: str) -> str:
    """At release, a built file holding a secret was changed after the build (which guards what it writes)."""
    return (
        f"This built file was changed after `doit {task}:{name}` wrote it (the build checks everything it writes); "
        f"nothing was released. Rebuild it with `doit -a {task}:{name}`, then release again."
    )


def offers(course, paths, modules, kind: str) -> list[Offer]:
    """The built files of `modules` for `kind` ('exercises' or 'solutions'), leak-guarded again."""
    return [module_offer(paths, module, kind, course.markup) for module in modules]


def module_offer(paths, module, kind: str, markup) -> Offer:
    from ..compile.compiled import compiled  # lazy: task creators import this module on every `doit` start
    from ..variants.leakguard import guard
    from .plan import Offer

    variant = shipped(kind)
    built = [p for part in module.parts for p in paths.variant_files(part, variant.folder)]  # one folder for all
    missing = [paths.rel(p) for p in built if not p.exists()]
    if missing:
        raise CourseError.at(missing[0], None, f"is missing; build it first with `doit {variant.task}:{module.name}`")
    folder = paths.repo_dir(module, variant.repo_dir)
    files = {str(folder / p.name): p.read_bytes() for p in built}
    shown = {paths.rel(p): p.read_bytes() for p in built}
    if kind == "exercises":
        data = shipped_data(paths, module)
        files.update({str(folder / name): content for name, content in data.items()})
        shown.update({f"{module.folder}/{name}": content for name, content in data.items()})
    for part in module.parts:  # no notebook's secrets in any file of the module
        guard(
            compiled(paths, part, markup).source,
            shown,
            variant.name,
            advice=_tampered_advice(variant.task, module.name),
            binary_ok=set(shown) - {paths.rel(p) for p in built},
            markup=markup,
        )  # every file the repo gets, data files too
    return Offer(module.name, kind, files)
