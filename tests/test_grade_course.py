"""The course's own notebooks through `tito grade`: a notebook grades as it validates.

Its solution notebooks, submitted as they are, score every point of every module; its untouched student
notebooks score none (the course declares no free points: check_student refuses any). Grading runs the cells
in IPython's shell in the sandbox, as validation runs them in a kernel.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import nbformat

from conftest import REPO, copy_course


def test_the_courses_solutions_score_every_point_and_its_student_notebooks_none(tmp_path):
    from tasks.course.config import load_course
    from tasks.course.paths import Paths
    from tasks.notebook.source import read_source
    from tasks.variants.pipeline import build_variant

    root = copy_course(tmp_path / "course")
    course = load_course(root)
    paths = Paths(course)
    for module in course.modules:
        source = read_source(paths.source(module), paths.rel(paths.source(module)))
        for student, variant in (("solution", "solution"), ("untouched", "student")):
            target = paths.submission_file(student, module)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(nbformat.writes(build_variant(source.nb, variant, module.slug)))
    env = dict(os.environ, PYTHONPATH=str(REPO))
    result = subprocess.run(
        [sys.executable, "-m", "tasks.cli.grade", "-C", str(root), "--all", "--workers", "2"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    with sqlite3.connect(root / "grades/gradebook.sqlite") as db:
        rows = db.execute("SELECT student, module, score, max_score, notes FROM submissions").fetchall()
        failing = db.execute(
            "SELECT module, grade_id, outcome, message FROM results "
            "WHERE student = 'solution' AND outcome != 'hand' AND points < max_points"
        ).fetchall()
        automatic = dict(
            db.execute(
                "SELECT module, SUM(max_points) FROM results WHERE student = 'solution' AND outcome != 'hand' GROUP BY module"
            ).fetchall()
        )
    scores = {(student, module): score for student, module, score, _, _ in rows}
    assert len(scores) == 2 * len(course.modules)
    assert failing == [], failing  # every automatically graded cell of every module: all its points
    for module in course.modules:
        assert automatic[module.name] > 0 and scores[("solution", module.name)] == automatic[module.name]
        assert scores[("untouched", module.name)] == 0, module.name
