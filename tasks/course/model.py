"""The course as the engine sees it: frozen dataclasses built from course.yaml by config.py (and pickled by
cache.py). No YAML here, and no checks: those are checks.py."""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from ..base.errors import CourseError, Finding

COURSE_FILE = "course.yaml"
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
OUTPUTS = ("notebook", "python")
ARCHIVES = ("zip", "tar.gz")


@dataclass(frozen=True)
class Module:
    name: str
    folder: str
    source: str
    release: int
    solutions: int
    depends_on: tuple[str, ...]
    data: tuple[str, ...] = ()  # globs, relative to the folder: the files that ship beside the student version
    line: int = field(default=0, compare=False)

    @property
    def slug(self) -> str:
        """The folder's own name, e.g. `01_tensor`: names every build directory of the module."""
        return Path(self.folder).name

    def as_dict(self) -> dict:
        data = asdict(self)
        data.pop("line")
        data["depends_on"] = list(self.depends_on)
        data["data"] = list(self.data)
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


@dataclass(frozen=True)
class Grading:
    """course.yaml `grading:`: where and how submissions are graded, who the students are, and when each
    module is due (deadlines are timezone-aware; a deadline written without a zone is UTC)."""

    scheduler: str | None = None  # tcp://HOST:8786: an existing Dask cluster; None: an embedded one
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
    lookups, and a CourseError for the user."""

    def __init__(self, name: str, known: list[str]):
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"the modules are: {', '.join(known)}"
        super().__init__(Finding(COURSE_FILE, None, f"has no module named '{name}'; {hint}"))

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

    def module(self, name: str) -> Module:
        for module in self.modules:
            if module.name == name:
                return module
        raise UnknownModule(name, [m.name for m in self.modules])

    def dependencies(self, module: Module) -> list[Module]:
        """Every module `module` depends on, directly or through others, in course order."""
        wanted: set[str] = set()
        stack = list(module.depends_on)
        while stack:
            name = stack.pop()
            if name not in wanted:
                wanted.add(name)
                stack.extend(self.module(name).depends_on)
        return [m for m in self.modules if m.name in wanted]
