"""doit's console reporter, made for people: each problem printed once, at the end, with the tasks it
blocked on one line ("skipped: validate of beta, gamma (they import alpha, which failed)"); up-to-date tasks
counted, not listed (a no-op says "nothing to do" once; `doit -v 2` lists them)."""

from __future__ import annotations

from doit.exceptions import UnmetDependency
from doit.reporter import ConsoleReporter


class CourseReporter(ConsoleReporter):
    verbose = False  # boot sets it from the command line (-v/--verbosity)

    def __init__(self, outstream, options):
        super().__init__(outstream, options)
        self.blocked: dict[str, list[str]] = {}  # skipped task -> the failed or skipped tasks it needed
        self.up_to_date = 0
        self.executed = 0

    def execute_task(self, task):
        if task.actions and task.name[0] != "_":
            self.executed += 1
        super().execute_task(task)

    def skip_uptodate(self, task):
        self.up_to_date += 1
        if self.verbose:
            super().skip_uptodate(task)

    def add_failure(self, task, fail):
        if isinstance(fail, UnmetDependency):
            if task.actions:  # group tasks (student, lint, ...) only gather their subtasks
                self.blocked[task.name] = fail.message.split()
            return
        if fail.report:
            self.failures.append({"task": task, "exception": fail})
            self.write(f"!! {task.name} failed (the problem is shown at the end)\n")

    def complete_run(self):
        if self.runtime_errors:
            self.write("#" * 40 + "\nExecution aborted.\n" + "\n".join(self.runtime_errors) + "\n")
        if self.failures or self.blocked:
            self.write(summary(self.failures, self.blocked))
        elif not self.executed and not self.runtime_errors:
            self.write(f"coursebuild: nothing to do ({self.up_to_date} task(s) up to date; `doit -v 2` lists them)\n")


def summary(failures: list[dict], blocked: dict[str, list[str]]) -> str:
    failed = [result["task"].name for result in failures]
    text = (
        f"\ncoursebuild: {len(failures)} task(s) failed"
        + (f", {len(blocked)} skipped because of them" if blocked else "")
        + ":\n"
    )
    for result in failures:
        text += f"\n{result['task'].name} failed:\n{result['exception'].get_msg().strip()}\n" + _captured_output(
            result["task"]
        )
    for roots, names in skipped_by_cause(failed, blocked).items():
        text += f"\nskipped: {tasks_in_words(names)} ({cause_in_words(roots)})\n"
    return text + "\nFix the problems above and run doit again; everything that succeeded is kept.\n"


def _captured_output(task) -> str:
    """What a failed task printed but doit held back (tasks below verbosity 2), indented under its message."""
    out = "".join(action.out or "" for action in task.actions if task.verbosity < 2).strip()
    return "".join(f"    {line}\n" for line in out.split("\n")) if out else ""


def _roots_of(name: str, failed: list[str], blocked: dict[str, list[str]], seen: frozenset = frozenset()) -> set[str]:
    """The failed tasks that a skipped task is skipped because of (through other skipped ones)."""
    found = set()
    for dep in blocked.get(name, []):
        if dep in failed:
            found.add(dep)
        elif dep in blocked and dep not in seen:
            found |= _roots_of(dep, failed, blocked, seen | {name})
    return found


def skipped_by_cause(failed: list[str], blocked: dict[str, list[str]]) -> dict[tuple[str, ...], list[str]]:
    groups: dict[tuple[str, ...], list[str]] = {}
    for name in blocked:
        groups.setdefault(tuple(sorted(_roots_of(name, failed, blocked))), []).append(name)
    return groups


def tasks_in_words(names: list[str]) -> str:
    """'validate of beta, gamma; check_student of beta' (subtasks grouped by kind, in first-seen order)."""
    kinds: dict[str, list[str]] = {}
    for name in names:
        kind, _, module = name.partition(":")
        kinds.setdefault(kind, []).append(module or kind)
    return "; ".join(
        f"{kind} of {', '.join(modules)}" if modules != [kind] else kind for kind, modules in kinds.items()
    )


def cause_in_words(roots: tuple[str, ...]) -> str:
    validated = [r.partition(":")[2] for r in roots if r.startswith("validate:")]
    others = [r for r in roots if not r.startswith("validate:")]
    parts = ([f"they import {' and '.join(validated)}, which failed validation"] if validated else []) + (
        [f"they need {' and '.join(others)}, which failed"] if others else []
    )
    return "; ".join(parts) or "a task they need failed"
