"""A module of several notebooks (course.yaml `notebooks:`) with a header notebook: built part by part, released
as ONE folder, named as one module; a header change rebuilds every notebook; errors in a header cell point at it."""

from __future__ import annotations

import json
import subprocess

import pytest

from conftest import run_doit
from multinbcourse import write_multinb_course


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    root = write_multinb_course(tmp_path_factory.mktemp("multinb") / "course")
    result = run_doit(root, "release", "week=1", "confirm=1")
    assert result.returncode == 0, result.output
    return root


def test_one_folder_with_every_notebook_and_the_header(released):
    repo = released / "student-repo"
    files = subprocess.run(["git", "ls-files", "modules"], cwd=repo, capture_output=True, text=True).stdout.split()
    assert sorted(f for f in files if f.startswith("modules/02_ps1/")) == [
        "modules/02_ps1/data.csv",
        "modules/02_ps1/problem1.ipynb",
        "modules/02_ps1/problem1.py",
        "modules/02_ps1/problem2.ipynb",
        "modules/02_ps1/problem2.py",
    ]
    for name in ("problem1", "problem2"):
        nb = json.loads((repo / f"modules/02_ps1/{name}.ipynb").read_text())
        text = "".join("".join(c["source"]) for c in nb["cells"])
        assert text.index("Header of the course") < text.index(f"# {name}")  # the header's cells come first
        assert "secret solution" not in (repo / f"modules/02_ps1/{name}.ipynb").read_text()
    assert not list(repo.rglob("header*"))  # the header reaches students inside the notebooks only
    # a single-notebook module is as it always was
    assert sorted(f for f in files if f.startswith("modules/01_alpha/")) == [
        "modules/01_alpha/alpha.ipynb",
        "modules/01_alpha/alpha.py",
    ]
    assert (released / "build/student/01_alpha/alpha.ipynb").is_file()


def test_the_module_is_one_task_name_and_a_header_change_rebuilds_every_notebook(released):
    assert run_doit(released, "student:ps1").returncode == 0
    header = released / "header.py"
    header.write_text(header.read_text().replace("Write your name below.", "Write your full name below."))
    result = run_doit(released, "student:ps1")
    assert result.returncode == 0, result.output
    assert {"student:ps1.problem1", "student:ps1.problem2"} <= result.ran
    assert "student:alpha" not in result.ran  # alpha has the header too, but was not asked for
    assert "Write your full name" in (released / "build/student/02_ps1/problem2.ipynb").read_text()


def test_an_error_in_a_header_cell_points_at_the_header(tmp_path):
    root = write_multinb_course(tmp_path / "course")
    header = root / "header.py"
    header.write_text(header.read_text() + '\n# %%\nraise ValueError("broken header")\n')
    result = run_doit(root, "validate:ps1.problem1")
    assert result.returncode != 0
    assert "header.py:11: validation of module 'ps1.problem1'" in result.output, result.output[-3000:]
    assert "Traceback" not in result.output


def test_a_module_names_its_notebooks_or_its_source_not_both(tmp_path):
    root = write_multinb_course(tmp_path / "course")
    text = (root / "course.yaml").read_text()
    (root / "course.yaml").write_text(
        text.replace(
            "    notebooks: [problem1.py, problem2.py]\n",
            "    notebooks: [problem1.py, problem3.py]\n    source: problem1.py\n",
        )
    )
    result = run_doit(root, "list")
    assert result.returncode != 0
    assert "not both" in result.output and "problem3.py' does not exist" in result.output, result.output


def student_tito(clone, *args: str) -> subprocess.CompletedProcess:
    import os
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PYTHONPATH"))}
    env["PYTHONPATH"] = str(clone)
    return subprocess.run([sys.executable, "-m", "tito", *args], cwd=clone, capture_output=True, text=True, env=env)


def answer(notebook, name: str, points: int | None) -> None:
    """The student's answer in the notebook's stub: right (`points`), or none (the stub stays)."""
    data = json.loads(notebook.read_text())
    for cell in data["cells"]:
        text = "".join(cell["source"])
        if points is not None and "raise NotImplementedError" in text:
            cell["source"] = f"def {name}_value():\n    return {points}"
    notebook.write_text(json.dumps(data))


def test_module_complete_tests_every_notebook_and_records_the_module(released, tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(released / "student-repo"), str(clone)], check=True)
    first = student_tito(clone, "module", "complete", "ps1")
    assert first.returncode == 1 and "Traceback" not in first.stderr, first.stdout + first.stderr
    assert "problem1.ipynb" in first.stdout and "problem2.ipynb" in first.stdout
    answer(clone / "modules/02_ps1/problem1.ipynb", "problem1", 1)
    answer(clone / "modules/02_ps1/problem2.ipynb", "problem2", 2)
    done = student_tito(clone, "module", "complete", "ps1")
    assert done.returncode == 0, done.stdout + done.stderr
    progress = json.loads((clone / ".tito/progress.json").read_text())["modules"]["02_ps1"]
    assert progress["complete"] and [e["notebook"] for e in progress["notebooks"]] == [
        "modules/02_ps1/problem1.ipynb",
        "modules/02_ps1/problem2.ipynb",
    ]
    assert progress["tests"] == {"passed": 2, "total": 2}


def test_nbgrader_layout_submissions_graded_per_notebook_and_per_module(released, tmp_path):
    import sys

    submitted = tmp_path / "submitted"
    for student, (one, two) in {"ann": (1, 2), "ben": (1, None)}.items():
        folder = submitted / student / "ps1"
        folder.mkdir(parents=True)
        for name, points in (("problem1", one), ("problem2", two)):
            path = folder / f"{name}.ipynb"
            path.write_bytes((released / f"student-repo/modules/02_ps1/{name}.ipynb").read_bytes())
            answer(path, name, points)
        (folder / "timestamp.txt").write_text("2026-12-01 10:00:00.000000 UTC\n")

    def tito(*args):
        proc = subprocess.run(
            [sys.executable, "-m", "tasks.cli.main", *args], cwd=released, capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout + proc.stderr

    collected = tito("collect", "ps1", "--from", str(submitted))
    assert "ps1.problem1: 2 collected" in collected and "ps1.problem2: 2 collected" in collected, collected
    assert (released / "submissions/ann/ps1/problem2.ipynb").is_file()
    tito("grade", "ps1", "--workers", "1", "--feedback")
    tito("grades")
    wide = (released / "build/grades/grades.csv").read_text().splitlines()
    assert wide[0] == "student,ps1.problem1,ps1.problem2,ps1,total"
    assert wide[1:] == ["(max),1,2,3,3", "ann,1,2,3,3", "ben,1,0,1,1"]
    assert (released / "build/feedback/ann/02_ps1/problem2.html").is_file()


def test_one_rule_for_the_notebook_of_a_folder(released):
    from tasks.course.config import load_course
    from tasks.course.notebookfile import pick_notebook

    course = load_course(released)
    one, two = course.module("ps1").parts
    names = ["data.csv", "problem1.ipynb", "problem2.ipynb", "timestamp.txt"]
    assert (pick_notebook(names, one), pick_notebook(names, two)) == ("problem1.ipynb", "problem2.ipynb")
    assert pick_notebook(["problem1.ipynb"], two) is None  # a part never takes another notebook of its folder
    alpha = course.module("alpha")
    assert pick_notebook(["mine.ipynb", "timestamp.txt"], alpha) == "mine.ipynb"  # a lone notebook, as before
    assert pick_notebook(["alpha.ipynb", "mine.ipynb"], alpha) == "alpha.ipynb"
    assert course.find("ps1.problem2") == two and course.find("02") == course.module("ps1")


def test_a_module_header_replaces_the_course_one_from_its_own_folder(tmp_path):
    from tasks.base.errors import CourseError
    from tasks.course.config import load_course

    root = write_multinb_course(tmp_path / "course")
    text = (root / "course.yaml").read_text()
    (root / "course.yaml").write_text(
        text.replace("    source: alpha.py\n", "    source: alpha.py\n    header: null\n")
    )
    course = load_course(root)
    assert course.module("alpha").header is None  # null: none, not even the course's
    assert [p.header for p in course.module("ps1").parts] == ["header.py", "header.py"]
    (root / "course.yaml").write_text(
        text.replace("    source: alpha.py\n", "    source: alpha.py\n    header: h.py\n")
    )
    with pytest.raises(
        CourseError, match=r"course.yaml:\d+: modules\[0\].header: 'modules/01_alpha/h.py' does not exist"
    ):
        load_course(root)
    (root / "modules/01_alpha/h.py").write_text("# %%\nX = 1\n")
    assert load_course(root).module("alpha").header == "modules/01_alpha/h.py"  # relative to the module's folder


def test_what_changed_between_versions_reads_every_notebook_and_the_header(tmp_path):
    from tasks.cli.version import _compiled
    from tasks.course.context import load
    from tasks.version.compiled import module_changes

    root = write_multinb_course(tmp_path / "course")
    course, _ = load(root)
    before = _compiled(course)
    labels = [label for label, _ in before["ps1"].tests]
    assert {label.split("/")[0] for label in labels} == {"problem1", "problem2"}, labels  # every notebook, named
    second = root / "modules/02_ps1/problem2.py"
    second.write_text(second.read_text() + "\n# %% [markdown]\n# A new paragraph in the second notebook.\n")
    header = root / "header.py"
    header.write_text(header.read_text().replace("Write your name below.", "Write your full name below."))
    course, _ = load(root)
    after = _compiled(course)
    changes = module_changes(before["ps1"], after["ps1"])
    assert changes, "an edit of the second notebook is a change of the module"
    assert any("Write your full name" in text for text in after["alpha"].other)  # the header, framed as built
