"""`tito collect MODULE` / `--all`: gather each student's notebook into submissions/<student>/<module>/.

Two sources: the roster's git repositories (each fetched into a bare copy under build/, the last commit before
the module's deadline taken), or a folder in nbgrader's `submitted/<student>/<module>/<name>.ipynb` layout.
Every student's outcome is listed (collected, missing, or the problem with their file) and written to
build/grades/collect/<module>.json; no student's problem stops the others. Where each submission came from
(repository and commit with its time, or the file) is kept beside it in origin.json.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..notebook.nbgrader import grade_id
from ..base.errors import CourseError
from ..base.fsutil import write_atomic
from ..course.config import Course, Module
from ..course.paths import Paths
from .intake import Accepted, Rejected, check_module, check_notebook, check_size
from .roster import Student, read_roster

FETCH_TIMEOUT = 180  # seconds per repository: a dead host must not hold up the class


@dataclass
class Outcome:
    student: str
    module: str
    status: str  # collected | missing | problem
    message: str = ""
    origin: dict = field(default_factory=dict)

    def line(self) -> str:
        where = f" ({self.message})" if self.message else ""
        return f"  {self.student}: {self.status}{where}"


# --- settings ----------------------------------------------------------------------------------------


def parse_time(text: str, what: str) -> datetime:
    """An ISO date or date-time; without a UTC offset it is UTC. A CourseError says what was wrong."""
    try:
        moment = datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    except ValueError:
        raise CourseError.at(
            what, None, f"'{text}' is not a date and time; write it as 2026-12-01T23:59 (UTC) or 2026-12-01T23:59+01:00"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def deadline_of(course: Course, module: Module, before: str | None) -> datetime | None:
    """`--before` if given, else the module's deadline in course.yaml (None: no deadline, the latest commit)."""
    return parse_time(before, "--before") if before else course.grading.deadline(module.name)


def load_roster(course: Course, roster: str | None) -> tuple[Path | None, list[Student], list]:
    """(roster file, students, problems in it); (None, [], []) when no roster is given or configured."""
    given = roster or course.grading.roster
    if not given:
        return None, [], []
    path = Path(given) if Path(given).is_absolute() else course.root / given
    shown = str(given)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CourseError.at(
            shown, None, "the roster does not exist; fix grading.roster in course.yaml (or --roster)"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise CourseError.at(shown, None, f"the roster cannot be read ({error}); save it as a UTF-8 CSV file") from None
    students, problems = read_roster(text, shown)
    return path, students, problems


def module_grade_ids(course: Course, paths: Paths) -> dict[str, frozenset[str]]:
    """Each module's grade ids, from its source: how a notebook for the wrong module is recognised."""
    from ..notebook.source import read_source

    found = {}
    for module in course.modules:
        nb = read_source(paths.source(module), paths.rel(paths.source(module))).nb
        found[module.name] = frozenset(grade_id(c) for c in nb.cells if grade_id(c))
    return found


# --- storing -------------------------------------------------------------------------------------------


def store(paths: Paths, student: str, module: Module, accepted: Accepted, origin: dict) -> None:
    write_atomic(paths.submission_file(student, module), accepted.data)
    write_atomic(paths.submission_origin(student, module), json.dumps(origin, indent=1, sort_keys=True) + "\n")


def judged(name: str, data: bytes, module: Module, grade_ids: dict) -> Accepted:
    accepted = check_notebook(name, data)
    check_module(accepted, module.name, grade_ids)
    return accepted


def problem(student: str, module: Module, where: str, reason: str) -> Outcome:
    return Outcome(student, module.name, "problem", f"{where} {reason}")


# --- source (b): a folder in nbgrader's submitted/ layout ----------------------------------------------


def folder_candidates(folder: Path, module: Module) -> Path | None:
    """The student's folder for this module: named as the module (`tensor`) or its folder (`01_tensor`)."""
    for name in (module.name, module.slug):
        if (folder / name).is_dir():
            return folder / name
    return None


def pick_file(directory: Path, module: Module) -> Path | None:
    preferred = directory / f"{module.name}.ipynb"
    if preferred.is_file():
        return preferred
    notebooks = sorted(p for p in directory.glob("*.ipynb") if p.is_file())
    if notebooks:
        return notebooks[0]
    others = sorted(
        p for p in directory.iterdir() if p.is_file() and p.name != "timestamp.txt" and not p.name.startswith(".")
    )
    return others[0] if others else None


def collect_file(paths: Paths, folder: Path, student: str, module: Module, grade_ids: dict) -> Outcome:
    directory = folder_candidates(folder / student, module)
    file = pick_file(directory, module) if directory else None
    if file is None:
        return Outcome(student, module.name, "missing", f"no notebook in {folder / student / module.name}")
    try:
        check_size(file.stat().st_size)
        accepted = judged(file.name, file.read_bytes(), module, grade_ids)
    except Rejected as why:
        return problem(student, module, str(file), str(why))
    except OSError as error:
        return problem(
            student, module, str(file), f"could not be read ({error.strerror}); check the file's permissions"
        )
    stamp = directory / "timestamp.txt"
    origin = {
        "source": "folder",
        "file": str(file.resolve()),
        "submitted": stamp.read_text(errors="replace").strip() if stamp.is_file() else None,
        "modified": datetime.fromtimestamp(file.stat().st_mtime, timezone.utc).isoformat(timespec="seconds"),
    }
    store(paths, student, module, accepted, origin)
    return Outcome(student, module.name, "collected", str(file), origin)


def collect_folder(paths: Paths, folder: Path, module: Module, roster: list[Student], grade_ids: dict) -> list[Outcome]:
    if not folder.is_dir():
        raise CourseError.at(
            str(folder),
            None,
            "is not a folder; give the folder that holds one folder per student (nbgrader's submitted/)",
        )
    students = sorted(
        {s.student for s in roster} | {p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")}
    )
    return [collect_file(paths, folder, student, module, grade_ids) for student in students]


# --- source (a): the roster's git repositories ---------------------------------------------------------


def repository_url(student: Student, roster_file: Path) -> str:
    """A URL as given; a local path relative to the roster file's folder."""
    text = student.repository
    if "://" in text or (":" in text and "@" in text.split(":", 1)[0]) or Path(text).is_absolute():
        return text
    return str((roster_file.parent / text).resolve())


def fetched(paths: Paths, student: Student, roster_file: Path, cache: dict) -> tuple[Path, str]:
    """The bare copy of the student's repository, fetched once per collect run (shared by modules)."""
    from . import repos

    url = repository_url(student, roster_file)
    if student.student not in cache:
        target = paths.fetched_repo(student.student)
        try:
            repos.fetch(url, target, FETCH_TIMEOUT)
            cache[student.student] = None
        except repos.RepoProblem as why:
            cache[student.student] = str(why)
    if cache[student.student]:
        raise Rejected(cache[student.student])
    return paths.fetched_repo(student.student), url


def collect_repo(
    paths: Paths, student: Student, roster_file: Path, module: Module, deadline, grade_ids: dict, cache: dict
) -> Outcome:
    from . import repos

    where = f"repository {student.repository} (roster line {student.line})"
    try:
        repo, url = fetched(paths, student, roster_file, cache)
        found = repos.commit_before(repo, deadline)
        if found is None:
            return problem(
                student.student,
                module,
                where,
                f"has no commit before the deadline {deadline.isoformat()} (its first commit is from {repos.first_commit_time(repo)}); nothing to grade",
            )
        commit, when = found
        files = repos.files_named(repo, commit, f"{module.name}.ipynb")
        preferred = str(paths.repo_module_dir(module) / f"{module.name}.ipynb")
        if not files:
            return Outcome(
                student.student,
                module.name,
                "missing",
                f"no {module.name}.ipynb in commit {commit[:10]} of {student.repository}",
            )
        path = preferred if preferred in files else files[0]
        where = f"{student.repository} at {commit[:10]}: {path}"
        check_size(repos.blob_size(repo, commit, path))
        accepted = judged(path, repos.read_blob(repo, commit, path), module, grade_ids)
    except Rejected as why:
        return problem(student.student, module, where, str(why))
    except repos.RepoProblem as why:
        return problem(student.student, module, where, f"could not be read: {why}")
    origin = {
        "source": "git",
        "repository": url,
        "commit": commit,
        "committed": when,
        "path": path,
        "deadline": deadline.isoformat() if deadline else None,
    }
    store(paths, student.student, module, accepted, origin)
    return Outcome(student.student, module.name, "collected", f"commit {commit[:10]} of {when}", origin)


# --- the command ------------------------------------------------------------------------------------------


def collect(
    course: Course,
    paths: Paths,
    modules: list[Module],
    *,
    folder: str | None = None,
    roster: str | None = None,
    before: str | None = None,
) -> dict[str, list[Outcome]]:
    """Collect `modules` from `folder` (nbgrader layout; default grading.submitted) or else from the roster's
    repositories; write each module's outcome list to build/grades/collect/<module>.json. Problems of students
    never raise. With a folder, the roster (if any) only adds the students who submitted nothing."""
    roster_file, students, roster_problems = load_roster(course, roster)
    folder = folder or (course.grading.submitted and str(course.root / course.grading.submitted))
    if folder is None and roster_file is None:
        raise CourseError.at(
            "course.yaml",
            None,
            "no roster to collect from: set grading.roster (a CSV of student,name,repository) or give --from FOLDER (nbgrader's submitted/ layout)",
        )
    grade_ids, cache, results = module_grade_ids(course, paths), {}, {}
    for module in modules:
        deadline = deadline_of(course, module, before)
        if folder is not None:
            outcomes = collect_folder(paths, Path(folder), module, students, grade_ids)
        else:
            outcomes = [collect_repo(paths, s, roster_file, module, deadline, grade_ids, cache) for s in students]
        outcomes += [Outcome("(roster)", module.name, "problem", str(f)) for f in roster_problems]
        write_atomic(paths.collect_report(module), json.dumps([asdict(o) for o in outcomes], indent=1) + "\n")
        results[module.name] = outcomes
    return results


def summary(results: dict[str, list[Outcome]]) -> str:
    lines = []
    for module, outcomes in results.items():
        counts = {s: sum(o.status == s for o in outcomes) for s in ("collected", "missing", "problem")}
        lines.append(
            f"{module}: {counts['collected']} collected, {counts['missing']} missing, {counts['problem']} with a problem"
        )
        lines += [o.line() for o in outcomes if o.status != "collected"]
    return "\n".join(lines)
