"""tasks/config.py: course.yaml is validated on load; every error names `course.yaml:LINE`, the key and a fix."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tasks.course.config import Author, Course, Execution, Module, StudentRepoSettings, load_course
from tasks.base.errors import CourseError

# Line numbers matter: the tests below assert them.
BASE = """\
course: Demo
modules:
  - name: tensor
    folder: modules/01_tensor
    source: tensor.py
    release: 1
    solutions: 2
  - name: layers
    folder: modules/02_layers
    source: layers.py
    release: 2
    solutions: 3
    depends_on: [tensor]
"""
SOURCES = ("modules/01_tensor/tensor.py", "modules/02_layers/layers.py")


def make_course(tmp_path: Path, text: str | bytes = BASE, sources=SOURCES) -> Path:
    root = tmp_path / "course"
    for name in sources:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x = 1\n")
    root.mkdir(exist_ok=True)
    if isinstance(text, bytes):
        (root / "course.yaml").write_bytes(text)
    else:
        (root / "course.yaml").write_text(text)
    return root


def findings(root: Path):
    with pytest.raises(CourseError) as caught:
        load_course(root)
    for finding in caught.value.findings:
        assert finding.file == "course.yaml"
    return caught.value.findings


def only_finding(root: Path):
    found = findings(root)
    assert len(found) == 1, [str(f) for f in found]
    return found[0]


def assert_error(finding, line: int, *fragments: str):
    text = str(finding)
    assert text.startswith(f"course.yaml:{line}: "), text
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in {text!r}"


# --- the file itself ---------------------------------------------------------------------------------


def test_missing_file_says_where_to_create_it(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(CourseError, match=r"^course\.yaml: not found; create course\.yaml"):
        load_course(tmp_path / "empty")


def test_not_yaml_names_the_broken_line(tmp_path):
    root = make_course(tmp_path, BASE.replace("    release: 1\n", "    release: 1: 2\n"))
    assert_error(only_finding(root), 6, "is not valid YAML", "fix the syntax at this line")


def test_empty_file(tmp_path):
    assert_error(only_finding(make_course(tmp_path, "")), 1, "is empty", "course:, modules:")


def test_comments_only_file_is_empty(tmp_path):
    assert_error(only_finding(make_course(tmp_path, "# nothing yet\n\n")), 1, "is empty")


def test_non_utf8_bytes_name_their_line(tmp_path):
    root = make_course(tmp_path, BASE.encode() + b"# caf\xe9 au lait\n")
    assert_error(only_finding(root), 14, "not valid UTF-8", "save the file as UTF-8")


def test_top_level_list_is_rejected(tmp_path):
    finding = only_finding(make_course(tmp_path, "- a\n- b\n"))
    assert_error(finding, 1, "expected a mapping of keys (course, outputs", "found a list")
    assert not finding.message.startswith(":"), "an empty key path must not leave a stray ':'"


# --- keys ----------------------------------------------------------------------------------------------


def test_unknown_key_typo_suggests_the_right_key(tmp_path):
    root = make_course(tmp_path, BASE.replace("solutions: 2", "solutons: 2"))
    found = findings(root)
    typo = [f for f in found if "unknown key" in f.message]
    assert len(typo) == 1
    assert_error(typo[0], 7, "modules[0].solutons", "unknown key 'solutons'", "did you mean 'solutions'?")
    # The key it was meant to be is then missing: not reported again, the did-you-mean already says it.
    assert not any("missing required key 'solutions'" in f.message for f in found)


def test_a_missing_key_with_no_near_miss_is_still_reported(tmp_path):
    root = make_course(tmp_path, BASE.replace("    solutions: 2\n", "    colour: 2\n"))
    found = [f.message for f in findings(root)]
    assert any("missing required key 'solutions'" in m for m in found) and any(
        "unknown key 'colour'" in m for m in found
    )


def test_a_duplicate_module_name_is_not_also_called_a_cycle(tmp_path):
    text = BASE + BASE[BASE.index("  - name: tensor") :].replace("modules/01_tensor", "modules/02_copy")
    root = make_course(tmp_path, text)
    messages = [f.message for f in findings(root)]
    assert any("duplicate module name 'tensor'" in m for m in messages)
    assert not any("cycle" in m for m in messages)


def test_unknown_key_with_no_close_match_lists_allowed_keys(tmp_path):
    root = make_course(tmp_path, BASE.replace("course: Demo\n", "course: Demo\nzzz: 1\n"))
    assert_error(only_finding(root), 2, "zzz: unknown key 'zzz'", "allowed keys: course, outputs, archive")


def test_missing_required_key_names_the_mapping_and_key(tmp_path):
    root = make_course(tmp_path, BASE.replace("    release: 1\n", ""))
    assert_error(
        only_finding(root), 3, "modules[0].release", "missing required key 'release'", "add it to this mapping"
    )


def test_missing_course_name(tmp_path):
    root = make_course(tmp_path, BASE.replace("course: Demo\n", ""))
    assert_error(only_finding(root), 1, "course: missing required key 'course'")


def test_release_as_text_is_a_wrong_type(tmp_path):
    root = make_course(tmp_path, BASE.replace("release: 1", 'release: "three"'))
    assert_error(only_finding(root), 6, "modules[0].release", "expected a whole number", "found text 'three'")


def test_release_with_a_leading_zero_is_a_number(tmp_path):
    course = load_course(make_course(tmp_path, BASE.replace("release: 1", "release: 01")))
    assert course.module("tensor").release == 1


def test_release_as_true_is_a_wrong_type(tmp_path):
    root = make_course(tmp_path, BASE.replace("release: 1", "release: true"))
    assert_error(only_finding(root), 6, "modules[0].release", "expected a whole number", "found true/false")


def test_release_zero_is_too_small(tmp_path):
    root = make_course(tmp_path, BASE.replace("solutions: 2", "solutions: 0"))
    assert_error(only_finding(root), 7, "modules[0].solutions", "must be at least 1, found 0")


def test_outputs_as_a_string_is_a_wrong_type(tmp_path):
    root = make_course(tmp_path, BASE.replace("course: Demo\n", "course: Demo\noutputs: notebook\n"))
    assert_error(only_finding(root), 2, "outputs", "expected a list", "found text 'notebook'")


def test_depends_on_not_a_list(tmp_path):
    root = make_course(tmp_path, BASE.replace("depends_on: [tensor]", "depends_on: tensor"))
    assert_error(only_finding(root), 13, "modules[1].depends_on", "expected a list", "found text 'tensor'")


def test_timeout_as_float_is_a_wrong_type(tmp_path):
    root = make_course(
        tmp_path, BASE.replace("course: Demo\n", "course: Demo\nexecution:\n  kernel: python3\n  timeout: 1.5\n")
    )
    assert_error(only_finding(root), 4, "execution.timeout", "expected a whole number")


def test_duplicate_key(tmp_path):
    root = make_course(tmp_path, BASE.replace("course: Demo\n", "course: Demo\ncourse: Again\n"))
    assert_error(only_finding(root), 2, "course: duplicate key (first given on line 1)", "keep one of them")


def test_duplicate_key_inside_a_module(tmp_path):
    root = make_course(tmp_path, BASE.replace("    release: 2\n", "    release: 2\n    release: 3\n"))
    assert_error(only_finding(root), 12, "modules[1].release: duplicate key (first given on line 11)")


def test_invalid_outputs_value(tmp_path):
    root = make_course(tmp_path, BASE.replace("course: Demo\n", "course: Demo\noutputs: [notebook, pdf]\n"))
    assert_error(only_finding(root), 2, "outputs[1]", "'pdf' is not one of: notebook, python")


def test_empty_outputs(tmp_path):
    root = make_course(tmp_path, BASE.replace("course: Demo\n", "course: Demo\noutputs: []\n"))
    assert_error(only_finding(root), 2, "outputs", "the list is empty; add at least one entry")


def test_invalid_archive_value(tmp_path):
    root = make_course(tmp_path, BASE.replace("course: Demo\n", "course: Demo\narchive: rar\n"))
    assert_error(only_finding(root), 2, "archive", "'rar' is not one of: zip, tar.gz")


def test_every_problem_is_reported_in_line_order(tmp_path):
    text = BASE.replace("release: 1", 'release: "one"').replace("course: Demo\n", "course: Demo\narchive: rar\n")
    found = findings(make_course(tmp_path, text))
    assert [f.line for f in found] == [2, 7]


# --- modules ---------------------------------------------------------------------------------------------


def test_duplicate_module_name(tmp_path):
    root = make_course(tmp_path, BASE.replace("name: layers", "name: tensor").replace("[tensor]", "[]"))
    assert_error(
        only_finding(root), 8, "modules[1].name", "duplicate module name 'tensor' (first on line 3)", "rename one"
    )


def test_module_name_must_be_lower_case(tmp_path):
    root = make_course(tmp_path, BASE.replace("name: tensor", "name: Tensor").replace("[tensor]", "[Tensor]"))
    assert_error(only_finding(root), 3, "modules[0].name", "'Tensor' must be lower case letters")


def test_depends_on_unknown_module_suggests_a_name(tmp_path):
    root = make_course(tmp_path, BASE.replace("[tensor]", "[tensr]"))
    assert_error(
        only_finding(root),
        13,
        "modules[1].depends_on",
        "'tensr' is not a module of this course",
        "did you mean 'tensor'?",
    )


def test_depends_on_unknown_module_without_close_name_lists_modules(tmp_path):
    root = make_course(tmp_path, BASE.replace("[tensor]", "[zzz]"))
    assert_error(only_finding(root), 13, "modules[1].depends_on", "'zzz' is not a module of this course", "tensor")


def test_depends_on_a_later_module(tmp_path):
    text = BASE.replace("[tensor]", "[]").replace("    solutions: 2\n", "    solutions: 2\n    depends_on: [layers]\n")
    assert_error(
        only_finding(make_course(tmp_path, text)),
        8,
        "modules[0].depends_on",
        "'layers' comes later in the course than 'tensor'",
        "reorder the list",
    )


def test_self_dependency_is_a_cycle(tmp_path):
    root = make_course(tmp_path, BASE.replace("[tensor]", "[layers]"))
    assert_error(
        only_finding(root),
        13,
        "modules[1].depends_on",
        "dependency cycle layers -> layers",
        "a module can only depend on earlier ones",
    )


def test_two_module_cycle_is_reported_on_both_edges(tmp_path):
    text = BASE.replace("    solutions: 2\n", "    solutions: 2\n    depends_on: [layers]\n")
    found = findings(make_course(tmp_path, text))
    assert [f.line for f in found] == [8, 14]
    assert all("dependency cycle" in f.message for f in found)


def test_dependency_released_after_the_module(tmp_path):
    root = make_course(tmp_path, BASE.replace("release: 1", "release: 3").replace("solutions: 2", "solutions: 4"))
    assert_error(
        only_finding(root),
        13,
        "modules[1].depends_on",
        "'tensor' is released in week 3, after 'layers' (week 2)",
        "release 'tensor' in week 2 or earlier",
    )


def test_solutions_week_before_release_week(tmp_path):
    root = make_course(tmp_path, BASE.replace("release: 2", "release: 4"))
    assert_error(
        only_finding(root),
        12,
        "modules[1].solutions",
        "week 3 is before the release week 4",
        "solutions must come out in or after the release week",
    )


def test_solutions_in_the_release_week_is_fine(tmp_path):
    load_course(make_course(tmp_path, BASE.replace("solutions: 2", "solutions: 1")))


def test_two_modules_in_one_folder(tmp_path):
    root = make_course(
        tmp_path,
        BASE.replace("modules/02_layers", "modules/01_tensor"),
        sources=("modules/01_tensor/tensor.py", "modules/01_tensor/layers.py"),
    )
    assert_error(only_finding(root), 9, "modules[1].folder", "already the folder of module 'tensor'")


# --- paths -------------------------------------------------------------------------------------------------


def test_source_file_missing(tmp_path):
    root = make_course(tmp_path, BASE.replace("tensor.py", "tensr.py"))
    assert_error(
        only_finding(root),
        5,
        "modules[0].source",
        "'modules/01_tensor/tensr.py' does not exist",
        "create it or fix the name",
    )


def test_source_that_is_a_directory(tmp_path):
    root = make_course(tmp_path, BASE.replace("tensor.py", "sub.py"))
    (root / "modules/01_tensor/sub.py").mkdir()
    assert_error(
        only_finding(root), 5, "modules[0].source", "'modules/01_tensor/sub.py' is not a file", "point source at"
    )


def test_source_with_wrong_suffix(tmp_path):
    root = make_course(tmp_path, BASE.replace("tensor.py", "tensor.txt"))
    assert_error(only_finding(root), 5, "modules[0].source", "must be a .py (jupytext percent) or .ipynb file")


def test_source_with_a_path_is_not_a_file_name(tmp_path):
    root = make_course(tmp_path, BASE.replace("tensor.py", "../02_layers/layers.py"))
    assert_error(
        only_finding(root), 5, "modules[0].source", "must be a file name inside the module folder 'modules/01_tensor'"
    )


def test_source_symlink_pointing_outside_the_repo(tmp_path):
    root = make_course(tmp_path)
    outside = tmp_path / "outside.py"
    outside.write_text("x = 1\n")
    link = root / "modules/01_tensor/tensor.py"
    link.unlink()
    os.symlink(outside, link)
    assert_error(
        only_finding(root), 5, "modules[0].source", "is a symlink out of the repository", "copy the file in instead"
    )


def test_source_symlink_inside_the_repo_is_fine(tmp_path):
    root = make_course(tmp_path)
    (root / "shared").mkdir()
    (root / "shared/tensor.py").write_text("x = 1\n")
    link = root / "modules/01_tensor/tensor.py"
    link.unlink()
    os.symlink(root / "shared/tensor.py", link)
    load_course(root)


def test_folder_with_dotdot(tmp_path):
    root = make_course(tmp_path, BASE.replace("folder: modules/01_tensor", "folder: ../outside"))
    assert_error(
        only_finding(root), 4, "modules[0].folder", "'../outside' leaves the repository", "use a relative path such as"
    )


def test_folder_with_absolute_path(tmp_path):
    root = make_course(
        tmp_path, BASE.replace("folder: modules/01_tensor", f"folder: {tmp_path}/course/modules/01_tensor")
    )
    assert_error(only_finding(root), 4, "modules[0].folder", "leaves the repository", "use a relative path such as")


REPO_SECTION = "course: Demo\nstudent_repo:\n  branch: main\n  path: {path}\n  tag: {tag}\n"


def test_student_repo_path_escaping(tmp_path):
    text = BASE.replace("course: Demo\n", REPO_SECTION.format(path="../elsewhere", tag="week{week}"))
    assert_error(
        only_finding(make_course(tmp_path, text)),
        4,
        "student_repo.path",
        "'../elsewhere' leaves the repository",
        "use a path inside it such as 'student-repo'",
    )


def test_student_repo_absolute_path(tmp_path):
    text = BASE.replace("course: Demo\n", REPO_SECTION.format(path="/srv/repo", tag="week{week}"))
    assert_error(only_finding(make_course(tmp_path, text)), 4, "student_repo.path", "leaves the repository")


@pytest.mark.parametrize(
    "path, says",
    [
        (".", "is the course repository itself"),
        ("./", "is the course repository itself"),
        ("modules/01_tensor", "is inside the module 'tensor' folder 'modules/01_tensor'"),
        ("modules/01_tensor/students", "is inside the module 'tensor' folder"),
        ("modules", "contains the module 'tensor' folder"),
        ("build", "is inside the output folder 'build/'"),
        ("build/student-repo", "is inside the output folder 'build/'"),
        ("tinytorch/repo", "is inside the output folder 'tinytorch/'"),
        ("grades", "is inside the grading folder 'grades/'"),
        ("submissions/repo", "is inside the grading folder 'submissions/'"),
    ],
)
def test_student_repo_path_that_the_build_owns_is_refused(tmp_path, path, says):
    """Issue 11 leak 5: the release would commit (and push) the course with its solutions, or prune/clean would
    delete the student repository with its history."""
    text = BASE.replace("course: Demo\n", REPO_SECTION.format(path=path, tag="week{week}"))
    assert_error(
        only_finding(make_course(tmp_path, text)),
        4,
        "student_repo.path",
        says,
        "use a folder of its own such as 'student-repo'",
    )


def test_student_repo_path_through_a_symlink_into_a_module_folder_is_refused(tmp_path):
    root = make_course(
        tmp_path, BASE.replace("course: Demo\n", REPO_SECTION.format(path="link/repo", tag="week{week}"))
    )
    os.symlink(root / "modules/01_tensor", root / "link")
    assert_error(only_finding(root), 4, "student_repo.path", "is inside the module 'tensor' folder")


@pytest.mark.parametrize("glob", ["../secret.txt", "/etc/passwd", "data/../../x", "C:/data"])
def test_data_glob_leaving_the_module_folder_is_refused(tmp_path, glob):
    text = BASE.replace("    solutions: 2\n", f"    solutions: 2\n    data: ['{glob}']\n", 1)
    assert_error(
        only_finding(make_course(tmp_path, text)),
        8,
        "modules[0].data[0]",
        f"'{glob}' must be a glob inside the module folder",
    )


def test_data_globs_load_in_order(tmp_path):
    text = BASE.replace("    solutions: 2\n", "    solutions: 2\n    data: [data/*.csv, README.md]\n", 1)
    assert load_course(make_course(tmp_path, text)).modules[0].data == ("data/*.csv", "README.md")


def test_tag_without_week(tmp_path):
    text = BASE.replace("course: Demo\n", REPO_SECTION.format(path="student-repo", tag="release"))
    assert_error(
        only_finding(make_course(tmp_path, text)),
        5,
        "student_repo.tag",
        "'release' must contain {week}",
        "e.g. 'week{week}'",
    )


def test_author_needs_name_and_email(tmp_path):
    text = BASE.replace("course: Demo\n", "course: Demo\nstudent_repo:\n  author:\n    name: Staff\n")
    assert_error(
        only_finding(make_course(tmp_path, text)), 4, "student_repo.author.email", "missing required key 'email'"
    )


# --- a valid course ------------------------------------------------------------------------------------------


def test_valid_course_loads_with_documented_defaults(tmp_path):
    course = load_course(make_course(tmp_path))
    assert course.name == "Demo"
    assert course.outputs == ("notebook",)
    assert course.archive == "zip"
    assert course.execution == Execution(kernel="python3", timeout=120)
    assert course.student_repo.path == "student-repo"
    assert course.student_repo.branch == "main"
    assert course.student_repo.tag == "week{week}"
    assert course.student_repo.remote is None
    assert course.student_repo.author == Author("TinyTorch Staff", "staff@tinytorch.invalid")
    assert course.root == (tmp_path / "course").resolve()
    assert course.modules == (
        Module("tensor", "modules/01_tensor", "tensor.py", 1, 2, ()),
        Module("layers", "modules/02_layers", "layers.py", 2, 3, ("tensor",)),
    )
    assert [m.line for m in course.modules] == [3, 8]
    assert course.modules[0].slug == "01_tensor"
    assert course.module("layers").as_dict() == {
        "name": "layers",
        "folder": "modules/02_layers",
        "source": "layers.py",
        "release": 2,
        "solutions": 3,
        "depends_on": ["tensor"],
        "data": [],
    }


def test_valid_course_with_every_key(tmp_path):
    text = BASE.replace(
        "course: Demo\n",
        """\
course: Demo
outputs: [notebook, python, notebook]
archive: tar.gz
execution:
  kernel: python3
  timeout: 30
student_repo:
  path: out/students
  branch: release
  tag: v{week}
  remote: git@example.org:course/students.git
  author:
    name: Ada
    email: ada@example.org
""",
    )
    course = load_course(make_course(tmp_path, text))
    assert course.outputs == ("notebook", "python")  # duplicates collapse, order kept
    assert course.archive == "tar.gz"
    assert course.execution == Execution("python3", 30)
    assert course.student_repo == StudentRepoSettings(
        "out/students", "release", "v{week}", "git@example.org:course/students.git", Author("Ada", "ada@example.org")
    )


def test_module_lookup_by_name(tmp_path):
    course = load_course(make_course(tmp_path))
    assert course.module("tensor").folder == "modules/01_tensor"
    with pytest.raises(KeyError):
        course.module("nope")


CHAIN = """\
course: Chain
modules:
  - {name: a, folder: modules/a, source: a.py, release: 1, solutions: 1}
  - {name: b, folder: modules/b, source: b.py, release: 1, solutions: 1, depends_on: [a]}
  - {name: c, folder: modules/c, source: c.py, release: 2, solutions: 2}
  - {name: d, folder: modules/d, source: d.py, release: 2, solutions: 3, depends_on: [c, b]}
  - {name: e, folder: modules/e, source: e.py, release: 3, solutions: 3, depends_on: [d]}
"""


def test_dependencies_are_transitive_in_course_order(tmp_path):
    root = make_course(tmp_path, CHAIN, sources=[f"modules/{n}/{n}.py" for n in "abcde"])
    course: Course = load_course(root)
    names = lambda name: [m.name for m in course.dependencies(course.module(name))]  # noqa: E731
    assert names("a") == []
    assert names("b") == ["a"]
    assert names("c") == []
    assert names("d") == ["a", "b", "c"]  # course order, not depends_on order
    assert names("e") == ["a", "b", "c", "d"]


@pytest.mark.parametrize(
    "value, create, says",
    [
        ("../init.py", False, "leaves the repository"),
        ("setup.txt", True, "must be a .py file"),
        ("tinytorch/setup.py", True, "is inside tinytorch/"),
        ("missing.py", False, "does not exist"),
    ],
)
def test_package_init_must_be_a_python_file_of_the_repository_outside_the_package(tmp_path, value, create, says):
    root = make_course(tmp_path, BASE.replace("course: Demo\n", f"course: Demo\npackage_init: {value}\n"))
    if create:
        (root / value).parent.mkdir(parents=True, exist_ok=True)
        (root / value).write_text("x = 1\n")
    assert_error(only_finding(root), 2, "package_init", says)


def test_package_init_loads(tmp_path):
    root = make_course(tmp_path, BASE.replace("course: Demo\n", "course: Demo\npackage_init: setup_package.py\n"))
    (root / "setup_package.py").write_text("x = 1\n")
    assert load_course(root).package_init == "setup_package.py"


# --- grading: ------------------------------------------------------------------------------------------

GRADING = (
    BASE
    + """\
grading:
  scheduler: tcp://127.0.0.1:8786
  workers: 2
  timeout: 10
  memory: 512
  roster: grading/roster.csv
  submitted: downloads/submitted
  deadlines:
    tensor: 2026-12-07 23:59
    layers: 2026-12-14T23:59:00+01:00
"""
)


def test_grading_defaults_when_absent(tmp_path):
    from tasks.course.config import Grading

    grading = load_course(make_course(tmp_path)).grading
    assert grading == Grading()
    assert (grading.scheduler, grading.workers, grading.timeout, grading.memory, grading.roster) == (
        None,
        None,
        30,
        1024,
        None,
    )
    assert grading.deadline("tensor") is None


def test_grading_every_key(tmp_path):
    from datetime import datetime, timedelta, timezone

    grading = load_course(make_course(tmp_path, GRADING)).grading
    assert (grading.scheduler, grading.workers, grading.timeout, grading.memory) == ("tcp://127.0.0.1:8786", 2, 10, 512)
    assert (grading.roster, grading.submitted) == ("grading/roster.csv", "downloads/submitted")
    assert grading.deadline("tensor") == datetime(2026, 12, 7, 23, 59, tzinfo=timezone.utc)  # no zone: UTC
    assert grading.deadline("layers") == datetime(2026, 12, 14, 22, 59, tzinfo=timezone.utc)
    assert grading.deadline("layers").utcoffset() == timedelta(hours=1)


@pytest.mark.parametrize(
    "old, new, line, fragments",
    [
        ("scheduler: tcp://127.0.0.1:8786", "scheduler: localhost", 15, ("grading.scheduler", "tls://HOST:8786")),
        ("workers: 2", "workers: 0", 16, ("grading.workers", "at least 1")),
        ("timeout: 10", "timeout: soon", 17, ("grading.timeout", "whole number")),
        ("memory: 512", "memory: 10", 18, ("grading.memory", "at least 64")),
        ("roster: grading/roster.csv", "roster: ../roster.csv", 19, ("grading.roster", "leaves the repository")),
        ("tensor: 2026-12-07 23:59", "tensor: next monday", 22, ("grading.deadlines.tensor", "2026-12-07 23:59")),
        (
            "tensor: 2026-12-07 23:59",
            "tensr: 2026-12-07 23:59",
            22,
            ("'tensr' is not a module", "did you mean 'tensor'"),
        ),
        ("tensor: 2026-12-07 23:59", "layers: 2026-12-07 23:59", 23, ("duplicate deadline for 'layers'",)),
        ("  deadlines:\n", "  deadline:\n", 21, ("unknown key 'deadline'", "did you mean 'deadlines'")),
    ],
)
def test_grading_bad_values_name_their_line(tmp_path, old, new, line, fragments):
    assert old in GRADING
    assert_error(only_finding(make_course(tmp_path, GRADING.replace(old, new))), line, *fragments)


TLS = GRADING.replace(
    "  scheduler: tcp://127.0.0.1:8786\n",
    "  scheduler: tls://127.0.0.1:8786\n  tls:\n    ca: ../certs/ca.pem\n    cert: certs/tito.pem\n    key: /etc/tito/tito.key\n",
)


def test_grading_tls_files_are_resolved_from_the_course_folder(tmp_path):
    from tasks.course.model import TlsFiles

    root = make_course(tmp_path, TLS)
    grading = load_course(root).grading
    assert grading.scheduler == "tls://127.0.0.1:8786"
    assert grading.tls == TlsFiles(
        ca=str(root / "../certs/ca.pem"), cert=str(root / "certs/tito.pem"), key="/etc/tito/tito.key"
    )
    assert grading.tls.line == 16  # the files are read only when grading connects (tests/test_grade_cluster.py)
    assert load_course(make_course(tmp_path / "none", GRADING)).grading.tls is None


@pytest.mark.parametrize(
    "old, new, line, fragments",
    [
        ("    key: /etc/tito/tito.key\n", "", 17, ("grading.tls.key", "missing required key 'key'")),
        (
            "    cert: certs/tito.pem\n",
            "    certs: certs/tito.pem\n",
            18,
            ("unknown key 'certs'", "did you mean 'cert'"),
        ),
        (
            "  tls:\n    ca: ../certs/ca.pem\n    cert: certs/tito.pem\n    key: /etc/tito/tito.key\n",
            "  tls: certs\n",
            16,
            ("grading.tls", "expected a mapping of keys (ca, cert, key)"),
        ),
        ("    ca: ../certs/ca.pem\n", "    ca: 3\n", 17, ("grading.tls.ca", "expected non-empty text")),
    ],
    ids=["no-key", "misspelled", "not-a-mapping", "not-text"],
)
def test_grading_tls_bad_values_name_their_line(tmp_path, old, new, line, fragments):
    assert old in TLS
    assert_error(only_finding(make_course(tmp_path, TLS.replace(old, new))), line, *fragments)
