"""`tito module validate --nbgrader`: built notebooks against nbgrader's cell-metadata schema (v3) and its rules.

Pure checks on notebook JSON (`notebook_findings`) and a thin wrapper over the built files (`check_modules`).
The rules nbgrader enforces when it generates and autogrades an assignment:
- every nbgrader cell has the schema-3 keys with the right types (grade, solution, locked: true/false;
  grade_id: non-empty text; points: a number >= 0 on graded cells);
- grade_ids are unique within the notebook;
- an autograded test cell (grade and not solution) is a locked code cell with points;
- every autograded solution (a code cell with solution: true) is followed by at least one test cell before
  the next solution cell or the notebook's end.
"""

from __future__ import annotations

import json

from ..notebook.nbgrader import nbgrader_meta
from ..base.errors import Finding

BOOLEAN_KEYS = ("grade", "solution", "locked")


def nbgrader_cells(nb: dict) -> list[tuple[int, dict, dict]]:
    """(cell number from 1, cell, its nbgrader metadata) for every cell that has some."""
    return [
        (n, cell, nbgrader_meta(cell))
        for n, cell in enumerate(nb.get("cells", []), 1)
        if isinstance(cell.get("metadata", {}).get("nbgrader"), dict)
    ]


def schema_problems(meta: dict) -> list[str]:
    problems = [
        f"'{key}' must be true or false, found {meta.get(key)!r}"
        for key in BOOLEAN_KEYS
        if not isinstance(meta.get(key), bool)
    ]
    if meta.get("schema_version") != 3:
        problems.append(f"schema_version must be 3, found {meta.get('schema_version')!r}")
    if not isinstance(meta.get("grade_id"), str) or not meta.get("grade_id", "").strip():
        problems.append("grade_id must be non-empty text")
    if meta.get("grade") is True:
        points = meta.get("points")
        if isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0:
            problems.append(f"a graded cell needs points (a number >= 0), found {points!r}")
    return problems


def is_test(cell: dict, meta: dict) -> bool:
    return meta.get("grade") is True and meta.get("solution") is not True and cell.get("cell_type") == "code"


def test_cell_problems(cell: dict, meta: dict) -> list[str]:
    if not (meta.get("grade") is True and meta.get("solution") is not True):
        return []
    problems = [] if cell.get("cell_type") == "code" else ["an autograded test must be a code cell"]
    return problems + ([] if meta.get("locked") is True else ["an autograded test cell must be locked (locked: true)"])


def untested_solutions(cells: list[tuple[int, dict, dict]]) -> list[tuple[int, str]]:
    """Solution code cells with no test cell between them and the next solution cell (or the end)."""
    missing, open_solution = [], None
    for number, cell, meta in cells:
        if meta.get("solution") is True and cell.get("cell_type") == "code":
            if open_solution:
                missing.append(open_solution)
            open_solution = (number, meta.get("grade_id", "?"))
        elif is_test(cell, meta):
            open_solution = None
    return missing + ([open_solution] if open_solution else [])


def notebook_findings(nb: dict, file: str) -> list[Finding]:
    cells = nbgrader_cells(nb)
    findings, seen = [], {}
    for number, cell, meta in cells:
        for problem in schema_problems(meta) + test_cell_problems(cell, meta):
            findings.append(Finding(file, None, f"cell '{meta.get('grade_id', '?')}': {problem}", cell=number))
        grade_id = meta.get("grade_id")
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
    for number, grade_id in untested_solutions(cells):
        findings.append(
            Finding(
                file,
                None,
                f"solution cell '{grade_id}' has no autograded test cell after it (before the next solution); add a graded, locked test cell with points",
                cell=number,
            )
        )
    return findings


def check_modules(paths, modules) -> int:
    """Check each module's built solution and student notebooks; print the findings; 0 when there are none."""
    findings = []
    for module in modules:
        for notebook in (paths.solution_notebook(module), paths.student_notebook(module)):
            if notebook.exists():
                findings += notebook_findings(json.loads(notebook.read_text(encoding="utf-8")), paths.rel(notebook))
    for finding in findings:
        print(finding)
    names = ", ".join(m.name for m in modules)
    print(f"nbgrader rules: {'no problems' if not findings else f'{len(findings)} problem(s)'} in {names}")
    return 1 if findings else 0
