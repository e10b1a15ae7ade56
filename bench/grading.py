"""What grading costs: `tito grade` of a synthetic class (bench/synthclass.py, bench/gradebench.py) on 1 and 2
workers against `nbgrader autograde` of the same submissions (their scores must agree, or the run fails), one
submission's costs in a warm parent (bench/gradeprofile.py), and a regrade of 3 submissions beside the embedded
cluster's start (bench/clusterstart.py)."""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import gradebench
import synth
from runner import HERE, Ratio, Run, Scenario, doit_env, exit_zero, log, median_of, ratio, verdict
from targets import TARGETS

PROFILE_PARTS = [
    ("read_s", "read + extract answers"),
    ("rehydrate_s", "rehydrate"),
    ("sandbox_empty_s", "a sandboxed process with one empty cell (namespaces, package, kill)"),
    ("unsandboxed_s", "the cells without the sandbox (--no-sandbox)"),
    ("sandboxed_s", "the cells in the sandbox"),
    ("sandbox_cost_s", "the sandbox's own cost (sandboxed - unsandboxed)"),
]


def setup(args, work: Path, setup: dict) -> None:
    """The graded class (a course and its submissions) and, with nbgrader, the same class exported for it."""
    setup["grade_modules"] = min(args.grade_modules, args.modules)
    names = [synth.name_of(i) for i in range(1, setup["grade_modules"] + 1)]
    setup["autograde_note"] = setup["why_no_nbgrader"]
    if args.skip_grading:
        setup["grading_note"] = setup["autograde_note"] = "not run (--skip-grading)"
        return
    log(f"bench: writing a {len(names)}-module grading course and {args.students} students' submissions")
    grading, kinds = gradebench.prepare_course(work / "grading", len(names), args.students, doit_env())
    mix: dict[str, int] = {}
    for kind in kinds.values():
        mix[kind] = mix.get(kind, 0) + 1
    setup.update(grading=grading, mix=mix, kinds=kinds, grading_note="")
    nbgrader_bin = setup["nbgrader_bin"]
    if nbgrader_bin is not None:
        log("bench: exporting the class for nbgrader (tito nbgrader export, generate_assignment; untimed)")
        target = work / "grading_nbgrader"
        setup["nbgrader_env"] = gradebench.prepare_nbgrader(grading, target, names, nbgrader_bin, doit_env())
        setup.update(autograde_dir=target, names=names)


def scenarios(args, setup: dict) -> list[Scenario]:
    """10a, 10b: tito grade on 1 and 2 workers; 10d: one submission's costs; 10e, 10f: the cluster's start and a
    regrade; 10c: nbgrader autograde of the same submissions."""
    course, grading = setup["course"], setup.get("grading")
    total = args.students * setup["grade_modules"]
    names = [synth.name_of(i) for i in range(1, setup["grade_modules"] + 1)]
    found = []
    for workers in (1, 2):
        scenario = Scenario(
            f"grade_{workers}",
            f"10{'ab'[workers - 1]}. tito grade, {args.students} students x {len(names)} modules, {workers} worker(s)",
            f"tito grade {' '.join(names)} --workers {workers} --force",
            [sys.executable, "-m", "tasks.cli.main", "grade", *names, "--workers", str(workers), "--force"],
            grading or course,
            "grading",
            verify=_graded(total),
            tree=True,
        )
        scenario.skipped = None if grading else setup["grading_note"]
        found.append(scenario)
    correct = sorted(k for k, kind in setup.get("kinds", {}).items() if kind == "correct")
    profiled = next((k for k in correct if k.endswith("/" + names[-1])), correct[0] if correct else "")
    profile = Scenario(
        "grade_profile",
        f"10d. one correct submission ({profiled}) in a warm parent: grade_submission, median of 10",
        "python bench/gradeprofile.py COURSE MODULE STUDENT",
        [sys.executable, str(HERE / "gradeprofile.py"), str(grading or course), *reversed(profiled.split("/")), "10"],
        grading or course,
        "grading",
        verify=exit_zero("the grading profile"),
        inner=True,
    )
    profile.skipped = None if grading and profiled else (setup["grading_note"] or "not run: no correct submission")
    found.append(profile)
    found += _regrade_scenarios(setup, names)
    nbg = setup.get("autograde_dir")
    autograde = Scenario(
        "nbgrader_autograde",
        f"10c. nbgrader autograde, the same {total} submissions",
        "nbgrader autograde '*' --create --force",
        [str(setup["nbgrader_bin"]), "autograde", "*", "--create", "--force"],
        nbg or course,
        "grading",
        (lambda r: gradebench.reset_autograde(nbg)) if nbg else None,
        _autograded,
        env=setup.get("nbgrader_env"),
        most=args.autograde_rounds,
        tree=True,
    )
    autograde.skipped = None if nbg else setup["autograde_note"]
    found.append(autograde)
    return found


def _regrade_scenarios(setup: dict, names: list[str]) -> list[Scenario]:
    """10e, 10f: the embedded cluster's start and stop, and a regrade of 3 submissions end to end (3 correct
    students of the last graded module, dropped from the gradebook before each run), which grades them in the
    tito process (cluster.grade_in_process) instead of waiting for a cluster."""
    grading, course = setup.get("grading"), setup["course"]
    module = names[-1]
    students = sorted(
        k.split("/")[0] for k, kind in setup.get("kinds", {}).items() if kind == "correct" and k.endswith("/" + module)
    )[:3]
    start = Scenario(
        "cluster_start",
        "10e. the embedded grading cluster's start and stop, 2 workers (Dask imported, one task)",
        "python bench/clusterstart.py COURSE 2",
        [sys.executable, str(HERE / "clusterstart.py"), str(grading or course), "2"],
        grading or course,
        "grading",
        verify=exit_zero("the cluster start"),
        inner=True,
    )
    regrade = Scenario(
        "regrade_3",
        f"10f. tito grade of 3 new submissions ({module}), end to end, 2 workers",
        f"tito grade {module} --workers 2",
        [sys.executable, "-m", "tasks.cli.main", "grade", module, "--workers", "2"],
        grading or course,
        "grading",
        (lambda r: gradebench.forget(grading, module, students)) if grading else None,
        _graded(3),
        tree=True,
    )
    for scenario in (start, regrade):
        scenario.skipped = (
            None
            if grading and len(students) == 3
            else (setup["grading_note"] or "not run: fewer than 3 correct students")
        )
    return [start, regrade]


def _graded(total: int):
    def verify(run: Run) -> str | None:
        if run.returncode != 0:
            return f"tito grade exited {run.returncode}: {(run.stderr or run.stdout).strip()[-600:]}"
        wanted = f"graded {total} submission(s)"
        return None if wanted in run.stdout else f"expected '{wanted}', tito grade said: {run.stdout.strip()[-300:]}"

    return verify


def _autograded(run: Run) -> str | None:
    if run.returncode != 0:
        return f"nbgrader autograde exited {run.returncode}: {(run.stderr or run.stdout).strip()[-600:]}"
    return None


# --- after the rounds: the scores compared, the ratios, the memory rows and the details ---------------------


def compare_scores(args, setup: dict, results: dict) -> dict:
    """The class, and whether tito grade's and nbgrader's scores agree (compared after the last runs)."""
    if not setup.get("grading"):
        return {"note": setup.get("grading_note", "not run")}
    meta = {"students": args.students, "modules": setup["grade_modules"], "mix": setup["mix"]}
    meta["total"] = args.students * setup["grade_modules"]
    ran = lambda key: results.get(key) and results[key]["runs"] and not results[key]["problems"]  # noqa: E731
    if not (setup.get("autograde_dir") and ran("grade_2") and ran("nbgrader_autograde")):
        meta["agreement"] = "not compared (" + (setup["autograde_note"] or "a grading run failed") + ")"
        return meta
    ours = gradebench.our_scores(setup["grading"], doit_env())
    theirs = gradebench.nbgrader_scores(
        setup["autograde_dir"], setup["names"], setup["bench_python"], setup["nbgrader_env"]
    )
    meta["disagree"] = gradebench.disagreements(ours, theirs) + gradebench.implausible(ours, setup["kinds"])
    meta["agreement"] = (
        f"the same total for all {len(ours)} submissions"
        if not meta["disagree"]
        else f"DISAGREE on {len(meta['disagree'])} of {len(set(ours) | set(theirs))}: "
        + "; ".join(meta["disagree"][:5])
    )
    return meta


def ratios(results: dict) -> list[Ratio]:
    t = TARGETS
    return [
        Ratio(
            "ours / nbgrader",
            "grading throughput: tito grade 2 workers / nbgrader autograde (same submissions)",
            ratio(results, "nbgrader_autograde", "grade_2"),
            f">= {t['grading_vs_nbgrader']:.0f}",
            (">=", t["grading_vs_nbgrader"]),
        ),
        Ratio(
            "ours / nbgrader",
            "grading throughput: tito grade 1 worker / nbgrader autograde",
            ratio(results, "nbgrader_autograde", "grade_1"),
        ),
        Ratio(
            "parallel / serial",
            "grading throughput: 2 workers / 1 worker",
            ratio(results, "grade_1", "grade_2"),
            f">= {t['grading_2_vs_1']:.1f}",
            (">=", t["grading_2_vs_1"]),
        ),
        Ratio(
            "parallel / serial",
            "grading rate, the cluster's start excluded (`grading took` in tito's output): 2 workers / 1 worker",
            ratio(results, "grade_1", "grade_2", "grading_s"),
        ),
        Ratio(
            "ours / one kernel's start",
            "a regrade of 3 submissions end to end (10f) / one Jupyter kernel's start (8b)",
            ratio(results, "regrade_3", "kernel_start"),
            f"<= {t['regrade_vs_kernel_start']:.1f}",
            ("<=", t["regrade_vs_kernel_start"]),
        ),
        Ratio(
            "ours / the cluster's start",
            "a regrade of 3 submissions end to end (10f) / the embedded cluster's start and stop alone (10e)",
            ratio(results, "regrade_3", "cluster_start"),
        ),
    ]


def memory_rows(results: dict) -> list[str]:
    """Peak memory of grading: the largest single process (a worker with its forked submission, or nbgrader's
    kernel); grading's workers each run one submission at a time, so this is the per-worker figure."""
    rows = []
    for key, what in (("grade_1", "tito grade, 1 worker"), ("grade_2", "tito grade, 2 workers")):
        item = results.get(key)
        peak = item["maxrss_mb"]["max"] if item and item["maxrss_mb"] and not item["skipped"] else None
        shown = "n/a" if peak is None else f"{peak:.0f}"
        rows.append(
            f"| memory | {what}: peak RSS of the largest process, per worker (MB) | {shown} | "
            f"<= {TARGETS['peak_mb']:.0f} | {verdict(peak, ('<=', TARGETS['peak_mb']))} |"
        )
        tree = item["tree_peak_mb"]["max"] if item and item["tree_peak_mb"] and not item["skipped"] else None
        if tree is not None:
            rows.append(
                f"| memory | {what}: all processes at once, scheduler and client included (MB, information) | {tree:.0f} | | |"
            )
    trees = [(results.get(k) or {}).get("tree_peak_mb") for k in ("grade_1", "grade_2")]
    if all(trees):
        added = trees[1]["max"] - trees[0]["max"]
        rows.append(
            "| memory | tito grade: what the second worker adds, with its submission's process (tree peak 2 workers "
            f"- 1 worker, MB) | {added:.0f} | <= {TARGETS['peak_mb']:.0f} | {verdict(added, ('<=', TARGETS['peak_mb']))} |"
        )
    return rows


def _throughput(results: dict, key: str, total: int, what: str = "wall_s") -> str:
    seconds = median_of(results, key, what)
    return "n/a" if not seconds else f"{total / seconds:.2f}"


def _profile_line(results: dict) -> str:
    """One submission's costs (medians over the runs of 10d), in milliseconds."""
    item = results.get("grade_profile")
    if not item or item["skipped"] or item["problems"] or not item["runs"]:
        return "- One submission's costs: not measured."
    part = lambda key: statistics.median(r[key] for r in item["runs"]) * 1000  # noqa: E731
    text = ", ".join(f"{label} {part(key):.1f} ms" for key, label in PROFILE_PARTS)
    cells = item["runs"][-1].get("code_cells")
    return (
        f"- One submission's costs in a warm worker ({cells} code cells; bench/gradeprofile.py): {text}; "
        f"grade_submission in all {item['wall_s']['median'] * 1000:.1f} ms."
    )


def detail_lines(results: dict, meta: dict) -> list[str]:
    """The report's lines on grading: throughput, score agreement, one submission's costs."""
    g = meta.get("grading", {})
    total = g.get("total", 0)
    if not total:
        return [f"- Grading: {g.get('note', 'not run')}."]
    tp = lambda key, what="wall_s": _throughput(results, key, total, what)  # noqa: E731
    return [
        f"- Grading: {g['students']} students x {g['modules']} modules = {total} submissions "
        f"(bench/synthclass.py; {', '.join(f'{k} {v}' for k, v in sorted(g['mix'].items()))}), "
        f"course.yaml `grading: {gradebench.GRADING}`. Throughput, submissions per second (median): "
        f"tito grade 1 worker {tp('grade_1')}, 2 workers {tp('grade_2')}, nbgrader autograde "
        f"{tp('nbgrader_autograde')}; the grading alone (tito's `grading took`, from the cluster being ready to the "
        f"last result): 1 worker {tp('grade_1', 'grading_s')}, 2 workers {tp('grade_2', 'grading_s')}.",
        f"- Scores, tito grade vs nbgrader autograde: {g.get('agreement', 'not compared')}.",
        _profile_line(results),
    ]
