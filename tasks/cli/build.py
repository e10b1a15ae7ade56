"""Instructor commands over the doit graph: deploy, release, module release / validate / status.

Each builds a doit command line and runs it (common.run_doit): doit's reporter prints, its exit status is
tito's. `--target-repo DIR` reaches the release tasks as COURSEBUILD_STUDENT_REPO for that run only.
"""

from __future__ import annotations

from .common import chosen_modules, command, course_root, doit, group, load_course, target_repo_env

BUILD_STEPS = ["lint", "student", "export", "validate", "check_student", "archive"]
VALIDATE_STEPS = ["lint", "student", "validate", "check_student"]


def register(subparsers) -> None:
    _register_deploy(
        group(
            subparsers,
            "deploy",
            "Deploy built notebooks to the student repository now, whatever the schedule (one commit)",
        )
    )
    _register_release(subparsers)
    modules = group(subparsers, "module", "Build, validate, release and inspect modules")
    _register_module_release(modules)
    _register_module_validate(modules)
    _register_module_status(modules)
    _register_module_list(modules)
    _register_module_test(modules)


# --- tito deploy student|solutions --------------------------------------------------------------------


def _register_deploy(deploy) -> None:
    for kind, task, what in (
        ("student", "deploy_student", "exercises (student notebooks)"),
        ("solutions", "deploy_solutions", "solutions"),
    ):
        parser = command(
            deploy,
            kind,
            f"Deploy {what} to the student repo, one commit (doit {task})",
            lambda args, task=task: _deploy_handler(args, task),
        )
        _module_options(parser)
        _target_repo_option(parser)
        _errata_option(parser, "")


def _target_repo_option(parser) -> None:
    parser.add_argument(
        "--target-repo", metavar="DIR", help="use this student repository instead of course.yaml's student_repo.path"
    )


def _errata_option(parser, when: str) -> None:
    parser.add_argument(
        "--errata", action="store_true", help=f"{when}add name.v2.ipynb beside released notebooks whose source changed"
    )


def _module_options(parser, positional: bool = False) -> None:
    if positional:
        parser.add_argument(
            "modules", nargs="*", metavar="MODULE", help="module name, number or folder (tensor, 01, 01_tensor)"
        )
    else:
        parser.add_argument(
            "--module",
            "-m",
            dest="modules",
            action="append",
            metavar="MODULE",
            help="module name, number or folder (tensor, 01, 01_tensor); repeat for more",
        )
    parser.add_argument("--all", action="store_true", help="every module in course.yaml")


def _deploy_handler(args, task: str) -> int:
    course, _ = load_course(args)
    targets = [task] if args.all else [f"{task}:{m.name}" for m in chosen_modules(course, args)]
    return doit(args, targets + (["errata=1"] if args.errata else []), target_repo_env(args))


# --- tito release -------------------------------------------------------------------------------------


def _register_release(subparsers) -> None:
    parser = command(
        subparsers,
        "release",
        "Tag what was deployed (--tag, --message) or release the schedule up to a week (--week N)",
        _release_handler,
    )
    parser.add_argument(
        "--tag", help="tag the student repo's deployed state with this annotated tag, e.g. week5-tensor-solutions"
    )
    parser.add_argument("--message", "-M", help="the tag's message (with --tag)")
    parser.add_argument(
        "--week",
        type=int,
        metavar="N",
        help="release everything due by week N in one commit + tag (doit release week=N)",
    )
    _errata_option(parser, "with --week: ")
    parser.add_argument(
        "--force",
        action="store_true",
        help="with --week: move an existing tag that points elsewhere (never force-pushed)",
    )
    parser.add_argument(
        "--confirm", action="store_true", help="with --week: publish several weeks in one release (refused without it)"
    )
    parser.add_argument(
        "--ahead",
        action="store_true",
        help="with --week: tag the week although the repo already holds material due later (deployed early)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="show what would be committed and tagged; change nothing"
    )
    _target_repo_option(parser)


def _release_handler(args) -> int:
    from ..base.errors import CourseError

    if (args.tag is None) == (args.week is None):
        raise CourseError.at(
            "command line",
            None,
            "give --tag NAME --message TEXT (tag what was deployed) or --week N (release the schedule), not both and not neither",
        )
    if args.week is not None:
        return _release_week(args)
    if not args.message:
        raise CourseError.at("command line", None, f"--tag {args.tag} needs --message TEXT (the tag's annotation)")
    extra = ["dry=1"] if args.dry_run else []
    return doit(args, ["tag_release", f"tag={args.tag}", f"message={args.message}", *extra], target_repo_env(args))


def _release_week(args) -> int:
    flags = {
        "errata": args.errata,
        "force": args.force,
        "confirm": args.confirm,
        "ahead": args.ahead,
        "dry": args.dry_run,
    }
    return doit(
        args,
        ["release", f"week={args.week}", *[f"{name}=1" for name, on in flags.items() if on]],
        target_repo_env(args),
    )


# --- tito module release / validate / status ----------------------------------------------------------


def _register_module_release(modules) -> None:
    parser = command(
        modules,
        "release",
        "Build, validate, check and archive modules' student release, ready to deploy",
        _module_release_handler,
    )
    _module_options(parser, positional=True)
    parser.add_argument(
        "--student", action="store_true", help="the student release (the default; kept for TinyTorch's spelling)"
    )


def _module_release_handler(args) -> int:
    course, _ = load_course(args)
    if args.all and not args.modules:
        return doit(args, list(BUILD_STEPS))
    return doit(args, [f"{step}:{m.name}" for m in chosen_modules(course, args) for step in BUILD_STEPS])


def _register_module_validate(modules) -> None:
    parser = command(
        modules,
        "validate",
        "Lint, build and run modules in a real kernel (solution passes, student fails only at stubs)",
        _module_validate_handler,
    )
    _module_options(parser, positional=True)
    parser.add_argument(
        "--nbgrader", action="store_true", help="also check the built notebooks against nbgrader's schema and rules"
    )


def _module_validate_handler(args) -> int:
    course, paths = load_course(args)
    chosen = chosen_modules(course, args)
    status = doit(args, [f"{step}:{m.name}" for m in chosen for step in VALIDATE_STEPS])
    if args.nbgrader and status == 0:
        from .nbgrader_rules import check_modules

        status = check_modules(paths, chosen)
    return status


def _chosen_or_all(course, args) -> list:
    """The modules named on the command line, or every module when none is named (or with --all)."""
    return list(course.modules) if args.all or not args.modules else chosen_modules(course, args)


def _register_module_status(modules) -> None:
    parser = command(
        modules,
        "status",
        "Per module: built, validated, checked, archived, released, solutions released, week",
        _module_status_handler,
    )
    _module_options(parser, positional=True)


def _module_status_handler(args) -> int:
    from .status import print_status

    course, paths = load_course(args)
    chosen = _chosen_or_all(course, args)
    return print_status(course_root(args), course, paths, chosen, target_repo_env(args))


def _register_module_list(modules) -> None:
    parser = command(
        modules, "list", "The modules: number, folder, weeks, released to students, dependencies", _module_list_handler
    )
    _module_options(parser, positional=True)


def _module_list_handler(args) -> int:
    from .status import print_list

    course, paths = load_course(args)
    chosen = _chosen_or_all(course, args)
    return print_list(course, paths, chosen)


def _register_module_test(modules) -> None:
    parser = command(
        modules,
        "test",
        "Run modules' tests: the solution in a real kernel, against its dependencies' exports (doit validate)",
        _module_test_handler,
    )
    _module_options(parser, positional=True)


def _module_test_handler(args) -> int:
    course, _ = load_course(args)
    return doit(args, [f"validate:{m.name}" for m in chosen_modules(course, args)])
