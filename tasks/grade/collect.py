"""`tito collect MODULE` / `--all`: gather each student's notebook into submissions/<student>/<module>/.

Two sources: the roster's git repositories (each fetched into a bare copy under build/, the last commit before
the module's deadline taken), or a folder in nbgrader's `submitted/<student>/<module>/<name>.ipynb` layout.
Every student's outcome is listed (collected, missing, or the problem with their file) and written to
build/grades/collect/<module>.json; no student's problem stops the others. Where each submission came from
(repository and commit with its time, or the file) is kept beside it in origin.json.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..base.errors import CourseError, Finding
from ..base.fsutil import TooLarge, read_capped, write_atomic
from ..course.notebookfile import notebook_name, pick_notebook
from ..course.config import Course, Module, parse_moment
from ..course.paths import Paths
from .intake import MAX_BYTES, Accepted, Rejected, check_module, check_notebook, check_size
from .roster import CASE_ADVICE, Student, case_clashes, chosen_students, id_problem, read_roster

FETCH_TIMEOUT = 180  # seconds per repository: a dead host must not hold up the class
MAX_ROSTER = 10 * 2**20  # a roster of 10,000 students is under 1 MB


@dataclass
class Collected:
    student: str
    module: str
    status: str  # collected | missing | problem | warning (about the course, not a student)
    message: str = ""
    origin: dict = field(default_factory=dict)

    def line(self) -> str:
        where = f" ({self.message})" if self.message else ""
        return f"  {self.student}: {self.status}{where}"


# --- settings ----------------------------------------------------------------------------------------


def _parse_time(text: str, what: str) -> datetime:
    """An ISO date or date-time (config.parse_moment: UTC without an offset); a CourseError says what was wrong."""
    found = parse_moment(text)
    if found is None:
        raise CourseError.at(
            what, None, f"'{text}' is not a date and time; write it as 2026-12-01T23:59 (UTC) or 2026-12-01T23:59+01:00"
        )
    return found


def deadline_of(course: Course, module: Module, before: str | None) -> datetime | None:
    """`--before` if given, else the module's deadline in course.yaml (None: no deadline, the latest commit)."""
    return _parse_time(before, "--before") if before else course.grading.deadline(module.module_name)


def _load_roster(course: Course, roster: str | None) -> tuple[Path | None, list[Student], list]:
    """(roster file, students, problems in it); (None, [], []) when no roster is given or configured."""
    given = roster or course.grading.roster
    if not given:
        return None, [], []
    path = Path(given) if Path(given).is_absolute() else course.root / given
    shown = str(given)
    try:
        text = read_capped(path, MAX_ROSTER).decode("utf-8")
    except FileNotFoundError:
        raise CourseError.at(
            shown, None, "the roster does not exist; fix grading.roster in course.yaml (or --roster)"
        ) from None
    except TooLarge as big:
        raise CourseError.at(
            shown,
            None,
            f"the roster is {big.size:,} bytes, more than the {MAX_ROSTER:,} a roster may have; is it the right file?",
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise CourseError.at(shown, None, f"the roster cannot be read ({error}); save it as a UTF-8 CSV file") from None
    students, problems = read_roster(text, shown)
    return path, students, problems


def _module_grade_ids(course: Course, paths: Paths) -> dict[str, frozenset[str]]:
    """Each module's grade ids, from its source: how a notebook for the wrong module is recognised."""
    from ..compile.compiled import compiled

    return {m.name: frozenset(compiled(paths, m, course.markup).grade_ids) for m in course.parts}


# --- storing -------------------------------------------------------------------------------------------


def store(paths: Paths, student: str, module: Module, accepted: Accepted, origin: dict) -> None:
    write_atomic(paths.submission_file(student, module), accepted.data)
    write_atomic(paths.submission_origin(student, module), json.dumps(origin, indent=1, sort_keys=True) + "\n")


def judged(name: str, data: bytes, module: Module, grade_ids: dict) -> Accepted:
    accepted = check_notebook(name, data)
    check_module(accepted, module.name, grade_ids)
    return accepted


def problem(student: str, module: Module, where: str, reason: str) -> Collected:
    return Collected(student, module.name, "problem", f"{where} {reason}")


# --- source (b): a folder in nbgrader's submitted/ layout ----------------------------------------------
#
# Everything under DIR/<student>/ is the student's. It is read through descriptors of folders opened without
# following links (O_NOFOLLOW), so a link at any depth is refused and never followed, and nothing can be
# swapped in between a check and a read; every file is read with a size cap (fsutil.read_capped).

_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
MAX_TIMESTAMP = 4096  # nbgrader's timestamp.txt is one short line
MAX_ENTRIES = 10_000  # files and folders in one student's module folder
LINK = (
    "is a symbolic link; links in a submission are never followed: put the real file or folder there and collect again"
)


class _Refused(Exception):
    """A student's problem at a path of their own folder (a link, a pipe, an oversized side file)."""

    def __init__(self, where: Path, reason: str):
        super().__init__(f"{where} {reason}")
        self.where, self.reason = where, reason


def _open_folder(opened: ExitStack, name, dir_fd: int | None, shown: Path) -> int | None:
    """A descriptor of the folder `name` (closed with `opened`); None if there is no such folder."""
    try:
        fd = os.open(name, _FOLDER, dir_fd=dir_fd)
    except FileNotFoundError:
        return None
    except OSError as error:
        if error.errno == errno.ELOOP or _is_link(name, dir_fd):
            raise _Refused(shown, LINK) from None
        if error.errno == errno.ENOTDIR:
            return None
        raise
    opened.callback(os.close, fd)
    return fd


def _is_link(name, dir_fd: int | None) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _module_folder(opened: ExitStack, folder: Path, student: str, module: Module) -> tuple[int | None, Path]:
    """A descriptor of DIR/<student>/<module> or DIR/<student>/<NN_module> (None: neither is there), its path."""
    top = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))  # DIR itself is the instructor's
    opened.callback(os.close, top)
    mine = _open_folder(opened, student, top, folder / student)
    for name in (module.module_name, module.slug, *([module.assignment] if module.assignment else [])):
        found = _open_folder(opened, name, mine, folder / student / name) if mine is not None else None
        if found is not None:
            return found, folder / student / name
    return None, folder / student / module.module_name


def _files(fd: int, shown: Path) -> list[str]:
    """The names of the regular files directly in the folder of `fd`; _Refused for a link, or anything but a
    file or a folder, at any depth below it."""
    names, seen, todo = [], 0, [(os.dup(fd), shown)]
    try:
        while todo:
            folder, where = todo.pop()
            try:
                with os.scandir(folder) as entries:
                    for entry in entries:
                        seen += 1
                        if seen > MAX_ENTRIES:
                            raise _Refused(
                                shown, f"holds more than {MAX_ENTRIES:,} files and folders; submit the notebook"
                            )
                        if entry.is_symlink():
                            raise _Refused(where / entry.name, LINK)
                        if entry.is_dir(follow_symlinks=False):
                            todo.append((os.open(entry.name, _FOLDER, dir_fd=folder), where / entry.name))
                        elif not entry.is_file(follow_symlinks=False):
                            raise _Refused(where / entry.name, "is not a regular file (a pipe or a device); remove it")
                        elif where == shown:
                            names.append(entry.name)
            finally:
                os.close(folder)
    finally:
        for folder, _ in todo:
            os.close(folder)
    return sorted(names)


def _read(name: str, fd: int, limit: int, shown: Path) -> bytes:
    """A file of the student's folder, at most `limit` bytes (a notebook: the size rule of intake.check_size)."""
    try:
        return read_capped(name, limit, dir_fd=fd, nofollow=True)
    except TooLarge as big:
        if limit == MAX_BYTES:
            check_size(big.size)
        raise _Refused(shown, f"is {big.size:,} bytes, more than the {limit:,} it may have; remove it") from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise _Refused(shown, LINK) from None
        raise


def _timestamp(fd: int, names: list[str], shown: Path) -> str | None:
    """nbgrader's submission time from timestamp.txt (None without one); _Refused unless it is one line
    holding a date and time."""
    if "timestamp.txt" not in names:
        return None
    data = _read("timestamp.txt", fd, MAX_TIMESTAMP, shown)
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        text = ""
    if "\n" in text or parse_moment(text.removesuffix("UTC")) is None:
        raise _Refused(
            shown,
            "is not a submission time (nbgrader writes one line such as 2026-11-30 09:00:00.000000 UTC); "
            "fix or delete it and collect again",
        )
    return text


def collect_file(
    paths: Paths, folder: Path, student: str, module: Module, grade_ids: dict, deadline: datetime | None = None
) -> Collected:
    """The student's notebook for `module` from DIR/<student>/<module, NN_module or its assignment>/, checked and
    stored; flagged late when timestamp.txt says it came after `deadline`."""
    where = folder / student
    try:
        with ExitStack() as opened:
            found, where = _module_folder(opened, folder, student, module)
            names = _files(found, where) if found is not None else []
            file = pick_notebook(names, module)
            if file is None:
                return Collected(student, module.name, "missing", f"no notebook in {where}")
            where = where / file
            accepted = judged(file, _read(file, found, MAX_BYTES, where), module, grade_ids)
            submitted = _timestamp(found, names, where.parent / "timestamp.txt")
            modified = os.stat(file, dir_fd=found, follow_symlinks=False).st_mtime
    except _Refused as why:
        return problem(student, module, str(why.where), why.reason)
    except Rejected as why:
        return problem(student, module, str(where), str(why))
    except OSError as error:
        return problem(
            student, module, str(where), f"could not be read ({error.strerror}); check the file's permissions"
        )
    origin = {
        "source": "folder",
        "file": str(folder.resolve() / where.relative_to(folder)),
        "submitted": submitted,
        "modified": datetime.fromtimestamp(modified, timezone.utc).isoformat(timespec="seconds"),
        "deadline": deadline.isoformat() if deadline else None,
    }
    when = parse_moment(submitted.removesuffix("UTC")) if submitted else None
    late = bool(deadline and when and when > deadline)
    origin["late"] = late
    store(paths, student, module, accepted, origin)
    note = f"; LATE: submitted {when.isoformat()}, after the deadline {deadline.isoformat()}" if late else ""
    return Collected(student, module.name, "collected", f"{where}{note}", origin)


def _collect_folder(
    paths: Paths, folder: Path, module: Module, roster: list[Student], grade_ids: dict, only=None, deadline=None
) -> list[Collected]:
    """Every student of the folder (and of the roster), or those of `only`: each id checked by the roster's
    rules, then collected."""
    if not folder.is_dir():
        raise CourseError.at(
            str(folder),
            None,
            "is not a folder; give the folder that holds one folder per student (nbgrader's submitted/)",
        )
    students = sorted({s.student for s in roster} | _student_folders(folder))
    clashes = case_clashes(students)
    students = [s for s in students if only is None or s in only]
    return [_collect_student(paths, folder, student, module, grade_ids, clashes, deadline) for student in students]


def _student_folders(folder: Path) -> set[str]:
    """The names of the student folders (or links, refused later) in a submitted folder."""
    with os.scandir(folder) as entries:
        return {e.name for e in entries if not e.name.startswith(".") and (e.is_symlink() or e.is_dir())}


def _collect_student(
    paths: Paths, folder: Path, student: str, module: Module, grade_ids: dict, clashes, deadline=None
) -> Collected:
    if student in clashes:
        others = " and ".join(f"'{o}'" for o in clashes[student])
        reason = f"differs from the student id {others} only in case: {CASE_ADVICE}; rename one (folder or roster id), then collect again"
        return problem(student, module, str(folder / student), reason)
    if id_problem(student):
        return problem(student, module, str(folder / student), f"cannot be collected: {id_problem(student)}; rename it")
    return collect_file(paths, folder, student, module, grade_ids, deadline)


# --- source (a): the roster's git repositories ---------------------------------------------------------


def _repository_url(student: Student, roster_file: Path) -> str:
    """A URL as given; a local path relative to the roster file's folder."""
    text = student.repository
    if "://" in text or (":" in text and "@" in text.split(":", 1)[0]) or Path(text).is_absolute():
        return text
    return str((roster_file.parent / text).resolve())


def fetched(paths: Paths, student: Student, roster_file: Path, cache: dict) -> tuple[Path, str]:
    """The bare copy of the student's repository, fetched once per collect run (shared by modules)."""
    from . import repos

    url = _repository_url(student, roster_file)
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


def _collect_repo(
    paths: Paths, student: Student, roster_file: Path, module: Module, deadline, grade_ids: dict, cache: dict
) -> Collected:
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
        files = repos.files_named(repo, commit, notebook_name(module))
        preferred = str(paths.repo_module_dir(module) / notebook_name(module))
        if not files:
            return Collected(
                student.student,
                module.name,
                "missing",
                f"no {notebook_name(module)} in commit {commit[:10]} of {student.repository}",
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
    return Collected(student.student, module.name, "collected", f"commit {commit[:10]} of {when}", origin)


# --- the command ------------------------------------------------------------------------------------------


def collect(
    course: Course,
    paths: Paths,
    modules: list[Module],
    *,
    folder: str | None = None,
    roster: str | None = None,
    before: str | None = None,
    students: list[str] | None = None,
) -> dict[str, list[Collected]]:
    """Collect `modules` from `folder` (nbgrader layout; default grading.submitted) or else from the roster's
    repositories; write each module's outcome list to build/grades/collect/<module>.json. Problems of students
    never raise. With a folder, the roster (if any) only adds the students who submitted nothing. `students`
    (`--student`): only these ids of the roster or folder."""
    roster_file, roster_students, roster_problems = _load_roster(course, roster)
    folder = folder or (course.grading.submitted and str(course.root / course.grading.submitted))
    if folder is None and roster_file is None:
        raise CourseError.at(
            "course.yaml",
            None,
            "no roster to collect from: set grading.roster (a CSV of student,name,repository) or give --from FOLDER (nbgrader's submitted/ layout)",
        )
    only = _chosen(paths, students, roster_students, roster_file, folder)
    grade_ids, cache, results = _module_grade_ids(course, paths), {}, {}
    exposed = _committable(course.root, [p for p in (roster_file, folder and Path(folder)) if p])
    for module in (part for m in modules for part in m.parts):  # each notebook of a module on its own
        deadline = deadline_of(course, module, before)
        if folder is not None:
            outcomes = _collect_folder(paths, Path(folder), module, roster_students, grade_ids, only, deadline)
        else:
            chosen = [s for s in roster_students if only is None or s.student in only]
            outcomes = [_collect_repo(paths, s, roster_file, module, deadline, grade_ids, cache) for s in chosen]
        outcomes += [Collected("(roster)", module.name, "problem", str(f)) for f in roster_problems]
        outcomes += [Collected("(course)", module.name, "warning", str(f)) for f in exposed]
        write_atomic(paths.collect_report(module), json.dumps([asdict(o) for o in outcomes], indent=1) + "\n")
        results[module.name] = outcomes
    return results


def _chosen(paths: Paths, wanted, roster: list[Student], roster_file, folder) -> frozenset[str] | None:
    """`--student` ids, each a student of the roster or a student folder of `folder` (None: every student)."""
    if not wanted:
        return None
    named = _student_folders(Path(folder)) if folder and Path(folder).is_dir() else set()
    where = " or ".join(paths.rel(Path(p)) for p in (roster_file, folder) if p)
    return chosen_students(wanted, {s.student for s in roster} | named, where)


def _committable(root: Path, files: list[Path]) -> list[Finding]:
    """A warning for each of `files` (student data: the roster, the submitted folder) that lies in the course's
    git repository and is not ignored there, so `git add -A` would commit it. None outside a git repository."""
    import subprocess

    from ..base.gitenv import git_env

    inside = {}
    for file in files:
        resolved = Path(file).resolve()
        if resolved.is_relative_to(root.resolve()) and resolved != root.resolve():
            inside[resolved.relative_to(root.resolve()).as_posix()] = file
    if not inside:
        return []
    try:
        found = subprocess.run(
            ["git", "check-ignore", "--", *inside],
            cwd=root,
            env={**os.environ, **git_env()},
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    if found.returncode not in (0, 1):  # not a git repository (or no git): nothing would be committed
        return []
    ignored = set(found.stdout.splitlines())
    return [
        Finding(
            name,
            None,
            "holds student data, and git would commit it (it is not in .gitignore, or was committed already); "
            f"add '/{name}' to .gitignore (and `git rm -r --cached {name}` if it was committed)",
            severity="warning",
        )
        for name in inside
        if name not in ignored
    ]


def summary(results: dict[str, list[Collected]]) -> str:
    lines = []
    for module, outcomes in results.items():
        counts = {s: sum(o.status == s for o in outcomes) for s in ("collected", "missing", "problem")}
        lines.append(
            f"{module}: {counts['collected']} collected, {counts['missing']} missing, {counts['problem']} with a problem"
        )
        lines += [o.line() for o in outcomes if o.status != "collected" or o.origin.get("late")]
    return "\n".join(lines)
