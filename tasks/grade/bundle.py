"""The module bundle a grading task carries: everything needed to grade one module, as plain data.

Built from the module's compiled record (compile/: the source's roles, its student and solution variants and
its export, each made once per process), it travels to Dask workers inside each task, so workers need no shared file system:
- the cells to grade with, each with its kind: `answer` (a solution cell: the student's code goes here),
  `test` (a graded test cell, its points), `hand` (a written answer, graded by hand), or `fixed` (any
  other cell: it runs as the course wrote it), and the text the student received for it;
- the REFERENCE `tinytorch` exports of the modules it depends on (file bytes), so module N is graded
  against correct earlier modules (or, on request, against the student's own: run.py swaps them);
- `graded_hash`: what the gradebook key uses for "the module's graded source";
- `stubs`: the stubs of the student version (variants/stubs.py), so a test that stopped at one is "not
  attempted" (score.py), decided from data, not from the message's wording.
`make_bundle` is pure (notebooks and strings in, Bundle out); `load_bundle` takes them from the compiled record.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from ..notebook.nbgrader import cell_points, nbgrader_meta
from ..variants.markers import has_directive
from ..variants.roles import grading_kind
from ..variants.stubs import Stub, stubs


@dataclass(frozen=True)
class BundleCell:
    id: str
    grade_id: str
    cell_type: str
    source: str  # the pristine source (tests with their hidden part, the reference answer)
    released: str  # what the student received (the stub of an answer, the visible test); "" if not given
    kind: str
    points: float = 0.0


@dataclass(frozen=True)
class Bundle:
    module: str
    label: str  # the module's folder name, e.g. 01_tensor
    cells: tuple[BundleCell, ...]
    package: tuple[tuple[str, bytes], ...] = ()  # (path under the scratch dir, bytes): tinytorch/...
    graded_hash: str = field(default="")
    stubs: tuple[Stub, ...] = ()  # of the student version: what a test that is "not attempted" stopped at

    def graded(self) -> list[BundleCell]:
        return [c for c in self.cells if c.kind in ("test", "hand")]

    def answers(self) -> list[BundleCell]:
        return [c for c in self.cells if c.kind in ("answer", "hand")]

    def max_score(self) -> float:
        return sum(c.points for c in self.graded())


def make_bundle(
    source_nb, student_nb, solution_nb, module: str, label: str, package: dict[str, bytes], roles=None
) -> Bundle:
    """The bundle from the source notebook (for kinds: `roles`, one per source cell, when known), the student and
    solution versions (ids kept)."""
    kinds = {c.id: str(role) for c, role in zip(source_nb.cells, roles or [grading_kind(c) for c in source_nb.cells])}
    hidden = {c.id for c in source_nb.cells if c.cell_type == "code" and has_directive(c.source.split("\n"), "hide")}
    released = {c.id: c.source for c in student_nb.cells}
    cells = tuple(
        BundleCell(
            id=c.id,
            grade_id=str(nbgrader_meta(c).get("grade_id", "")),
            cell_type=c.cell_type,
            source=c.source,
            released=released.get(c.id, ""),
            kind=kinds[c.id],
            points=cell_points(c) or 0.0,
        )
        for c in solution_nb.cells
        if not (c.id in hidden and kinds[c.id] == "fixed")  # instructor-only cells that grade nothing are not run
    )
    return Bundle(
        module=module,
        label=label,
        cells=cells,
        package=tuple(sorted(package.items())),
        graded_hash=graded_hash(cells, package),
        stubs=tuple(stubs(student_nb)),  # (the record's own `stubs`, when made from one)
    )


def graded_hash(cells: tuple[BundleCell, ...], package: dict[str, bytes]) -> str:
    """Of everything that decides a score: code cells, graded or answer cells, the package (explanations
    in markdown can be reworded without regrading the class)."""
    digest = hashlib.sha256()
    for cell in cells:
        if cell.cell_type != "code" and cell.kind == "fixed":
            continue
        for part in (cell.id, cell.grade_id, cell.cell_type, cell.kind, repr(cell.points), cell.source, cell.released):
            digest.update(part.encode("utf-8") + b"\0")
    for path, data in sorted(package.items()):
        digest.update(path.encode("utf-8") + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


# --- from the course ---------------------------------------------------------------------------------


def load_bundle(course, paths, module, package: dict[str, bytes] | None = None) -> Bundle:
    """The bundle of `module`, from its compiled record; `package` replaces the reference exports of its
    dependencies."""
    from ..compile.compiled import compiled

    record = compiled(paths, module, course.markup)
    if package is None:
        package = _reference_package(course, paths, module)
    return make_bundle(
        record.source.nb,
        record.variant("student"),
        record.variant("solution"),
        module.name,
        module.slug,
        package,
        record.roles,
    )


def _reference_package(course, paths, module) -> dict[str, bytes]:
    """tinytorch/... files of every module `module` depends on, exported from their solutions."""
    return package_of(course, paths, {part.name: None for dep in course.dependencies(module) for part in dep.parts})


def package_of(course, paths, modules: dict[str, object]) -> dict[str, bytes]:
    """The package files for `modules` (name -> a solution notebook to export, or None for the reference: the
    compiled record's export, made once per module)."""
    from ..compile.compiled import compiled
    from ..package.exports import export_text, package_inits

    files: dict[str, bytes] = {"tinytorch/__init__.py": _init_text(paths)}
    for name, notebook in modules.items():
        record = compiled(paths, course.module(name), course.markup)
        declared = record.export_target()
        if declared is None:
            continue  # a module without package code
        target = paths.export_file(declared)
        for init in package_inits(paths.package, target):
            files.setdefault(relative(paths, init), INIT_BYTES)
        if notebook is None:
            text = record.export_text()
        else:  # a given notebook's cells are not the source's: a cell is named by its number
            text = export_text(notebook, name, record.file, _cell_of(record.file))
        files[relative(paths, target)] = text.encode("utf-8")
    return files


def _cell_of(file: str):
    """Where a cell of a notebook made from a submission is: its number (its lines are not the source's)."""
    return lambda index, line=0: (file, None, index + 1)


INIT_BYTES = b'"""Package marker (grading scratch copy)."""\n'


def _init_text(paths) -> bytes:
    init = paths.package / "__init__.py"
    return init.read_bytes() if init.is_file() else INIT_BYTES


def relative(paths, path) -> str:
    return path.relative_to(paths.root).as_posix()
