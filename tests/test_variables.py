"""tasks/graph/variables.py: `doit help TASK` lists the command-line variables the task reads."""

from __future__ import annotations

from conftest import run_doit
from tasks.graph.variables import variables_help


def test_release_lists_week_errata_and_force():
    text = variables_help("release")
    assert text.startswith("command-line variables (write them after the task name):\n")
    for name in ("week=N", "errata=1", "force=1"):
        assert f"  {name}" in text
    assert variables_help("lint") == "" and variables_help("deploy_student:alpha").count("errata=1") == 1


def test_doit_help_release_shows_them_after_doits_line(mini_course):
    result = run_doit(mini_course, "help", "release")
    assert result.returncode == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("release  Release a week") and lines[1].startswith("command-line variables")
    assert any(line.lstrip().startswith("week=N") and "required" in line for line in lines)
