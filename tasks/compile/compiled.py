"""A module source compiled once: `CompiledNotebook`, the record every later stage reads instead of the file.

source file -> `compiled` -> CompiledNotebook -> its variants (built on first use, each once) -> tasks,
release, grading, feedback, nbgrader export. The record holds:
- `module` (course.yaml's entry), `source` (the notebook as read, with its map back to file lines), `markup`;
- `roles`: each source cell's grading role (variants/roles.py) and `grade_ids`;
- `variant(name)`: every entry of the variant registry (variants/registry.py), built by its steps
  (variants/pipeline.py) the first time it is asked for, then shared;
- `stubs`: the student variant's stubs as data (variants/stubs.py); `code_digest(name)`: a variant's hash of its
  code cells (what execution is keyed on); `export_target()` and `export_text()`: the package file its
  `#| export` cells make.

One record per source FILE (a notebook): a module made of several notebooks is one record per notebook.

Cached per process, keyed on the file version (mtime, size) of the source and of its header and footer
notebooks, the module's course.yaml entry and the course's `markup:` (the engine's own code cannot change under a running process). Each `doit` worker process and each
`tito` command compiles a source at most once, whatever number of tasks, gates and students read it. Nothing
in the record may be changed by a caller: `clone()` a variant before changing it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from ..course.model import Markup, Module
from ..notebook.nbgrader import grade_id
from ..notebook.source import Source
from ..variants.registry import VARIANTS
from ..variants.roles import Role, grading_kind
from ..variants.stubs import Stub, stubs

_CACHE_SIZE = 64


@dataclass(frozen=True, eq=False)
class CompiledNotebook:
    """One module source file compiled: what every stage after reading it needs, each part computed once."""

    path: Path  # the source file
    module: Module
    source: Source  # the notebook as read from the file, with its line map (never change it)
    markup: Markup
    roles: tuple[Role, ...]  # each source cell's grading role, in order
    grade_ids: tuple[str, ...]  # the grade ids of the source cells that have one, in order
    _built: dict = field(default_factory=dict, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)  # a part may ask for another

    @property
    def file(self) -> str:
        """The source as messages name it (relative to the repository)."""
        return self.source.file

    def variant(self, name: str):
        """The notebook of the registry's variant `name`, built once and shared: never change it."""
        if name not in VARIANTS:
            raise KeyError(f"no build variant named {name!r}; the registry has {sorted(VARIANTS)}")
        return self._once(("variant", name), lambda: self._build(name))

    def _build(self, name: str):
        from ..variants.pipeline import build_variant

        return build_variant(self.source.nb, name, self.module.slug, self.markup)

    @property
    def stubs(self) -> tuple[Stub, ...]:
        """The stubs of the student variant, in notebook order."""
        return self._once(("stubs",), lambda: tuple(stubs(self.variant("student"))))

    def code_digest(self, name: str) -> str:
        """The hash of the code cells of variant `name` (markdown edits leave it unchanged)."""
        from ..variants.pipeline import code_digest

        return self._once(("digest", name), lambda: code_digest(self.variant(name)))

    def export_target(self) -> str | None:
        """The dotted package module its `#| default_exp` names; None without package code (CourseError for a
        bad one, raised again on each call)."""
        from ..package.exports import declared_target

        return declared_target(self.path, self.file)

    def export_text(self) -> str:
        """The generated package module of its `#| export` cells (from the solution variant)."""
        from ..package.exports import export_text

        return self._once(
            ("export",),
            lambda: export_text(self.variant("solution"), self.module.name, self.file, self.source.location),
        )

    def _once(self, key: tuple, make):
        """`make()`, computed at most once per record (an error is raised again on the next call, never kept)."""
        found = self._built.get(key)
        if found is None:
            with self._lock:
                found = self._built.get(key)
                if found is None:
                    found = self._built[key] = make()
        return found


def compile_notebook(path: Path, source: Source, module: Module, markup: Markup) -> CompiledNotebook:
    """The record of a source already read (pure: the variants are built when first asked for)."""
    cells = source.nb.cells
    return CompiledNotebook(
        path=Path(path),
        module=module,
        source=source,
        markup=markup,
        roles=tuple(grading_kind(cell) for cell in cells),
        grade_ids=tuple(gid for gid in (grade_id(cell) for cell in cells) if gid),
    )


_compiled: OrderedDict[tuple, CompiledNotebook] = OrderedDict()
_compiled_lock = threading.Lock()


def _file_version(path: Path) -> tuple:
    stat = Path(path).stat()
    return (stat.st_mtime_ns, stat.st_size)


def _remember(key: tuple, make) -> CompiledNotebook:
    """The record cached under `key`, or `make()`'s, cached (the least recently used dropped past the size)."""
    with _compiled_lock:
        found = _compiled.get(key)
        if found is not None:
            _compiled.move_to_end(key)
            return found
    record = make()
    with _compiled_lock:
        record = _compiled.setdefault(key, record)
        while len(_compiled) > _CACHE_SIZE:
            _compiled.popitem(last=False)
    return record


def compiled(paths, module: Module, markup: Markup) -> CompiledNotebook:
    """The record of `module`'s notebook (a module of one notebook, or one part of a module of several) in the
    course at `paths` (this course, or a version's files: `Paths(course)`), framed by its header and footer
    notebooks; compiled once per process and version of those files. CourseError when one cannot be read
    (not UTF-8, not a notebook, too large)."""
    from ..notebook.frame import read_notebook

    path = paths.source(module)
    frames = tuple(paths.root / f for f in module.framing)
    key = (path, paths.rel(path), *(_file_version(p) for p in (path, *frames)), module, markup)
    return _remember(key, lambda: compile_notebook(path, read_notebook(paths, module), module, markup))
