"""`tito module status`: each module's state, from doit's own up-to-date check and the student repo's tree."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from .common import STUDENT_REPO_ENV, module_number, run_doit

STEPS = [
    ("built", "student"),
    ("exported", "export"),
    ("validated", "validate"),
    ("checked", "check_student"),
    ("archived", "archive"),
]


def task_states(root: Path, env: dict) -> dict[str, str]:
    """task name -> 'U' (up to date) or 'R' (would run), as `doit list --all --status` says."""
    result = run_doit(root, ["list", "--all", "--status", "--quiet"], env, capture=True)
    if result.returncode != 0:
        from ..base.errors import CourseError

        raise CourseError.at(
            "course.yaml", None, f"doit list failed: {(result.stderr or result.stdout).strip()[-800:]}"
        )
    states = {}
    for line in result.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in {"U", "R", "I"}:
            states[parts[1]] = parts[0]
    return states


def released_files(repo: Path) -> set[str] | None:
    """Every file committed on the student repo's HEAD, or None when there is no repository (yet)."""
    if not (repo / ".git").exists():
        return None
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C"}
    proc = subprocess.run(
        ["git", "-C", str(repo), "ls-tree", "-r", "--name-only", "HEAD"], capture_output=True, text=True, env=env
    )
    return set(proc.stdout.split()) if proc.returncode == 0 else set()


def word(state: str | None, output_exists: bool) -> str:
    if state == "U":
        return "yes"
    return "stale" if output_exists else "no"


def module_row(module, paths, states, present) -> list[str]:
    outputs = {
        "student": paths.student_notebook(module),
        "export": paths.student_notebook(module),
        "validate": paths.executed_notebook(module),
        "check_student": paths.student_check(module),
        "archive": paths.archive(module),
    }
    row = [module_number(module) or "-", module.name]
    row += [word(states.get(f"{task}:{module.name}"), outputs[task].exists()) for _, task in STEPS]
    exercises = present is not None and any(p.startswith(f"{paths.repo_module_dir(module)}/") for p in present)
    solutions = present is not None and any(p.startswith(f"{paths.repo_solution_dir(module)}/") for p in present)
    row += ["yes" if exercises else "no", "yes" if solutions else "no", f"{module.release}/{module.solutions}"]
    return row


def print_status(root: Path, course, paths, modules, env: dict) -> int:
    states = task_states(root, env)
    repo = Path(env[STUDENT_REPO_ENV]) if STUDENT_REPO_ENV in env else paths.student_repo
    present = released_files(repo)
    header = ["#", "module"] + [name for name, _ in STEPS] + ["released", "solutions", "weeks"]
    rows = [header] + [module_row(m, paths, states, present) for m in modules]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    shown = paths.rel(repo)
    print(
        "\nweeks: exercises/solutions release week. stale: built once, but its inputs changed since (run `tito module release`)."
    )
    print(
        f"student repo {shown}: "
        + (
            "not created yet (the first deploy or release creates it)"
            if present is None
            else f"{len(present)} files on its branch"
        )
    )
    return 0
