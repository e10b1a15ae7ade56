"""The bench's report: the versions and the machine it ran on, docs/benchmarks.md (scenarios, ratios and
targets, the missed targets and why, details, what doit ran) and the chart (bench/chart.py, in the bench venv).
The suites' own rows and lines come in from bench/run.py, in the report's order."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import benchenv
import synth
from runner import HERE, log
from targets import WHY_MISSED

PROJECT_PACKAGES = ["doit", "jupytext", "nbformat", "nbclient", "ipykernel", "jupyter_client", "numpy", "PyYAML"]
BENCH_PACKAGES = ["nbgrader", "matplotlib"]
# scenarios that are not a doit run (left out of "What ran")
NOT_DOIT = ("nbgrader", "script_floor", "kernel_start", "grade_", "cluster_", "regrade_", "leak_", "cpu_")


# --- versions and machine ------------------------------------------------------------------------------------


def versions(bench_python: Path | None, with_nbgrader: bool) -> dict[str, str]:
    """The project's packages (in this interpreter) and the bench venv's (None: not installed)."""
    found = {p: _version(p) for p in PROJECT_PACKAGES}
    found.update(_bench_versions(bench_python))
    if not with_nbgrader:
        found.pop("nbgrader", None)
    return found


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _bench_versions(python: Path | None) -> dict[str, str]:
    if python is None:
        return {p: "not installed" for p in BENCH_PACKAGES}
    code = (
        "import json; from importlib import metadata as m\nout = {}\nfor p in %r:\n"
        "    try: out[p] = m.version(p)\n    except m.PackageNotFoundError: out[p] = 'not installed'\n"
        "print(json.dumps(out))"
    ) % (BENCH_PACKAGES,)
    proc = subprocess.run([str(python), "-c", code], capture_output=True, text=True)
    return json.loads(proc.stdout) if proc.returncode == 0 else {p: "unknown" for p in BENCH_PACKAGES}


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        kb = int(
            next(
                line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
            ).split()[1]
        )
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


# --- the chart -----------------------------------------------------------------------------------------------


def draw_chart(bench_python: Path | None, results_json: Path, out: Path) -> tuple[str | None, str]:
    """(the chart's file name or None, why it was not drawn): bench/chart.py in the bench venv."""
    if not benchenv.has_module(bench_python, "matplotlib"):
        log("bench: no matplotlib in the bench venv, no chart")
        return None, "not drawn: matplotlib is not installed in the bench venv"
    proc = subprocess.run(
        [str(bench_python), str(HERE / "chart.py"), str(results_json), str(out / "benchmarks.png")],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        log(f"bench: the chart failed:\n{proc.stderr[-800:]}")
        return None, "not drawn: bench/chart.py failed (see the run's output)"
    return "benchmarks.png", ""


# --- docs/benchmarks.md --------------------------------------------------------------------------------------


def seconds_text(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3f}" if value < 1 else f"{value:.2f}" if value < 10 else f"{value:.1f}"


def ratio_text(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}" if value < 10 else f"{value:.1f}"


def missed_notes(rows: list[dict]) -> list[str]:
    """For each missed target: by how much (the verdict) and what the profile shows is left."""
    missed = [row for row in rows if str(row["verdict"]).startswith("MISSED")]
    if not missed:
        return []
    lines = ["", "Missed targets, and what the profile shows is left:", ""]
    for row in missed:
        why = WHY_MISSED.get(row["what"], "see docs/performance.md")
        lines.append(f"- {row['what']}: {row['verdict'][len('MISSED ') :]}; {why}.")
    return lines


def write_report(
    out: Path, results: dict, meta: dict, verdict_rows: list[str], details: list[str], ran_notes: list[str]
) -> str:
    """OUT/benchmarks.md, written atomically; its text. verdict_rows: the ratio table's rows that are not a
    ratio of meta["ratios"]; details: the grading and leak guard lines of the section after it (the setup's notes follow them); ran_notes:
    lines added to "What ran"."""
    lines = [
        "# Benchmarks: coursebuild vs nbgrader vs doit's floor",
        "",
        f"Generated by `make bench` (`python bench/run.py`) on {meta['date']}. Do not edit by hand: rerun it.",
        "",
        f"Machine: **{meta['machine']['cores']} cores** ({meta['machine']['cpu']}), {meta['machine']['memory']} RAM, "
        f"{meta['machine']['os']}, Python {meta['machine']['python']}. "
        f"Load average (1 min) at start / end: {meta['load_start']:.2f} / {meta['load_end']:.2f}.",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()) + ".",
        "",
        f"Course: {meta['modules']} synthetic modules (bench/synth.py), each {meta['cells']} cells, "
        f"{synth.REGIONS} solution regions in functions and methods, {synth.REGIONS + 1} locked test cells, "
        "hidden tests, one `#| hide` cell, numpy, `#| default_exp`, each importing the previous module's export.",
        "",
        f"Method: every figure is a whole process (interpreter start-up included), run by a fresh wrapper; "
        f"{meta['warmup']} warm-up round(s) discarded, then {meta['repeat']} measured round(s), each round running every "
        "scenario once in the order below (the sub-second no-ops and floors five times), so load changes hit all scenarios alike. Peak RSS is "
        "`getrusage(RUSAGE_CHILDREN).ru_maxrss`: the largest single process of the tree, kernels included. "
        '"Tree peak" (full builds, parallel validation, grading) is the summed PSS (shared pages split between the processes '
        "sharing them, so forked workers are not counted twice) of all processes alive at once, sampled every 50 ms, in one run of its own: "
        "no timed run is sampled (reading every process's page tables slows a tree that forks many processes). "
        "Exceptions: the kernel start (8b), the CPU probe (8c, 8d), the grading profile (10d), the cluster's start (10e) and the leak guard (11) are timed inside their "
        "process (what they measure, without the interpreter's start); nbgrader autograde (10c), the slowest, runs "
        f"only in the first {meta.get('autograde_rounds', 1)} measured round(s).",
        "",
        "## Scenarios",
        "",
        "| scenario | command | wall median (s) | min | max | peak RSS, largest process (MB) | tree peak (MB) | samples | load |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for item in results.values():
        if item["skipped"]:
            lines.append(f"| {item['label']} | `{item['command']}` | not run | | | | | 0 | |")
            continue
        wall, rss, tree = item["wall_s"], item["maxrss_mb"], item["tree_peak_mb"]
        flag = " (FAILED, see below)" if item["problems"] else ""
        if not wall:
            lines.append(f"| {item['label']}{flag} | `{item['command']}` | n/a | | | | | 0 | |")
            continue
        tree_text = f"{tree['max']:.0f}" if tree else ""
        lines.append(
            f"| {item['label']}{flag} | `{item['command']}` | {seconds_text(wall['median'])} | "
            f"{seconds_text(wall['min'])} | {seconds_text(wall['max'])} | {rss['max']:.0f} | {tree_text} | "
            f"{wall['n']} | {item['load']['median']:.1f} |"
        )
    lines += [
        "",
        'Peak RSS columns are the maximum over the measured runs. "load" is the machine\'s 1-minute load '
        "average right after each run (median): above about 1, other processes were competing for the 2 cores, "
        "which slows every figure and, most of all, what `-n 2` can gain.",
        "",
        "## Ratios (medians) and targets",
        "",
        "| ratio | what | value | target | verdict |",
        "|---|---|---:|---|---|",
    ]
    for row in meta["ratios"]:
        lines.append(
            f"| {row['kind']} | {row['what']} | {ratio_text(row['value'])} | {row['goal']} | {row['verdict']} |"
        )
    lines += verdict_rows
    lines += missed_notes(meta["ratios"])
    lines += ["", "## Execution, grading, leak guard, 100 modules (issue 14)", ""] + details
    lines.append(f"- Pre-issue engine: {meta.get('old_note', 'not run')}.")
    lines.append(f"- Script floor: {meta.get('script_note', '')}")
    lines.append(f"- Big course: {meta.get('big_note', 'not run')}.")
    lines += ["", "## What ran (doit's own output, last run of each scenario)", ""]
    for item in results.values():
        if item["skipped"] or not item["runs"] or item["key"].startswith(NOT_DOIT):
            continue
        ran = item["last_ran"]
        if len(ran) > 8:
            counts: dict[str, int] = {}
            for name in ran:
                counts[name.split(":")[0]] = counts.get(name.split(":")[0], 0) + 1
            text = f"{len(ran)} tasks (" + ", ".join(f"{base} x{n}" for base, n in counts.items()) + ")"
        else:
            text = ", ".join(ran) or "nothing"
        lines.append(f"- {item['label']}: doit ran {text}.")
    lines += ran_notes
    lines.append(
        f"- doit's floor: {meta['floor']['tasks']} tasks with {meta['floor']['file_dep']} file_deps "
        f"({meta['floor']['distinct_files']} distinct files), {meta['floor']['targets']} targets, the same "
        "task_deps, one config_changed each, the same doit backend (sqlite3) and md5 checker; actions do nothing."
    )
    lines.append(f"- nbgrader: {meta['nbgrader']}")
    lines.append(
        "- To profile a scenario, run its command under py-spy or pyinstrument in the bench course, e.g. "
        "`py-spy record -o cold.svg -- python -m doit student solution` in build/bench/work/course "
        "(after `rm -rf build .doit.db`)."
    )
    problems = [(item["label"], p) for item in results.values() for p in item["problems"]]
    if problems:
        lines += ["", "## Failures", ""] + [f"- {label}: {p}" for label, p in problems]
    if meta.get("chart"):
        lines += ["", f"![benchmarks]({meta['chart']})"]
    else:
        lines += ["", f"Chart: {meta.get('no_chart', 'not drawn')}."]
    text = "\n".join(lines) + "\n"
    out.mkdir(parents=True, exist_ok=True)
    partial = out / ".benchmarks.md.partial"
    partial.write_text(text)
    os.replace(partial, out / "benchmarks.md")  # atomic: a killed run leaves the previous report whole
    return text
