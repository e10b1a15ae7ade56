"""The class roster (course.yaml `grading.roster`): one row per student with an id, a name and the path or URL
of the student's git repository, as GitHub Classroom makes them. Pure parsing of the CSV text, and the rule a
student id follows wherever it comes from (a roster row, a folder of `tito collect --from`): `id_problem`,
`case_clashes`."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from ..base.errors import CourseError, Finding

# each column under its accepted headers (GitHub Classroom's roster says `identifier`; its repos list `repo_url`)
COLUMNS = {
    "student": ("student", "id", "student_id", "identifier"),
    "name": ("name", "full_name"),
    "repository": ("repository", "repo", "repo_url", "url", "path"),
}
STUDENT_ID_RE = re.compile(r"[A-Za-z0-9_@+-][A-Za-z0-9_.@+-]*")  # it names a folder under submissions/


CASE_ADVICE = "they would share one folder on a case-insensitive file system (macOS, Windows)"


def id_problem(student: str) -> str | None:
    """Why `student` cannot be a student id (it names a folder under submissions/), or None."""
    if not STUDENT_ID_RE.fullmatch(student):
        return (
            f"student id '{student}' cannot name a folder (letters, digits and _ . @ + - only, not starting with a dot)"
        )
    return None


def case_clashes(ids) -> dict[str, list[str]]:
    """id -> the other ids equal to it but for case: they would share one folder on a case-insensitive file
    system (macOS, Windows), so none of them can be used."""
    by_folder: dict[str, set[str]] = {}
    for student in ids:
        by_folder.setdefault(student.casefold(), set()).add(student)
    return {s: sorted(same - {s}) for same in by_folder.values() if len(same) > 1 for s in same}


def chosen_students(wanted: list[str] | None, known, where: str) -> frozenset[str] | None:
    """The ids `--student` names (None: every student), each one of `known`; an unknown one is a CourseError
    naming the closest id."""
    if not wanted:
        return None
    known = sorted(known)
    for student in wanted:
        if student not in known:
            import difflib  # only for a message

            close = difflib.get_close_matches(student, known, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"it has {len(known)} student(s)"
            raise CourseError.at("--student", None, f"no student '{student}' in {where}; {hint}")
    return frozenset(wanted)


@dataclass(frozen=True)
class Student:
    student: str
    name: str
    repository: str
    line: int


def _column_indexes(header: list[str], file: str) -> dict[str, int]:
    """Which column holds each field; a CourseError naming the missing ones."""
    lowered = [h.strip().lower() for h in header]
    found, missing = {}, []
    for field, names in COLUMNS.items():
        index = next((lowered.index(n) for n in names if n in lowered), None)
        if index is None:
            missing.append(f"'{field}' (or {', '.join(repr(n) for n in names[1:])})")
        else:
            found[field] = index
    if missing:
        raise CourseError.at(
            file,
            1,
            f"the roster has no column {' and no column '.join(missing)}; its first line must name the columns, e.g. student,name,repository",
        )
    return found


def read_roster(text: str, file: str) -> tuple[list[Student], list[Finding]]:
    """(students, problems): rows with a duplicate id, an unusable id or an empty field are left out and named;
    a roster without the needed columns is a CourseError."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise CourseError.at(
            file, 1, "the roster is empty; write a header line (student,name,repository) and one line per student"
        )
    columns = _column_indexes(rows[0], file)
    entries = [_row_student(row, columns, line) for line, row in enumerate(rows[1:], 2) if any(c.strip() for c in row)]
    lines: dict[str, list[int]] = {}
    for entry in entries:
        lines.setdefault(entry.student, []).append(entry.line)
    clashes = case_clashes(lines)
    students, problems = [], []
    for entry in entries:
        problem = _row_problem(entry, lines, clashes)
        if problem:
            problems.append(Finding(file, entry.line, problem))
        else:
            students.append(entry)
    return students, problems


def _row_student(row: list[str], columns: dict[str, int], line: int) -> Student:
    cell = lambda field: row[columns[field]].strip() if columns[field] < len(row) else ""  # noqa: E731
    return Student(cell("student"), cell("name"), cell("repository"), line)


def _row_problem(entry: Student, lines: dict[str, list[int]], clashes: dict[str, list[str]]) -> str | None:
    if not entry.student:
        return "a row without a student id; fill in the id or delete the row"
    if id_problem(entry.student):
        return id_problem(entry.student)
    if entry.student in clashes:
        others = ", ".join(f"'{o}' (line {', '.join(map(str, lines[o]))})" for o in clashes[entry.student])
        return f"student id '{entry.student}' differs from {others} only in case: {CASE_ADVICE}; no row of them is collected until the ids differ"
    if len(lines[entry.student]) > 1:
        others = ", ".join(str(n) for n in lines[entry.student] if n != entry.line)
        return f"duplicate student id '{entry.student}' (also on line {others}); no row of it is collected until the roster has one"
    if not entry.repository:
        return f"student '{entry.student}' has no repository; fill in the path or URL of their git repository"
    return None
