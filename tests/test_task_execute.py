"""tasks/graph/task_execute.py: the failure catalogue. Each kind of execution failure is put into a real
course (real kernels, one doit run) and the first lines the instructor sees are held exactly: the source
file:line, the statement, the cause, and the tasks it blocked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import MINI_SOURCE, REPO, IGNORED, run_doit

import shutil

SOLUTION = "    {name}_doubled = np.asarray(x) * 2\n"
MAIN = "    test_unit_double()\n"
FAULTS = {
    # module: (text replaced, by what) in that module's source
    "value": (SOLUTION, "    {name}_doubled = np.asarray(x) * 3\n"),
    "exception": ("    return {name}_doubled\n", "    return {name}_doubled.reshape(5)\n"),
    "hang": (MAIN, MAIN + "    import time; time.sleep(60)\n"),
    "dies": (MAIN, MAIN + "    import os; os._exit(3)\n"),
    "missing": ("import numpy as np\n", "import numpy as np\nimport nonexistent_helper_lib\n"),
    "base": (SOLUTION, "    {name}_doubled = np.asarray(x) * 4\n"),
    "user": ("import numpy as np\n", "import numpy as np\nfrom tinytorch.core.base import double as base_double\n"),
    "scaffold": (
        '{name}_instructor_reference = "for the staff of {name} only"\n',
        '{name}_instructor_reference = "for the staff of {name} only"\n\n# %%\nprint(len({name}_instructor_reference))\n',
    ),
}


def write_catalogue(root: Path) -> dict[str, str]:
    """A course with one module per fault; `user` depends on `base`. Returns each module's source text."""
    (root / "tinytorch").mkdir(parents=True)
    shutil.copy2(REPO / "tinytorch/__init__.py", root / "tinytorch/__init__.py")
    shutil.copy2(REPO / "dodo.py", root / "dodo.py")
    shutil.copytree(REPO / "tasks", root / "tasks", ignore=IGNORED)
    texts, entries = {}, []
    for index, (name, (old, new)) in enumerate(FAULTS.items(), 1):
        text = MINI_SOURCE.replace("{name}", name)
        assert old.replace("{name}", name) in text
        texts[name] = text.replace(old.replace("{name}", name), new.replace("{name}", name), 1)
        folder = root / "modules" / f"{index:02d}_{name}"
        folder.mkdir(parents=True)
        (folder / f"{name}.py").write_text(texts[name])
        entries.append(
            f"  - {{name: {name}, folder: modules/{index:02d}_{name}, source: {name}.py, release: 1, solutions: 2, "
            f"depends_on: [{'base' if name == 'user' else ''}]}}\n"
        )
    (root / "course.yaml").write_text(
        "course: Catalogue\noutputs: [notebook]\nexecution:\n  timeout: 6\nmodules:\n" + "".join(entries)
    )
    return texts


def line_of(text: str, statement: str) -> int:
    return text.split("\n").index(statement) + 1


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    root = tmp_path_factory.mktemp("catalogue") / "course"
    texts = write_catalogue(root)
    result = run_doit(root, "-n", "2", "validate", "check_student")
    return root, texts, result


def where(texts, name: str, statement: str) -> str:
    return f"modules/{list(FAULTS).index(name) + 1:02d}_{name}/{name}.py:{line_of(texts[name], statement)}"


def test_the_build_fails_and_ends_with_one_summary(catalogue):
    root, texts, result = catalogue
    assert result.returncode != 0
    assert result.output.count("coursebuild: 8 task(s) failed, 2 skipped because of them:") == 1, result.output
    assert "Traceback" not in result.output and "IPKernelApp" not in result.output, result.output


def test_wrong_value(catalogue):
    root, texts, result = catalogue
    assert (
        f"""validate:value failed:
{where(texts, "value", "    assert double(2) == 4")}: validation of module 'value' failed: assert double(2) == 4
    AssertionError: assert np.int64(6) == 4
      where np.int64(6) = double(2)
    called from {where(texts, "value", "    test_unit_double()")}: test_unit_double()
"""
        in result.output
    ), result.output


def test_exception_in_the_solution(catalogue):
    root, texts, result = catalogue
    assert (
        f"""validate:exception failed:
{where(texts, "exception", "    return exception_doubled.reshape(5)")}: validation of module 'exception' failed: return exception_doubled.reshape(5)
    ValueError: cannot reshape array of size 1 into shape (5,)
    called from {where(texts, "exception", "    test_unit_double()")}: test_unit_double()
"""
        in result.output
    ), result.output


def test_timeout(catalogue):
    root, texts, result = catalogue
    assert (
        f"""validate:hang failed:
{where(texts, "hang", "def test_unit_double():")}: validation of module 'hang' failed: cell 4 did not finish within the 6 s per-cell timeout (execution.timeout in course.yaml)
    cell begins:
      def test_unit_double():
          assert double(2) == 4
"""
        in result.output
    ), result.output


def test_dead_kernel(catalogue):
    root, texts, result = catalogue
    assert (
        f"""validate:dies failed:
{where(texts, "dies", "def test_unit_double():")}: validation of module 'dies' failed: the kernel died while running cell 4 (out of memory, os._exit, or a crash in native code?)
    cell begins:
"""
        in result.output
    ), result.output


def test_missing_import(catalogue):
    root, texts, result = catalogue
    assert (
        f"""validate:missing failed:
{where(texts, "missing", "import nonexistent_helper_lib")}: validation of module 'missing' failed: import nonexistent_helper_lib
    ModuleNotFoundError: No module named 'nonexistent_helper_lib'
"""
        in result.output
    ), result.output
    assert (
        f"check_student:missing failed:\n{where(texts, 'missing', 'import nonexistent_helper_lib')}: the student version of module 'missing' is broken beyond its stubs here: import nonexistent_helper_lib"
        in result.output
    )


def test_wrong_solution_in_a_dependency_blocks_its_dependents(catalogue):
    root, texts, result = catalogue
    assert (
        f"validate:base failed:\n{where(texts, 'base', '    assert double(2) == 4')}: validation of module 'base' failed: assert double(2) == 4\n    AssertionError: assert np.int64(8) == 4\n"
        in result.output
    )
    assert (
        "\nskipped: validate of user; check_student of user (they import base, which failed validation)\n"
        in result.output
    ), result.output
    assert "validate:user failed" not in result.output and "check_student:user failed" not in result.output
    assert not (root / "build/executed/07_user").exists()


def test_broken_scaffolding_fails_check_student(catalogue):
    """Issue 17: a student version that dies with a NameError (the name is defined only in an instructor
    cell) is broken beyond its stubs, whatever the solution does."""
    root, texts, result = catalogue
    assert "validate:scaffold failed" not in result.output
    assert (
        f"""check_student:scaffold failed:
{where(texts, "scaffold", "print(len(scaffold_instructor_reference))")}: the student version of module 'scaffold' is broken beyond its stubs here: print(len(scaffold_instructor_reference))
    NameError: name 'scaffold_instructor_reference' is not defined
    A student could not get past this by implementing the exercises (stubs: double ({where(texts, "scaffold", "    ### BEGIN SOLUTION")})). Fix the scaffolding: only a stub's NotImplementedError may stop a cell.
"""
        in result.output
    ), result.output
    assert not (root / "build/checks/08_scaffold").exists()


def test_a_student_version_failing_only_at_stubs_passes_and_names_them(catalogue):
    root, texts, result = catalogue
    report = json.loads((root / "build/checks/01_value/student-check.json").read_text())
    assert report["stubs"] == ["double"] and report["cells_stopping_at_a_stub"] == ["test-double"]
    assert (
        f"check_student:value: 1 function(s) for students to implement: double ({where(texts, 'value', '    ### BEGIN SOLUTION')})"
        in result.output
    )


def test_check_student_runs_with_the_run_all_hook_yet_counts_stubs_as_stops(catalogue):
    """The student version opens with the Run All cell and its scratch copy holds tito/runall.py, as the student
    repository does: the kernel's TITO_STRICT alone keeps test-double stopping at its stub (the test above)."""
    from tasks.course.context import load
    from tasks.graph.task_execute import execution_layout, prepared
    from tasks.variants.stubs import RUN_ALL_ID

    root, texts, result = catalogue
    course, paths = load(root)
    module = course.module("value")
    assert {"tito/__init__.py", "tito/runall.py"} <= set(execution_layout(course, paths, module, "student"))
    assert prepared(course, paths, module, "student")[1].cells[1].id == RUN_ALL_ID
    report = json.loads((root / "build/checks/01_value/student-check.json").read_text())
    assert report["cells_stopping_at_a_stub"] == ["test-double"]
