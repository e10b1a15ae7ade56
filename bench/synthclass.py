"""A synthetic class for the grading benchmark: S students x M modules of the bench course, a realistic mix.

Each submission is the course's built student notebook with the student's answer cells changed. The mix
(by student number, the same for every module): correct, partial (the first half of the answers), stubs left,
broken (one answer with a syntax error), wrong (one answer returns a wrong value), and, in module 1 only, an
infinite loop or two (in `Op7.forward`, the last tested piece, so the cells after the loop that still earn
points are the same whether the grader stops at the timeout, as `tito grade` does, or interrupts the cell and
goes on, as nbgrader does).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

HEADER_RE = re.compile(r"^# %%.*?nbgrader=(\{.*\})\s*$")
MARKER_RE = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")
# out of every 10 students: 4 correct, 2 partial, 1 stubs, 1 broken, 1 wrong, 1 more correct
MIX = ["correct", "partial", "correct", "stubs", "correct", "broken", "partial", "wrong", "correct", "correct"]
SYNTAX_ERROR = "def op2(x, factor=3)\n    return x * factor + 2\n"
WRONG = "def op4(x, factor=5):\n    return np.asarray(x, dtype=np.float64) * factor\n"
LOOP = "class Op7:\n    def __init__(self, size=9):\n        self.weights = np.linspace(0.0, 1.0, size)\n\n    def forward(self, x):\n        while True:\n            pass\n"


def kind_of(student: int, module: int, loops: int = 2) -> str:
    """What student number `student` (from 0) handed in for module number `module` (from 1)."""
    if module == 1 and student < loops:
        return "loop"
    return MIX[student % len(MIX)]


def expected_total(kind: str) -> float | None:
    """The points a submission of `kind` must get in a bench module (8 unit tests x 5 + test_module 10), when
    the kind alone fixes them: every answer right, or none written."""
    return {"correct": 50.0, "stubs": 0.0}.get(kind)


def answers(source_text: str) -> dict[str, str]:
    """grade_id -> the solution cell's code with the solution markers removed, from a percent source."""
    found, current, lines = {}, None, []
    for line in source_text.split("\n") + ["# %% end"]:
        if line.startswith("# %%"):
            if current:
                found[current] = "\n".join(lines).strip("\n") + "\n"
            meta = HEADER_RE.match(line)
            data = json.loads(meta.group(1)) if meta else {}
            current, lines = (data.get("grade_id") if data.get("solution") else None), []
        elif current and not MARKER_RE.match(line):
            lines.append(line)
    return found


def submission(student_nb: dict, solutions: dict[str, str], kind: str) -> dict:
    """The student notebook with the answers of `kind` written in (a new dict; the input is not changed)."""
    nb = json.loads(json.dumps(student_nb))
    cells = [c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") in solutions]
    answered = cells if kind != "partial" else cells[: len(cells) // 2]
    if kind == "stubs":
        answered = []
    for cell in answered:
        cell["source"] = solutions[cell["metadata"]["nbgrader"]["grade_id"]]
    replace = {"broken": ("-op2", SYNTAX_ERROR), "wrong": ("-op4", WRONG), "loop": ("-op7", LOOP)}.get(kind)
    if replace:
        cell = next(c for c in cells if c["metadata"]["nbgrader"]["grade_id"].endswith(replace[0]))
        cell["source"] = "#| export\n" + replace[1]
    return nb


def write_class(
    submissions: Path, modules: list[tuple[str, Path, Path]], students: int, loops: int = 2
) -> dict[str, int]:
    """Write submissions/<student>/<module>/<module>.ipynb for every student and module.

    `modules` is [(name, its percent source, its built student notebook)]; returns each "student/module"'s kind."""
    kinds: dict[str, str] = {}
    for number, (name, source, built) in enumerate(modules, start=1):
        solutions = answers(source.read_text(encoding="utf-8"))
        student_nb = json.loads(built.read_text(encoding="utf-8"))
        for student in range(students):
            kind = kind_of(student, number, loops)
            kinds[f"s{student + 1:03d}/{name}"] = kind
            path = submissions / f"s{student + 1:03d}" / name / f"{name}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(submission(student_nb, solutions, kind), indent=1), encoding="utf-8")
    return kinds
