"""The gradebook: one SQLite file (stdlib sqlite3), written one submission at a time.

Each graded submission is one transaction that replaces that student's earlier result for the module, so a
kill mid-run loses only the submissions in flight, never half of one. A result is stored with its key, the
hash of the student's answers, the module's graded source and the grader's code (task.py computes it):
grading again with nothing new finds every key already there and runs nothing. A submission whose grading
itself failed (its workers died, a bug) is stored under a RETRY key, which no run's key matches: it has no
result (`has_result`), reports give it no grade, and the next run grades it again.

Read API (used by the summaries, CSV/PNG exports and feedback):
- `open_gradebook(path)` -> a sqlite3 connection (creating the schema if needed);
- `results(db, module=None)` -> one dict per student x graded cell: student, module, grade_id, points,
  max_points, outcome ('passed' | 'failed' | 'not_attempted' | 'error' | 'hand'), message, error_type,
  position (the cell's order in the notebook), hand_points (a merged hand score, or None), has_result (0
  when the submission's grading failed: its points are no grade);
- `submissions(db, module=None)` -> one dict per student x module: student, module, path, key, status
  ('graded' | 'error'), message, score, max_score, notes (list of text), graded_at (ISO UTC), seconds.
Hand scores (written answers) are kept apart in `hand_scores`, so regrading never loses them.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from ..base.errors import CourseError
from ..base.fsutil import shown

SCHEMA_VERSION = 1
RETRY = "retry:"  # the key prefix of a submission whose grading failed: no key matches it, so it is graded again
OUTCOMES = ("passed", "failed", "not_attempted", "error", "hand")
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (
    student TEXT NOT NULL, module TEXT NOT NULL, path TEXT NOT NULL, key TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('graded', 'error')), message TEXT NOT NULL DEFAULT '',
    score REAL NOT NULL, max_score REAL NOT NULL, notes TEXT NOT NULL DEFAULT '[]',
    graded_at TEXT NOT NULL, seconds REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (student, module));
CREATE TABLE IF NOT EXISTS results (
    student TEXT NOT NULL, module TEXT NOT NULL, grade_id TEXT NOT NULL, position INTEGER NOT NULL,
    points REAL NOT NULL, max_points REAL NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('passed', 'failed', 'not_attempted', 'error', 'hand')),
    message TEXT NOT NULL DEFAULT '', error_type TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (student, module, grade_id),
    FOREIGN KEY (student, module) REFERENCES submissions (student, module) ON DELETE CASCADE);
CREATE TABLE IF NOT EXISTS hand_scores (
    student TEXT NOT NULL, module TEXT NOT NULL, grade_id TEXT NOT NULL, points REAL NOT NULL,
    comment TEXT NOT NULL DEFAULT '', PRIMARY KEY (student, module, grade_id));
"""


def open_gradebook(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the gradebook at `path`; a file that is not one, or a damaged one (cut off,
    overwritten, a table or column missing), is a CourseError saying how to recover."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_file() and path.stat().st_size == 0:
        raise _damaged(path, "is empty (0 bytes): it was cut off")
    db = None
    try:
        if not path.exists():
            _create(path)
        db = sqlite3.connect(path, timeout=30)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA journal_mode = WAL")  # readers (tito grades) never block the grading run
        # each result's commit survives a killed or crashed run (WAL); only a power cut could lose the last few
        db.execute("PRAGMA synchronous = NORMAL")
        _create_or_check(db, path)
        _check_version(db, path)
    except sqlite3.DatabaseError as error:
        if db is not None:
            db.close()
        if "locked" in str(error):  # another process held a write lock for 30 s: nothing is wrong with the file
            raise CourseError.at(
                shown(path),
                None,
                f"is in use by another process (SQLite: {error}); wait for it to finish and run again",
            ) from None
        raise _damaged(path, f"is not a gradebook this version can read (SQLite: {error})") from None
    except CourseError:
        if db is not None:
            db.close()
        raise
    return db


def _create(path: Path) -> None:
    """A new gradebook, made whole beside `path` and then linked into place: a run killed while creating it
    leaves no gradebook or a whole one, never a cut-off file (which would be refused as damaged)."""
    scratch = path.with_name(f".{path.name}.{os.getpid()}.new")
    scratch.unlink(missing_ok=True)
    db = sqlite3.connect(scratch)
    db.row_factory = sqlite3.Row
    try:
        db.execute("PRAGMA journal_mode = WAL")
        _create_or_check(db, scratch)
        _check_version(db, scratch)
    finally:
        db.close()
    try:
        os.link(scratch, path)  # never over a gradebook another run made meanwhile
    except FileExistsError:
        pass
    finally:
        scratch.unlink(missing_ok=True)


def _damaged(path: Path, what: str) -> CourseError:
    return CourseError.at(
        shown(path),
        None,
        f"{what}; restore it from a backup, or move it aside (mv {shown(path)} {shown(path)}.damaged) and run "
        "`tito grade --all --force` to grade every submission again (hand scores were in it: import them again "
        "with `tito grades --hand FILE`)",
    )


@functools.cache
def _expected_columns() -> dict[str, set[str]]:
    """Each table of SCHEMA with its columns."""
    db = sqlite3.connect(":memory:")
    try:
        db.executescript(SCHEMA)
        return _columns(db)
    finally:
        db.close()


def _columns(db: sqlite3.Connection) -> dict[str, set[str]]:
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {t: {r[1] for r in db.execute("SELECT * FROM pragma_table_info(?)", (t,))} for t in tables}


def _create_or_check(db: sqlite3.Connection, path: Path) -> None:
    """A new file gets the schema (in one transaction: a second process sees all of it or none); an existing
    gradebook must have every table and column and pass SQLite's quick check."""
    if not _columns(db):
        db.executescript(f"BEGIN IMMEDIATE;\n{SCHEMA}\nCOMMIT;")
        return
    found, expected = _columns(db), _expected_columns()
    for table, columns in expected.items():
        if table not in found:
            raise _damaged(path, f"is damaged: its table '{table}' is missing")
        missing = sorted(columns - found[table])
        if missing:
            raise _damaged(path, f"is damaged: its table '{table}' has no column {', '.join(repr(c) for c in missing)}")
    problems = [r[0] for r in db.execute("PRAGMA quick_check")]
    if problems != ["ok"]:
        raise _damaged(path, f"is damaged (SQLite's check: {'; '.join(problems[:3])})")


def _check_version(db: sqlite3.Connection, path: Path) -> None:
    with db:  # two processes may create the same new gradebook at once: the first one's row wins
        db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
    row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    if row["value"] != str(SCHEMA_VERSION):
        raise CourseError.at(
            path,
            None,
            f"was written by gradebook schema {row['value']}, this is {SCHEMA_VERSION}; move it aside and run `tito grade` again",
        )


# --- reading ---------------------------------------------------------------------------------------


def results(db: sqlite3.Connection, module: str | None = None) -> list[dict]:
    """One dict per student x graded cell, in student, module, notebook order."""
    query = """SELECT r.student, r.module, r.grade_id, r.position, r.points, r.max_points, r.outcome,
                      r.message, r.error_type, h.points AS hand_points,
                      substr(s.key, 1, length(:retry)) != :retry AS has_result
               FROM results r JOIN submissions s USING (student, module)
                    LEFT JOIN hand_scores h USING (student, module, grade_id)
               WHERE (:module IS NULL OR r.module = :module) ORDER BY r.student, r.module, r.position"""
    return [dict(row) for row in db.execute(query, {"module": module, "retry": RETRY})]


def has_result(key: str) -> bool:
    """Whether a submission stored under `key` was graded (False: its grading failed, see RETRY)."""
    return not key.startswith(RETRY)


def submissions(db: sqlite3.Connection, module: str | None = None) -> list[dict]:
    """One dict per student x module graded (its latest grading), in student, module order."""
    query = "SELECT * FROM submissions WHERE (? IS NULL OR module = ?) ORDER BY student, module"
    rows = [dict(row) for row in db.execute(query, (module, module))]
    for row in rows:
        row["notes"] = json.loads(row["notes"])
    return rows


def stored_keys(db: sqlite3.Connection) -> dict[tuple[str, str], str]:
    """(student, module) -> the key its stored result was graded under: what incremental grading skips."""
    return {(r["student"], r["module"]): r["key"] for r in db.execute("SELECT student, module, key FROM submissions")}


# --- writing ---------------------------------------------------------------------------------------


def record(db: sqlite3.Connection, submission: dict, cells: list[dict]) -> None:
    """Replace the student's result for the module with this one, in one transaction.

    `submission`: student, module, path, key, status, message, score, max_score, notes, seconds.
    `cells`: grade_id, position, points, max_points, outcome, message, error_type.
    """
    row = dict(
        submission,
        notes=json.dumps(list(submission.get("notes", ()))),
        graded_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )
    row.setdefault("seconds", 0.0)
    row.setdefault("message", "")
    with db:
        db.execute("DELETE FROM submissions WHERE student = :student AND module = :module", row)
        db.execute(
            """INSERT INTO submissions (student, module, path, key, status, message, score, max_score,
                      notes, graded_at, seconds) VALUES (:student, :module, :path, :key, :status, :message,
                      :score, :max_score, :notes, :graded_at, :seconds)""",
            row,
        )
        db.executemany(
            """INSERT INTO results (student, module, grade_id, position, points, max_points, outcome,
                          message, error_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                (
                    row["student"],
                    row["module"],
                    c["grade_id"],
                    c["position"],
                    c["points"],
                    c["max_points"],
                    c["outcome"],
                    c.get("message", ""),
                    c.get("error_type", ""),
                )
                for c in cells
            ],
        )


def forget(db: sqlite3.Connection, student: str, module: str) -> None:
    """Drop a student's result for a module (their submission was withdrawn); hand scores stay."""
    with db:
        db.execute("DELETE FROM submissions WHERE student = ? AND module = ?", (student, module))


def set_hand_score(
    db: sqlite3.Connection, student: str, module: str, grade_id: str, points: float, comment: str = ""
) -> None:
    with db:
        db.execute(
            "INSERT OR REPLACE INTO hand_scores VALUES (?, ?, ?, ?, ?)", (student, module, grade_id, points, comment)
        )
