"""The course as the engine sees it: frozen dataclasses built from course.yaml by config.py (and pickled by
cache.py). No YAML here, and no checks: those are checks.py."""

from __future__ import annotations

import re
from functools import cached_property
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path

from ..base.errors import CourseError, Finding

COURSE_FILE = "course.yaml"
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
OUTPUTS = ("notebook", "python")
ARCHIVES = ("zip", "tar.gz")


@dataclass(frozen=True)
class MetaValue:
    """One entry of a module's `meta:` in course.yaml: a number, text or a list of texts, and its line."""

    key: str
    value: int | float | str | tuple[str, ...]
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class MetaGate:
    """course.yaml `release_check.meta.KEY`: every module must declare `meta.KEY`, within [low, high] (a
    number's value, a list's length) when they are given."""

    key: str
    low: float | None = None
    high: float | None = None
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class ReleaseCheck:
    """course.yaml `release_check:`: what `tito version check` looks at beyond the build."""

    docs: tuple[str, ...] = ("README.md", "docs")  # markdown files or folders whose relative links must resolve
    meta: tuple[MetaGate, ...] = ()  # module metadata gates: none unless configured


@dataclass(frozen=True)
class Module:
    name: str
    folder: str
    source: str
    release: int
    solutions: int
    depends_on: tuple[str, ...]
    data: tuple[str, ...] = ()  # globs, relative to the folder: the files that ship beside the student version
    assignment: str | None = None  # the nbgrader assignment this notebook belongs to (submitted/<s>/<assignment>/)
    line: int = field(default=0, compare=False)
    meta: tuple[MetaValue, ...] = ()  # `meta:` (learning objectives, hours, ...): read by the release check only
    notebooks: tuple[str, ...] = ()  # `notebooks:`: a module of several notebooks (its parts); () for `source:`
    header: str | None = None  # cells put before every notebook's own (a path from the course root)
    footer: str | None = None  # cells put after them
    part_of: str | None = None  # set on a part: the name of the module of several notebooks it belongs to

    @property
    def parts(self) -> tuple[Module, ...]:
        """What is built, validated, checked and graded one by one: the module itself, or for a module of several
        notebooks (`notebooks:`) one part per notebook, named `<module>.<notebook stem>`, in the module's folder
        and with its keys. The module is what is released, named and due (docs/authoring.md)."""
        if not self.notebooks:
            return (self,)
        return tuple(
            replace(self, name=f"{self.name}.{Path(nb).stem}", source=nb, notebooks=(), part_of=self.name)
            for nb in self.notebooks
        )

    @property
    def module_name(self) -> str:
        """The module a person names: a part's module, else this one."""
        return self.part_of or self.name

    @property
    def stem(self) -> str:
        """The name of its built and submitted files: `<module>.ipynb`, or a part's notebook's own name."""
        return Path(self.source).stem if self.part_of else self.name

    @property
    def build_key(self) -> str:
        """Names the build folders of one notebook: the slug, or `<slug>/<notebook stem>` for a part."""
        return f"{self.slug}/{self.stem}" if self.part_of else self.slug

    @property
    def framing(self) -> tuple[str, ...]:
        """The header and footer notebooks (paths from the course root) its notebooks are framed with."""
        return tuple(p for p in (self.header, self.footer) if p)

    @property
    def slug(self) -> str:
        """The folder's own name, e.g. `01_tensor`: names every build directory of the module."""
        return Path(self.folder).name

    @property
    def number(self) -> str:
        """The folder's leading number (`01` of `01_tensor`), or '' when it has none."""
        head = self.slug.split("_", 1)[0]
        return head if head.isascii() and head.isdigit() else ""

    def as_dict(self) -> dict:
        data = asdict(self)
        data.pop("line")
        data.pop("meta")  # what the build does never depends on it: an edit rebuilds nothing
        data["depends_on"] = list(self.depends_on)
        data["data"] = list(self.data)
        for key in ("assignment", "header", "footer", "part_of"):
            if data[key] is None:
                data.pop(key)  # the slice doit keys tasks on stays as it was for modules without one
        if data["notebooks"]:
            data["notebooks"] = list(self.notebooks)
        else:
            data.pop("notebooks")
        return data


@dataclass(frozen=True)
class Author:
    name: str
    email: str


@dataclass(frozen=True)
class StudentRepoSettings:
    path: str
    branch: str
    tag: str
    remote: str | None
    author: Author


@dataclass(frozen=True)
class Execution:
    kernel: str
    timeout: int


UNMARKED_ANSWERS = ("stub", "keep")
STUB_STYLES = ("named", "nbgrader")


@dataclass(frozen=True)
class Markup:
    """course.yaml `markup:`: where this course reads nbgrader's markup as TinyTorch did (docs/authoring.md,
    "Differences from nbgrader"). The defaults are nbgrader's semantics."""

    unmarked_answers: str = "stub"  # an answer code cell without markers: stub (nbgrader) | keep (TinyTorch)
    stubs: str = "named"  # a stub's raise: named (what to implement, where) | nbgrader (`raise NotImplementedError()`)


@dataclass(frozen=True)
class TlsFiles:
    """course.yaml `grading.tls`: the PEM files `tito grade` presents to an existing Dask cluster (paths as
    written, relative ones resolved from course.yaml's folder; read only when grading connects)."""

    ca: str  # the certificate authority the cluster's certificates are signed by
    cert: str  # tito's certificate
    key: str  # its private key
    line: int = field(default=0, compare=False)  # of `tls:` in course.yaml


@dataclass(frozen=True)
class Grading:
    """course.yaml `grading:`: where and how submissions are graded, who the students are, and when each
    module is due (deadlines are timezone-aware; a deadline written without a zone is UTC)."""

    scheduler: str | None = None  # tls://HOST:8786 (or tcp://): an existing Dask cluster; None: an embedded one
    tls: TlsFiles | None = None  # the certificates for a tls:// scheduler
    workers: int | None = None  # workers of the embedded cluster (None: one per core)
    timeout: int = 30  # seconds per cell of a submission
    memory: int = 1024  # MB a submission's process may allocate
    roster: str | None = None  # CSV: id, name, repository (path or URL), relative to the root
    submitted: str | None = None  # a folder in nbgrader's submitted/<student>/<module>/ layout
    deadlines: tuple[tuple[str, datetime], ...] = ()

    def deadline(self, module: str) -> datetime | None:
        return dict(self.deadlines).get(module)


class UnknownModule(CourseError, KeyError):
    """A module name that is not in course.yaml (a command-line argument, a task name): still a KeyError for
    lookups, and a CourseError for the user, with the closest name and every module's number and name."""

    def __init__(self, name: str, modules: tuple[Module, ...]):
        import difflib  # only for a message: not at every start

        known = [m.name for m in modules] + [m.slug for m in modules]
        close = difflib.get_close_matches(str(name).strip(), known, n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'? " if close else ""
        listing = ", ".join(f"{m.number or '-'} {m.name}" for m in modules)
        super().__init__(
            Finding(COURSE_FILE, None, f"no module '{name}'; {hint}(modules: {listing}; give a name, number or folder)")
        )

    __str__ = Exception.__str__


@dataclass(frozen=True)
class Course:
    name: str
    outputs: tuple[str, ...]
    archive: str
    execution: Execution
    student_repo: StudentRepoSettings
    modules: tuple[Module, ...]
    root: Path = field(compare=False)
    grading: Grading = Grading()
    package_init: str | None = None  # a file whose code becomes tinytorch/__init__.py (course and students)
    release_check: ReleaseCheck = ReleaseCheck()
    markup: Markup = Markup()

    def module(self, name: str) -> Module:
        """The module of this exact name (course.yaml's `name`), or the part of this name (`ps1.problem1`)."""
        found = self._by_name.get(name) or self._parts_by_name.get(name)
        if found is None:
            raise UnknownModule(name, self.modules)
        return found

    def find(self, text: str) -> Module:
        """The module a person names, the one rule of every command: short name (`tensor`), number (`01`, `1`)
        or folder (`01_tensor`, `modules/01_tensor/`). Anything else is UnknownModule, with a did-you-mean."""
        wanted = str(text).strip().rstrip("/")
        if wanted in self._parts_by_name:  # one notebook of a module of several (`ps1.problem1`)
            return self._parts_by_name[wanted]
        number = int(wanted) if wanted.isascii() and wanted.isdigit() else None
        for module in self.modules:
            if wanted in (module.name, module.slug, module.folder) or Path(wanted).name == module.slug:
                return module
            if number is not None and module.number and int(module.number) == number:
                return module
        raise UnknownModule(text, self.modules)

    def dependencies(self, module: Module) -> list[Module]:
        """Every module `module` (or its part) depends on, directly or through others, in course order."""
        return list(self._closure[module.module_name])

    @cached_property
    def parts(self) -> tuple[Module, ...]:
        """Every notebook built and graded on its own: each module's parts, in course order."""
        return tuple(part for module in self.modules for part in module.parts)

    @cached_property
    def _by_name(self) -> dict[str, Module]:
        return {m.name: m for m in self.modules}

    @cached_property
    def _parts_by_name(self) -> dict[str, Module]:
        return {p.name: p for m in self.modules if m.notebooks for p in m.parts}

    @cached_property
    def _closure(self) -> dict[str, tuple[Module, ...]]:
        """Each module's transitive dependencies, computed once: task creators ask for every module on
        every `doit` start, and a chain of 100 modules made that quadratic in lookups."""
        order = {m.name: i for i, m in enumerate(self.modules)}
        closure: dict[str, set[str]] = {}

        def names(name: str) -> set[str]:
            if name not in closure:
                closure[name] = set()  # a cycle (refused by the checks) cannot recurse for ever
                found = set()
                for dep in self.module(name).depends_on:
                    found |= {dep} | names(dep)
                closure[name] = found
            return closure[name]

        return {
            m.name: tuple(self._by_name[n] for n in sorted(names(m.name), key=order.__getitem__)) for m in self.modules
        }
