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
