"""doit tasks `validate:NAME` (the solution passes its own tests in a real kernel) and `check_student:NAME`
(the student version fails only at its stubs). Both are keyed on the hash of the code cells, so a
markdown-only edit executes nothing."""

from __future__ import annotations

import copy
import json
import re

from typing import TYPE_CHECKING

from ..course.context import load
from .doitutil import config_changed_for, module_groups, reports_user_errors
from ..base.engine import PACKAGE_DIR, engine_files
from ..base.errors import CourseError, Finding
from ..base.fsutil import write_atomic
from .task_export import export_targets
from ..course.datafiles import refuse_unshippable
from ..package.exports import package_inits
from ..release.course_files import run_all_hook

# What only the actions use is imported inside them (kernels, the pipeline, notebooks): every `doit` start
# imports this file, and a no-op runs no action.
if TYPE_CHECKING:
    from ..kernel.execute import ExecutionFailed


def prepared(course, paths, module, variant: str):
    """(the compiled record, a copy of its `variant` to run): the variant is the one the build wrote, never
    built again in a process that has the record."""
    from ..compile.compiled import compiled
    from ..notebook.nbnode import clone
    from ..notebook.render import kernel_metadata

    record = compiled(paths, module, course.markup)
    nb = clone(record.variant(variant))
    nb.metadata = kernel_metadata(course.execution.kernel)
    return record, nb


def stopped(source, failure: ExecutionFailed) -> tuple[object, str]:
    """(where in the module source, what happened) for a run that stopped: an error, a timeout, a dead kernel."""
    from ..kernel.report import cell_place, explained

    if failure.failure is not None:
        return explained(source, failure.nb, failure.failure)
    index = failure.cell if failure.cell is not None else 0
    return cell_place(source, failure.nb, index), str(failure)


def execute(course, paths, module, nb, variant: str, allow_errors: bool):
    """Run `nb` in a scratch copy laid out as the student repository (never in the module's own folder)."""
    from ..kernel.execute import run
    from ..kernel.scratch import scratch_tree

    with scratch_tree(paths.scratch(module, variant), execution_layout(course, paths, module, variant)) as top:
        (top / paths.repo_module_dir(module)).mkdir(parents=True, exist_ok=True)
        return run(
            nb,
            cwd=top / paths.repo_module_dir(module),
            root=top,
            kernel=course.execution.kernel,
            timeout=course.execution.timeout,
            allow_errors=allow_errors,
        )


def execution_layout(course, paths, module, variant: str) -> dict[str, object]:
    """Relative name -> file: the package a student has by then (tinytorch/__init__.py and the exports of the
    modules this one builds on) and, in modules/NN_name/, the student version's files and shipped `data:`
    files (student), or every file of the instructor's folder (solution)."""
    workdir = paths.repo_module_dir(module)
    hook = {}
    if variant == "student":
        refuse_unshippable(paths, module)
        folder_files = paths.data_files(module) + [p for p in paths.variant_files(module, "student") if p.exists()]
        hook = run_all_hook()  # the Run All cell imports it; TITO_STRICT keeps it from softening anything here
    else:
        folder_files = paths.folder_files(module)
    folder = paths.root / module.folder
    files = {
        f"{workdir}/{p.relative_to(folder).as_posix() if folder in p.parents else p.name}": p for p in folder_files
    }
    return _package_files(course, paths, module) | hook | files


def _package_files(course, paths, module) -> dict[str, object]:
    targets, _ = export_targets(course, paths)
    wanted = [paths.package / "__init__.py"]
    for dep in course.dependencies(module):
        if dep.name in targets:
            target = paths.export_file(targets[dep.name])
            wanted += package_inits(paths.package, target) + [target]
    return {paths.rel(p): p for p in wanted if p.is_file()}


@reports_user_errors
def _validate_action(root: str, name: str) -> None:
    from ..kernel.execute import ExecutionFailed
    from ..notebook.outputs import merged, record_text, recorded_outputs
    from ..notebook.render import render_ipynb

    course, paths = load(root)
    module = course.module(name)
    record, nb = prepared(course, paths, module, "solution")
    source = record.source
    pristine = copy.deepcopy(nb)
    target = paths.executed_notebook(module)
    try:
        executed = execute(course, paths, module, nb, "solution", allow_errors=False)
    except ExecutionFailed as failure:
        write_atomic(target, render_ipynb(failure.nb, course.execution.kernel))
        where, what = stopped(source, failure)
        raise CourseError(
            Finding(
                where.file,
                where.line,
                f"validation of module '{name}' failed: {what}\n    The executed notebook is {paths.rel(target)}; fix the source and run `doit validate:{name}` again.",
                cell=where.cell,
            )
        )
    outputs = recorded_outputs(executed, record.code_digest("solution"))
    write_atomic(paths.executed_outputs(module), record_text(outputs))
    write_atomic(target, render_ipynb(merged(pristine, outputs), course.execution.kernel))
    print(f"validate:{name}: all {sum(c.cell_type == 'code' for c in nb.cells)} code cells ran without error")


MISSING_RE = re.compile(r"^No module named '(?P<module>[\w.]+)'$|No such file or directory: '(?P<file>[^']+)'")


def _unshipped_hint(paths, module, failure) -> str:
    """When a cell failed for want of a file that is in the module folder but does not ship: say which."""
    match = MISSING_RE.search(failure.evalue) if failure.ename in ("ModuleNotFoundError", "FileNotFoundError") else None
    if not match:
        return ""
    folder = paths.root / module.folder
    if match["module"]:
        top = match["module"].split(".")[0]
        candidates = [folder / f"{top}.py", folder / top]
    else:
        candidates = [folder / match["file"]]
    found = next((p for p in candidates if p.exists() and folder in p.resolve().parents), None)
    if found is None:
        return ""
    name = found.relative_to(folder).as_posix()
    return (
        f"\n    {paths.rel(found)} is in the module folder but does not ship to students, so their notebook cannot "
        f"use it: add '{name}{'/' if found.is_dir() else ''}' to `data:` of module '{module.name}' in course.yaml"
    )


def _stub_places(source, nb) -> list[str]:
    """'what (file:line)' for each stub of a built student notebook."""
    from ..notebook.source import cell_index
    from ..variants.origins import origin_line
    from ..variants.stubs import stubs

    return [
        f"{stub.what} ({source.at(cell_index(nb.cells[stub.cell]), origin_line(nb.cells[stub.cell], stub.line))})"
        for stub in stubs(nb)
    ]


def _broken_cells(source, nb, broken, name: str, paths=None, module=None) -> CourseError:
    """check_student's failure: each cell that fails other than at a stub, at its source line."""
    from ..kernel.report import explained

    findings = []
    for failure in broken:
        where, what = explained(source, nb, failure)
        hint = _unshipped_hint(paths, module, failure) if paths is not None else ""
        findings.append(
            Finding(
                where.file,
                where.line,
                f"the student version of module '{name}' is broken beyond its stubs here: {what}{hint}",
                cell=where.cell,
            )
        )
    todo = "; ".join(_stub_places(source, nb)) or "none"
    findings[-1] = Finding(
        findings[-1].file,
        findings[-1].line,
        findings[-1].message
        + f"\n    A student could not get past this by implementing the exercises (stubs: {todo}). Fix the scaffolding: only a stub's NotImplementedError may stop a cell.",
        cell=findings[-1].cell,
    )
    return CourseError(findings)


FREE_POINTS = "passes on the untouched student version: free points"  # how the release check tells them apart


def _free_points(executed) -> list[tuple[int, str, float]]:
    """(cell number, grade_id, points) of each graded test cell that ran without error on the untouched student
    version: a student would earn its points for doing nothing."""
    from ..kernel.execute import failures
    from ..notebook.nbgrader import is_graded_test, nbgrader_meta

    failed = {f.cell for f in failures(executed)}
    found = []
    for number, cell in enumerate(executed.cells, 1):
        meta = nbgrader_meta(cell)
        if is_graded_test(cell) and number not in failed:
            found.append((number, meta.get("grade_id", f"cell {number}"), meta.get("points", 0)))
    return found


def _free_points_finding(source, nb, number: int, grade_id: str, points) -> Finding:
    from ..notebook.source import cell_index

    file, line, cell = source.location(
        cell_index(nb.cells[number - 1]), None
    )  # the cell's header: where its "grade" flag is
    return Finding(
        file,
        line,
        f"graded test cell '{grade_id}' ({points} point{'' if points == 1 else 's'}) {FREE_POINTS}. "
        'Make the test call what the student implements (so it fails at their stub), or set "grade": false '
        '(and drop "points") on a cell that only demonstrates',
        cell=cell,
    )


@reports_user_errors
def _check_student_action(root: str, name: str) -> None:
    from ..kernel.execute import ExecutionFailed, failures
    from ..notebook.outputs import code_cell_labels
    from ..variants.stubs import stub_failure, stubs

    course, paths = load(root)
    module = course.module(name)
    record, nb = prepared(course, paths, module, "student")
    source = record.source
    try:
        executed = execute(course, paths, module, nb, "student", allow_errors=True)
    except ExecutionFailed as failure:
        where, what = stopped(source, failure)
        raise CourseError(
            Finding(where.file, where.line, f"the student version of module '{name}': {what}", cell=where.cell)
        )
    found = failures(executed)
    broken = [f for f in found if stub_failure(executed, f.ename, f.evalue) is None]
    if broken:
        raise _broken_cells(source, executed, broken, name, paths, module)
    free = _free_points(executed)
    if free:
        raise CourseError([_free_points_finding(source, executed, *cell) for cell in free])
    todo = _stub_places(source, nb)
    labels = {
        number: label
        for number, label in zip([i + 1 for i, c in enumerate(nb.cells) if c.cell_type == "code"], code_cell_labels(nb))
    }
    report = {
        "module": name,
        "stubs": [stub.what for stub in stubs(nb)],
        "cells_stopping_at_a_stub": [labels.get(f.cell, f"cell {f.cell}") for f in found],
        "code_cells": sum(c.cell_type == "code" for c in nb.cells),
    }
    write_atomic(paths.student_check(module), json.dumps(report, indent=1, sort_keys=True) + "\n")
    print(
        f"check_student:{name}: {len(todo)} function(s) for students to implement: {', '.join(todo) or 'none'}; "
        f"{len(found)} cell(s) stop at a stub, every other cell runs"
    )


def _execution_inputs(course, paths, module, variant: str, exported: dict[str, str]) -> tuple[list[str], list[str]]:
    """(file_dep, task_dep): the version's code hash, the exports of every module it builds on, the files of the
    module folder it runs with (the shipped `data:` files for the student version, all of them for the solution).

    `exported` maps each module with a readable export target to its export file (relative). Each of those
    modules must pass its own validation first (a task_dep: it orders and blocks, without rerunning this
    task when that one reran): a module whose solution fails is never what later modules run against.
    """
    file_dep = [paths.rel(paths.code_digest(module, variant))]
    if course.package_init or (paths.package / "__init__.py").is_file():  # what `import tinytorch` runs
        file_dep.append(paths.rel(paths.package / "__init__.py"))
    task_dep = [f"validate:{dep.name}" for dep in course.dependencies(module)]
    for dep in course.dependencies(module):
        if dep.name in exported:
            file_dep.append(exported[dep.name])
        else:
            task_dep.append(f"export:{dep.name}")
    file_dep += [
        paths.rel(p) for p in (paths.data_files(module) if variant == "student" else paths.folder_files(module))
    ]
    if variant == "student":
        file_dep += [p.relative_to(PACKAGE_DIR.parent).as_posix() for p in run_all_hook().values()]
    return file_dep + engine_files(__name__), task_dep


DOCS = {
    "solution": "run the solution of {folder} in a kernel{deps}: every cell must pass -> {target}",
    "student": "run the student version of {folder}{deps}: only its stubs may fail -> {target}",
}


def task_doc(course, paths, module, variant: str, target) -> str:
    """The `doit list --all` line of an execution subtask."""
    deps = [m.name for m in course.dependencies(module)]
    against = f" against the validated exports of {', '.join(deps)}" if deps else ""
    return DOCS[variant].format(folder=module.folder, deps=against, target=paths.rel(target))


def _execution_tasks(course, paths, variant: str, action, target_of):
    targets, _ = export_targets(course, paths)
    exported = {name: paths.rel(paths.export_file(target)) for name, target in targets.items()}
    settings = {"kernel": course.execution.kernel, "timeout": course.execution.timeout, "markup": vars(course.markup)}
    for module in course.parts:
        file_dep, task_dep = _execution_inputs(course, paths, module, variant, exported)
        yield {
            "name": module.name,
            "actions": [(action, [str(course.root), module.name])],
            "file_dep": file_dep,
            "task_dep": task_dep,
            "targets": [paths.rel(p) for p in target_of(paths, module)],
            "uptodate": [config_changed_for({"module": module.name, **settings})],
            "clean": True,
            "verbosity": 2,
            "doc": task_doc(course, paths, module, variant, target_of(paths, module)[0]),
        }
    yield from module_groups(course, "validate" if variant == "solution" else "check_student")


def task_validate(course, paths):
    """Run each solution in a real kernel against the exported code of earlier modules; fail on any error."""
    yield from _execution_tasks(
        course,
        paths,
        "solution",
        _validate_action,
        lambda paths, m: [paths.executed_notebook(m), paths.executed_outputs(m)],
    )


def task_check_student(course, paths):
    """Run each student notebook: every failing cell must fail at a stub's NotImplementedError."""
    yield from _execution_tasks(
        course, paths, "student", _check_student_action, lambda paths, m: [paths.student_check(m)]
    )
