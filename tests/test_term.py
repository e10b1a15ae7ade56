"""A whole term, end to end: weekly `doit release week=N` to a bare remote, a student who edits, commits and pulls."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import run_doit, write_mini_course
from tasks.course.config import load_course
from tasks.versions.leakguard import secret_lines
from tasks.course.paths import Paths
from tasks.notebook.source import read_source
from test_release import git

NAMES = ("alpha", "beta", "gamma")  # exercises weeks 1-3, solutions weeks 2-4


def student_edit(notebook: Path, week: int) -> str:
    """What a student does: write code into the first stubbed cell, and keep a note of it."""
    nb = json.loads(notebook.read_text())
    mark = f"# student work, week {week}, {notebook.name}"
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and "NotImplementedError" in source:
            cell["source"] = source.replace("raise NotImplementedError(", f"{mark}\n    return 2 * x\n    raise NotImplementedError(", 1)
            break
    notebook.write_text(json.dumps(nb, indent=1) + "\n")
    return mark


def secrets_by_module(course_root: Path, kinds) -> dict[str, set[str]]:
    course = load_course(course_root)
    paths = Paths(course)
    return {m.slug: set(secret_lines(read_source(paths.source(m), m.source).nb, frozenset(kinds))) for m in course.modules}


def test_a_whole_term(tmp_path):
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    course = write_mini_course(tmp_path / "course", names=NAMES, extra_yaml=f"student_repo:\n  remote: {remote}\n")
    student = tmp_path / "student"
    edits: dict[str, str] = {}
    weeks = range(1, 6)
    for week in weeks:
        result = run_doit(course, "release", f"week={week}")
        assert result.returncode == 0, result.output
        if week == 1:
            subprocess.run(["git", "clone", "-q", str(remote), str(student)], check=True)
        else:
            pull = subprocess.run(["git", "-C", str(student), "-c", "pull.rebase=false", "pull", "--no-edit", "-q"],
                                  capture_output=True, text=True,
                                  env={"PATH": "/usr/bin:/bin", "GIT_CONFIG_GLOBAL": "/dev/null", "HOME": str(tmp_path),
                                       "GIT_AUTHOR_NAME": "S", "GIT_AUTHOR_EMAIL": "s@x.invalid",
                                       "GIT_COMMITTER_NAME": "S", "GIT_COMMITTER_EMAIL": "s@x.invalid"})
            assert pull.returncode == 0, pull.stderr + pull.stdout
            assert "CONFLICT" not in pull.stdout
        for path, mark in edits.items():  # every earlier edit survived the pull
            assert mark in (student / path).read_text(), path
        for notebook in sorted(student.glob("modules/*/*.ipynb")):
            key = str(notebook.relative_to(student))
            if key not in edits:
                edits[key] = student_edit(notebook, week)
        git(student, "add", "-A")
        git(student, "commit", "-q", "--allow-empty", "-m", f"my work, week {week}")

    tags = git(remote, "tag").split()
    assert sorted(tags) == [f"week{w}" for w in weeks]
    assert len(edits) == len(NAMES)
    assert_history_is_clean(course, remote)


def assert_history_is_clean(course: Path, remote: Path) -> None:
    """No commit ever held a module's solution file or any solution line before its solutions week, and no
    commit ever held a hidden test, an instructor cell, or an executed notebook."""
    config = load_course(course)
    solutions = secrets_by_module(course, {"solution"})
    never = secrets_by_module(course, {"hidden", "hide"})
    assert all(never.values()) and all(solutions.values())
    week_of = {}
    for tag in git(remote, "tag").split():
        commit = git(remote, "rev-parse", f"{tag}^{{commit}}")
        week_of[commit] = min(week_of.get(commit, 99), int(tag.removeprefix("week")))
    commits = git(remote, "rev-list", "main").split()
    assert set(commits) == set(week_of), "every release commit is tagged"
    for commit in commits:
        week = week_of[commit]
        files = git(remote, "ls-tree", "-r", "--name-only", commit).split("\n")
        for path in files:
            text = git(remote, "show", f"{commit}:{path}")
            leaked = [line for lines in never.values() for line in lines if line in text]
            assert not leaked, (f"week {week}", path, leaked)
            if path.endswith(".ipynb"):
                assert all(not c.get("outputs") for c in json.loads(text)["cells"]), f"outputs in {path}"
            assert not path.startswith(("build/", "executed")), path
        for module in config.modules:
            if module.solutions <= week:
                continue
            assert not any(f.startswith(f"solutions/{module.slug}/") for f in files), (commit, module.name)
            for path in files:
                text = git(remote, "show", f"{commit}:{path}")
                leaked = [line for line in solutions[module.slug] if line in text]
                assert not leaked, (f"week {week}", path, leaked)
