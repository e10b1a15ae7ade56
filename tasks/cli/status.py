"""`tito module status` and `tito module list`: each module's state, from doit's own up-to-date check and the
student repo's tree."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from .common import STUDENT_REPO_ENV, run_doit

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


def _released_files(repo: Path) -> set[str] | None:
    """Every file committed on the student repo's HEAD, or None when there is no repository (yet)."""
    if not (repo / ".git").exists():
        return None
    from ..base.gitenv import git_env

    env = {**os.environ, **git_env()}
    proc = subprocess.run(
        ["git", "-C", str(repo), "ls-tree", "-r", "--name-only", "HEAD"], capture_output=True, text=True, env=env
    )
    return set(proc.stdout.split()) if proc.returncode == 0 else set()


def word(state: str | None, output_exists: bool) -> str:
    if state == "U":
        return "yes"
    return "stale" if output_exists else "no"


def _module_row(module, paths, states, present) -> list[str]:
    def outputs(part):
        return {
            "student": paths.student_notebook(part),
            "export": paths.student_notebook(part),
            "validate": paths.executed_notebook(part),
            "check_student": paths.student_check(part),
            "archive": paths.archive(module),
        }

    def step(task: str) -> str:  # a module of several notebooks: done when each of its notebooks is
        if task == "archive" or not module.notebooks:
            return word(states.get(f"{task}:{module.name}"), outputs(module)[task].exists())
        words = {word(states.get(f"{task}:{part.name}"), outputs(part)[task].exists()) for part in module.parts}
        return words.pop() if len(words) == 1 else "stale" if "no" not in words else "no"

    row = [module.number or "-", module.name]
    row += [step(task) for _, task in STEPS]
    return row + released(module, paths, present) + [f"{module.release}/{module.solutions}"]


def released(module, paths, present: set[str] | None) -> list[str]:
    """['yes'|'no', 'yes'|'no']: whether the student repo holds the module's exercises, and its solutions."""
    return [
        "yes" if present is not None and any(p.startswith(f"{folder}/") for p in present) else "no"
        for folder in (paths.repo_module_dir(module), paths.repo_solution_dir(module))
    ]


def _print_table(rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())


def print_list(course, paths, modules) -> int:
    """`tito module list`: each module's number, name, folder, weeks, what students have, dependencies."""
    present = _released_files(paths.student_repo)
    header = ["#", "module", "folder", "exercises", "solutions", "released", "solutions out", "depends on"]
    rows = [header] + [
        [m.number or "-", m.name, m.folder, f"week {m.release}", f"week {m.solutions}"]
        + released(m, paths, present)
        + [", ".join(m.depends_on) or "-"]
        for m in modules
    ]
    _print_table(rows)
    print(f"\nstudent repo {paths.rel(paths.student_repo)}: " + _repo_words(present))
    return 0


def _repo_words(present: set[str] | None) -> str:
    if present is None:
        return "not created yet (the first deploy or release creates it)"
    return f"{len(present)} files on its branch"


def print_status(root: Path, course, paths, modules, env: dict) -> int:
    states = task_states(root, env)
    repo = Path(env[STUDENT_REPO_ENV]) if STUDENT_REPO_ENV in env else paths.student_repo
    present = _released_files(repo)
    header = ["#", "module"] + [name for name, _ in STEPS] + ["released", "solutions", "weeks"]
    _print_table([header] + [_module_row(m, paths, states, present) for m in modules])
    shown = paths.rel(repo)
    print(
        "\nweeks: exercises/solutions release week. stale: built once, but its inputs changed since (run `tito module release`)."
    )
    print(f"student repo {shown}: {_repo_words(present)}")
    return 0
