"""tasks/paths.py: every path of the build, computed from course.yaml."""
from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from tasks.course.config import load_course
from tasks.course.paths import Paths

COURSE = """\
course: Demo
outputs: [{outputs}]
archive: {archive}
student_repo:
  path: out/students
modules:
  - name: tensor
    folder: modules/01_tensor
    source: tensor.py
    release: 1
    solutions: 2
"""


def make(tmp_path: Path, outputs="notebook, python", archive="zip") -> Paths:
    root = tmp_path / "course"
    folder = root / "modules/01_tensor"
    folder.mkdir(parents=True)
    (folder / "tensor.py").write_text("x = 1\n")
    (root / "course.yaml").write_text(COURSE.format(outputs=outputs, archive=archive))
    return Paths(load_course(root))


def test_fixed_locations(tmp_path):
    paths = make(tmp_path)
    root = (tmp_path / "course").resolve()
    assert paths.root == root
    assert paths.build == root / "build"
    assert paths.package == root / "tinytorch"
    assert paths.state_file == root / ".doit.db"
    assert paths.student_repo == root / "out/students"


def test_module_paths(tmp_path):
    paths = make(tmp_path)
    module = paths.course.module("tensor")
    build = paths.build
    assert paths.source(module) == paths.root / "modules/01_tensor/tensor.py"
    assert paths.student_notebook(module) == build / "student/01_tensor/tensor.ipynb"
    assert paths.student_python(module) == build / "student/01_tensor/tensor.py"
    assert paths.solution_notebook(module) == build / "solution/01_tensor/tensor.ipynb"
    assert paths.solution_python(module) == build / "solution/01_tensor/tensor.py"
    assert paths.code_digest(module, "student") == build / "digests/01_tensor/student.code.sha256"
    assert paths.executed_notebook(module) == build / "executed/01_tensor/tensor.ipynb"
    assert paths.student_check(module) == build / "checks/01_tensor/student-check.json"
    assert paths.archive(module) == build / "archives/01_tensor-student.zip"
    assert paths.repo_module_dir(module) == PurePosixPath("modules/01_tensor")
    assert paths.repo_solution_dir(module) == PurePosixPath("solutions/01_tensor")


@pytest.mark.parametrize("outputs, suffixes", [("notebook", [".ipynb"]), ("python", [".py"]), ("python, notebook", [".ipynb", ".py"])])
def test_version_files_follow_the_outputs(tmp_path, outputs, suffixes):
    paths = make(tmp_path, outputs=outputs)
    module = paths.course.module("tensor")
    assert [p.suffix for p in paths.version_files(module, "student")] == suffixes
    assert all(p.parent == paths.build / "solution/01_tensor" for p in paths.version_files(module, "solution"))


def test_tar_gz_archive_name(tmp_path):
    paths = make(tmp_path, archive="tar.gz")
    assert paths.archive(paths.course.module("tensor")).name == "01_tensor-student.tar.gz"


def test_export_file_of_a_dotted_target(tmp_path):
    paths = make(tmp_path)
    assert paths.export_file("core.tensor") == paths.root / "tinytorch/core/tensor.py"
    assert paths.export_file("utils") == paths.root / "tinytorch/utils.py"


def test_rel_inside_and_outside_the_repo(tmp_path):
    paths = make(tmp_path)
    assert paths.rel(paths.root / "modules/01_tensor/tensor.py") == "modules/01_tensor/tensor.py"
    assert paths.rel(Path("/elsewhere/x.py")) == "/elsewhere/x.py"


def test_data_files_skip_code_caches_and_hidden_files(tmp_path):
    paths = make(tmp_path)
    folder = paths.root / "modules/01_tensor"
    for name in ("data/weights.csv", "README.md", "helper.py", "notes.ipynb", "__pycache__/x.pyc",
                 ".ipynb_checkpoints/tensor-checkpoint.ipynb", ".secret/answers.txt", ".hidden.txt", "data/.DS_Store"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("x")
    assert [p.relative_to(folder).as_posix() for p in paths.data_files(paths.course.module("tensor"))] == [
        "README.md", "data/weights.csv",
    ]


def test_grading_paths(tmp_path):
    paths = make(tmp_path)
    module = paths.course.module("tensor")
    root = paths.root
    assert paths.submission_file("ada", module) == root / "submissions/ada/tensor/tensor.ipynb"
    assert paths.gradebook == root / "grades/gradebook.sqlite"
    assert paths.grades_dir == root / "build/grades"
    assert paths.feedback_file("ada", module) == root / "build/feedback/ada/01_tensor.html"
    assert paths.roster() is None


def test_module_folders_not_in_course_yaml_are_found(tmp_path):
    from conftest import write_mini_course
    from tasks.course.context import load

    root = write_mini_course(tmp_path / "mini")
    (root / "modules/09_spatial").mkdir()
    (root / "modules/__pycache__").mkdir()
    course, paths = load(str(root))
    assert [paths.rel(p) for p in paths.unlisted_module_folders()] == ["modules/09_spatial"]
