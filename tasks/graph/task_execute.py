"""doit tasks `validate:NAME` (the solution passes its own tests in a real kernel) and `check_student:NAME`
(the student version fails only at its stubs). Both are keyed on the hash of the code cells, so a
markdown-only edit executes nothing."""
from __future__ import annotations

import copy
import json
import re

from ..course.context import current, load
from .doitutil import config_changed_for, reports_user_errors
from .engine import engine_files
from ..base.errors import CourseError, Finding
from ..kernel.execute import ExecutionFailed, failures, run
from ..notebook.outputs import code_cell_labels, merged, record_text, recorded_outputs
from ..base.fsutil import write_atomic
from ..versions.pipeline import build_version, code_digest
from ..notebook.render import kernel_metadata, render_ipynb
from ..notebook.source import read_source
from .task_export import export_targets
from ..versions.transforms import STUB_SIGNATURE

STUB_RE = re.compile(r"raise NotImplementedError\(\"(?P<what>.+?) \(module [^)]*\) " + STUB_SIGNATURE)


def prepared(paths, module, version: str, kernel: str):
    path = paths.source(module)
    source = read_source(path, paths.rel(path))
    nb = build_version(source.nb, version, module.slug)
    nb.metadata = kernel_metadata(kernel)
    return source, nb


def source_line(source, nb, cell_number: int) -> str:
    """'file:line' in the module source of cell `cell_number` (1-based) of a built notebook."""
    index = int(nb.cells[cell_number - 1].id.split("-")[-1])
    file, line, cell = source.location(index, 0)
    return f"{file}:{line}" if cell is None else f"{file} (cell {cell})"


def execute(course, paths, module, nb, allow_errors: bool):
    return run(nb, cwd=course.root / module.folder, root=course.root, kernel=course.execution.kernel,
               timeout=course.execution.timeout, allow_errors=allow_errors)


@reports_user_errors
def validate_action(root: str, name: str) -> None:
    course, paths = load(root)
    module = course.module(name)
    source, nb = prepared(paths, module, "solution", course.execution.kernel)
    pristine = copy.deepcopy(nb)
    target = paths.executed_notebook(module)
    try:
        executed = execute(course, paths, module, nb, allow_errors=False)
    except ExecutionFailed as failure:
        write_atomic(target, render_ipynb(failure.nb, course.execution.kernel))
        raise CourseError(Finding(source.file, None, f"validation of module '{name}' failed: the reference solution does not pass its own tests.\n    {failure}\n    The executed notebook is in {paths.rel(target)}; fix the source and run `doit validate:{name}` again."))
    record = recorded_outputs(executed, code_digest(pristine))
    write_atomic(paths.executed_outputs(module), record_text(record))
    write_atomic(target, render_ipynb(merged(pristine, record), course.execution.kernel))
    print(f"validate:{name}: all {sum(c.cell_type == 'code' for c in nb.cells)} code cells ran without error")


def stubbed_functions(nb) -> list[str]:
    return [m["what"] for cell in nb.cells if cell.cell_type == "code" for m in STUB_RE.finditer(cell.source)]


def is_stub_failure(failure) -> bool:
    return failure.ename == "NotImplementedError" and STUB_SIGNATURE in failure.evalue


def free_points(executed) -> list[tuple[int, str, float]]:
    """(cell number, grade_id, points) of each graded test cell that ran without error on the untouched student
    version: a student would earn its points for doing nothing."""
    failed = {f.cell for f in failures(executed)}
    found = []
    for number, cell in enumerate(executed.cells, 1):
        meta = cell.metadata.get("nbgrader") if cell.cell_type == "code" else None
        if isinstance(meta, dict) and meta.get("grade") and not meta.get("solution") and number not in failed:
            found.append((number, meta.get("grade_id", f"cell {number}"), meta.get("points", 0)))
    return found


def free_points_finding(source, nb, number: int, grade_id: str, points) -> Finding:
    index = int(nb.cells[number - 1].id.split("-")[-1])
    file, line, cell = source.location(index, None)  # the cell's header: where its "grade" flag is
    return Finding(file, line, f"graded test cell '{grade_id}' ({points} point{'' if points == 1 else 's'}) passes on the untouched student version: free points. "
                   "Make the test call what the student implements (so it fails at their stub), or set \"grade\": false "
                   "(and drop \"points\") on a cell that only demonstrates", cell=cell)


@reports_user_errors
def check_student_action(root: str, name: str) -> None:
    course, paths = load(root)
    module = course.module(name)
    source, nb = prepared(paths, module, "student", course.execution.kernel)
    try:
        executed = execute(course, paths, module, nb, allow_errors=True)
    except ExecutionFailed as failure:
        raise CourseError(Finding(source.file, None, f"check_student of module '{name}': {failure}"))
    found = failures(executed)
    broken = [f for f in found if not is_stub_failure(f)]
    if broken:
        lines = "\n".join(f"  {source_line(source, executed, f.cell)}: {f.describe()}" for f in broken)
        raise CourseError(Finding(source.file, None, f"the student version of module '{name}' is broken beyond its stubs (a student could not get past these cells by implementing the exercises):\n{lines}\n  Fix the scaffolding: a stub may only make cells fail with its NotImplementedError."))
    free = free_points(executed)
    if free:
        raise CourseError([free_points_finding(source, executed, *cell) for cell in free])
    stubs = stubbed_functions(nb)
    labels = {number: label for number, label in zip([i + 1 for i, c in enumerate(nb.cells) if c.cell_type == "code"], code_cell_labels(nb))}
    report = {"module": name, "stubs": stubs, "cells_stopping_at_a_stub": [labels.get(f.cell, f"cell {f.cell}") for f in found],
              "code_cells": sum(c.cell_type == "code" for c in nb.cells)}
    write_atomic(paths.student_check(module), json.dumps(report, indent=1, sort_keys=True) + "\n")
    print(f"check_student:{name}: {len(stubs)} function(s) for students to implement: {', '.join(stubs) or 'none'}; "
          f"{len(found)} cell(s) stop at a stub, every other cell runs")


def execution_inputs(course, paths, module, version: str, exported: dict[str, str]) -> tuple[list[str], list[str]]:
    """(file_dep, task_dep): the version's code hash, the exports of every module it builds on, data files.

    `exported` maps each module with a readable export target to its export file (relative).
    """
    file_dep = [paths.rel(paths.code_digest(module, version))]
    task_dep = []
    for dep in course.dependencies(module):
        if dep.name in exported:
            file_dep.append(exported[dep.name])
        else:
            task_dep.append(f"export:{dep.name}")
    file_dep += [paths.rel(p) for p in paths.data_files(module)]
    return file_dep + engine_files(__name__), task_dep


def execution_tasks(version: str, action, target_of):
    course, paths = current()
    targets, _ = export_targets(course, paths)
    exported = {name: paths.rel(paths.export_file(target)) for name, target in targets.items()}
    settings = {"kernel": course.execution.kernel, "timeout": course.execution.timeout}
    for module in course.modules:
        file_dep, task_dep = execution_inputs(course, paths, module, version, exported)
        yield {
            "name": module.name,
            "actions": [(action, [str(course.root), module.name])],
            "file_dep": file_dep,
            "task_dep": task_dep,
            "targets": [paths.rel(p) for p in target_of(paths, module)],
            "uptodate": [config_changed_for({"module": module.name, **settings})],
            "clean": True,
            "verbosity": 2,
        }


def task_validate():
    """Run each solution in a real kernel against the exported code of earlier modules; fail on any error."""
    yield from execution_tasks("solution", validate_action, lambda paths, m: [paths.executed_notebook(m), paths.executed_outputs(m)])


def task_check_student():
    """Run each student notebook: every failing cell must fail at a stub's NotImplementedError."""
    yield from execution_tasks("student", check_student_action, lambda paths, m: [paths.student_check(m)])
