"""`tito module validate --nbgrader`: built notebooks against nbgrader 0.9.6's own cell-metadata rules
(its `MetadataValidator`, schema 3), and no rule nbgrader does not have but one: points are the course's
rule (`nbgrader.cell_points`, a number > 0, as lint asks), where nbgrader takes 0.

Pure checks on notebook JSON (`notebook_findings`) and a thin wrapper over the built files (`check_modules`):
- every nbgrader cell has the schema-3 keys with the right types (grade, solution, locked, task: true/false;
  schema_version 3; grade_id: letters, digits, `_` and `-`; points: a number > 0), and no other key;
- a graded, answer or read-only cell has a non-empty grade_id, unique within the notebook;
- a graded cell and a task cell have points (as lint asks: `nbgrader.cell_points`);
- a markdown cell that is graded is also an answer, and the reverse (a written answer), unless it is a task;
- a task cell is markdown.
"""

from __future__ import annotations

import json
import re

from ..notebook.nbgrader import cell_points, nbgrader_meta
from ..base.errors import Finding
from ..variants.roles import is_task

BOOLEAN_KEYS = ("grade", "solution", "locked")
KNOWN_KEYS = {"schema_version", "grade", "locked", "solution", "task", "grade_id", "points", "checksum", "cell_type"}
GRADE_ID_RE = re.compile(r"^[a-zA-Z0-9_\-]*$")


def _nbgrader_cells(nb: dict) -> list[tuple[int, dict, dict]]:
    """(cell number from 1, cell, its nbgrader metadata) for every cell that has some."""
    return [
        (n, cell, nbgrader_meta(cell))
        for n, cell in enumerate(nb.get("cells", []), 1)
        if isinstance(cell.get("metadata", {}).get("nbgrader"), dict)
    ]


def _schema_problems(cell: dict, meta: dict) -> list[str]:
    problems = [
        f"'{key}' must be true or false, found {meta.get(key)!r}"
        for key in BOOLEAN_KEYS
        if not isinstance(meta.get(key), bool)
    ]
    if "task" in meta and not isinstance(meta["task"], bool):
        problems.append(f"'task' must be true or false, found {meta['task']!r}")
    if meta.get("schema_version") != 3:
        problems.append(f"schema_version must be 3, found {meta.get('schema_version')!r}")
    problems += [
        f"'{key}' is not an nbgrader key (nbgrader refuses the notebook)" for key in sorted(set(meta) - KNOWN_KEYS)
    ]
    grade_id = meta.get("grade_id")
    if "grade_id" in meta and (not isinstance(grade_id, str) or not GRADE_ID_RE.match(grade_id)):
        problems.append(f"grade_id must be letters, digits, '_' and '-', found {grade_id!r}")
    elif _named(meta) and not grade_id:
        problems.append("grade_id must be non-empty text")
    if (meta.get("grade") is True or is_task(cell)) and cell_points(cell) is None:
        problems.append(f"a graded or task cell needs points (a number > 0), found {meta.get('points')!r}")
    markdown, task = cell.get("cell_type") == "markdown", meta.get("task") is True
    if task and not markdown:
        problems.append("a task cell must be markdown")
    elif markdown and not task and meta.get("grade") is True and meta.get("solution") is not True:
        problems.append("a graded markdown cell must also be an answer (solution: true)")
    elif markdown and not task and meta.get("solution") is True and meta.get("grade") is not True:
        problems.append("a markdown answer cell must also be graded (grade: true, with points)")
    return problems


def _named(meta: dict) -> bool:
    """nbgrader gives an id to graded, answer and read-only cells only."""
    return any(meta.get(key) is True for key in BOOLEAN_KEYS)


def notebook_findings(nb: dict, file: str) -> list[Finding]:
    findings, seen = [], {}
    for number, cell, meta in _nbgrader_cells(nb):
        for problem in _schema_problems(cell, meta):
            findings.append(Finding(file, None, f"cell '{meta.get('grade_id', '?')}': {problem}", cell=number))
        grade_id = meta.get("grade_id")
        if not _named(meta):
            continue
        if grade_id in seen:
            findings.append(
                Finding(
                    file,
                    None,
                    f"grade_id '{grade_id}' is used again (first in cell {seen[grade_id]}); nbgrader needs unique ids",
                    cell=number,
                )
            )
        seen.setdefault(grade_id, number)
    return findings


def check_modules(paths, modules) -> int:
    """Check each module's built solution and student notebooks; print the findings; 0 when there are none."""
    findings = []
    for module in (part for m in modules for part in m.parts):  # each notebook of a module of several
        for notebook in (paths.solution_notebook(module), paths.student_notebook(module)):
            if notebook.exists():
                findings += notebook_findings(json.loads(notebook.read_text(encoding="utf-8")), paths.rel(notebook))
    for finding in findings:
        print(finding)
    names = ", ".join(m.name for m in modules)
    print(f"nbgrader rules: {'no problems' if not findings else f'{len(findings)} problem(s)'} in {names}")
    return 1 if findings else 0
