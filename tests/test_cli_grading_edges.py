"""`tito collect`, `tito grades`, `tito nbgrader export` through tito's own main(): exit codes and messages."""

from __future__ import annotations

import json

import pytest

from conftest import write_mini_course
from tasks.cli import main as cli_main

NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "id": "a",
            "metadata": {"nbgrader": {"grade_id": "mini-double"}},
            "source": "",
            "outputs": [],
            "execution_count": None,
        }
    ],
    "metadata": {},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def test_help_lists_the_grading_commands(capsys):
    assert cli_main.main([]) == 0
    top = capsys.readouterr().out
    assert "    collect " in top and "    grades " in top and "    nbgrader " in top
    with pytest.raises(SystemExit):
        cli_main.main(["nbgrader", "--help"])
    assert "    export " in capsys.readouterr().out


def test_collect_from_the_configured_folder_lists_problems_and_exits_0(tmp_path, capsys):
    root = write_mini_course(tmp_path / "mini", extra_yaml="grading:\n  submitted: downloads\n")
    (root / "downloads/ada/alpha").mkdir(parents=True)
    (root / "downloads/ada/alpha/alpha.ipynb").write_text(json.dumps(NOTEBOOK))
    (root / "downloads/bob/alpha").mkdir(parents=True)
    (root / "downloads/bob/alpha/alpha.ipynb").write_text("")
    assert cli_main.main(["-C", str(root), "collect", "01"]) == 0
    out = capsys.readouterr().out
    assert "alpha: 1 collected, 0 missing, 1 with a problem" in out and "bob: problem" in out and "is empty" in out
    assert (root / "submissions/ada/alpha/alpha.ipynb").is_file()


def test_collect_student_filters_take_only_those_students(tmp_path, capsys):
    root = write_mini_course(tmp_path / "mini", extra_yaml="grading:\n  submitted: downloads\n")
    for student in ("ada", "bob", "cy"):
        (root / f"downloads/{student}/alpha").mkdir(parents=True)
        (root / f"downloads/{student}/alpha/alpha.ipynb").write_text(json.dumps(NOTEBOOK))
    assert cli_main.main(["-C", str(root), "collect", "alpha", "--student", "ada", "--student", "cy"]) == 0
    assert "alpha: 2 collected, 0 missing, 0 with a problem" in capsys.readouterr().out
    assert sorted(p.name for p in (root / "submissions").iterdir()) == ["ada", "cy"]
    assert cli_main.main(["-C", str(root), "collect", "01_alpha", "--student", "adda"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tito: --student: no student 'adda' in downloads; did you mean 'ada'?"), err
    assert sorted(p.name for p in (root / "submissions").iterdir()) == ["ada", "cy"]


def test_user_errors_exit_2_with_a_message(tmp_path, capsys):
    root = write_mini_course(tmp_path / "mini")
    assert cli_main.main(["-C", str(root), "collect"]) == 2
    assert "which module?" in capsys.readouterr().err
    assert cli_main.main(["-C", str(root), "collect", "alpha"]) == 2
    assert "set grading.roster" in capsys.readouterr().err
    assert cli_main.main(["-C", str(root), "collect", "alpha", "--roster", str(tmp_path / "none.csv")]) == 2
    assert "the roster does not exist" in capsys.readouterr().err
    assert cli_main.main(["-C", str(root), "grades"]) == 2
    assert "run `tito grade MODULE` first" in capsys.readouterr().err
    assert cli_main.main(["-C", str(root), "nbgrader", "export", "--all"]) == 2
    err = capsys.readouterr().err
    assert "run `doit student:alpha`" in err and "Traceback" not in err


@pytest.mark.parametrize("how", ["truncated", "garbage", "missing-column"])
def test_a_damaged_gradebook_stops_tito_grade_and_tito_grades_with_what_to_do(tmp_path, capsys, how):
    import os
    import subprocess
    import sys

    from conftest import REPO
    from test_grade_gradebook import damage, full_gradebook

    root = write_mini_course(tmp_path / "mini")
    gradebook = full_gradebook(root / "grades/gradebook.sqlite")
    damage(gradebook, how)
    before = gradebook.read_bytes()
    advice = "restore it from a backup, or move it aside (mv grades/gradebook.sqlite grades/gradebook.sqlite.damaged)"
    assert cli_main.main(["-C", str(root), "grades"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"tito: {gradebook}: ") or err.startswith("tito: grades/gradebook.sqlite: ")
    assert "restore it from a backup, or move it aside" in err and "`tito grade --all --force`" in err
    graded = subprocess.run(
        [sys.executable, "-m", "tasks.cli.grade", "alpha"],
        cwd=root,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert graded.returncode == 2 and "Traceback" not in graded.stderr, graded.stderr
    assert graded.stderr.startswith("tito: grades/gradebook.sqlite: ") and advice in graded.stderr
    assert gradebook.read_bytes() == before
