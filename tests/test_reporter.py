"""tasks/graph/reporter.py: each problem once, the tasks it blocked on one line, a no-op in one line."""

from __future__ import annotations

import io

from doit.exceptions import TaskFailed, UnmetDependency
from doit.task import Task

from tasks.graph.reporter import CourseReporter, cause_in_words, skipped_by_cause, tasks_in_words


def task(name: str) -> Task:
    return Task(name, [(lambda: None, [])], verbosity=2)


def test_skipped_tasks_are_grouped_by_the_failure_they_come_from():
    blocked = {
        "validate:layers": ["validate:tensor"],
        "validate:training": ["validate:layers", "validate:tensor"],
        "archive:tensor": ["student:tensor"],
    }
    groups = skipped_by_cause(["validate:tensor", "student:tensor"], blocked)
    assert groups == {
        ("validate:tensor",): ["validate:layers", "validate:training"],
        ("student:tensor",): ["archive:tensor"],
    }
    assert (
        tasks_in_words(["validate:layers", "validate:training", "check_student:layers"])
        == "validate of layers, training; check_student of layers"
    )
    assert cause_in_words(("validate:tensor",)) == "they import tensor, which failed validation"
    assert cause_in_words(("student:tensor",)) == "they need student:tensor, which failed"


def run(reporter_class=CourseReporter, failures=(), blocked=(), up_to_date=()) -> str:
    out = io.StringIO()
    reporter = reporter_class(out, {})
    for name in up_to_date:
        reporter.skip_uptodate(task(name))
    for name in failures:
        reporter.execute_task(task(name))
        reporter.add_failure(task(name), TaskFailed(f"modules/x.py:3: {name} went wrong"))
    for name, deps in blocked:
        reporter.add_failure(task(name), UnmetDependency(deps))
    reporter.complete_run()
    return out.getvalue()


def test_each_failure_is_printed_once_with_what_it_blocked():
    text = run(
        failures=["validate:tensor"],
        blocked=[("validate:layers", "validate:tensor"), ("check_student:layers", "validate:tensor")],
    )
    assert text.count("went wrong") == 1
    assert text.endswith(
        "coursebuild: 1 task(s) failed, 2 skipped because of them:\n\n"
        "validate:tensor failed:\nmodules/x.py:3: validate:tensor went wrong\n\n"
        "skipped: validate of layers; check_student of layers (they import tensor, which failed validation)\n\n"
        "Fix the problems above and run doit again; everything that succeeded is kept.\n"
    )


def test_a_noop_says_nothing_to_do_once_and_lists_tasks_only_when_verbose():
    assert (
        run(up_to_date=["lint:a", "student:a"])
        == "coursebuild: nothing to do (2 task(s) up to date; `doit -v 2` lists them)\n"
    )
    verbose = type("Verbose", (CourseReporter,), {"verbose": True})
    assert run(verbose, up_to_date=["lint:a"]).startswith("-- lint:a\n")
