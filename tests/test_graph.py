"""The doit graph on real files: full builds, the exact tasks an edit reruns, parallel = serial, CI cache."""

from __future__ import annotations

import filecmp
import os
import shutil
from pathlib import Path

import pytest

from conftest import run_doit, write_mini_course

BUILD_TASKS = ("lint", "student", "solution", "export", "validate", "check_student", "archive")


def tasks_of(*modules: str, kinds=BUILD_TASKS) -> set[str]:
    return {f"{kind}:{m}" for kind in kinds for m in modules}


def built(root: Path) -> Path:
    result = run_doit(root)
    assert result.returncode == 0, result.output
    return root


@pytest.fixture(scope="session")
def built_template(tmp_path_factory) -> Path:
    """The mini course built once; tests get copies (relative paths in the doit state make them valid)."""
    return built(write_mini_course(tmp_path_factory.mktemp("graph") / "mini"))


@pytest.fixture
def built_mini(built_template, tmp_path) -> Path:
    target = tmp_path / "mini"
    shutil.copytree(built_template, target, symlinks=True)
    assert run_doit(target).ran == set(), "a copy of a built course is up to date"
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_full_build_then_noop(mini_course):
    first = run_doit(mini_course)
    assert first.returncode == 0, first.output
    assert first.ran == tasks_of("alpha", "beta")
    for path in [
        "build/student/01_alpha/alpha.ipynb",
        "build/student/01_alpha/alpha.py",
        "build/solution/02_beta/beta.ipynb",
        "build/executed/02_beta/beta.ipynb",
        "build/archives/01_alpha-student.zip",
        "tinytorch/core/alpha.py",
        "tinytorch/core/beta.py",
    ]:
        assert (mini_course / path).is_file(), path
    again = run_doit(mini_course)
    assert again.returncode == 0 and again.ran == set(), again.output


def test_solution_code_edit_reruns_module_export_and_dependents_validation(built_mini):
    mini_course = built_mini
    edit(
        mini_course / "modules/01_alpha/alpha.py",
        "doubled = np.asarray(x) * 2",
        "doubled = np.asarray(x) + np.asarray(x)",
    )
    result = run_doit(mini_course)
    assert result.returncode == 0, result.output
    # the student version is byte-identical (the edit is inside a solution region): no student check, no archive
    assert result.ran == tasks_of("alpha", kinds=("lint", "student", "solution", "export", "validate")) | {
        "validate:beta",
        "check_student:beta",
    }


def test_visible_code_edit_reruns_the_module_only_when_its_export_is_unchanged(built_mini):
    mini_course = built_mini
    edit(mini_course / "modules/01_alpha/alpha.py", "assert double(2) == 4", "assert double(3) == 6")
    result = run_doit(mini_course)
    assert result.returncode == 0, result.output
    assert result.ran == tasks_of("alpha")  # export reran but wrote the same file: beta is not re-validated


def test_markdown_edit_rebuilds_notebooks_but_executes_and_exports_nothing(built_mini):
    mini_course = built_mini
    edit(
        mini_course / "modules/01_alpha/alpha.py",
        "A one-function module for fast tests.",
        "A one-function module, now better explained.",
    )
    result = run_doit(mini_course)
    assert result.returncode == 0, result.output
    assert result.ran == {"lint:alpha", "student:alpha", "solution:alpha", "archive:alpha"}
    student = (mini_course / "build/student/01_alpha/alpha.ipynb").read_text()
    assert "now better explained" in student


def test_engine_edit_reruns_what_the_edited_code_produces(built_mini):
    mini_course = built_mini
    with open(mini_course / "tasks/package/archive.py", "a") as handle:
        handle.write("\n# an edit to the archive writer\n")
    assert run_doit(mini_course).ran == tasks_of("alpha", "beta", kinds=("archive",))
    with open(mini_course / "tasks/kernel/execute.py", "a") as handle:
        handle.write("\n# an edit to the kernel runner\n")
    assert run_doit(mini_course).ran == tasks_of("alpha", "beta", kinds=("validate", "check_student"))
    with open(mini_course / "tasks/variants/transforms.py", "a") as handle:
        handle.write("\n# an edit to the transforms\n")
    result = run_doit(mini_course)
    # every task that reads the compiled record (whose code includes the transforms: the archive's leak guard
    # reads its source); unchanged outputs then stop the chain (md5)
    assert result.ran == tasks_of(
        "alpha", "beta", kinds=("lint", "student", "solution", "export", "validate", "check_student", "archive")
    )


def test_config_slice_change_reruns_only_its_tasks(built_mini):
    mini_course = built_mini
    edit(mini_course / "course.yaml", "course: Mini\n", "course: Mini\narchive: tar.gz\n")
    result = run_doit(mini_course)
    assert result.ran == tasks_of("alpha", "beta", kinds=("archive",)), result.output
    assert (mini_course / "build/archives/02_beta-student.tar.gz").is_file()


def test_parallel_build_gives_the_same_files(tmp_path):
    serial = built(write_mini_course(tmp_path / "serial"))
    parallel = write_mini_course(tmp_path / "parallel")
    result = run_doit(parallel, "-n", "2")
    assert result.returncode == 0 and result.ran == tasks_of("alpha", "beta"), result.output
    for folder in ["build", "tinytorch"]:
        compare = filecmp.dircmp(serial / folder, parallel / folder, ignore=filecmp.DEFAULT_IGNORES + [".cache"])
        assert_same_tree(compare)


def assert_same_tree(compare: filecmp.dircmp) -> None:
    assert not compare.left_only and not compare.right_only, (compare.left_only, compare.right_only)
    _, mismatch, errors = filecmp.cmpfiles(compare.left, compare.right, compare.common_files, shallow=False)
    assert not mismatch and not errors, mismatch
    for sub in compare.subdirs.values():
        assert_same_tree(sub)


def test_restored_state_in_a_fresh_checkout_does_nothing(tmp_path):
    """As a CI cache would: .doit.db, build/ and the generated tinytorch/ restored into a new clone."""
    first = built(write_mini_course(tmp_path / "first"))
    fresh = write_mini_course(tmp_path / "fresh")  # same sources, new files and mtimes, another path
    for name in ["build", "tinytorch"]:
        shutil.rmtree(fresh / name, ignore_errors=True)
        shutil.copytree(first / name, fresh / name)
    shutil.copy2(first / ".doit.db", fresh / ".doit.db")
    for path in fresh.rglob("*.py"):
        os.utime(path, None)
    result = run_doit(fresh)
    assert result.returncode == 0 and result.ran == set(), result.output


def test_a_broken_module_fails_alone_and_the_rest_builds(mini_course):
    edit(mini_course / "modules/02_beta/beta.py", "    ### END SOLUTION\n", "")
    result = run_doit(mini_course)
    assert result.returncode != 0
    assert tasks_of("alpha") <= result.ran
    assert "modules/02_beta/beta.py:" in result.output and "never closed" in result.output
    assert not (mini_course / "build/student/02_beta/beta.ipynb").exists()


def test_check_student_flags_a_graded_test_that_passes_on_the_student_version(built_mini):
    """Free points: a graded test that does not exercise the student's code passes before they write anything."""
    source = built_mini / "modules/01_alpha/alpha.py"
    edit(source, "    assert double(2) == 4\n", "    assert callable(double)\n")
    result = run_doit(built_mini, "check_student:alpha")
    assert result.returncode != 0
    header = next(n for n, line in enumerate(source.read_text().split("\n"), 1) if '"grade_id": "test-double"' in line)
    assert (
        f"modules/01_alpha/alpha.py:{header}: graded test cell 'test-double' (1 point) passes on the untouched student version: free points"
        in result.output
    )
    assert "Traceback" not in result.output
    edit(source, "    assert callable(double)\n", "    assert double(2) == 4\n")
    assert run_doit(built_mini, "check_student:alpha").returncode == 0


def test_bad_course_yaml_stops_with_file_and_line(mini_course):
    edit(mini_course / "course.yaml", "release: 2", "relase: 2")
    result = run_doit(mini_course, "list")
    assert result.returncode == 2
    assert "course.yaml:" in result.stderr and "did you mean 'release'" in result.stderr
    assert "Traceback" not in result.output


def test_leak_guard_stops_a_transform_bug(mini_course):
    """A real bug planted in the engine copy (regions no longer stubbed) is caught; nothing is kept."""
    edit(mini_course / "tasks/variants/pipeline.py", "    s.stub_solutions,\n", "")
    edit(mini_course / "tasks/variants/pipeline.py", "STUDENT_STEPS = (\n", "STUDENT_STEPS = (\n    t.strip_markers,\n")
    result = run_doit(mini_course, "student:alpha")
    assert result.returncode != 0
    assert "LEAK" in result.output and "modules/01_alpha/alpha.py:" in result.output
    assert not (mini_course / "build/student/01_alpha/alpha.ipynb").exists()


@pytest.mark.parametrize("outputs", ["notebook, python", "python"])
def test_build_time_guard_of_the_public_solution_stops_a_transform_bug(mini_course, outputs):
    """Issue 17 item 4, layer 2: instructor cells and hidden tests kept in the public solution by a planted bug are
    refused when `solution:` builds it, before the release: nothing of the task is written. Every file it
    builds is scanned (each is named), whichever output formats the course has."""
    edit(mini_course / "course.yaml", "outputs: [notebook, python]", f"outputs: [{outputs}]")
    edit(
        mini_course / "tasks/variants/pipeline.py",
        "PUBLIC_SOLUTION_STEPS = (\n    t.drop_hidden_cells,\n    t.drop_hidden_tests,\n",
        "PUBLIC_SOLUTION_STEPS = (\n",
    )
    result = run_doit(mini_course, "solution:alpha")
    assert result.returncode != 0 and "Traceback" not in result.output
    for output, suffix in (("notebook", "ipynb"), ("python", "py")):
        named = f"build/public-solution/01_alpha/alpha.{suffix}" in result.output
        assert named == (output in outputs), output
    assert "LEAK" in result.output
    assert "alpha_instructor_reference" in result.output and "alpha hidden" in result.output
    assert not (mini_course / "build/public-solution").exists() and not (mini_course / "build/solution").exists()


PLANTED = "\n    alpha_doubled = np.asarray(x) * 2\n"


def test_archive_guard_catches_a_leak_the_student_build_let_through(built_mini):
    """Layer 3: a leaking student file (as a missing build-time guard would leave it) is refused by `archive:`."""
    edit(built_mini / "build/student/01_alpha/alpha.py", "\n", PLANTED)
    before = (built_mini / "build/archives/01_alpha-student.zip").read_bytes()
    result = run_doit(built_mini, "archive:alpha")
    assert result.returncode != 0 and "archive:alpha" in result.ran
    assert "01_alpha-student.zip/01_alpha/alpha.py:2: LEAK" in result.output
    assert (built_mini / "build/archives/01_alpha-student.zip").read_bytes() == before


@pytest.mark.parametrize(
    "built_file, week, secret",
    [
        ("build/student/01_alpha/alpha.ipynb", 1, "alpha_doubled = np.asarray(x) * 2"),
        (
            "build/public-solution/01_alpha/alpha.py",
            2,
            'assert (double(np.arange(3)) == np.array([0, 2, 4])).all(), "alpha hidden"',
        ),
    ],
)
def test_release_guard_catches_a_leak_every_build_time_guard_let_through(built_mini, built_file, week, secret):
    """Layer 4: the release scans again what it commits (student and public-solution files): nothing is committed."""
    path = built_mini / built_file
    if path.suffix == ".ipynb":
        import json

        nb = json.loads(path.read_text())
        nb["cells"][-1]["source"] = [secret]
        path.write_text(json.dumps(nb))
    else:
        edit(path, "\n", f"\n{secret}\n")
    result = run_doit(built_mini, "release", f"week={week}", "confirm=1")
    assert result.returncode != 0 and "Traceback" not in result.output
    assert f"{built_file}" in result.output and "LEAK" in result.output, result.output[-2000:]
    assert not (built_mini / "student-repo/.git").exists()


def test_package_init_is_generated_from_course_yaml_and_never_overwrites_or_cleans_a_hand_written_file(mini_course):
    """Issue 11, package-level set-up: course.yaml's package_init becomes tinytorch/__init__.py; a file the export
    did not write (the tracked __init__.py, a hand-written module at an export target) is neither overwritten
    by export nor deleted by `doit clean`."""
    (mini_course / "setup_package.py").write_text("ENABLED = True\n")
    with open(mini_course / "course.yaml", "a") as handle:
        handle.write("package_init: setup_package.py\n")
    tracked = (mini_course / "tinytorch/__init__.py").read_text()
    refused = run_doit(mini_course, "export:__init__")
    assert refused.returncode != 0 and "Traceback" not in refused.output
    assert "tinytorch/__init__.py: exists and was not written by coursebuild" in refused.output
    assert (mini_course / "tinytorch/__init__.py").read_text() == tracked
    assert run_doit(mini_course, "clean", "export:__init__").returncode == 0
    assert (mini_course / "tinytorch/__init__.py").read_text() == tracked, "doit clean deleted a file it did not write"

    (mini_course / "tinytorch/__init__.py").unlink()
    (mini_course / "tinytorch/core").mkdir()
    (mini_course / "tinytorch/core/alpha.py").write_text("HAND_WRITTEN = 1\n")
    result = run_doit(mini_course, "export")
    assert (
        result.returncode != 0 and "tinytorch/core/alpha.py: exists and was not written by coursebuild" in result.output
    )
    init = (mini_course / "tinytorch/__init__.py").read_text()
    assert init.startswith("# Generated by coursebuild from setup_package.py") and init.endswith("\nENABLED = True\n")
    assert run_doit(mini_course, "clean", "export").returncode == 0
    assert (mini_course / "tinytorch/core/alpha.py").read_text() == "HAND_WRITTEN = 1\n"
    assert not (mini_course / "tinytorch/__init__.py").exists(), "the generated __init__.py is the export's to clean"


HEAVY_PROBE = (
    "import sys\nfrom doit.doit_cmd import DoitMain\nfrom doit.cmd_base import ModuleTaskLoader\n"
    "import dodo\ncode = DoitMain(ModuleTaskLoader(dodo)).run(sys.argv[1:])\n"
    "heavy = sorted(m for m in ('nbclient', 'git', 'jupytext', 'nbformat') if m in sys.modules)\n"
    "print('HEAVY', heavy)\n"
    "print('START', sorted(m for m in sys.modules if m in START_ONLY_NOT))\nsys.exit(code)\n"
)
# What a no-op never runs, so never imports: the YAML reader (course.yaml comes from its cache), filelock
# (the build lock is flock'ed directly), and the code of the actions (kernels, notebooks, the leak guard,
# archives, releases): task creators import it inside the actions.
START_ONLY_NOT = (
    "yaml",
    "filelock",
    "tarfile",
    "tasks.course.config",
    "tasks.kernel.execute",
    "tasks.notebook.source",
    "tasks.variants.pipeline",
    "tasks.variants.leakguard",
    "tasks.variants.lint",
    "tasks.package.archive",
    "tasks.release.publish",
    "tasks.release.student_repo",
)


def heavy_imports(root: Path, *args: str) -> str:
    """The heavy modules a doit run in `root` imported, as the probe prints them."""
    return probe(root, *args)[0]


def probe(root: Path, *args: str) -> tuple[str, str]:
    """(the HEAVY line, the START line) of a doit run in `root`."""
    import subprocess
    import sys

    (root / "probe.py").write_text(HEAVY_PROBE.replace("START_ONLY_NOT", repr(START_ONLY_NOT)))
    proc = subprocess.run([sys.executable, "probe.py", *args], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    return next(x for x in lines if x.startswith("HEAVY ")), next(x for x in lines if x.startswith("START "))


def test_doit_list_and_noop_do_not_import_heavy_modules(built_mini):
    for args in (["list"], []):
        assert probe(built_mini, *args) == ("HEAVY []", "START []")


def test_generating_notebooks_imports_neither_jupytext_nor_nbformat(mini_course):
    # Sources in plain percent format are read without jupytext and written without nbformat: their
    # imports cost more than building a module. The python output format still uses jupytext.
    course_yaml = mini_course / "course.yaml"
    course_yaml.write_text(course_yaml.read_text().replace("outputs: [notebook, python]", "outputs: [notebook]"))
    assert heavy_imports(mini_course, "lint", "student", "solution") == "HEAVY []"
    assert (mini_course / "build/student/01_alpha/alpha.ipynb").exists()
    assert (mini_course / "build/solution/02_beta/beta.ipynb").exists()


def test_a_module_folder_not_in_course_yaml_is_warned_about_once(mini_course):
    (mini_course / "modules/09_spatial").mkdir()
    result = run_doit(mini_course, "-n", "2", "lint")
    assert result.returncode == 0, result.output
    assert (
        result.stderr.count(
            "coursebuild: warning: modules/09_spatial is not in course.yaml, so it is not built (add it under `modules:`)\n"
        )
        == 1
    ), result.stderr


def test_doit_k_from_inside_a_module_folder_finds_the_course_root(mini_course):
    result = run_doit(mini_course / "modules/01_alpha", "-k", "lint:alpha")
    assert result.returncode == 0 and "lint:alpha" in result.ran, result.output
