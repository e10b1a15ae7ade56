"""The shared runner of every suite: a Scenario (one measured command, how to prepare it and how to check its
run), its measurement in a fresh child (bench/measure.py), the rounds, and the statistics and ratios of the
figures.

Every figure is a whole process (start-up included): wall time, and peak memory from
getrusage(RUSAGE_CHILDREN) (kernels included). The scenarios run in rounds, one of each per round, so a change
in machine load hits all of them alike; the first `warmup` rounds are discarded.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, NamedTuple

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DOIT = [sys.executable, "-m", "doit"]


@dataclass
class Scenario:
    key: str
    label: str
    shown: str  # the command as a person would type it
    argv: list[str]
    cwd: Path
    group: str  # the chart panel
    prepare: Callable[[int], None] | None = None
    verify: Callable[["Run"], str | None] | None = None  # an error message, or None when the run is right
    tree: bool = False
    env: dict | None = None
    samples: int = 1  # measurements per round (cheap, noisy scenarios take several)
    skipped: str | None = None  # why it was not run
    inner: bool = False  # the command prints {"inner_s": ...}: that span is the figure, not the whole process
    most: int | None = None  # at most this many measured runs (slow comparison scenarios), none in warm-up
    runs: list[dict] = field(default_factory=list)  # timed, never under the memory sampler
    memory_runs: list[dict] = field(default_factory=list)  # tree scenarios: one more run, sampled, for memory only
    problems: list[str] = field(default_factory=list)
    last_ran: list[str] = field(default_factory=list)


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    @property
    def ran(self) -> list[str]:
        """Tasks doit executed: its reporter prints `.  task:name` for each."""
        return [line[3:].strip() for line in self.stdout.splitlines() if line.startswith(".  ")]


def log(message: str) -> None:
    print(message, flush=True)


def doit_env() -> dict:
    """The environment of every measured command: this one, less git/doit variables and
    PYTHONDONTWRITEBYTECODE (set on some CI machines), so later runs read .pyc files as on a normal machine."""
    return {
        k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "DOIT_")) and k != "PYTHONDONTWRITEBYTECODE"
    }


def measure(scenario: Scenario, scratch: Path, tree: bool = False) -> tuple[dict, Run]:
    """One run of `scenario`; with `tree`, the summed memory of its process tree sampled too (`tree_peak_kb`)."""
    scratch.mkdir(parents=True, exist_ok=True)
    result, out, err = scratch / "result.json", scratch / "stdout.txt", scratch / "stderr.txt"
    wrapper = [
        sys.executable,
        str(HERE / "measure.py"),
        "--result",
        str(result),
        "--stdout",
        str(out),
        "--stderr",
        str(err),
        "--cwd",
        str(scenario.cwd),
    ] + (["--tree"] if tree else [])
    subprocess.run(wrapper + ["--"] + scenario.argv, check=True, env=scenario.env or doit_env())
    figures = json.loads(result.read_text())
    figures["load"] = os.getloadavg()[0]
    run = Run(figures["returncode"], out.read_text(errors="replace"), err.read_text(errors="replace"))
    grading = re.search(r"^grading took ([0-9.]+) s", run.stdout, re.M)
    if grading:  # tito grade: the grading itself, the cluster's start excluded
        figures["grading_s"] = float(grading[1])
    if scenario.inner and run.returncode == 0:
        inner = json.loads(run.stdout.strip().splitlines()[-1])
        figures["process_s"], figures["wall_s"] = figures["wall_s"], inner.pop("inner_s")
        figures.update(inner)
    return figures, run


def run_rounds(found: list[Scenario], warmup: int, repeat: int, work: Path) -> None:
    """Every scenario once per round, in the order given (the sub-second ones `samples` times); the first
    `warmup` rounds are checked but not kept."""
    for round_index in range(warmup + repeat):
        label = "warm-up" if round_index < warmup else f"round {round_index - warmup + 1}/{repeat}"
        log(f"bench: {label}")
        for scenario in found:
            if scenario.skipped:
                continue
            if scenario.most is not None and (round_index < warmup or len(scenario.runs) >= scenario.most):
                continue
            # a tree scenario's memory from one more run in the first measured round: the sampler reads every
            # process's page tables every 50 ms, which slows a tree that forks many processes (grading) by ~15%
            sampled = [True] if scenario.tree and round_index == warmup else []
            for tree in [False] * scenario.samples + sampled:
                if scenario.prepare:
                    scenario.prepare(round_index)
                figures, run = measure(scenario, work / "runs" / scenario.key, tree)
                problem = scenario.verify(run) if scenario.verify else None
                scenario.last_ran = run.ran
                if problem:
                    scenario.problems.append(f"{label}: {problem}")
                if round_index >= warmup:
                    (scenario.memory_runs if tree else scenario.runs).append(figures)
                log(
                    f"  {scenario.key:<18} "
                    + (
                        f"{'(memory)':>10}  tree {figures['tree_peak_kb'] / 1024:7.1f} MB"
                        if tree
                        else f"{figures['wall_s']:8.3f} s  {figures['maxrss_kb'] / 1024:7.1f} MB"
                    )
                    + (f"  PROBLEM: {problem}" if problem else "")
                )


def untimed(argv: list, cwd: Path) -> float:
    """Run a setup command (not measured as a scenario); its wall time for the report's information."""
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=doit_env(), capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(
            f"`{' '.join(argv)}` in {cwd} exited {proc.returncode}: {(proc.stderr or proc.stdout)[-800:]}"
        )
    return time.perf_counter() - start


# --- the course's state and the checks of a run -------------------------------------------------------------


def reset_state(course: Path) -> None:
    """A fresh build: no build/, no doit state, nothing exported."""
    shutil.rmtree(course / "build", ignore_errors=True)
    for path in course.glob(".doit.db*"):
        path.unlink()
    for path in (course / "tinytorch").iterdir():
        if path.name != "__init__.py":
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def expect(
    run: Run,
    wanted: list[str] | None = None,
    count: int | None = None,
    none: bool = False,
    forbidden: tuple[str, ...] = (),
) -> str | None:
    """A doit run's check: it exited 0 and ran what it should (the named tasks, so many, none, none of these)."""
    ran = run.ran
    if run.returncode != 0:
        return f"doit exited {run.returncode}: {(run.stderr or run.stdout).strip()[-600:]}"
    if none and ran:
        return f"expected nothing to run, but doit ran {', '.join(ran[:8])}"
    missing = [name for name in wanted or [] if name not in ran]
    if missing:
        return f"expected {', '.join(missing[:6])} to run; doit ran {', '.join(ran[:12]) or 'nothing'}"
    if count is not None and len(ran) != count:
        return f"expected {count} tasks to run, doit ran {len(ran)}"
    bad = [name for name in ran if name.startswith(forbidden)]
    if bad:
        return f"these must not run: {', '.join(bad)}"
    return None


def exit_zero(what: str):
    """The check of a command that is right when it exits 0."""

    def verify(run: Run) -> str | None:
        text = (run.stderr or run.stdout).strip()[-600:]
        return None if run.returncode == 0 else f"{what} exited {run.returncode}: {text}"

    return verify


# --- statistics, ratios and verdicts ---------------------------------------------------------------------------


def stats(runs: list[dict], key: str) -> dict | None:
    values = [r[key] for r in runs if r.get(key) is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def summary(scenario: Scenario) -> dict:
    """A scenario's entry in results.json and the report."""
    return {
        "key": scenario.key,
        "label": scenario.label,
        "command": scenario.shown,
        "group": scenario.group,
        "skipped": scenario.skipped,
        "problems": scenario.problems,
        "last_ran": scenario.last_ran,
        "wall_s": stats(scenario.runs, "wall_s"),
        "grading_s": stats(scenario.runs, "grading_s"),
        "maxrss_mb": stats([{"m": r["maxrss_kb"] / 1024} for r in scenario.runs], "m"),
        "tree_peak_mb": stats(
            [{"m": r["tree_peak_kb"] / 1024} for r in scenario.memory_runs if r.get("tree_peak_kb")], "m"
        ),
        "load": stats(scenario.runs, "load"),
        "runs": scenario.runs,
        "memory_runs": scenario.memory_runs,
    }


def median_of(results: dict, key: str, what: str = "wall_s") -> float | None:
    """A scenario's median, or None when it was skipped, failed or has no such figure."""
    item = results.get(key)
    if not item or item["skipped"] or item["problems"] or not item.get(what):
        return None
    return item[what]["median"]


def ratio(results: dict, a: str, b: str, what: str = "wall_s") -> float | None:
    """Scenario a's median / scenario b's, or None when either is not measured."""
    x, y = median_of(results, a, what), median_of(results, b, what)
    if x is None or y is None or y == 0:
        return None
    return x / y


def verdict(value: float | None, rule: tuple[str, float] | None) -> str:
    """'met', or 'MISSED by N%' (how far the value is past the target, relative to the target)."""
    if rule is None:
        return ""
    if value is None:
        return "not measured"
    sign, target = rule
    missed = value > target if sign == "<=" else value < target
    if not missed:
        return "met"
    percent = abs(value - target) / target * 100
    return (
        f"MISSED by {percent:.0f}% ({value:.3g} vs {sign} {target:.3g})"
        if percent >= 1
        else (f"MISSED by {percent:.1f}% ({value:.4g} vs {sign} {target:.3g})")
    )


class Ratio(NamedTuple):
    """A row of the report's ratio table: what is compared, its value, the target as shown and as a rule."""

    kind: str
    what: str
    value: float | None
    goal: str = ""
    rule: tuple[str, float] | None = None

    def row(self) -> dict:
        """The row as results.json and the report hold it, its verdict decided."""
        return {
            "kind": self.kind,
            "what": self.what,
            "value": self.value,
            "goal": self.goal,
            "verdict": verdict(self.value, self.rule),
        }
