"""What running the notebooks costs: validating every module serially and with -n 2, against the floors of
execution: each solution run as a plain script (bench/scriptfloor.py), one kernel start (bench/kernelstart.py),
and what this machine's 2 cores give to 2 processes at once (bench/cpuscaling.py)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import synth
from runner import DOIT, HERE, Ratio, Scenario, exit_zero, expect, median_of, ratio
from targets import TARGETS


def setup(args, work: Path, setup: dict) -> None:
    """Nothing to make (the scenarios run in the build's course); the script floor's note for the report."""
    setup["script_note"] = (
        "each module's percent source (the solution, its markup as comments; hidden tests and the instructor cell "
        "included) run as `python mNN.py` with PYTHONPATH at the course root (the exported `tinytorch`), one "
        "process after the other; the kernel start is jupyter_client's start_new_kernel (wait_for_ready) and "
        "shutdown_kernel, timed inside the process."
    )


def validation_scenarios(args, setup: dict) -> list[Scenario]:
    """5a, 5b: every module's validation (its notebook executed), serial and -n."""
    n, jobs, course = args.modules, args.jobs, setup["course"]
    names = [synth.name_of(i) for i in range(1, n + 1)]
    forget = lambda r: shutil.rmtree(course / "build" / "executed", ignore_errors=True)  # noqa: E731
    return [
        Scenario(
            "validate_serial",
            f"5a. validation of {n} modules, serial",
            "doit validate",
            DOIT + ["validate"],
            course,
            "validation",
            forget,
            lambda run: expect(run, [f"validate:{m}" for m in names], count=n),
        ),
        Scenario(
            "validate_parallel",
            f"5b. validation of {n} modules, -n {jobs}",
            f"doit -n {jobs} validate",
            DOIT + ["-n", str(jobs), "validate"],
            course,
            "validation",
            forget,
            lambda run: expect(run, [f"validate:{m}" for m in names], count=n),
            tree=True,
        ),
    ]


def floor_scenarios(args, setup: dict) -> list[Scenario]:
    """8a-8d: the script floor, one kernel start, and the machine's CPU scaling with 1 and 2 processes."""
    n, course = args.modules, setup["course"]
    sources = [str(synth.source_path(course, i)) for i in range(1, n + 1)]
    return [
        Scenario(
            "script_floor",
            f"8a. script floor: {n} solutions as plain `python` scripts, summed",
            "python mNN.py (each module)",
            [sys.executable, str(HERE / "scriptfloor.py"), str(course), *sources],
            course,
            "execution",
            verify=exit_zero("a module run as a script"),
        ),
        Scenario(
            "kernel_start",
            "8b. one kernel start (start, wait_for_ready, shut down; imports excluded)",
            "python bench/kernelstart.py",
            [sys.executable, str(HERE / "kernelstart.py")],
            course,
            "execution",
            verify=exit_zero("the kernel start"),
            inner=True,
        ),
    ] + [
        Scenario(
            f"cpu_{processes}",
            f"8{'cd'[processes - 1]}. the machine: a fixed CPU-bound work in {processes} process(es) at once",
            f"python bench/cpuscaling.py {processes}",
            [sys.executable, str(HERE / "cpuscaling.py"), str(processes)],
            course,
            "execution",
            verify=exit_zero("the CPU scaling probe"),
            inner=True,
            samples=3,
        )
        for processes in (1, 2)
    ]


# --- the ratios, in the report's order (bench/run.py interleaves them with the other suites) ---------------


def validation_ratios(results: dict) -> list[Ratio]:
    return [
        Ratio(
            "parallel / serial",
            "validation -n 2 / serial",
            ratio(results, "validate_parallel", "validate_serial"),
            f"<= {TARGETS['parallel_vs_serial']:g}",
            ("<=", TARGETS["parallel_vs_serial"]),
        )
    ]


def script_floor_ratios(results: dict) -> list[Ratio]:
    serial, script, kernel = (median_of(results, k) for k in ("validate_serial", "script_floor", "kernel_start"))
    return [
        Ratio(
            "ours / script floor",
            "validation serial / (script floor + one kernel start)",
            None if None in (serial, script, kernel) else serial / (script + kernel),
            f"<= {TARGETS['validation_vs_script_floor']:.0f}",
            ("<=", TARGETS["validation_vs_script_floor"]),
        )
    ]


def machine_ratios(results: dict) -> list[Ratio]:
    cpu = ratio(results, "cpu_1", "cpu_2")
    return [
        Ratio(
            "the machine",
            "throughput of a CPU-bound work in 2 processes at once / in 1 (8c, 8d: what 2 cores give here, the "
            "ceiling of the 2-against-1 ratios)",
            None if cpu is None else 2 * cpu,
        )
    ]
