"""Where one submission's grading time goes, in a grading process like a worker (its warm parents started).

    python bench/gradeprofile.py COURSE MODULE STUDENT [N]     prints {"inner_s": ..., the parts in seconds}

Run in the bench's grading course (its engine on sys.path), on one submission, N times each (median):
read (intake and answer extraction), rehydrate (answers into the pristine cells), an empty sandboxed process
(spawned from the warm parent, its namespaces made, the package sent, one empty cell, killed), the cells run without the
sandbox (`--no-sandbox`: a process group and a scratch folder), the same cells in the sandbox, and the whole
grade_submission. The sandbox's own cost per submission is sandboxed minus unsandboxed. `inner_s` is
grade_submission.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path


def timed(action, repeat: int) -> float:
    values = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        values.append(time.perf_counter() - start)
    return statistics.median(values)


def main() -> None:
    course_dir, module_name, student = Path(sys.argv[1]).resolve(), sys.argv[2], sys.argv[3]
    repeat = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    sys.path.insert(0, str(course_dir))
    os.chdir(course_dir)
    from tasks.course.context import load
    from tasks.grade.bundle import load_bundle
    from tasks.grade.rehydrate import rehydrate
    from tasks.grade.runner import run_cells
    from tasks.grade.submissions import read_submission
    from tasks.grade.task import Limits, grade_submission

    course, paths = load(str(course_dir))
    module = course.module(module_name)
    bundle = load_bundle(course, paths, module)
    path = paths.submission_file(student, module)
    submission = read_submission(path, paths.rel(path), student, module.name, bundle)
    cells = rehydrate(submission.answers, bundle)
    code = [c for c in cells if c.cell_type == "code"]
    limits = Limits(timeout=course.grading.timeout, memory_mb=course.grading.memory)

    def cells_run(sandbox: bool, which=cells):
        return lambda: run_cells(
            which, bundle.package, timeout=limits.timeout, memory_mb=limits.memory_mb, sandbox=sandbox
        )

    for sandbox in (True, False):
        cells_run(sandbox)()  # once untimed: each warm parent started, first-call imports
    grade_submission(submission, bundle, limits)
    parts = {
        "read_s": timed(lambda: read_submission(path, paths.rel(path), student, module.name, bundle), repeat),
        "rehydrate_s": timed(lambda: rehydrate(submission.answers, bundle), repeat),
        "sandbox_empty_s": timed(cells_run(True, [replace(code[0], source="pass")]), repeat),
        "unsandboxed_s": timed(cells_run(False), repeat),
        "sandboxed_s": timed(cells_run(True), repeat),
        "inner_s": timed(lambda: grade_submission(submission, bundle, limits), repeat),
        "code_cells": len(code),
    }
    parts["sandbox_cost_s"] = parts["sandboxed_s"] - parts["unsandboxed_s"]
    print(json.dumps(parts))


if __name__ == "__main__":
    main()
