"""doit's console reporter, with the end of the output made for people: the problems again, once each,
and the tasks skipped because of them on one line (doit prints a block per skipped task otherwise)."""
from __future__ import annotations

from doit.exceptions import UnmetDependency
from doit.reporter import ConsoleReporter


class CourseReporter(ConsoleReporter):
    def __init__(self, outstream, options):
        super().__init__(outstream, options)
        self.skipped: list[str] = []

    def add_failure(self, task, fail):
        if isinstance(fail, UnmetDependency):
            if task.actions:  # group tasks (student, lint, ...) only gather their subtasks
                self.skipped.append(task.name)
            return
        super().add_failure(task, fail)

    def complete_run(self):
        super().complete_run()
        if not self.failures and not self.skipped:
            return
        self.write(f"\ncoursebuild: {len(self.failures)} task(s) failed" + (f", {len(self.skipped)} skipped because of them" if self.skipped else "") + ":\n")
        for result in self.failures:
            message = result["exception"].get_msg().strip()
            self.write(f"  {result['task'].name}: {message}\n")
        if self.skipped:
            self.write(f"  skipped: {', '.join(self.skipped)}\n")
        self.write("Fix the problems above and run doit again; everything that succeeded is kept.\n")
