"""Benchmark the build against nbgrader and doit's own floor, on one synthetic course, in one run.

    python bench/run.py                      # `make bench`: 20 modules, 1 warm-up + 3 measured rounds
    python bench/run.py --modules 2 --repeat 1 --warmup 0 --no-nbgrader --no-chart --out DIR --work DIR

Every figure is a whole process (start-up included) measured by bench/measure.py in a fresh child: wall time,
and peak memory from getrusage(RUSAGE_CHILDREN) (kernels included). The scenarios run in rounds, one of each
per round, so a change in machine load hits all of them alike; the first `--warmup` rounds are discarded.
The report (a markdown table with ratios and targets) goes to OUT/benchmarks.md, the chart to
OUT/benchmarks.png, raw figures to WORK/results.json. nbgrader and matplotlib live in the bench's own venv
(build/bench/venv), created once and reused; without network the run still finishes, saying so.

The suites, one module per thing measured (each declares its setup, scenarios and ratios; their targets and
why a target is missed are in bench/targets.py): bench/build.py (generation cold and -n 2, the full build,
no-op, one-module edits, against nbgrader generate_assignment, doit's floor, the pre-issue engine and a
100-module course), bench/execution.py (validation serial and -n 2, the script floor, one kernel start, the
machine's 2-process scaling), bench/grading.py (tito grade of a synthetic class on 1 and 2 workers against
nbgrader autograde, whose scores must equal ours or the run fails; one submission's costs; a regrade of 3
submissions beside the embedded cluster's start), bench/leaks.py (the leak guard on 0.25/0.5/1 MB notebooks).
The shared runner is bench/runner.py, the report bench/report.py. Shrink with --modules, --repeat/--rounds,
--students, --grade-modules, --big-modules, --skip-old, --skip-nbgrader, --skip-grading, --skip-leak,
--autograde-rounds.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import benchenv  # noqa: E402
import build  # noqa: E402
import execution  # noqa: E402
import grading  # noqa: E402
import leaks  # noqa: E402
import report  # noqa: E402
import synth  # noqa: E402
from runner import REPO, log, run_rounds, summary  # noqa: E402

SETUPS = [build.setup, execution.setup, grading.setup]  # made once, before the rounds
# every round runs the scenarios in this order; the report lists them in it
SCENARIOS = [
    build.generation_scenarios,  # 1, 1b, full build, 2, 3, 4
    execution.validation_scenarios,  # 5a, 5b
    build.floor_scenarios,  # 7
    build.nbgrader_scenarios,  # 6a-6c
    execution.floor_scenarios,  # 8a-8d
    build.old_engine_scenarios,  # 9
    grading.scenarios,  # 10a-10f
    leaks.scenarios,  # 11
    build.big_course_scenarios,  # 12a-12c
]
# the report's ratio table, in this order
RATIOS = [
    build.versus_nbgrader_and_floor_ratios,
    execution.validation_ratios,
    build.parallel_generation_ratios,
    execution.script_floor_ratios,
    build.old_engine_ratios,
    grading.ratios,
    execution.machine_ratios,
    leaks.ratios,
    build.big_course_ratios,
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modules", type=int, default=20, help="modules in the synthetic course (default 20)")
    parser.add_argument("--repeat", "--rounds", type=int, default=3, help="measured rounds (default 3)")
    parser.add_argument("--warmup", type=int, default=1, help="discarded warm-up rounds (default 1)")
    parser.add_argument("--jobs", type=int, default=2, help="doit -n for the parallel runs (default 2)")
    parser.add_argument(
        "--no-nbgrader", "--skip-nbgrader", action="store_true", help="skip the nbgrader scenarios (and autograde)"
    )
    parser.add_argument("--students", type=int, default=30, help="students in the graded class (default 30)")
    parser.add_argument("--grade-modules", type=int, default=5, help="modules graded per student (default 5)")
    parser.add_argument(
        "--autograde-rounds", type=int, default=1, help="measured runs of nbgrader autograde, the slowest (default 1)"
    )
    parser.add_argument("--skip-grading", action="store_true", help="skip the grading scenarios")
    parser.add_argument("--skip-old", action="store_true", help="skip the pre-issue engine's full build")
    parser.add_argument("--skip-leak", action="store_true", help="skip the leak guard scenarios")
    parser.add_argument(
        "--big-modules", type=int, default=100, help="modules of the big course for no-op/edit (default 100; 0 skips)"
    )
    parser.add_argument("--no-chart", action="store_true", help="do not draw the PNG chart")
    parser.add_argument("--out", type=Path, default=REPO / "docs", help="where benchmarks.md/.png go (default docs/)")
    parser.add_argument("--work", type=Path, default=REPO / "build" / "bench" / "work", help="scratch directory")
    parser.add_argument("--venv", type=Path, default=REPO / "build" / "bench" / "venv", help="the bench's own venv")
    args = parser.parse_args()
    if args.modules < 2:
        parser.error("--modules must be at least 2")
    return args


def bench_tools(args) -> dict:
    """The bench venv's python and nbgrader (each None when not wanted or not there), and why nbgrader is not."""
    bench_python, why = None, "not run (--no-nbgrader)"
    if not (args.no_nbgrader and args.no_chart):
        bench_python, message = benchenv.ensure(args.venv.resolve(), log)
        if bench_python is None:
            why = "not run: " + " / ".join(line.strip() for line in message.splitlines() if line.strip())
            log(f"bench: {message}")
    nbgrader_bin = None
    if not args.no_nbgrader and bench_python is not None:
        candidate = bench_python.parent / "nbgrader"
        if candidate.exists():
            nbgrader_bin = candidate
        else:
            why = "not run: nbgrader is not in the bench venv"
    return {"bench_python": bench_python, "nbgrader_bin": nbgrader_bin, "why_no_nbgrader": why}


def main() -> int:
    args = parse_args()
    work, out = args.work.resolve(), args.out.resolve()
    load_start = os.getloadavg()[0]
    setup = bench_tools(args)
    for make in SETUPS:
        make(args, work, setup)
    found = [scenario for suite in SCENARIOS for scenario in suite(args, setup)]
    run_rounds(found, args.warmup, args.repeat, work)

    results = {s.key: summary(s) for s in found}
    bench_python = setup["bench_python"]
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": report.machine(),
        "versions": report.versions(
            bench_python if not args.no_nbgrader or not args.no_chart else None, not args.no_nbgrader
        ),
        "modules": args.modules,
        "repeat": args.repeat,
        "warmup": args.warmup,
        "load_start": load_start,
        "load_end": os.getloadavg()[0],
        "cells": synth.module_text(1).count("\n# %%") + 1,
        "floor": setup["floor_counts"],
        "nbgrader": "one `nbgrader generate_assignment '*'` process over all modules (source/<module>/<module>.ipynb "
        "converted from the same .py files with jupytext, untimed), in its own venv under build/."
        if setup["nbgrader_bin"]
        else setup["why_no_nbgrader"],
    }
    meta.update({k: setup[k] for k in ("old_note", "big_note", "script_note")})
    meta["autograde_rounds"] = args.autograde_rounds
    meta["grading"] = grading.compare_scores(args, setup, results)
    meta["ratios"] = [row.row() for ratios in RATIOS for row in ratios(results)]
    (work / "results.json").write_text(json.dumps({"meta": meta, "results": results}, indent=1, default=str) + "\n")

    chart, no_chart = None, "not drawn (--no-chart)"
    out.mkdir(parents=True, exist_ok=True)
    if not args.no_chart:
        chart, no_chart = report.draw_chart(bench_python, work / "results.json", out)
    meta["chart"], meta["no_chart"] = chart, no_chart
    text = report.write_report(
        out,
        results,
        meta,
        verdict_rows=build.verdict_rows(results) + grading.memory_rows(results),
        details=grading.detail_lines(results, meta) + leaks.detail_lines(results),
        ran_notes=build.ran_lines(results),
    )
    print()
    print(text[text.index("## Scenarios") :])
    log(f"bench: wrote {out / 'benchmarks.md'}" + (f" and {out / chart}" if chart else ""))
    disagree = meta["grading"].get("disagree")
    if disagree:
        log(f"bench: FAILED: tito grade and nbgrader autograde disagree on {len(disagree)} submission(s):")
        for line in disagree[:20]:
            log(f"  {line}")
    return 1 if any(item["problems"] for item in results.values()) or disagree else 0


if __name__ == "__main__":
    sys.exit(main())
