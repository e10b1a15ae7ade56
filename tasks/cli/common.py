"""What every tito command shares: command groups, finding the course, the modules a command names, running doit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..course.paths import STUDENT_REPO_ENV  # `--target-repo` for one doit run

COURSE_FILE = "course.yaml"


def formatter(prog):
    """Help with one line per command where the terminal allows."""
    import argparse

    class OneLine(argparse.HelpFormatter):
        def add_argument(self, action):
            super().add_argument(action)
            self._action_max_length += 4  # argparse measures subcommands one indent short

    return OneLine(prog, max_help_position=40, width=max(120, shutil.get_terminal_size().columns))


def group(subparsers, name: str, help: str):
    """The subcommands of group `name` (`tito module ...`), made on first use so several modules can add to it."""
    parser = subparsers.choices.get(name)
    if parser is None:
        parser = subparsers.add_parser(name, help=help, description=help, formatter_class=formatter)
        parser.set_defaults(func=lambda args: print_help(parser))
        parser.tito_commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    return parser.tito_commands


def print_help(parser) -> int:
    parser.print_help()
    return 0


def command(subparsers, name: str, help: str, handler, **kwargs):
    """Add one subcommand whose handler is `handler(args) -> int`; its help line is also its description."""
    parser = subparsers.add_parser(name, help=help, description=help, formatter_class=formatter, **kwargs)
    parser.set_defaults(func=handler)
    return parser


def course_root(args) -> Path:
    """The course repository: `-C DIR`, else the nearest folder upwards from here holding course.yaml."""
    from ..base.errors import CourseError

    start = Path(getattr(args, "course", None) or os.getcwd()).resolve()
    for folder in [start, *start.parents]:
        if (folder / COURSE_FILE).is_file() and (folder / "dodo.py").is_file():
            return folder
    raise CourseError.at(
        str(start),
        None,
        "is not inside a course repository (no course.yaml and dodo.py here or above); cd into the course or pass -C DIR",
    )


def load_course(args):
    """(course, paths) of the course repository, validated (errors name course.yaml:LINE)."""
    from ..course.context import load

    return load(str(course_root(args)))


def chosen_modules(course, args) -> list:
    """The modules a command names (`MODULE` or repeated `--module`, each as `Course.find` reads it), or all of
    them with `--all`."""
    from ..base.errors import CourseError

    names = list(getattr(args, "modules", None) or [])
    if getattr(args, "all", False):
        if names:
            raise CourseError.at("command line", None, "give module names or --all, not both")
        return list(course.modules)
    if not names:
        raise CourseError.at(
            "command line",
            None,
            "which module? give one by name, number or folder (e.g. tensor, 01, 01_tensor), or --all",
        )
    return list(dict.fromkeys(course.find(name) for name in names))


def target_repo_env(args) -> dict:
    """`--target-repo DIR` as the environment of one doit run (an absolute path, resolved from here)."""
    from ..course.paths import student_repo_folder

    target = getattr(args, "target_repo", None)
    if not target:
        return {}
    course, _ = load_course(args)
    student_repo_folder(course, str(Path(target).resolve()))  # refuses the course itself, its modules, build/...
    return {STUDENT_REPO_ENV: str(Path(target).resolve())}


def run_doit(
    root: Path, doit_args: list[str], env: dict | None = None, capture: bool = False
) -> subprocess.CompletedProcess:
    """Run `python -m doit ARGS` in the course: doit's own reporter prints, its exit status is returned.

    A subprocess, so each run takes the build lock, saves its state on SIGTERM and uses the course's engine.
    """
    full_env = {**os.environ, **(env or {})}
    command = [sys.executable, "-m", "doit", *doit_args]
    if os.environ.get("TITO_ECHO"):
        print("tito: doit " + " ".join(doit_args), file=sys.stderr)
    return subprocess.run(command, cwd=root, env=full_env, text=True, capture_output=capture)


def doit(args, doit_args: list[str], env: dict | None = None) -> int:
    """Run doit for a command and return its exit status (0 when every task passed)."""
    return run_doit(course_root(args), doit_args, env).returncode
