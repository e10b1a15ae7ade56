"""tasks/grade/gradebook.py: the SQLite gradebook, its read API, one transaction per submission."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tasks.base.errors import CourseError
from tasks.grade import gradebook as gb


def submission(student="ada", module="tensor", key="k1", score=1.0, **extra):
    return dict(
        student=student,
        module=module,
        path=f"submissions/{student}/{module}/{module}.ipynb",
        key=key,
        status="graded",
        message="",
        score=score,
        max_score=3.0,
        notes=["cell added"],
        seconds=0.5,
        **extra,
    )


CELLS = [
    dict(grade_id="test_add", position=0, points=1.0, max_points=1.0, outcome="passed"),
    dict(
        grade_id="test_mul",
        position=1,
        points=0.0,
        max_points=1.0,
        outcome="failed",
        message="wrong",
        error_type="AssertionError",
    ),
    dict(grade_id="explain", position=2, points=0.0, max_points=1.0, outcome="hand"),
]


def test_record_and_read_back(tmp_path):
    db = gb.open_gradebook(tmp_path / "grades" / "gradebook.sqlite")
    gb.record(db, submission(), CELLS)
    rows = gb.results(db)
    assert [(r["grade_id"], r["points"], r["outcome"]) for r in rows] == [
        ("test_add", 1.0, "passed"),
        ("test_mul", 0.0, "failed"),
        ("explain", 0.0, "hand"),
    ]
    assert set(rows[0]) >= {"student", "module", "grade_id", "points", "max_points", "outcome", "message"}
    assert rows[1]["error_type"] == "AssertionError" and rows[1]["message"] == "wrong"
    (sub,) = gb.submissions(db)
    assert (sub["student"], sub["module"], sub["score"], sub["notes"], sub["status"]) == (
        "ada",
        "tensor",
        1.0,
        ["cell added"],
        "graded",
    )
    assert gb.stored_keys(db) == {("ada", "tensor"): "k1"}


def test_regrading_replaces_and_module_filter(tmp_path):
    db = gb.open_gradebook(tmp_path / "gb.sqlite")
    gb.record(db, submission(), CELLS)
    gb.record(db, submission(module="layers"), CELLS[:1])
    gb.record(db, submission(key="k2", score=2.0), CELLS[:2])
    assert [r["grade_id"] for r in gb.results(db, "tensor")] == ["test_add", "test_mul"]
    assert [r["module"] for r in gb.results(db, "layers")] == ["layers"]
    assert gb.stored_keys(db) == {("ada", "tensor"): "k2", ("ada", "layers"): "k1"}
    gb.forget(db, "ada", "layers")
    assert gb.results(db, "layers") == [] and len(gb.submissions(db)) == 1


def test_hand_scores_survive_regrading(tmp_path):
    db = gb.open_gradebook(tmp_path / "gb.sqlite")
    gb.record(db, submission(), CELLS)
    gb.set_hand_score(db, "ada", "tensor", "explain", 0.5, "good start")
    gb.record(db, submission(key="k2"), CELLS)
    assert [r["hand_points"] for r in gb.results(db)] == [None, None, 0.5]


def test_a_failed_write_leaves_the_earlier_result(tmp_path):
    db = gb.open_gradebook(tmp_path / "gb.sqlite")
    gb.record(db, submission(), CELLS)
    broken = CELLS + [dict(grade_id="x", position=3, points=0, max_points=1, outcome="no such outcome")]
    with pytest.raises(sqlite3.IntegrityError):
        gb.record(db, submission(key="k2"), broken)
    assert gb.stored_keys(db) == {("ada", "tensor"): "k1"} and len(gb.results(db)) == 3


def test_reopening_keeps_results(tmp_path):
    path = tmp_path / "gb.sqlite"
    gb.record(gb.open_gradebook(path), submission(), CELLS)
    assert len(gb.results(gb.open_gradebook(path))) == 3


def test_not_a_gradebook_is_a_clear_error(tmp_path):
    path = tmp_path / "gb.sqlite"
    path.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(CourseError, match="is not a gradebook this version can read.*move it aside"):
        gb.open_gradebook(path)


def test_other_schema_version_is_refused(tmp_path):
    path = tmp_path / "gb.sqlite"
    db = gb.open_gradebook(path)
    with db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema'")
    with pytest.raises(CourseError, match="schema 99"):
        gb.open_gradebook(path)


def full_gradebook(path, students=40):
    """A real gradebook of many pages (long messages), closed so that everything is in the file itself."""
    db = gb.open_gradebook(path)
    for n in range(students):
        cells = [dict(c, message=f"{c.get('message', '')} {'x' * 300}") for c in CELLS]
        gb.record(db, submission(student=f"s{n:02d}"), cells)
        gb.set_hand_score(db, f"s{n:02d}", "tensor", "explain", 1.0, "ok")
    db.close()
    assert not path.with_name(path.name + "-wal").exists() and path.stat().st_size > 64 * 1024
    return path


def damage(path, how):
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "garbage":
        path.write_bytes(bytes(range(256)) * (len(data) // 256))
    elif how == "overwritten-middle":
        path.write_bytes(data[:4096] + b"\xa5" * (len(data) - 8192) + data[-4096:])
    else:
        with sqlite3.connect(path) as db:
            db.execute("DROP TABLE results" if how == "missing-table" else "ALTER TABLE submissions DROP COLUMN notes")
        db.close()


DAMAGES = ["truncated", "empty", "garbage", "overwritten-middle", "missing-table", "missing-column"]


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_gradebook_is_a_clear_error_and_is_left_as_it_is(tmp_path, how):
    path = full_gradebook(tmp_path / "grades" / "gradebook.sqlite")
    damage(path, how)
    before = path.read_bytes()
    with pytest.raises(CourseError) as error:
        gb.open_gradebook(path)
    message = str(error.value)
    assert message.startswith(f"{path}: ") and "restore it from a backup, or move it aside" in message
    assert "run `tito grade --all --force` to grade every submission again" in message
    says = {
        "missing-table": "its table 'results' is missing",
        "missing-column": "its table 'submissions' has no column 'notes'",
        "empty": "is empty (0 bytes)",
    }
    assert says.get(how, "") in message
    assert path.read_bytes() == before  # nothing written into it, no schema created over what is left


def test_a_new_gradebook_appears_whole_never_as_an_empty_file(tmp_path):
    """Several processes create the same new gradebook at once while it is watched: it is never seen empty
    (a run killed at that moment would have left a file every later run refuses), all of them open it, and no
    scratch file is left."""
    import subprocess
    import sys

    path = tmp_path / "grades" / "gradebook.sqlite"
    code = "import sys; from tasks.grade import gradebook; gradebook.open_gradebook(sys.argv[1]).close()"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(path)], cwd=Path(__file__).resolve().parent.parent, stderr=subprocess.PIPE
        )
        for _ in range(4)
    ]
    seen_empty = False
    while any(p.poll() is None for p in procs):
        seen_empty |= path.is_file() and path.stat().st_size == 0
    assert all(p.wait() == 0 for p in procs), [p.stderr.read() for p in procs]
    assert not seen_empty
    assert sorted(p.name for p in path.parent.iterdir() if not p.name.startswith("gradebook.sqlite")) == []
    assert gb.results(gb.open_gradebook(path)) == []
