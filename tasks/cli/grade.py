"""`tito grade MODULE... | --all [--feedback]` and `tito module grade MODULE`: grade collected submissions.

Grades every submission under submissions/<student>/<module>/ on Dask (an embedded cluster, or
`--scheduler tls://HOST:8786` / course.yaml grading.scheduler; a few submissions in this process), writes the
gradebook (grades/gradebook.sqlite) and, with --feedback, each student's feedback under build/feedback/.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def register(subparsers) -> None:
    grade = subparsers.add_parser(
        "grade",
        help="grade collected submissions into the gradebook (on Dask)",
        description=__doc__.split("\n\n")[1].replace("\n", " "),
    )
    _add_arguments(grade, several=True)
    modules = _module_group(subparsers)
    single = modules.add_parser("grade", help="grade one module's collected submissions")
    _add_arguments(single, several=False)


def _module_group(subparsers):
    """The `tito module ...` subcommands (shared with the other command modules)."""
    from .common import group

    return group(subparsers, "module", "work on one module")


def _add_arguments(parser, several: bool) -> None:
    if several:
        parser.add_argument("modules", nargs="*", metavar="MODULE", help="modules to grade (tensor, 01, 01_tensor)")
        parser.add_argument("--all", action="store_true", help="grade every module")
    else:
        parser.add_argument("modules", nargs=1, metavar="MODULE", help="the module to grade (tensor, 01, 01_tensor)")
    parser.add_argument(
        "--student", dest="students", action="append", metavar="ID", help="only this student's submissions (repeat)"
    )
    parser.add_argument("--feedback", action="store_true", help="also write each student's feedback (build/feedback/)")
    parser.add_argument(
        "--scheduler", metavar="tls://HOST:8786", help="grade on this existing Dask cluster (TLS: grading.tls)"
    )
    parser.add_argument(
        "--workers", type=int, metavar="N", help="workers of the embedded cluster (default: one per core)"
    )
    parser.add_argument(
        "--force", action="store_true", help="grade again even what the gradebook has under the same key"
    )
    parser.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run submissions without the sandbox, as your user (stated in every result and feedback page)",
    )
    parser.add_argument(
        "--own-package",
        action="store_true",
        help="grade against the student's own earlier modules, not the reference ones",
    )
    parser.set_defaults(func=handle)


def course_root(args) -> Path:
    from ..base.errors import CourseError

    start = Path(getattr(args, "course", None) or os.getcwd()).resolve()
    for folder in [start, *start.parents]:
        if (folder / "course.yaml").is_file():
            return folder
    raise CourseError.at(
        str(start),
        None,
        "is not inside a course repository (no course.yaml here or above); cd into the course or pass -C DIR",
    )


def handle(args) -> int:
    from ..base.errors import CourseError
    from ..course.context import load
    from ..grade import gradebook
    from ..grade.feedback import write_feedback
    from ..grade.lock import grading_lock
    from ..grade.run import grade, modules_to_grade

    if not args.modules and not getattr(args, "all", False):
        raise CourseError.at("tito grade", None, "name the modules to grade (e.g. `tito grade tensor`) or pass --all")
    if args.workers is not None and args.workers < 1:
        raise CourseError.at("tito grade", None, f"--workers {args.workers}: give at least 1")
    course, paths = load(str(course_root(args)))
    names = [] if getattr(args, "all", False) else [m.name for m in modules_to_grade(course, args.modules)]
    _stop_on_sigterm()
    with grading_lock(paths.grade_lock):  # one `tito grade` at a time per course
        outcome = grade(
            course,
            paths,
            names,
            scheduler=args.scheduler,
            workers=args.workers,
            force=args.force,
            own_package=args.own_package,
            sandbox=not args.no_sandbox,
            students=args.students,
        )
        print(summary(outcome, paths))
        problems = []
        if args.feedback:
            db = gradebook.open_gradebook(paths.gradebook)
            for module in modules_to_grade(course, names):
                problems += write_feedback(course, paths, module, db)
            print(f"feedback: {paths.rel(paths.build / 'feedback')}/<student>/<module>.html")
    for line in problems + [r.message for r in outcome.failed]:
        print(line, file=sys.stderr)
    return 1 if outcome.failed or problems else 0


def _stop_on_sigterm() -> None:
    """SIGTERM ends the run like Ctrl-C: the embedded cluster is shut down; finished results are kept."""
    import signal

    def stop(number, frame):
        raise SystemExit(128 + number)

    signal.signal(signal.SIGTERM, stop)


def summary(outcome, paths) -> str:
    unreadable = [r for r in outcome.graded if r.status == "error"]
    lines = [
        f"graded {len(outcome.graded)} submission(s), {outcome.skipped} already up to date, {len(outcome.failed)} could not be graded"
    ]
    lines += [f"  {r.message}" for r in unreadable]
    done = len(outcome.graded) + len(outcome.failed)
    if done and outcome.seconds > 0:
        lines.append(
            f"grading took {outcome.seconds:.1f} s, {done / outcome.seconds:.1f} submissions a second (start excluded)"
        )
    lines.append(f"gradebook: {paths.rel(paths.gradebook)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """`python -m tasks.cli.grade ...` (the same as `tito grade ...`)."""
    from ..base.errors import CourseError

    top = argparse.ArgumentParser(prog="tito")
    top.add_argument("-C", "--course", metavar="DIR", help="the course repository")
    register(top.add_subparsers(title="commands", metavar="COMMAND"))
    argv = list(sys.argv[1:] if argv is None else argv)
    lead = argv[:2] if argv[:1] in (["-C"], ["--course"]) else []
    args = top.parse_args([*lead, "grade", *argv[len(lead) :]])
    try:
        return args.func(args)
    except CourseError as error:
        print(f"tito: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    from .main import leave

    leave(main())
