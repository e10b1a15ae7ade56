"""`tito`: parse the command line, dispatch to a command module's handler, turn user errors into messages."""

from __future__ import annotations

import argparse
import importlib
import sys

# The command modules, in `tito --help` order. Adding a command module is one line here.
COMMANDS = [
    "tasks.cli.build",
    "tasks.cli.system",
    "tasks.cli.grade",
    "tasks.cli.grading_edges",
    "tasks.cli.version",
]


def parser() -> argparse.ArgumentParser:
    from .common import formatter

    top = argparse.ArgumentParser(
        prog="tito",
        formatter_class=formatter,
        description="TinyTorch course tools: build, check and release the course (a layer over `doit`).",
    )
    top.add_argument(
        "-C",
        "--course",
        metavar="DIR",
        help="the course repository (default: the folder holding course.yaml, from here upwards)",
    )
    top.add_argument("--version", action="version", version=f"tito (coursebuild-tinytorch) {version()}")
    subparsers = top.add_subparsers(title="commands", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(name).register(subparsers)
    top.set_defaults(func=None, _parser=top)
    return top


def version() -> str:
    """The installed coursebuild's version (`make venv` installs it), else pyproject.toml's."""
    from importlib import metadata

    try:
        return metadata.version("coursebuild-tinytorch")
    except metadata.PackageNotFoundError:
        import tomllib
        from pathlib import Path

        pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
        try:
            return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
        except (OSError, ValueError, KeyError):
            return "unknown"


def main(argv: list[str] | None = None) -> int:
    """Run one tito command; returns its exit status (0 ok, 1 a task failed, 2 a usage or input problem)."""
    top = parser()
    args = top.parse_args(sys.argv[1:] if argv is None else argv)
    if args.func is None:
        args._parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("tito: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # only CourseError is the user's; anything else is re-raised
        from ..base.errors import CourseError

        if isinstance(error, CourseError):
            print(f"tito: {error}", file=sys.stderr)
            return 2
        raise


def run() -> None:
    """The `tito` program (its console script, `python -m tasks.cli.main`): `main`, then `leave`."""
    leave(main())


def leave(code: int) -> None:
    """Exit with `code`, every object frozen first (`gc.freeze`): the interpreter's exit then skips its last
    garbage collection over them, ~0.15 s of a grading run's 0.3 s exit, spent on the tens of thousands of
    objects Dask makes (docs/performance.md). Nothing of ours waits for that collection: files, the gradebook
    and the cluster are closed by then."""
    import gc

    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    run()
