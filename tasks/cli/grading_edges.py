"""`tito collect`, `tito grades`, `tito nbgrader export` and `import`: around the grading engine (tito grade).

Thin: each handler loads the course, calls tasks/grade/ (collect.py, report.py, nbgrader_export.py) and prints
what it returns. A student's bad submission is listed, not an error: `tito collect` exits 0 when it ran,
whatever the students sent; the instructor's own mistakes (roster, dates, names) exit 2 with file:line.
"""

from __future__ import annotations

from pathlib import Path

from .common import chosen_modules, command, course_root, group, load_course


def register(subparsers) -> None:
    collect = command(
        subparsers,
        "collect",
        "Gather submissions into submissions/<student>/<module>/ (roster repositories or an nbgrader folder)",
        _collect_handler,
    )
    collect.add_argument(
        "modules", nargs="*", metavar="MODULE", help="module name, number or folder (tensor, 01, 01_tensor)"
    )
    collect.add_argument("--all", action="store_true", help="every module in course.yaml")
    collect.add_argument(
        "--before",
        metavar="WHEN",
        help="take the last commit before this time (ISO, UTC unless a zone is given) instead of the module's deadline",
    )
    collect.add_argument(
        "--from",
        dest="folder",
        metavar="DIR",
        help="collect from a folder in nbgrader's submitted/<student>/<module>/ layout instead of git",
    )
    collect.add_argument("--roster", metavar="CSV", help="the roster to use instead of course.yaml's grading.roster")
    collect.add_argument(
        "--student", dest="students", action="append", metavar="ID", help="only this student (repeat for more)"
    )
    grades = command(
        subparsers,
        "grades",
        "Summarise the gradebook; write build/grades/grades.csv, the long CSV and score plots",
        _grades_handler,
    )
    grades.add_argument(
        "--hand",
        metavar="CSV",
        help="first store these hand scores (student,module,grade_id,points[,comment]) in the gradebook",
    )
    nbgrader = group(subparsers, "nbgrader", "nbgrader interoperability")
    export = command(
        nbgrader,
        "export",
        "Write an nbgrader course directory (source, release, submitted, nbgrader_config.py)",
        _export_handler,
    )
    export.add_argument(
        "modules", nargs="*", metavar="MODULE", help="module name, number or folder (tensor, 01, 01_tensor)"
    )
    export.add_argument("--all", action="store_true", help="every module in course.yaml")
    export.add_argument("--to", metavar="DIR", help="the nbgrader course directory (default: nbgrader/)")
    imported = command(
        nbgrader,
        "import",
        "Turn an nbgrader course directory (source/, header and footer, the gradebook's due dates) into modules and course.yaml entries",
        _import_handler,
    )
    imported.add_argument("folder", metavar="DIR", help="the nbgrader course directory (it holds source/)")


def _collect_handler(args) -> int:
    from ..grade.collect import collect, summary

    course, paths = load_course(args)
    results = collect(
        course,
        paths,
        chosen_modules(course, args),
        folder=args.folder,
        roster=args.roster and str(Path(args.roster).resolve()),
        before=args.before,
        students=args.students,
    )
    print(summary(results))
    return 0


def _grades_handler(args) -> int:
    from ..grade.report import grades_command

    course, paths = load_course(args)
    print(grades_command(course, paths, hand_file=args.hand))
    return 0


def _export_handler(args) -> int:
    from ..grade.nbgrader_export import export

    course, paths = load_course(args)
    print(export(course, paths, chosen_modules(course, args), args.to))
    return 0


def _import_handler(args) -> int:
    from ..base.errors import CourseError
    from ..grade.nbgrader_import import import_course

    start = Path(getattr(args, "course", None) or Path.cwd()).resolve()
    root = course_root(args) if (start / "course.yaml").is_file() else start
    if not (root / "dodo.py").is_file():
        raise CourseError.at(
            str(root),
            None,
            "is not a course repository (no dodo.py here); run `tito nbgrader import` in one, or pass -C DIR",
        )
    print(import_course(root, Path(args.folder)))
    return 0
