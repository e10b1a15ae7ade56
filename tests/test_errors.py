"""tasks/errors.py: Finding formats `file:line: message` (or a notebook cell), CourseError carries findings."""

from __future__ import annotations

import pytest

from tasks.base.errors import CourseError, Finding


def test_finding_names_file_and_line():
    assert str(Finding("modules/01_tensor/tensor.py", 12, "bad marker")) == "modules/01_tensor/tensor.py:12: bad marker"


def test_finding_without_line_names_only_the_file():
    assert str(Finding("course.yaml", None, "not found")) == "course.yaml: not found"


def test_finding_in_a_notebook_names_cell_and_line():
    finding = Finding("m.ipynb", 3, "bad marker", cell=7)
    assert finding.where == "m.ipynb (cell 7, line 3)"
    assert str(finding) == "m.ipynb (cell 7, line 3): bad marker"


def test_notebook_finding_about_a_whole_cell_names_only_the_cell():
    assert Finding("m.ipynb", None, "x", cell=2).where == "m.ipynb (cell 2)"


def test_warning_is_labelled_and_error_is_not():
    assert str(Finding("m.py", 4, "unmarked", severity="warning")) == "m.py:4: warning: unmarked"
    assert "error" not in str(Finding("m.py", 4, "unmarked"))


def test_finding_is_frozen_and_comparable():
    assert Finding("a", 1, "m") == Finding("a", 1, "m")
    with pytest.raises(Exception):
        Finding("a", 1, "m").line = 2  # type: ignore[misc]


def test_course_error_from_one_finding():
    error = CourseError(Finding("a.py", 3, "broken"))
    assert error.findings == [Finding("a.py", 3, "broken")]
    assert str(error) == "a.py:3: broken"


def test_course_error_lists_every_finding_one_per_line():
    error = CourseError([Finding("a.py", 3, "one"), Finding("b.py", 9, "two")])
    assert str(error).splitlines() == ["a.py:3: one", "b.py:9: two"]


def test_course_error_at_builds_a_finding():
    error = CourseError.at("course.yaml", 5, "bad key")
    assert error.findings == [Finding("course.yaml", 5, "bad key")]
    assert str(error) == "course.yaml:5: bad key"


def test_course_error_at_accepts_paths_and_cells(tmp_path):
    error = CourseError.at(tmp_path / "m.ipynb", 2, "bad", cell=4)
    assert str(error) == f"{tmp_path / 'm.ipynb'} (cell 4, line 2): bad"


def test_course_error_is_an_exception():
    with pytest.raises(CourseError, match=r"^x\.py:1: boom$"):
        raise CourseError.at("x.py", 1, "boom")


# --- every adapter's errors are CourseErrors: no traceback reaches a user ------------------------------------------


def test_an_unknown_module_name_is_a_course_error_with_a_suggestion(tmp_path):
    from conftest import write_mini_course
    from tasks.course.context import load

    course, _ = load(str(write_mini_course(tmp_path / "mini").resolve()))
    with pytest.raises(CourseError, match="course.yaml: no module 'alpah'; did you mean 'alpha'"):
        course.module("alpah")


def test_an_archive_name_problem_is_a_course_error_naming_the_file():
    from tasks.package.archive import archive_bytes

    with pytest.raises(CourseError, match=r"^\.\./secret.txt: archive entry name"):
        archive_bytes({"../secret.txt": b"x"}, "zip")


def test_a_failing_git_command_reaches_the_user_as_a_task_failure_with_git_s_reason(tmp_path):
    from tasks.graph.doitutil import reports_user_errors
    from tasks.course.config import Author
    from tasks.release.student_repo import StudentRepo

    import subprocess

    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path / "repo")], check=True)
    repo = StudentRepo(tmp_path / "repo", "main", Author("T", "t@example.org"), "repo")

    @reports_user_errors
    def action():
        repo.git("rev-parse", "--verify", "no-such-branch")

    failed = action()
    assert (
        failed is not None
        and "git rev-parse --verify no-such-branch: " in str(failed)
        and "Needed a single revision" in str(failed)
    )


def test_a_missing_kernel_stops_validate_with_the_course_yaml_key_and_no_traceback(tmp_path):
    from conftest import run_doit, write_mini_course

    root = write_mini_course(tmp_path / "mini", names=("alpha",), extra_yaml="execution:\n  kernel: no-such-kernel\n")
    result = run_doit(root, "validate:alpha")
    assert result.returncode != 0
    # course.yaml's own check names it first (course/release_settings.py); the kernel adapter's boundary
    # (kernel/execute.translated) says the same for a kernel removed after course.yaml was checked
    assert (
        "course.yaml:" in result.output and "execution.kernel: " in result.output and "no-such-kernel" in result.output
    )
    assert "Traceback" not in result.output
