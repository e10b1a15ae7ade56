"""tito's front door: help lists every command, command modules plug in with register(), errors are messages."""

from __future__ import annotations

import argparse
import subprocess
import sys
import types
from pathlib import Path

import pytest

from tasks.cli import common, main as cli_main

TITO = Path(sys.executable).parent / "tito"


def test_help_lists_every_command_and_group(capsys):
    assert cli_main.main([]) == 0
    top = capsys.readouterr().out
    for name in ("deploy", "release", "module", "doctor", "system"):
        assert f"    {name} " in top
    for group, commands in {
        "module": ("release", "validate", "status", "list", "test"),
        "deploy": ("student", "solutions"),
        "system": ("health", "info"),
    }.items():
        with pytest.raises(SystemExit) as done:
            cli_main.main([group, "--help"])
        assert done.value.code == 0
        shown = capsys.readouterr().out
        for name in commands:
            assert f"    {name} " in shown, (group, name, shown)


def test_a_command_module_plugs_in_with_one_line(monkeypatch, capsys):
    """What the grading engineers do: a module with register(subparsers), adding to a group others also use."""
    plugin = types.ModuleType("tito_plugin_example")

    def register(subparsers):
        example = common.command(
            common.group(subparsers, "module", "ignored: the group exists"),
            "example",
            "An example command",
            lambda args: print(f"graded {args.name}") or 3,
        )
        example.add_argument("name")

    plugin.register = register
    monkeypatch.setitem(sys.modules, "tito_plugin_example", plugin)
    monkeypatch.setattr(cli_main, "COMMANDS", cli_main.COMMANDS + ["tito_plugin_example"])
    assert cli_main.main(["module", "example", "tensor"]) == 3
    assert capsys.readouterr().out == "graded tensor\n"
    with pytest.raises(SystemExit):
        cli_main.main(["module", "--help"])
    shown = capsys.readouterr().out
    assert "    example " in shown and "    grade " in shown and "    status " in shown


def test_outside_a_course_is_a_message_not_a_traceback(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli_main.main(["module", "status"]) == 2
    err = capsys.readouterr().err
    assert "is not inside a course repository" in err and "Traceback" not in err


def test_the_console_script_is_installed_and_imports_nothing_heavy():
    """`make venv` installs .venv/bin/tito; `tito --help` stays fast: no doit, yaml, git or notebook imports."""
    assert TITO.exists(), "run `make venv`: it installs the tito console script"
    probe = "import sys; from tasks.cli.main import main; main([]); print(sorted(m for m in ('doit','yaml','git','nbformat','nbclient','jupytext','numpy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("[]"), out
    assert subprocess.run([str(TITO), "--help"], capture_output=True).returncode == 0


MODULE_NAMES = [  # what a person types -> the module, or the start of the message
    ("alpha", "alpha"),
    ("01", "alpha"),
    ("1", "alpha"),
    ("01_alpha", "alpha"),
    ("modules/01_alpha/", "alpha"),
    (" beta ", "beta"),
    ("02_beta", "beta"),
    ("alpah", "no module 'alpah'; did you mean 'alpha'? (modules: 01 alpha, 02 beta; give a name, number or folder)"),
    ("01_alpah", "no module '01_alpah'; did you mean '01_alpha'?"),
    ("03", "no module '03'; (modules: 01 alpha, 02 beta;"),
    ("\u00b2", "no module '\u00b2'; (modules:"),
]


@pytest.fixture(scope="module")
def two_modules(tmp_path_factory) -> Path:
    from conftest import write_mini_course

    return write_mini_course(tmp_path_factory.mktemp("names") / "c", names=("alpha", "beta"))


@pytest.mark.parametrize("text, expected", MODULE_NAMES)
def test_a_module_is_named_by_name_number_or_folder_with_did_you_mean(two_modules, text, expected):
    """The one rule (Course.find) every command uses; grading reads names through it too."""
    from tasks.base.errors import CourseError
    from tasks.course.context import load
    from tasks.grade.run import modules_to_grade

    course, _ = load(str(two_modules))
    if expected in ("alpha", "beta"):
        assert course.find(text).name == expected
        assert [m.name for m in modules_to_grade(course, [text])] == [expected]
    else:
        with pytest.raises(CourseError) as raised:
            course.find(text)
        assert str(raised.value).startswith(f"course.yaml: {expected}"), str(raised.value)
        assert str(raised.value) == str(pytest.raises(CourseError, modules_to_grade, course, [text]).value)
    args = argparse.Namespace(modules=[], all=False)
    with pytest.raises(CourseError, match="which module"):
        common.chosen_modules(course, args)


@pytest.mark.parametrize(
    "command",
    [
        ["deploy", "student", "--module"],
        ["deploy", "solutions", "-m"],
        ["module", "release"],
        ["module", "validate"],
        ["module", "status"],
        ["module", "list"],
        ["module", "test"],
        ["module", "grade"],
        ["grade"],
        ["collect"],
        ["nbgrader", "export"],
    ],
    ids=lambda c: " ".join(c),
)
def test_every_command_reads_module_names_by_the_one_rule(two_modules, capsys, command):
    assert cli_main.main(["-C", str(two_modules), *command, "alpah"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tito: course.yaml: no module 'alpah'; did you mean 'alpha'?") and "Traceback" not in err


def test_tito_grade_takes_a_module_number_and_student_filters(two_modules):
    """`tito collect 01` worked and `tito grade 01` did not: the number now reaches grading (stopped here by
    an unknown --student, which is checked against the student folders under submissions/)."""
    (two_modules / "submissions/ada/alpha").mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [str(TITO), "grade", "01", "--student", "ada", "--student", "adaa"],
        cwd=two_modules,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith("tito: --student: no student 'adaa' in submissions/; did you mean 'ada'?"), (
        done.stderr
    )


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        cli_main.main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == f"tito (coursebuild-tinytorch) {cli_main.version()}\n"
    assert cli_main.version()[0].isdigit()
    shown = subprocess.run([str(TITO), "--version"], capture_output=True, text=True)
    assert shown.returncode == 0 and shown.stdout.startswith("tito (coursebuild-tinytorch) ")


def test_the_makefile_checks_the_interpreter_first(tmp_path):
    """An old or missing interpreter stops `make` before anything is created, with the fix; distclean needs no venv."""
    from conftest import REPO
    import shutil

    for name in ("Makefile", "requirements.txt", "pyproject.toml"):
        shutil.copy2(REPO / name, tmp_path / name)
    old = tmp_path / "python3.10"
    old.write_text(
        "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'Python 3.10.12'; exit 0; fi\nexec python3 -c 'import sys; print(\"\")'\n"
    )
    old.chmod(0o755)
    done = subprocess.run(["make", "venv", f"PYTHON={old}"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode != 0
    assert (
        "coursebuild needs Python 3.11 or newer" in done.stdout
        and "Python 3.10.12" in done.stdout
        and "make PYTHON=python3.11" in done.stdout
    )
    assert not (tmp_path / ".venv").exists()
    (tmp_path / ".venv/bin").mkdir(parents=True)  # a broken venv: no python in it
    (tmp_path / "build").mkdir()
    done = subprocess.run(["make", "distclean"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not (tmp_path / ".venv").exists() and not (tmp_path / "build").exists()
