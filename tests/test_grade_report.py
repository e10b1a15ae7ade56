"""Grade reports from gradebook rows: the wide and long CSVs, the summary, hand scores, the score plots."""

import csv
import io

import pytest

from conftest import write_mini_course
from tasks.base.errors import CourseError
from tasks.course.config import load_course
from tasks.course.paths import Paths
from tasks.grade.gradebook import open_gradebook, record, results
from tasks.grade.report import effective, grades_command, long_csv, read_hand_scores, summary, wide_csv, write_reports


def row(student, module, grade_id, points, max_points, outcome="passed", message="", hand_points=None):
    return {
        "student": student,
        "module": module,
        "grade_id": grade_id,
        "points": points,
        "max_points": max_points,
        "outcome": outcome,
        "message": message,
        "hand_points": hand_points,
    }


ROWS = [
    row("ada", "alpha", "test-a", 5, 5),
    row("ada", "alpha", "test-b", 10, 10),
    row("ada", "alpha", "essay", 0, 4, "hand"),
    row("bob", "alpha", "test-a", 0, 5, "failed", "AssertionError: no"),
    row("bob", "alpha", "test-b", 2.5, 10, "failed"),
    row("bob", "alpha", "essay", 0, 4, "hand"),
    row("ada", "beta", "test-c", 3, 3),
]


def test_wide_csv_has_one_row_per_student_one_column_per_module_and_totals():
    table = list(csv.reader(io.StringIO(wide_csv(ROWS, ["alpha", "beta"]))))
    assert table == [
        ["student", "alpha", "beta", "total"],
        ["(max)", "19", "3", "22"],
        ["ada", "15", "3", "18"],
        ["bob", "2.5", "", "2.5"],
    ]


def test_long_csv_has_one_row_per_student_and_cell():
    table = list(csv.DictReader(io.StringIO(long_csv(ROWS))))
    assert len(table) == len(ROWS)
    assert table[3] == {
        "student": "bob",
        "module": "alpha",
        "grade_id": "test-a",
        "points": "0",
        "max_points": "5",
        "outcome": "failed",
        "message": "AssertionError: no",
    }


def test_summary_counts_submissions_mean_median_and_failures_by_test():
    assert summary(ROWS, ["alpha", "beta"]).split("\n") == [
        "alpha: 2 submission(s), mean 8.75 / 19, median 8.75; failed: test-a 1, test-b 1; 2 answer(s) to grade by hand",
        "beta: 1 submission(s), mean 3 / 3, median 3; no test failed",
    ]


def test_hand_scores_are_checked_rows_and_count_in_place_of_points():
    hand = read_hand_scores("student,module,grade_id,points,comment\nada,alpha,essay,3.5,clear\n", "hand.csv", ROWS)
    assert hand == [{"student": "ada", "module": "alpha", "grade_id": "essay", "points": 3.5, "comment": "clear"}]
    rows = effective(
        [dict(r, hand_points=3.5) if r["student"] == "ada" and r["grade_id"] == "essay" else r for r in ROWS]
    )
    assert "ada,18.5,3,21.5" in wide_csv(rows, ["alpha", "beta"])
    assert "1 answer(s) to grade by hand" in summary(rows, ["alpha"])


@pytest.mark.parametrize(
    "text, says",
    [
        ("student,module,points\nada,alpha,1\n", "hand.csv:1: the hand-score file has no column grade_id"),
        ("student,module,grade_id,points\nada,alpha,nope,1\n", "hand.csv:2: module 'alpha' has no graded cell 'nope'"),
        (
            "student,module,grade_id,points\nzed,alpha,essay,1\n",
            "hand.csv:2: student 'zed' has no graded submission of module 'alpha'",
        ),
        ("student,module,grade_id,points\nada,alpha,essay,five\n", "hand.csv:2: points 'five' is not a number"),
        (
            "student,module,grade_id,points\nada,alpha,essay,1\nbob,alpha,essay,9\n",
            "hand.csv:3: points 9 is outside 0..4",
        ),
    ],
)
def test_bad_hand_scores_name_file_and_line(text, says):
    with pytest.raises(CourseError) as error:
        read_hand_scores(text, "hand.csv", ROWS)
    assert says in str(error.value)


def graded(db, student, module, cells):
    record(
        db,
        {"student": student, "module": module, "path": "x", "key": "k", "status": "graded", "score": 0, "max_score": 0},
        [dict(grade_id=g, position=i, points=p, max_points=m, outcome=o) for i, (g, p, m, o) in enumerate(cells)],
    )


def test_tito_grades_merges_hand_scores_into_the_gradebook_and_writes_csvs_and_a_png_per_module(tmp_path):
    course = load_course(write_mini_course(tmp_path / "mini"))
    paths = Paths(course)
    db = open_gradebook(paths.gradebook)
    graded(db, "ada", "alpha", [("test-a", 5, 5, "passed"), ("test-b", 10, 10, "passed"), ("essay", 0, 4, "hand")])
    graded(db, "bob", "alpha", [("test-a", 0, 5, "failed"), ("test-b", 2.5, 10, "failed"), ("essay", 0, 4, "hand")])
    graded(db, "ada", "beta", [("test-c", 3, 3, "passed")])
    db.close()
    (tmp_path / "hand.csv").write_text("student,module,grade_id,points\nbob,alpha,essay,4\n")
    text = grades_command(course, paths, hand_file=str(tmp_path / "hand.csv"))
    assert text.startswith("merged 1 hand score(s)") and "alpha: 2 submission(s), mean 10.75 / 19" in text
    assert "bob,6.5,,6.5" in paths.grades_csv.read_text()
    assert "bob,alpha,essay,4,4,hand," in paths.grades_long_csv.read_text()
    plot = paths.score_plot(course.module("alpha")).read_bytes()
    assert plot.startswith(b"\x89PNG") and paths.score_plot(course.module("beta")).exists()
    db = open_gradebook(paths.gradebook)
    assert [r["hand_points"] for r in results(db, "alpha") if r["grade_id"] == "essay"] == [
        None,
        4.0,
    ]  # kept in the gradebook
    db.close()
    grades_command(course, paths)
    assert paths.score_plot(course.module("alpha")).read_bytes() == plot  # deterministic, hand score still merged


def test_a_submission_whose_grading_failed_gets_no_grade_anywhere(tmp_path):
    """Grading that failed (a RETRY key, every cell 0 with the reason) is no result: its grades.csv cell and
    the student's total are empty, its grades-long.csv rows have no points and say why, and neither the
    mean, the failures nor the plot count it; once graded, it counts."""
    from tasks.grade.gradebook import RETRY

    course = load_course(write_mini_course(tmp_path / "mini"))
    paths = Paths(course)
    db = open_gradebook(paths.gradebook)
    graded(db, "ada", "alpha", [("test-a", 5, 5, "passed"), ("test-b", 10, 10, "passed")])
    graded(db, "ada", "beta", [("test-c", 3, 3, "passed")])
    reason = "submissions/bob/alpha/alpha.ipynb: grading failed (KilledWorker: ...); run `tito grade alpha` again"
    record(
        db,
        {
            "student": "bob",
            "module": "alpha",
            "path": "x",
            "key": RETRY + "k",
            "status": "error",
            "score": 0,
            "max_score": 15,
        },
        [
            dict(grade_id=g, position=i, points=0, max_points=m, outcome="error", message=reason)
            for i, (g, m) in enumerate((("test-a", 5), ("test-b", 10)))
        ],
    )
    graded(db, "bob", "beta", [("test-c", 0, 3, "failed")])
    db.close()
    text = grades_command(course, paths)
    assert (
        "alpha: 1 submission(s), mean 15 / 15, median 15; no test failed; 1 not graded (grading failed): run `tito grade alpha` again"
        in text
    )
    assert paths.grades_csv.read_text().splitlines()[2:] == ["ada,15,3,18", "bob,,0,"]
    long = list(csv.DictReader(io.StringIO(paths.grades_long_csv.read_text())))
    bob = [r for r in long if r["student"] == "bob" and r["module"] == "alpha"]
    assert [(r["points"], r["max_points"], r["outcome"], r["message"]) for r in bob] == [
        ("", "5", "error", reason),
        ("", "10", "error", reason),
    ]

    db = open_gradebook(paths.gradebook)
    graded(db, "bob", "alpha", [("test-a", 0, 5, "failed"), ("test-b", 10, 10, "passed")])  # graded by the next run
    db.close()
    assert "bob,10,0,10" in wide_csv(results(open_gradebook(paths.gradebook)), ["alpha", "beta"])


def test_a_bad_hand_score_file_changes_nothing(tmp_path):
    course = load_course(write_mini_course(tmp_path / "mini"))
    paths = Paths(course)
    db = open_gradebook(paths.gradebook)
    graded(db, "ada", "alpha", [("essay", 0, 4, "hand")])
    db.close()
    (tmp_path / "hand.csv").write_text("student,module,grade_id,points\nada,alpha,essay,3\nada,alpha,essay,9\n")
    with pytest.raises(CourseError, match="hand.csv:3: points 9 is outside 0..4"):
        grades_command(course, paths, hand_file=str(tmp_path / "hand.csv"))
    db = open_gradebook(paths.gradebook)
    assert results(db)[0]["hand_points"] is None and not paths.grades_csv.exists()
    db.close()


def test_an_empty_gradebook_says_to_grade_first(tmp_path):
    course = load_course(write_mini_course(tmp_path / "mini"))
    with pytest.raises(CourseError, match="run `tito grade MODULE` first"):
        grades_command(course, Paths(course))
    with pytest.raises(CourseError, match="run `tito grade MODULE` first"):
        write_reports(course, Paths(course), [])


def test_csv_cells_a_spreadsheet_would_run_as_a_formula_are_neutralised_numbers_stay_numbers():
    from tasks.grade.report import spreadsheet_cell

    evil = [
        row("=cmd|' /C calc'!A0", "alpha", "@SUM(A1)", 5, 5, "failed", '=HYPERLINK("http://x.invalid","see")'),
        row("-1", "alpha", "+test", 2.5, 5, "failed", "\tAssertionError"),
        row("+ada", "alpha", "test-a", 0, 5, "failed", "\r=1+1"),
        row("@bob", "alpha", "test-a", 1, 5, "passed", "-- fine"),
    ]
    long_table = list(csv.reader(io.StringIO(long_csv(evil), newline="")))
    assert long_table[1] == [
        "'=cmd|' /C calc'!A0",
        "alpha",
        "'@SUM(A1)",
        "5",
        "5",
        "failed",
        '\'=HYPERLINK("http://x.invalid","see")',
    ]
    assert long_table[2] == ["'-1", "alpha", "'+test", "2.5", "5", "failed", "'\tAssertionError"]
    assert long_table[3][0] == "'+ada" and long_table[3][6] == "'\n=1+1"
    assert long_table[4][0] == "'@bob" and long_table[4][6] == "'-- fine"
    wide_table = list(csv.reader(io.StringIO(wide_csv(evil, ["alpha"]), newline="")))
    assert wide_table[0] == ["student", "alpha", "total"] and wide_table[1] == ["(max)", "15", "15"]
    assert [r[0] for r in wide_table[2:]] == ["'+ada", "'-1", "'=cmd|' /C calc'!A0", "'@bob"]
    assert wide_table[2][1:] == ["0", "0"] and wide_table[3][1:] == ["2.5", "2.5"]
    assert [spreadsheet_cell(v) for v in (-2.5, 3, 0.0, "", "(max)", "ada")] == ["-2.5", "3", "0", "", "(max)", "ada"]
    assert len(long_table) == 1 + len(evil)  # a carriage return in a message splits no row
