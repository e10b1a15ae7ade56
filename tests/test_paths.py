"""tasks/paths.py: every path of the build, computed from course.yaml."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from tasks.base.errors import CourseError
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


@pytest.mark.parametrize(
    "outputs, suffixes", [("notebook", [".ipynb"]), ("python", [".py"]), ("python, notebook", [".ipynb", ".py"])]
)
def test_variant_files_follow_the_outputs(tmp_path, outputs, suffixes):
    paths = make(tmp_path, outputs=outputs)
    module = paths.course.module("tensor")
    assert [p.suffix for p in paths.variant_files(module, "student")] == suffixes
    assert all(p.parent == paths.build / "solution/01_tensor" for p in paths.variant_files(module, "solution"))


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


def make_with_data(tmp_path: Path, data: str) -> Paths:
    paths = make(tmp_path)
    (paths.root / "course.yaml").write_text((paths.root / "course.yaml").read_text() + f"    data: {data}\n")
    return Paths(load_course(paths.root))


def relative_data(paths: Paths) -> list[str]:
    folder = paths.root / "modules/01_tensor"
    return [p.relative_to(folder).as_posix() for p in paths.data_files(paths.course.module("tensor"))]


def write_files(folder: Path, names) -> None:
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("x")


def test_without_a_data_list_nothing_but_the_built_versions_ships(tmp_path):
    paths = make(tmp_path)
    write_files(paths.root / "modules/01_tensor", ["data/weights.csv", "README.md", "answers.txt"])
    assert relative_data(paths) == []


def test_data_globs_choose_the_files_and_leftovers_never_ship(tmp_path):
    """Issue 11 leak 1: editor backups, swap files, VCS and OS leftovers, caches and the source itself never ship."""
    paths = make_with_data(tmp_path, "['data', '*.md', '**/*.csv', 'helper.py', '*']")
    folder = paths.root / "modules/01_tensor"
    write_files(
        folder,
        [
            "data/weights.csv",
            "data/deep/more.csv",
            "README.md",
            "helper.py",
            "notes.ipynb",
            "__pycache__/x.pyc",
            ".ipynb_checkpoints/tensor-checkpoint.ipynb",
            ".secret/answers.txt",
            ".hidden.txt",
            "data/.DS_Store",
            "tensor.py~",
            "tensor.py.bak",
            "tensor.py.orig",
            "#tensor.py#",
            ".#tensor.py",
            ".tensor.py.swp",
            "tensor.py.swp",
            "data/weights.csv~",
            ".git/config",
            "build.tmp",
        ],
    )
    assert relative_data(paths) == ["README.md", "data/deep/more.csv", "data/weights.csv", "helper.py", "notes.ipynb"]


def test_glob_semantics_star_stays_in_its_folder(tmp_path):
    paths = make_with_data(tmp_path, "['*.csv', 'd?ta/[ab].txt', './top.txt']")
    write_files(paths.root / "modules/01_tensor", ["x.csv", "sub/y.csv", "data/a.txt", "data/c.txt", "top.txt"])
    assert relative_data(paths) == ["data/a.txt", "top.txt", "x.csv"]


def test_symlinks_out_of_the_repository_or_to_the_source_are_refused(tmp_path):
    import os

    paths = make_with_data(tmp_path, "['*']")
    folder = paths.root / "modules/01_tensor"
    (tmp_path / "outside.txt").write_text("secret")
    (paths.root / "common.txt").write_text("shared text")
    os.symlink(tmp_path / "outside.txt", folder / "outside.txt")
    os.symlink(folder / "tensor.py", folder / "copy.py")
    os.symlink(paths.root / "common.txt", folder / "common.txt")
    os.symlink(tmp_path, folder / "dirlink")
    module = paths.course.module("tensor")
    assert relative_data(paths) == ["common.txt"]  # a link to another file of the repository ships
    problems = {p.name: why for p, why in paths.data_problems(module)}
    assert problems.keys() == {"outside.txt", "copy.py", "dirlink"}
    assert "symlink to a file outside the repository" in problems["outside.txt"]
    assert "symlink to the module's source" in problems["copy.py"]
    assert "outside the repository" in problems["dirlink"]


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
    (root / "modules/05_alias").symlink_to(root / "modules/01_alpha")  # a listed folder under another name
    (root / "modules/06_link").symlink_to(root / "modules/09_spatial")
    course, paths = load(str(root))
    assert [paths.rel(p) for p in paths.unlisted_module_folders()] == ["modules/06_link", "modules/09_spatial"]


def test_paths_are_immutable(tmp_path):
    paths = make(tmp_path)
    with pytest.raises(AttributeError, match="immutable"):
        paths.student_repo = tmp_path / "elsewhere"


def test_a_target_repo_for_one_run_replaces_the_student_repo(tmp_path):
    course = make(tmp_path).course
    elsewhere = tmp_path / "other-students"
    assert Paths(course, str(elsewhere)).student_repo == elsewhere.resolve()


@pytest.mark.parametrize(
    "target, problem",
    [
        (".", "is the course repository itself"),
        ("..", "contains the course repository"),
        ("modules/01_tensor", "is inside the module 'tensor' folder"),
        ("build/students", "is inside the output folder 'build/'"),
        ("modules", "contains the module 'tensor' folder"),
    ],
)
def test_a_target_repo_must_be_a_folder_of_its_own(tmp_path, target, problem):
    """--target-repo gets course.yaml's student_repo.path rules: never the course, its modules or outputs."""
    course = make(tmp_path).course
    with pytest.raises(CourseError, match=problem) as caught:
        Paths(course, target)
    assert str(caught.value).startswith("--target-repo")
