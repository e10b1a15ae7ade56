"""Shared fixtures: a temp copy of the course (real files), doit run as a real subprocess, a mini course."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests: random and remembering locally (the example database lives in .hypothesis/, ignored by git);
# in CI (CI=true) derandomized and without a database, so a failure found once is found again on every run.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile(
    "ci" if os.environ.get("CI", "").lower() in {"1", "true", "yes"} else os.environ.get("HYPOTHESIS_PROFILE", "dev")
)

REPO = Path(__file__).resolve().parent.parent
COPIED = ["course.yaml", "dodo.py", "tasks", "modules", "tinytorch/__init__.py"]
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")


def copy_course(target: Path, source: Path = REPO) -> Path:
    """A copy of the course's own files (no build/, no state) at `target`."""
    for name in COPIED:
        src, dst = source / name, target / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=IGNORED)
        else:
            shutil.copy2(src, dst)
    return target


@dataclass
class DoitRun:
    returncode: int
    stdout: str
    stderr: str

    @property
    def ran(self) -> set[str]:
        """Tasks doit executed (its reporter prints '.  name' for each), from doit's own output."""
        return {line[3:].strip() for line in self.stdout.splitlines() if line.startswith(".  ")}

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_doit(root: Path, *args: str, timeout: int = 600) -> DoitRun:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "DOIT_"))}
    proc = subprocess.run(
        [sys.executable, "-m", "doit", *args], cwd=root, capture_output=True, text=True, timeout=timeout, env=env
    )
    return DoitRun(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(scope="session")
def built_real_course(tmp_path_factory) -> Path:
    """This repository's course, copied and fully built once per session (`doit -n 2`)."""
    root = copy_course(tmp_path_factory.mktemp("real") / "course")
    result = run_doit(root, "-n", "2")
    assert result.returncode == 0, result.output[-4000:]
    return root


@pytest.fixture
def course_copy(tmp_path) -> Path:
    """A fresh copy of this repository's course in a temp dir."""
    return copy_course(tmp_path / "course")


MINI_SOURCE = '''\
# %% [markdown]
"""
# Mini
A one-function module for fast tests.
"""

# %% nbgrader={"grade": false, "grade_id": "mini-imports", "locked": false, "schema_version": 3, "solution": false}
#| default_exp core.{name}
#| export
import numpy as np

# %% nbgrader={"grade": false, "grade_id": "mini-double", "locked": false, "schema_version": 3, "solution": true}
#| export
def double(x):
    """Return 2 * x.

    TODO: multiply x by two.
    HINT: numpy arrays multiply element-wise.
    """
    ### BEGIN SOLUTION
    {name}_doubled = np.asarray(x) * 2
    return {name}_doubled
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-double", "locked": true, "points": 1, "schema_version": 3, "solution": false}
def test_unit_double():
    assert double(2) == 4
    ### BEGIN HIDDEN TESTS
    assert (double(np.arange(3)) == np.array([0, 2, 4])).all(), "{name} hidden"
    ### END HIDDEN TESTS

if __name__ == "__main__":
    test_unit_double()

# %% nbgrader={"grade": false, "grade_id": "instructor-check", "locked": false, "schema_version": 3, "solution": false}
#| hide
{name}_instructor_reference = "for the staff of {name} only"
'''


def write_mini_course(root: Path, names=("alpha", "beta"), extra_yaml: str = "") -> Path:
    """A small real course: modules that each define `double`, the second depending on the first."""
    (root / "tinytorch").mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "tinytorch/__init__.py", root / "tinytorch/__init__.py")
    shutil.copy2(REPO / "dodo.py", root / "dodo.py")
    shutil.copytree(REPO / "tasks", root / "tasks", ignore=IGNORED)
    entries = []
    for index, name in enumerate(names, 1):
        folder = root / "modules" / f"{index:02d}_{name}"
        folder.mkdir(parents=True)
        text = MINI_SOURCE.replace("{name}", name)
        deps = []
        if index > 1:
            previous = names[index - 2]
            text = text.replace(
                "import numpy as np",
                f"import numpy as np\nfrom tinytorch.core.{previous} import double as previous_double",
            )
            deps = [previous]
        (folder / f"{name}.py").write_text(text)
        entries.append(
            textwrap.dedent(f"""\
          - name: {name}
            folder: modules/{index:02d}_{name}
            source: {name}.py
            release: {index}
            solutions: {index + 1}
            depends_on: [{", ".join(deps)}]
        """)
        )
    (root / "course.yaml").write_text(
        "course: Mini\noutputs: [notebook, python]\n"
        + extra_yaml
        + "modules:\n"
        + "".join("  " + e.replace("\n", "\n  ").rstrip() + "\n" for e in entries)
    )
    return root


@pytest.fixture
def mini_course(tmp_path) -> Path:
    return write_mini_course(tmp_path / "mini")


@pytest.fixture(scope="session")
def released_repo(tmp_path_factory) -> Path:
    """A mini course (alpha, beta) built and released up to week 2: alpha's exercises and solutions, beta's
    exercises. The student repository to clone, shared by the student-side tests."""
    root = write_mini_course(tmp_path_factory.mktemp("student") / "course", names=("alpha", "beta"))
    result = run_doit(root, "release", "week=2", "confirm=1")
    assert result.returncode == 0, result.output
    return root / "student-repo"


@pytest.fixture(scope="module")
def nbgrader_bin():
    """The bin folder of nbgrader 0.9.6 in the bench's own venv (build/bench/venv, made once), for the tests that
    compare with it; skipped where it cannot be installed."""
    sys.path.insert(0, str(REPO / "bench"))
    import benchenv

    python, message = benchenv.ensure(REPO / "build" / "bench" / "venv", log=lambda text: None)
    if not benchenv.has_module(python, "nbgrader"):
        pytest.skip(f"nbgrader cannot be installed here: {message}")
    return python.parent
