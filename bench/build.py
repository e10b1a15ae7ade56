"""What the build costs: generating the notebooks cold (serial and -n 2), the full build, a no-op and one-module
edits (code, markdown), against nbgrader generate_assignment on the same modules, doit's own floor (the same task
graph whose actions do nothing, bench/floor.py), the pre-issue engine (bench/oldengine.py) and a big course."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import floor
import nbgrader_course
import oldengine
import synth
from runner import DOIT, REPO, Ratio, Run, Scenario, doit_env, expect, log, ratio, reset_state, untimed, verdict
from targets import TARGETS

EXECUTIONS = ("validate:", "check_student:", "export:")  # the tasks that run a notebook


def setup(args, work: Path, setup: dict) -> None:
    """The synthetic course, its nbgrader copy, doit's floor, the old engine's course and the big course, made
    once before the rounds; each part says why when it is skipped."""
    log(f"bench: writing a {args.modules}-module course to {work / 'course'}")
    course = synth.write_course(work / "course", args.modules)
    setup.update(course=course, nbg=None)
    if setup["nbgrader_bin"] is not None:
        modules = [(synth.name_of(i), synth.source_path(course, i)) for i in range(1, args.modules + 1)]
        setup["nbg"] = nbgrader_course.write_nbgrader_course(modules, work / "nbgrader")
    log("bench: deriving doit's floor from the course's task graph")
    floor_dir = work / "floor"
    shutil.rmtree(floor_dir, ignore_errors=True)
    setup["floor_counts"] = floor.write_floor(floor.course_shape(course), floor_dir)
    untimed(DOIT, floor_dir)
    setup.update(floor_dir=floor_dir)
    _old_engine_setup(args, work, setup)
    _big_course_setup(args, work, setup)


def _old_engine_setup(args, work: Path, setup: dict) -> None:
    if args.skip_old:
        setup["old_note"] = "not run (--skip-old)"
        return
    tree, note = oldengine.unpack(REPO, REPO / "build" / "bench" / f"engine-{oldengine.OLD_COMMIT}")
    if tree is None:
        setup["old_note"] = note
        log(f"bench: skipping the pre-issue engine: {note}")
        return
    setup["old_course"] = synth.write_course(work / "course_old", args.modules, engine_from=tree)
    setup["old_note"] = (
        f"commit {oldengine.OLD_COMMIT} (`git archive` of dodo.py, tasks/, tinytorch/__init__.py into "
        f"build/bench/engine-{oldengine.OLD_COMMIT}), the same synthetic course, "
        + oldengine.requirements_note(tree, REPO)
    )


def _big_course_setup(args, work: Path, setup: dict) -> None:
    if args.big_modules < 2:
        setup["big_note"] = "not run (--big-modules 0)"
        return
    log(f"bench: writing and building (doit -n 2, untimed) a {args.big_modules}-module course")
    big = synth.write_course(work / "course_big", args.big_modules)
    built = untimed(DOIT + ["-n", "2"], big)
    floor_big = work / "floor_big"
    shutil.rmtree(floor_big, ignore_errors=True)
    counts = floor.write_floor(floor.course_shape(big), floor_big)
    untimed(DOIT, floor_big)
    setup.update(big=big, floor_big=floor_big)
    setup["big_note"] = (
        f"{args.big_modules} modules of the same shape; its full build (`doit -n 2`, before the rounds, "
        f"once) took {built:.0f} s; its floor has {counts['tasks']} tasks and {counts['file_dep']} file_deps"
    )


# --- the scenarios, in the order the bench runs them (bench/run.py interleaves them with the other suites) ---


def generation_scenarios(args, setup: dict) -> list[Scenario]:
    """1, 1b: cold generation, serial and -n; the full build; 2: the no-op; 3, 4: a code and a markdown edit."""
    n, jobs, course = args.modules, args.jobs, setup["course"]
    names = [synth.name_of(i) for i in range(1, n + 1)]
    last, middle = n, max(1, (n + 1) // 2)
    reset = lambda r: reset_state(course)  # noqa: E731
    generated = [f"{v}:{m}" for v in ("student", "solution") for m in names]
    return [
        Scenario(
            "cold",
            f"1. cold generation, student + solution, {n} modules",
            "doit student solution",
            DOIT + ["student", "solution"],
            course,
            "generation",
            reset,
            lambda run: expect(run, generated),
        ),
        Scenario(
            "cold_parallel",
            f"1b. cold generation with -n {jobs}",
            f"doit -n {jobs} student solution",
            DOIT + ["-n", str(jobs), "student", "solution"],
            course,
            "generation",
            reset,
            lambda run: expect(run, generated),
        ),
        Scenario(
            "full",
            f"full build from scratch (all default tasks, {n} modules)",
            "doit",
            DOIT,
            course,
            "build",
            reset,
            lambda run: expect(run, count=7 * n),
            tree=True,
        ),
        Scenario(
            "noop",
            "2. no-op doit (everything up to date)",
            "doit",
            DOIT,
            course,
            "noop",
            None,
            lambda run: expect(run, none=True),
            samples=5,
        ),
        Scenario(
            "edit_code",
            f"3. code edit in one module (m{last:02d}, a solution line) -> rebuild",
            "doit",
            DOIT,
            course,
            "incremental",
            lambda r: synth.edit_code(course, last, r + 1),
            lambda run: expect(run, [f"validate:m{last:02d}", f"export:m{last:02d}"]),
        ),
        Scenario(
            "edit_markdown",
            f"4. markdown edit in one module (m{middle:02d}) -> rebuild",
            "doit",
            DOIT,
            course,
            "incremental",
            lambda r: synth.edit_markdown(course, middle, r + 1),
            lambda run: expect(run, [f"student:m{middle:02d}", f"solution:m{middle:02d}"], forbidden=EXECUTIONS),
        ),
    ]


def floor_scenarios(args, setup: dict) -> list[Scenario]:
    """7: doit's floor, the no-op of the same task graph whose actions do nothing."""
    return [
        Scenario(
            "floor",
            "7. doit's floor: same task graph, actions do nothing, no-op",
            "doit (floor dodo)",
            DOIT,
            setup["floor_dir"],
            "noop",
            None,
            lambda run: expect(run, none=True),
            samples=5,
        )
    ]


def nbgrader_scenarios(args, setup: dict) -> list[Scenario]:
    """6a-6c: nbgrader generate_assignment on the same modules, fresh, no-op and --force."""
    nbg, nbgrader_bin, course = setup["nbg"], setup["nbgrader_bin"], setup["course"]
    names = [synth.name_of(i) for i in range(1, args.modules + 1)]
    found = []
    nbgrader = [
        (
            "nbgrader_fresh",
            f"6a. nbgrader generate_assignment, fresh, {args.modules} modules",
            [],
            nbgrader_course.reset,
            False,
        ),
        ("nbgrader_noop", "6b. nbgrader generate_assignment, no-op (skips all)", [], None, True),
        ("nbgrader_force", "6c. nbgrader generate_assignment --force (regenerates all)", ["--force"], None, False),
    ]
    for key, label, extra, prepare, skips in nbgrader:
        group = "noop" if key == "nbgrader_noop" else "generation"
        scenario = Scenario(
            key,
            label,
            "nbgrader generate_assignment '*'" + "".join(" " + e for e in extra),
            [str(nbgrader_bin), "generate_assignment", "*"] + extra,
            nbg or course,
            group,
            (lambda r, p=prepare: p(nbg)) if prepare else None,
            _nbgrader_check(nbg, names, skips) if nbg else None,
        )
        if nbgrader_bin is None or nbg is None:
            scenario.skipped = setup["why_no_nbgrader"]
        else:
            env = doit_env()
            env["PATH"] = f"{nbgrader_bin.parent}{os.pathsep}{env.get('PATH', '')}"  # nbgrader runs `alembic` from it
            scenario.env = env
        found.append(scenario)
    return found


def _nbgrader_check(root: Path, modules: list[str], skipped: bool):
    def verify(run: Run) -> str | None:
        text = run.stdout + run.stderr
        if run.returncode != 0 or "ERROR" in text:
            errors = [line for line in text.splitlines() if "ERROR" in line or "Error" in line]
            return f"nbgrader exited {run.returncode}: {' | '.join(errors[-3:]) or text.strip()[-400:]}"
        if skipped:
            found = text.count("Skipping existing assignment")
            return (
                None
                if found == len(modules)
                else f"expected {len(modules)} 'Skipping existing assignment', found {found}"
            )
        missing = [m for m in modules if not (root / "release" / m / f"{m}.ipynb").exists()]
        return f"nbgrader wrote no release/ notebook for {', '.join(missing)}" if missing else None

    return verify


def old_engine_scenarios(args, setup: dict) -> list[Scenario]:
    """9: the full build of the pre-issue engine, on the same course."""
    n, old_course = args.modules, setup.get("old_course")
    old = Scenario(
        "full_old",
        f"9. full build from scratch, pre-issue engine ({oldengine.OLD_COMMIT}), {n} modules",
        "doit (old engine)",
        DOIT,
        old_course or setup["course"],
        "build",
        (lambda r: reset_state(old_course)) if old_course else None,
        lambda run: expect(run, [f"validate:{synth.name_of(i)}" for i in range(1, n + 1)]),
        tree=True,
    )
    old.skipped = None if old_course else f"not run: {setup['old_note']}"
    return [old]


def big_course_scenarios(args, setup: dict) -> list[Scenario]:
    """12a-12c: the no-op, doit's floor and a one-module code edit on the big course."""
    big, big_n, course = setup.get("big"), args.big_modules, setup["course"]
    found = [
        Scenario(
            "noop_big",
            f"12a. no-op doit at {big_n} modules",
            "doit",
            DOIT,
            big or course,
            "noop",
            None,
            lambda run: expect(run, none=True),
            samples=5,
        ),
        Scenario(
            "floor_big",
            f"12b. doit's floor at {big_n} modules",
            "doit (floor dodo)",
            DOIT,
            setup.get("floor_big") or course,
            "noop",
            None,
            lambda run: expect(run, none=True),
            samples=5,
        ),
        Scenario(
            "edit_big",
            f"12c. code edit in one module (m{big_n:02d}) at {big_n} modules -> rebuild",
            "doit",
            DOIT,
            big or course,
            "incremental",
            (lambda r: synth.edit_code(big, big_n, r + 1)) if big else None,
            lambda run: expect(run, [f"validate:m{big_n:02d}", f"export:m{big_n:02d}"]),
        ),
    ]
    for scenario in found:
        scenario.skipped = None if big else setup["big_note"]
    return found


# --- the ratios and verdict rows, in the report's order (bench/run.py interleaves them with the other suites) ---


def versus_nbgrader_and_floor_ratios(results: dict) -> list[Ratio]:
    t = TARGETS
    return [
        Ratio(
            "ours / nbgrader",
            "cold generation / nbgrader generate_assignment fresh",
            ratio(results, "cold", "nbgrader_fresh"),
            f"<= {t['cold_vs_nbgrader']:.2f} (>= 10x faster)",
            ("<=", t["cold_vs_nbgrader"]),
        ),
        Ratio("ours / nbgrader", "cold generation / nbgrader --force", ratio(results, "cold", "nbgrader_force")),
        Ratio(
            "ours / nbgrader",
            "cold generation -n 2 / nbgrader fresh",
            ratio(results, "cold_parallel", "nbgrader_fresh"),
        ),
        Ratio(
            "ours / nbgrader",
            "no-op doit / nbgrader no-op (skips all)",
            ratio(results, "noop", "nbgrader_noop"),
            f"<= {1 / t['nbgrader_noop_vs_ours']:.3f} (>= 9x faster)",
            ("<=", 1 / t["nbgrader_noop_vs_ours"]),
        ),
        Ratio(
            "ours / floor",
            "no-op doit / doit's floor, same task graph",
            ratio(results, "noop", "floor"),
            f"<= {t['noop_vs_floor']:.1f}",
            ("<=", t["noop_vs_floor"]),
        ),
    ]


def parallel_generation_ratios(results: dict) -> list[Ratio]:
    return [Ratio("parallel / serial", "cold generation -n 2 / serial", ratio(results, "cold_parallel", "cold"))]


def old_engine_ratios(results: dict) -> list[Ratio]:
    return [
        Ratio(
            "ours / old engine",
            f"full build from scratch / the same build by the pre-issue engine ({oldengine.OLD_COMMIT})",
            ratio(results, "full", "full_old"),
            f"<= {TARGETS['full_vs_old']:.1f}",
            ("<=", TARGETS["full_vs_old"]),
        )
    ]


def big_course_ratios(results: dict) -> list[Ratio]:
    return [
        Ratio(
            "ours / floor",
            "no-op doit / doit's floor, same task graph, at the big course",
            ratio(results, "noop_big", "floor_big"),
            f"<= {TARGETS['noop_vs_floor']:.1f}",
            ("<=", TARGETS["noop_vs_floor"]),
        ),
        Ratio("growth", "no-op doit: big course / 20-module course", ratio(results, "noop_big", "noop")),
        Ratio("growth", "doit's floor: big course / 20-module course", ratio(results, "floor_big", "floor")),
        Ratio("growth", "one-module code edit: big course / 20-module course", ratio(results, "edit_big", "edit_code")),
    ]


def markdown_verdict(results: dict) -> tuple[str, str]:
    """Whether a markdown-only edit executed no notebook: (verdict, what doit ran or the problems)."""
    item = results.get("edit_markdown")
    if not item or item["skipped"] or not item["runs"]:
        return "not measured", ""
    if item["problems"]:
        return "MISSED", "; ".join(item["problems"])
    return "met", ", ".join(item["last_ran"])


def verdict_rows(results: dict) -> list[str]:
    """The ratio table's rows that are not a ratio: a markdown edit's executions, the full build's memory."""
    md_verdict, _ = markdown_verdict(results)
    lines = [
        f"| executions | markdown-only edit: notebooks executed (`validate:`/`check_student:`/`export:` in doit's output) | "
        f"{'0' if md_verdict == 'met' else 'n/a' if md_verdict == 'not measured' else '>0'} | 0 | {md_verdict} |"
    ]
    full = results.get("full")
    peak = full["maxrss_mb"]["max"] if full and full["maxrss_mb"] and not full["skipped"] else None
    tree = full["tree_peak_mb"]["max"] if full and full["tree_peak_mb"] else None
    lines.append(
        f"| memory | full build, peak RSS of the largest process (MB) | {'n/a' if peak is None else f'{peak:.0f}'} | "
        f"<= {TARGETS['peak_mb']:.0f} | {verdict(peak, ('<=', TARGETS['peak_mb']))} |"
    )
    if tree is not None:
        lines.append(f"| memory | full build, all processes at once (MB, for information) | {tree:.0f} | | |")
    return lines


def ran_lines(results: dict) -> list[str]:
    """The report's "What ran" note on the markdown-only edit, when every run of it executed nothing."""
    if markdown_verdict(results)[0] != "met":
        return []
    return [
        "- Markdown-only edit: verified from doit's output in every run (warm-up included) that no "
        "`validate:`, `check_student:` or `export:` task ran: zero notebook executions."
    ]
