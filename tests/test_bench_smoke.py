"""The benchmark harness still works: bench/run.py on a 2-module course, no nbgrader, no chart, and of issue 14's
scenarios the cheap ones (script floor, kernel start, the machine's CPU scaling, leak guard); grading, the old engine and the big course
are skipped here (each says so in its row) and run by `make bench`.

Timings are never asserted (they belong in docs/benchmarks.md, not in tests); only that every scenario
ran, was verified, and has numbers in the report.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCENARIO_ROWS = [
    "1. cold generation",
    "1b. cold generation with -n 2",
    "full build from scratch",
    "2. no-op doit",
    "3. code edit in one module",
    "4. markdown edit in one module",
    "5a. validation of 2 modules, serial",
    "5b. validation of 2 modules, -n 2",
    "7. doit's floor",
    "8a. script floor",
    "8b. one kernel start",
    "8c. the machine",
    "8d. the machine",
    "11. leak guard on a 0.25 MB",
    "11. leak guard on a 1 MB",
]
SKIPPED_ROWS = [
    "9. full build from scratch, pre-issue engine",
    "10a. tito grade",
    "10c. nbgrader autograde",
    "10e. the embedded grading cluster's start",
    "10f. tito grade of 3 new submissions",
    "12a. no-op",
]
NBGRADER_ROWS = [
    "6a. nbgrader generate_assignment, fresh",
    "6b. nbgrader generate_assignment, no-op",
    "6c. nbgrader generate_assignment --force",
]
NUMBER = r"\d+(?:\.\d+)?"


def test_bench_runs_on_two_modules(tmp_path):
    out, work = tmp_path / "out", tmp_path / "work"
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "run.py"),
            "--modules",
            "2",
            "--repeat",
            "1",
            "--warmup",
            "0",
            "--no-nbgrader",
            "--no-chart",
            "--skip-grading",
            "--skip-old",
            "--big-modules",
            "0",
            "--out",
            str(out),
            "--work",
            str(work),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = (out / "benchmarks.md").read_text()
    rows = {line.split(" | ")[0].lstrip("| "): line for line in report.splitlines() if line.startswith("| ")}
    for label in SCENARIO_ROWS:
        row = next((line for name, line in rows.items() if name.startswith(label)), None)
        assert row is not None, f"no row for {label!r} in:\n{report}"
        cells = [c.strip() for c in row.strip("|").split("|")]
        # wall median, min, max, peak RSS, then the number of samples (1 per round, 3 for the CPU probe, 5 for the no-ops)
        assert all(re.fullmatch(NUMBER, c) for c in cells[2:6]), row
        assert cells[7] in ("1", "3", "5"), row
        assert re.fullmatch(NUMBER, cells[8]), row  # the load average
    for label in NBGRADER_ROWS + SKIPPED_ROWS:
        row = next(line for name, line in rows.items() if name.startswith(label))
        assert "not run" in row
    assert "nbgrader: not run (--no-nbgrader)" in report
    for ratio in (
        "no-op doit / doit's floor",
        "validation -n 2 / serial",
        "markdown-only edit",
        "validation serial / (script floor + one kernel start)",
        "leak guard: time per MB at 1 MB",
        "throughput of a CPU-bound work in 2 processes at once / in 1",
    ):
        row = next(line for line in report.splitlines() if ratio in line)
        assert re.search(r"\| " + NUMBER + r" \|", row), row
    assert "no `validate:`, `check_student:` or `export:` task ran" in report
    assert "Failures" not in report
    assert not (out / "benchmarks.png").exists()
