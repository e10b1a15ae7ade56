"""`tito`, the instructor's command-line front door: argument parsing and what is printed around the doit graph.

The only layer besides doit's reporter that parses arguments or prints. Every command is a thin layer over
the doit tasks (`tito deploy student --module tensor` runs `doit deploy_student:tensor`); nothing a task does
is re-implemented here.

- `main.py`      `main(argv) -> int` and COMMANDS, the list of command modules (adding one is one line)
- `common.py`    shared pieces: command groups, finding the course, chosen modules (`Course.find`), running doit
- `build.py`     deploy / release / module release, validate, test, status, list
- `system.py`    doctor, system health, system info
- `nbgrader_rules.py`  `tito module validate --nbgrader`: built notebooks against nbgrader's schema and rules
- `grade.py`     grade / module grade: collected submissions graded on Dask into the gradebook (tasks/grade/)
- `grading_edges.py`  collect (submissions), grades (reports, hand scores), nbgrader export and import
- `version.py`   version check / version cut: the release check, tags, CHANGELOG.md (tasks/version/)
- `release_check.py`  the release check's gates (doit's JSON reporter, nbgrader rules, leak guard, wheel, docs)

A command module has `def register(subparsers) -> None`; each subcommand does `set_defaults(func=handler)`
with `handler(args) -> int` (the exit status). `common.group(subparsers, "module", help)` returns the
subcommands of a group, creating it once, so several modules can add to `tito module ...`.
Heavy imports happen inside handlers: `tito --help` imports nothing but argparse.
The student-side `tito` is a separate, stdlib-only package shipped to the student repository
(`tasks/release/resources/tito/`).
"""
