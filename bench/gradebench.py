"""The grading benchmark's course, class and nbgrader twin, set up once (untimed) before the measured rounds.

- a course of M bench modules with a `grading:` section, built (`doit student export`) so its student
  notebooks and reference package exist;
- S students x M modules of submissions (bench/synthclass.py) under its submissions/;
- with nbgrader: `tito nbgrader export` of those modules (source, release, submitted, the reference package,
  nbgrader_config.py), `nbgrader generate_assignment` of each, and a `python3` kernelspec running the project's
  Python (numpy, ipykernel) found first through JUPYTER_PATH;
- after the rounds, each (student, module)'s total from our gradebook and from nbgrader's, to compare.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402
import synthclass  # noqa: E402

GRADING = "{timeout: 3, memory: 512}"  # 3 s a cell: the infinite loops cost each grader the same few seconds
OUR_SCORES = """
import json, sys
sys.path.insert(0, ".")
from tasks.grade import gradebook
db = gradebook.open_gradebook(sys.argv[1])
totals = {}
for row in gradebook.results(db):
    key = row["student"] + "/" + row["module"]
    totals[key] = totals.get(key, 0.0) + row["points"]
print(json.dumps(totals))
"""
FORGET = """
import sys
sys.path.insert(0, ".")
from tasks.grade import gradebook
db = gradebook.open_gradebook(sys.argv[1])
for student in sys.argv[3:]:
    gradebook.forget(db, student, sys.argv[2])
"""
NBGRADER_SCORES = """
import json, sys
from nbgrader.api import Gradebook
totals = {}
with Gradebook(sys.argv[1]) as gb:
    for module in sys.argv[2:]:
        for s in gb.assignment_submissions(module):
            totals[s.student.id + "/" + module] = s.score
print(json.dumps(totals))
"""


def run(argv: list, cwd: Path, env: dict | None = None, timeout: float = 3600) -> str:
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(
            f"`{' '.join(map(str, argv))}` in {cwd} exited {proc.returncode}:\n{proc.stdout[-1500:]}{proc.stderr[-1500:]}"
        )
    return proc.stdout


def prepare_course(root: Path, modules: int, students: int, env: dict) -> tuple[Path, dict[str, str]]:
    course = synth.write_course(root, modules, grading=GRADING)
    run([sys.executable, "-m", "doit", "-n", "2", "student", "export"], course, env)
    found = [
        (
            synth.name_of(i),
            synth.source_path(course, i),
            course / "build" / "student" / synth.folder_of(i).split("/")[1] / f"{synth.name_of(i)}.ipynb",
        )
        for i in range(1, modules + 1)
    ]
    missing = [str(built) for _, _, built in found if not built.exists()]
    if missing:
        raise RuntimeError(f"the grading course's build wrote no student notebook {', '.join(missing[:3])}")
    return course, synthclass.write_class(course / "submissions", found, students)


def kernelspec_env(folder: Path, nbgrader_bin: Path, env: dict) -> dict:
    """The environment nbgrader runs in: a `python3` kernel of the project's Python first on JUPYTER_PATH."""
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "Python 3", "language": "python"}))
    path = os.pathsep.join([str(nbgrader_bin.parent), env.get("PATH", "")])  # nbgrader runs `alembic` from it
    return {**env, "JUPYTER_PATH": str(folder), "PYTHONHASHSEED": "0", "PATH": path}


def prepare_nbgrader(course: Path, target: Path, names: list[str], nbgrader_bin: Path, env: dict) -> dict:
    """`tito nbgrader export` + generate_assignment of each module; returns the environment to run nbgrader in."""
    shutil.rmtree(target, ignore_errors=True)
    run([sys.executable, "-m", "tasks.cli.main", "nbgrader", "export", *names, "--to", str(target)], course, env)
    nb_env = kernelspec_env(target.parent / (target.name + "-jupyter"), nbgrader_bin, env)
    for name in names:
        run([str(nbgrader_bin), "generate_assignment", name, "--force"], target, nb_env)
    return nb_env


def reset_autograde(target: Path) -> None:
    """Before each measured autograde: nothing autograded yet (the gradebook keeps the assignments)."""
    shutil.rmtree(target / "autograded", ignore_errors=True)


def reset_gradebook(course: Path) -> None:
    shutil.rmtree(course / "grades", ignore_errors=True)


def forget(course: Path, module: str, students: list[str]) -> None:
    """Drop these students' results of `module` from the gradebook: the next `tito grade` grades exactly them."""
    run([sys.executable, "-c", FORGET, str(course / "grades" / "gradebook.sqlite"), module, *students], course)


def our_scores(course: Path, env: dict) -> dict[str, float]:
    return json.loads(run([sys.executable, "-c", OUR_SCORES, str(course / "grades" / "gradebook.sqlite")], course, env))


def nbgrader_scores(target: Path, names: list[str], bench_python: Path, env: dict) -> dict[str, float]:
    db = f"sqlite:///{target / 'gradebook.db'}"
    return json.loads(run([str(bench_python), "-c", NBGRADER_SCORES, db, *names], target, env))


def disagreements(ours: dict[str, float], theirs: dict[str, float]) -> list[str]:
    """`student/module: ours X, nbgrader Y` for every submission graded differently (or by one side only)."""
    keys = sorted(set(ours) | set(theirs))
    return [
        f"{k}: tito grade {ours.get(k, 'missing')}, nbgrader {theirs.get(k, 'missing')}"
        for k in keys
        if k not in ours or k not in theirs or abs(ours[k] - theirs[k]) > 1e-6
    ]


def implausible(ours: dict[str, float], kinds: dict[str, str]) -> list[str]:
    """Submissions whose kind fixes the score (all correct, all stubs) but tito grade gave another."""
    wrong = []
    for key, kind in sorted(kinds.items()):
        wanted = synthclass.expected_total(kind)
        if wanted is not None and abs(ours.get(key, -1.0) - wanted) > 1e-6:
            wrong.append(f"{key} ({kind}): tito grade {ours.get(key, 'missing')}, expected {wanted:g}")
    return wrong
