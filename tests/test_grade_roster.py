"""The roster CSV: columns found by their usual names, bad rows named by line, the rest kept."""

import pytest

from tasks.base.errors import CourseError
from tasks.grade.roster import read_roster


def test_reads_students_with_github_classroom_headers():
    students, problems = read_roster(
        "identifier,Name,repo_url\nada,Ada L,https://example.invalid/ada.git\n", "roster.csv"
    )
    assert problems == []
    assert [(s.student, s.name, s.repository, s.line) for s in students] == [
        ("ada", "Ada L", "https://example.invalid/ada.git", 2)
    ]


def test_missing_column_names_it():
    with pytest.raises(CourseError) as error:
        read_roster("student,name\nada,Ada\n", "roster.csv")
    assert "roster.csv:1" in str(error.value) and "'repository'" in str(error.value)


def test_duplicate_ids_leave_out_every_row_of_that_id_and_keep_the_others():
    text = "student,name,repository\nada,Ada,a.git\nbob,Bob,b.git\nada,Ada again,c.git\n"
    students, problems = read_roster(text, "roster.csv")
    assert [s.student for s in students] == ["bob"]
    assert [(p.line, "duplicate student id 'ada'" in p.message) for p in problems] == [(2, True), (4, True)]
    assert "also on line 4" in problems[0].message


def test_unusable_id_and_empty_repository_are_named():
    students, problems = read_roster("student,name,repository\n../x,X,x.git\ncy,Cy,\n", "roster.csv")
    assert students == []
    assert "cannot name a folder" in problems[0].message and "has no repository" in problems[1].message


def test_empty_roster():
    with pytest.raises(CourseError, match="roster is empty"):
        read_roster("", "roster.csv")


def test_ids_that_differ_only_in_case_are_refused_naming_both():
    text = "student,name,repository\nAda,Ada L,a.git\nbob,Bob,b.git\nada,Ada K,c.git\n"
    students, problems = read_roster(text, "roster.csv")
    assert [s.student for s in students] == ["bob"]
    assert [(p.line, p.message.split(":")[0]) for p in problems] == [
        (2, "student id 'Ada' differs from 'ada' (line 4) only in case"),
        (4, "student id 'ada' differs from 'Ada' (line 2) only in case"),
    ]
    assert "case-insensitive file system" in problems[0].message


def test_the_id_rule_is_one_function_for_rosters_and_folders():
    from tasks.grade.roster import case_clashes, id_problem

    assert id_problem("ok.id+x@y-z_1") is None
    for bad in ("ada\n", ".hidden", "a b", "zoë", "a/b", ""):
        assert "cannot name a folder" in id_problem(bad), bad
    assert case_clashes(["Ada", "ada", "ADA", "bob"]) == {
        "Ada": ["ADA", "ada"],
        "ada": ["ADA", "Ada"],
        "ADA": ["Ada", "ada"],
    }
