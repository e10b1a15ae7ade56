"""Every path the build reads or writes, computed in one place from course.yaml."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from ..base.errors import CourseError
from .checks import repo_folder_problem
from .model import Course, Module
from .notebookfile import notebook_name
from .datafiles import is_leftover, ships, file_problem

BUILD_DIR = "build"
PACKAGE_DIR = "tinytorch"
SUBMISSIONS_DIR, GRADES_DIR = "submissions", "grades"
OUTPUT_FOLDERS = (BUILD_DIR, PACKAGE_DIR)  # what the build writes and `doit prune` / `make clean` empty
PRIVATE_FOLDERS = (SUBMISSIONS_DIR, GRADES_DIR)  # students' work and grades: never in the student repository
STUDENT_REPO_ENV = (
    "COURSEBUILD_STUDENT_REPO"  # `tito deploy/release --target-repo DIR`: another student repo for one run
)


def course_cache_file(root: Path) -> Path:
    """The parsed course.yaml (course_cache.py); known before course.yaml is read, so not a Paths method."""
    return Path(root) / BUILD_DIR / ".cache" / "course.pickle"


def _remote_location(root: Path, remote: str | None) -> str | None:
    """student_repo.remote as git is given it: a URL (or `host:path`) as written, a local path from the
    course root (not from the student repo, where git would resolve it)."""
    if not remote or "://" in remote or (":" in remote.split("/")[0] and not Path(remote).is_absolute()):
        return remote
    return str(Path(remote) if Path(remote).is_absolute() else root / remote)


def student_repo_folder(course: Course, override: str | None) -> Path:
    """course.yaml's student repository, or the `--target-repo` of this run (COURSEBUILD_STUDENT_REPO), which
    must be a folder of its own as much as course.yaml's (checks.repo_folder_problem)."""
    if not override:
        return course.root / course.student_repo.path
    target = (course.root / override).resolve()
    problem = repo_folder_problem(course, target)
    if problem:
        raise CourseError.at("--target-repo", None, f"{override} {problem}")
    return target


def _inside_folder(relative: str, folder: str) -> bool:
    return PurePosixPath(relative).is_relative_to(PurePosixPath(folder))


def _course_module(course: Course, module: Module) -> Module:
    """The module a part belongs to (the module itself otherwise)."""
    return course.module(module.part_of) if module.part_of else module


class Paths:
    """Every path of one course, computed once from it (and the run's `--target-repo`). Immutable: task
    creators, the CLI and grading workers share one."""

    def __init__(self, course: Course, student_repo_override: str | None = None):
        override = student_repo_override or os.environ.get(STUDENT_REPO_ENV)
        for name, value in {
            "course": course,
            "root": course.root,
            "build": course.root / BUILD_DIR,
            "state_file": course.root / ".doit.db",
            "lock_file": course.root / ".doit.lock",
            "package": course.root / PACKAGE_DIR,
            "student_repo": student_repo_folder(course, override),
            "release_lock": course.root / BUILD_DIR / ".release.lock",
            "student_remote": _remote_location(course.root, course.student_repo.remote),
        }.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name, value):
        raise AttributeError(f"Paths is immutable: compute '{name}' in tasks/course/paths.py")

    def rel(self, path: Path) -> str:
        """A path as the user sees it: relative to the repository root when inside it (a string operation:
        the task creators call it for every dependency on each `doit` start)."""
        text, prefix = str(path), f"{self.root}{os.sep}"
        return text[len(prefix) :] if text.startswith(prefix) else text

    # sources
    def unlisted_module_folders(self) -> list[Path]:
        """Folders under modules/ that course.yaml does not list (they are not built). Runs on every `doit`
        start: a folder course.yaml names as it is found is listed without resolving it (links are compared
        resolved)."""
        folder = self.root / "modules"
        try:
            with os.scandir(folder) as entries:
                found = sorted(Path(e.path) for e in entries if e.is_dir() and not e.name.startswith((".", "_")))
        except OSError:
            return []
        named = {os.path.normpath(self.root / m.folder) for m in self.course.modules}
        unnamed = [p for p in found if os.path.normpath(p) not in named]
        listed = {(self.root / m.folder).resolve() for m in self.course.modules} if unnamed else set()
        return [p for p in unnamed if p.resolve() not in listed]

    def source(self, module: Module) -> Path:
        """A module's (or part's) own notebook source."""
        return self.root / module.folder / module.source

    def source_files(self, module: Module) -> list[Path]:
        """Every file a notebook is read from: its header, its source, its footer (notebook/frame.py)."""
        header, footer = ([self.root / f] if f else [] for f in (module.header, module.footer))
        return [*header, self.source(module), *footer]

    def notebook_sources(self, module: Module) -> list[Path]:
        """The notebook sources of a module: its source, or each of its `notebooks:`."""
        return [self.source(part) for part in module.parts]

    def data_files(self, module: Module) -> list[Path]:
        """Files of the module folder that ship with the student version: those its `data:` globs match
        (course/datafiles.py has the policy), without leftovers and refused symlinks (data_problems names those).

        Listed on every doit start (they are file_deps), so with os.walk, pruning leftover folders.
        """
        return [path for path, problem in self.data_candidates(module) if problem is None]

    def data_problems(self, module: Module) -> list[tuple[Path, str]]:
        """(path, why) for each file matched by `data:` that cannot ship (a symlink out of the repository, ...)."""
        return [(path, problem) for path, problem in self.data_candidates(module) if problem is not None]

    def data_candidates(self, module: Module) -> list[tuple[Path, str | None]]:
        if not module.data:
            return []
        folder, source = self.root / module.folder, self.source(module)
        whole = _course_module(self.course, module)
        own = {Path(nb).name for nb in whole.notebooks} | {
            Path(f).relative_to(whole.folder).as_posix() for f in whole.framing if _inside_folder(f, whole.folder)
        }  # the notebooks and their header/footer never ship as files: their built versions do
        found = []
        for directory, folders, names in os.walk(folder):
            folders[:] = [f for f in folders if not is_leftover(f)]
            linked = [f for f in folders if os.path.islink(os.path.join(directory, f))]
            for name in names + linked:
                path = Path(directory, name)
                relative = path.relative_to(folder).as_posix()
                if relative not in own and ships(relative, module.data, module.source):
                    found.append((path, file_problem(path, self.root, source)))
        return sorted(found)

    def folder_files(self, module: Module) -> list[Path]:
        """The instructor's files of a module folder, leftovers and the source aside (validation runs with them)."""
        folder, found = self.root / module.folder, []
        for directory, folders, names in os.walk(folder):
            folders[:] = [f for f in folders if not is_leftover(f)]
            found += [
                Path(directory, n) for n in names if not is_leftover(n) and os.path.isfile(os.path.join(directory, n))
            ]
        whole = _course_module(self.course, module)
        own = set(self.notebook_sources(whole)) | {self.root / f for f in whole.framing}
        return sorted(p for p in found if p not in own)

    # build outputs. `folder` is a build variant's folder (variants/registry.VARIANTS[name].folder): this
    # layer does not know the variants, only where a folder of build/ is.
    def variant_file(self, module: Module, folder: str, suffix: str) -> Path:
        return self.build / folder / module.slug / f"{module.stem}{suffix}"

    def student_notebook(self, module: Module) -> Path:
        return self.variant_file(module, "student", ".ipynb")

    def student_python(self, module: Module) -> Path:
        return self.variant_file(module, "student", ".py")

    def solution_notebook(self, module: Module) -> Path:
        return self.variant_file(module, "solution", ".ipynb")

    def solution_python(self, module: Module) -> Path:
        return self.variant_file(module, "solution", ".py")

    def variant_files(self, module: Module, folder: str) -> list[Path]:
        """The files of a build variant in build/`folder`/, per the course's output formats."""
        suffixes = {"notebook": ".ipynb", "python": ".py"}
        return [
            self.variant_file(module, folder, suffixes[fmt])
            for fmt in ("notebook", "python")
            if fmt in self.course.outputs
        ]

    def output_dir(self, name: str) -> Path:
        """An output folder named in the task-kind registry (graph/kinds.py): `package` is tinytorch/, any
        other name a folder of build/."""
        return self.package if name == "package" else self.build / name

    def output_dirs(self, names) -> list[Path]:
        """The folders the build writes into (and nothing else under build/, e.g. the benchmark's venv)."""
        return [self.output_dir(name) for name in names]

    def code_digest(self, module: Module, variant: str) -> Path:
        """The code cells of a variant, hashed: what execution and export are keyed on."""
        return self.build / "digests" / module.build_key / f"{variant}.code.sha256"

    def scratch(self, module: Module, variant: str) -> Path:
        """Where one execution of a variant runs (emptied before, removed after): the student repository's layout."""
        return self.build / "scratch" / module.build_key / variant

    def executed_notebook(self, module: Module) -> Path:
        return self.build / "executed" / module.slug / f"{module.stem}.ipynb"

    def executed_outputs(self, module: Module) -> Path:
        """Outputs of each code cell of the last successful validation, with the code digest they belong to."""
        return self.build / "executed" / module.build_key / "outputs.json"

    def student_check(self, module: Module) -> Path:
        return self.build / "checks" / module.build_key / "student-check.json"

    def archive(self, module: Module) -> Path:
        return self.build / "archives" / f"{module.slug}-student.{self.course.archive}"

    # grading (tasks/grade/): submissions in, the gradebook and feedback out
    @property
    def submissions(self) -> Path:
        """Collected submissions, `submissions/<student>/<module>/<module>.ipynb` (nbgrader's layout)."""
        return self.root / SUBMISSIONS_DIR

    def submission_dir(self, student: str, module: Module) -> Path:
        """A student's folder of a module (of a part: of its module, as nbgrader's `submitted/<s>/<assignment>/`)."""
        return self.submissions / student / module.module_name

    def submission_file(self, student: str, module: Module) -> Path:
        return self.submission_dir(student, module) / notebook_name(module)

    def submission_origin(self, student: str, module: Module) -> Path:
        """Where a collected submission came from (repository and commit, or file), beside it."""
        return self.submission_dir(student, module) / "origin.json"

    @property
    def gradebook(self) -> Path:
        """The SQLite gradebook: outside build/ because hand scores live in it (`make clean` keeps it)."""
        return self.root / GRADES_DIR / "gradebook.sqlite"

    @property
    def grade_lock(self) -> Path:
        """Held by `tito grade` while it runs (one at a time per course); beside the gradebook, which it guards."""
        return self.root / GRADES_DIR / ".grade.lock"

    @property
    def grades_dir(self) -> Path:
        """Exports made from the gradebook: grades.csv, the long CSV, score distributions."""
        return self.build / "grades"

    def feedback_file(self, student: str, module: Module) -> Path:
        return self.build / "feedback" / student / f"{module.build_key}.html"

    def roster(self) -> Path | None:
        relative = self.course.grading.roster
        return self.root / relative if relative else None

    def collect_report(self, module: Module) -> Path:
        """Every student's outcome of the last `tito collect` of a module (collected, missing, the problem)."""
        return self.grades_dir / "collect" / f"{module.name}.json"

    @property
    def grades_csv(self) -> Path:
        """One row per student, one column per module, plus the total."""
        return self.grades_dir / "grades.csv"

    @property
    def grades_long_csv(self) -> Path:
        """One row per student and graded cell."""
        return self.grades_dir / "grades-long.csv"

    def score_plot(self, module: Module) -> Path:
        return self.grades_dir / f"{module.build_key.replace('/', '-')}-scores.png"

    @property
    def nbgrader_course(self) -> Path:
        """`tito nbgrader export`'s default target: an nbgrader course directory."""
        return self.root / "nbgrader"

    def fetched_repo(self, student: str) -> Path:
        """A bare copy of a student's repository, fetched again on each collect."""
        return self.build / "grading-repos" / f"{student}.git"

    # versions of the course (tito version): the release check's report and wheel, the changelog
    @property
    def version_dir(self) -> Path:
        """What `tito version check` writes: its report, the wheel and the scratch it builds them in."""
        return self.build / "version"

    @property
    def report_files(self) -> tuple[Path, Path]:
        """The release check's report: markdown, and the same as a self-contained HTML page."""
        return self.version_dir / "report.md", self.version_dir / "report.html"

    @property
    def wheel_dir(self) -> Path:
        """Where the check leaves the `tinytorch` wheel it built (the only .whl there)."""
        return self.version_dir / "dist"

    @property
    def changelog(self) -> Path:
        return self.root / "CHANGELOG.md"

    # the package
    def export_file(self, dotted: str) -> Path:
        return self.package.joinpath(*dotted.split(".")).with_suffix(".py")

    # the student repository (paths inside it are relative, POSIX)
    @staticmethod
    def repo_dir(module: Module, top: str) -> PurePosixPath:
        """A module's folder under `top` (a variant's repo_dir) in the student repository."""
        return PurePosixPath(top) / module.slug

    @staticmethod
    def repo_module_dir(module: Module) -> PurePosixPath:
        return Paths.repo_dir(module, "modules")

    @staticmethod
    def repo_solution_dir(module: Module) -> PurePosixPath:
        return Paths.repo_dir(module, "solutions")
