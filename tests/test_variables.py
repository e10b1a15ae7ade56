"""tasks/graph/variables.py: `doit help TASK` lists the command-line variables the task reads."""

from __future__ import annotations

import pytest

from conftest import run_doit
from tasks.base.errors import CourseError
from tasks.graph.variables import task_variables, variables_help, yes_no


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


@pytest.mark.parametrize(
    "raw, expected",
    [("1", True), ("yes", True), (" TRUE ", True), ("on", True), ("0", False), ("no", False), ("", False)]
    + [(None, False), ("off", False), ("ture", None), ("2", None), ("maybe", None)],
)
def test_one_strict_yes_no_rule(raw, expected):
    if expected is None:
        with pytest.raises(CourseError, match=rf"errata={raw!r} is not a yes/no value; use errata=1"):
            yes_no("errata", raw)
    else:
        assert yes_no("errata", raw) is expected


def test_task_variables_refuse_unknown_names_and_parse_every_flag():
    assert task_variables("release", {"week": "3", "dry": "yes"}) == {
        "week": "3",
        "errata": False,
        "force": False,
        "confirm": False,
        "ahead": False,
        "dry": True,
    }
    with pytest.raises(CourseError, match=r"unknown argument 'erata=1' for `doit deploy_student`; did you mean"):
        task_variables("deploy_student", {"erata": "1"})


@pytest.mark.parametrize(
    "args, says",
    [
        (["deploy_student", "errata=ture"], "errata='ture' is not a yes/no value"),
        (["deploy_student:alpha", "errata=ture"], "errata='ture' is not a yes/no value"),
        (["deploy_solutions", "erata=1"], "unknown argument 'erata=1' for `doit deploy_solutions`; did you mean"),
        (["tag_release", "tag=t1", "message=m", "dry=ture"], "dry='ture' is not a yes/no value"),
        (["release", "week=1", "errata=ture"], "errata='ture' is not a yes/no value"),
    ],
    ids=["deploy-all", "deploy-one", "deploy-misspelled", "tag-release", "release"],
)
def test_every_task_reads_yes_no_variables_by_the_same_strict_rule(mini_course, args, says):
    """`doit deploy_student errata=ture` used to deploy without errata; now it is refused as release refuses it."""
    result = run_doit(mini_course, *args)
    assert result.returncode != 0 and says in result.output and "Traceback" not in result.output, result.output
    assert result.ran <= {args[0]}, "nothing ran before the refusal"
    assert not (mini_course / "student-repo").exists()
