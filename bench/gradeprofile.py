"""Where one submission's grading time goes, in a warm parent like a grading worker (numpy imported).

    python bench/gradeprofile.py COURSE MODULE STUDENT [N]     prints {"inner_s": ..., the parts in seconds}

Run in the bench's grading course (its engine on sys.path), on one submission, N times each (median):
read (intake and answer extraction), rehydrate (answers into the pristine cells), a bare fork (fork, child
exits, wait), the scratch package (write the bundle's tinytorch files, remove them), the cells' own work (run
in a forked child without the isolation steps, timed by the child), supervise (the runner's fork + isolation +
cells + reports + kill of the process group) and the whole grade_submission. `inner_s` is grade_submission.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path


def timed(action, repeat: int) -> float:
    values = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        values.append(time.perf_counter() - start)
    return statistics.median(values)


def bare_fork() -> None:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


def cells_work(code, package, run_one, write_package) -> float:
    """The cells' own time, measured inside a forked child that runs them as the runner does, minus isolation."""
    scratch = tempfile.mkdtemp(prefix="bench-profile-")
    write_package(scratch, package)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        os.chdir(scratch)
        sys.path.insert(0, scratch)
        start, namespace = time.perf_counter(), {"__name__": "__main__", "__builtins__": __builtins__}
        for cell in code:
            run_one(cell, namespace)
        os.write(write_end, f"{time.perf_counter() - start}\n".encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        seconds = float(pipe.read().strip() or "nan")
    os.waitpid(pid, 0)
    shutil.rmtree(scratch, ignore_errors=True)
    return seconds


def main() -> None:
    course_dir, module_name, student = Path(sys.argv[1]).resolve(), sys.argv[2], sys.argv[3]
    repeat = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    sys.path.insert(0, str(course_dir))
    os.chdir(course_dir)
    from tasks.course.context import load
    from tasks.grade.bundle import load_bundle
    from tasks.grade.rehydrate import rehydrate
    from tasks.grade.runner import run_one, supervise, warm, write_package
    from tasks.grade.submissions import read_submission
    from tasks.grade.task import Limits, grade_submission

    warm()
    course, paths = load(str(course_dir))
    module = course.module(module_name)
    bundle = load_bundle(course, paths, module)
    path = paths.submission_file(student, module)
    submission = read_submission(path, paths.rel(path), student, module.name, bundle)
    cells = rehydrate(submission.answers, bundle)
    code = [c for c in cells if c.cell_type == "code"]
    limits = Limits(timeout=course.grading.timeout, memory_mb=course.grading.memory)

    def scratch_package():
        scratch = tempfile.mkdtemp(prefix="bench-profile-")
        write_package(scratch, bundle.package)
        shutil.rmtree(scratch)

    def supervised():
        scratch = tempfile.mkdtemp(prefix="bench-profile-")
        write_package(scratch, bundle.package)
        supervise(code, scratch, limits.timeout, limits.memory_mb)
        shutil.rmtree(scratch)

    grade_submission(submission, bundle, limits)  # once untimed: first-call imports
    parts = {
        "read_s": timed(lambda: read_submission(path, paths.rel(path), student, module.name, bundle), repeat),
        "rehydrate_s": timed(lambda: rehydrate(submission.answers, bundle), repeat),
        "fork_s": timed(bare_fork, repeat),
        "package_s": timed(scratch_package, repeat),
        "cells_s": statistics.median(cells_work(code, bundle.package, run_one, write_package) for _ in range(repeat)),
        "supervise_s": timed(supervised, repeat),
        "inner_s": timed(lambda: grade_submission(submission, bundle, limits), repeat),
        "code_cells": len(code),
    }
    print(json.dumps(parts))


if __name__ == "__main__":
    main()
