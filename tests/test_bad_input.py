"""The bad-input catalogue (issue "Hardening"), end to end through real `doit` runs.

Every row starts from a copy of one mini course that was built once (so good outputs exist), applies ONE bad
edit, runs doit as a subprocess and asserts:

- a non-zero exit;
- a message that names the file and the exact line (`course.yaml:7: ...`, `modules/01_alpha/alpha.py:23: ...`;
  the line is computed from the edited text, never hard-coded) and says what to do;
- no Python traceback, and no error blamed on a module that was not touched;
- NO CHANGE: build/, tinytorch/ and the student repo are exactly as they were (for a source error, the broken
  module's previous outputs stay and the other modules are untouched).

Special rows: Windows line endings must build, byte-identical to the LF source; a 5 MB source must warn (or
refuse clearly); an unreachable remote completes the release locally and prints the exact retry command.

Rows marked xfail(strict=True) are engine gaps this catalogue found; each reason says what is wrong.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from conftest import run_doit, write_mini_course

COURSE = "course.yaml"
ALPHA = "modules/01_alpha/alpha.py"
BETA = "modules/02_beta/beta.py"
ALPHA_NB = "modules/01_alpha/alpha.ipynb"
REPO = "student-repo"
TRACEBACK = "Traceback (most recent call last)"
GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "GIT_AUTHOR_NAME": "Student",
    "GIT_AUTHOR_EMAIL": "s@example.invalid",
    "GIT_COMMITTER_NAME": "Student",
    "GIT_COMMITTER_EMAIL": "s@example.invalid",
}


# --- fixtures: one build, one first release; every row works on its own copy ----------------------------


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """The mini course (alpha week 1, beta week 2 depending on alpha), fully built once."""
    root = write_mini_course(tmp_path_factory.mktemp("bad-input") / "course")
    result = run_doit(root)
    assert result.returncode == 0, result.output
    return root


@pytest.fixture(scope="session")
def released(built, tmp_path_factory) -> Path:
    """The built course after a first good release (week 1: alpha's exercises)."""
    root = tmp_path_factory.mktemp("bad-input-released") / "course"
    shutil.copytree(built, root, symlinks=True)
    result = run_doit(root, "release", "week=1")
    assert result.returncode == 0, result.output
    assert git(root / REPO, "tag") == "week1"
    return root


def copy_of(base: Path, tmp_path: Path) -> Path:
    target = tmp_path / "course"
    shutil.copytree(base, target, symlinks=True)
    return target


# --- what "no change" means ------------------------------------------------------------------------------


def git(repo: Path, *args: str, check: bool = True) -> str:
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=GIT_ENV)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def snapshot(root: Path) -> dict:
    """build/ and tinytorch/ (path -> bytes), and the student repo: HEAD, refs, index, working files."""
    files = {}
    for folder in ("build", "tinytorch"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and ".cache" not in path.parts:  # build/.cache: course.yaml parsed, not an output
                files[str(path.relative_to(root))] = path.read_bytes()
    repo = root / REPO
    state: dict = {"exists": repo.exists()}
    if (repo / ".git").exists():
        state.update(
            head=git(repo, "symbolic-ref", "-q", "HEAD", check=False),
            refs=git(repo, "show-ref", check=False),
            index=git(repo, "ls-files", "-s"),
        )
    if repo.is_dir():
        state["files"] = {
            str(p.relative_to(repo)): p.read_bytes()
            for p in sorted(repo.rglob("*"))
            if p.is_file() and ".git" not in p.relative_to(repo).parts
        }
    return {"files": files, "student_repo": state}


def changed(before: dict, after: dict) -> list[str]:
    """What differs between two snapshots, in words (for assertion messages)."""
    diffs = [
        path
        for path in sorted(set(before["files"]) | set(after["files"]))
        if before["files"].get(path) != after["files"].get(path)
    ]
    if before["student_repo"] != after["student_repo"]:
        diffs.append(f"{REPO} (refs, index or files)")
    return diffs


# --- what "a clear message" means ------------------------------------------------------------------------


def messages_at(output: str, where: str) -> list[str]:
    """Every message that starts with `where: ` (a regex), each with its indented continuation lines."""
    found = [m.group(0) for m in re.finditer(rf"^(?:{where}): .*(?:\n[ \t]+.*)*", output, re.M)]
    assert found, f"no message starting with {where!r}: in the output:\n{output}"
    return found


def assert_clear(output: str, where: str, says=(), forbid=(), root: Path | None = None) -> str:
    """No traceback; one message at `where` holds every fragment of `says`; nothing of `forbid` anywhere."""
    assert TRACEBACK not in output, output
    says = [fragment(root) if callable(fragment) else fragment for fragment in says]
    candidates = messages_at(output, where)
    message = next((m for m in candidates if all(fragment in m for fragment in says)), None)
    assert message is not None, f"no message at {where!r} holds all of {says!r}; found {candidates!r}"
    for fragment in forbid:
        assert fragment not in output, f"{fragment!r} should not be in the output:\n{output}"
    return message


def at(file: str, line: int) -> str:
    return re.escape(f"{file}:{line}")


# --- rows and edits: each edit applies one bad change and returns where the message must point --------------


@dataclass(frozen=True)
class Case:
    id: str
    edit: Callable[[Path], str]  # applies the bad edit; returns the regex of `file:line` the message must start with
    says: tuple  # fragments of that message, what is wrong and what to do (str, or root -> str for computed lines)
    forbid: tuple[str, ...] = ()  # must appear nowhere in the output (misleading follow-on errors)
    xfail: str | None = None  # an engine gap this row shows


def rows(cases: list[Case]) -> list:
    return [
        pytest.param(c, id=c.id, marks=[pytest.mark.xfail(strict=True, reason=c.xfail)] if c.xfail else [])
        for c in cases
    ]


def line_of(text: str, needle: str, occurrence: int = 0) -> int:
    """1-based number of the `occurrence`-th line containing `needle`."""
    numbers = [n for n, line in enumerate(text.split("\n"), 1) if needle in line]
    assert len(numbers) > occurrence, f"{needle!r} is not in the text {occurrence + 1} time(s)"
    return numbers[occurrence]


def change(file: str, old: str, new: str, point: str | None = None, occurrence: int = 0, count: int = 1) -> Callable:
    """Replace `old` by `new` in `file`; the message must point at the line holding `point` (default: `new`'s
    first non-blank line) in the edited file."""

    def edit(root: Path) -> str:
        path = root / file
        text = path.read_text()
        assert old in text, f"{old!r} not in {file}"
        text = text.replace(old, new, count)
        path.write_text(text)
        needle = point if point is not None else next(text for text in new.split("\n") if text.strip()).strip()
        return at(file, line_of(text, needle, occurrence))

    return edit


def said(template: str, file: str, needle: str) -> Callable[[Path], str]:
    """A message fragment naming a line, computed from the edited file: `template` with {line} filled in."""
    return lambda root: template.format(line=line_of((root / file).read_text(), needle))


def writes(file: str, data: bytes | str, line: int) -> Callable:
    def edit(root: Path) -> str:
        path = root / file
        path.write_bytes(data) if isinstance(data, bytes) else path.write_text(data)
        return at(file, line)

    return edit


def bad_byte(file: str, old: bytes, new: bytes) -> Callable:
    """Put a byte that is not UTF-8 into a file: the message names the line it is on."""

    def edit(root: Path) -> str:
        path = root / file
        data = path.read_bytes()
        assert old in data
        data = data.replace(old, new, 1)
        path.write_bytes(data)
        return at(file, data[: data.index(b"\xe9")].count(b"\n") + 1)

    return edit


def source_is_a_directory(root: Path) -> str:
    source = root / ALPHA
    source.unlink()
    source.mkdir()
    (source / "notes.txt").write_text("a folder named like the source\n")
    return at(COURSE, line_of((root / COURSE).read_text(), "source: alpha.py"))


def source_is_a_symlink_out(root: Path) -> str:
    outside = root.parent / "outside-alpha.py"
    shutil.copy2(root / ALPHA, outside)
    (root / ALPHA).unlink()
    (root / ALPHA).symlink_to(outside)
    return at(COURSE, line_of((root / COURSE).read_text(), "source: alpha.py"))


def folder_outside(root: Path) -> str:
    """`folder: ../outside`, and the folder really exists there (so only the escape is wrong)."""
    shutil.copytree(root / "modules/01_alpha", root.parent / "outside")
    return change(COURSE, "folder: modules/01_alpha", "folder: ../outside")(root)


def folder_absolute(root: Path) -> str:
    """An absolute folder, even one pointing at the right place, is refused: the repo must stay movable."""
    return change(COURSE, "folder: modules/01_alpha", f"folder: {root / 'modules/01_alpha'}")(root)


def dependency_released_later(root: Path) -> str:
    """alpha moves to week 3, after beta (week 2), which imports it: reported at beta's `depends_on`."""
    change(COURSE, "release: 1", "release: 3")(root)
    change(COURSE, "solutions: 2\n", "solutions: 4\n")(root)
    return at(COURSE, line_of((root / COURSE).read_text(), "depends_on: [alpha]"))


def without_test_cell(root: Path) -> str:
    path = root / ALPHA
    text = path.read_text()
    start = text.index('# %% nbgrader={"grade": true')
    end = text.index("# %% nbgrader", start + 1)
    path.write_text(text[:start] + text[end:])
    return at(ALPHA, 1)  # a module-wide problem: the engine's convention is line 1


def beta_loses_its_dependency(root: Path) -> str:
    """course.yaml drops `depends_on: [alpha]` while beta.py still imports tinytorch.core.alpha."""
    change(COURSE, "depends_on: [alpha]", "depends_on: []")(root)
    return at(BETA, line_of((root / BETA).read_text(), "from tinytorch.core.alpha import"))


def as_notebook(root: Path) -> str:
    """Turn alpha's source into the equivalent .ipynb (course.yaml follows); returns the notebook's JSON text."""
    import jupytext
    import nbformat

    nb = jupytext.read(root / ALPHA)
    (root / ALPHA).unlink()
    change(COURSE, "source: alpha.py", "source: alpha.ipynb")(root)
    return nbformat.writes(nb)


def notebook_code_cell_without_outputs(root: Path) -> str:
    """Valid JSON, but not nbformat: the second code cell (`double`) has no "outputs" key."""
    lines = as_notebook(root).split("\n")
    code_cells = [n for n, line in enumerate(lines) if '"cell_type": "code"' in line]
    cell = code_cells[1]
    outputs = next(n for n in range(cell, len(lines)) if lines[n].strip().startswith('"outputs"'))
    del lines[outputs]
    (root / ALPHA_NB).write_text("\n".join(lines))
    opening = max(n for n in range(cell) if lines[n].strip() == "{")
    cell_number = sum(1 for line in lines[: cell + 1] if '"cell_type"' in line)
    # the JSON line of that cell (its `{` or its "cell_type"), or the engine's `file (cell N` form
    return rf"{re.escape(ALPHA_NB)}(?::(?:{opening + 1}|{cell + 1})| \(cell {cell_number}\))"


def json_that_is_not_a_notebook(root: Path) -> str:
    """A hand-written JSON file with cells but no "nbformat" version: not a Jupyter notebook."""
    as_notebook(root)
    cells = [{"cell_type": "code", "source": "#| default_exp core.alpha\n#| export\ndef double(x):\n    return 2 * x"}]
    (root / ALPHA_NB).write_text(json.dumps({"cells": cells, "metadata": {}}, indent=1) + "\n")
    return at(ALPHA_NB, 1)


def notebook_with_broken_json(root: Path) -> str:
    """A notebook edited by hand: a doubled comma on the first code cell's "cell_type" line."""
    lines = as_notebook(root).split("\n")
    broken = next(n for n, line in enumerate(lines) if '"cell_type": "code",' in line)
    lines[broken] += ","
    (root / ALPHA_NB).write_text("\n".join(lines))
    return at(ALPHA_NB, broken + 1)


# --- the catalogue: course.yaml ----------------------------------------------------------------------------

YAML_CASES = [
    Case(
        "yaml-not-yaml",
        change(COURSE, "    source: alpha.py", "   source: alpha.py"),
        ("is not valid YAML", "fix the syntax at this line"),
    ),
    Case("yaml-empty-file", writes(COURSE, b"", 1), ("is empty", "it must describe the course")),
    Case(
        "yaml-not-utf8",
        bad_byte(COURSE, b"name: beta", b"name: b\xe9ta"),
        ("is not valid UTF-8", "save the file as UTF-8"),
    ),
    Case(
        "yaml-release-is-text",
        change(COURSE, "release: 2", "release: two"),
        ("modules[1].release", "expected a whole number", "'two'"),
    ),
    Case(
        "yaml-depends-on-not-a-list",
        change(COURSE, "depends_on: [alpha]", "depends_on: alpha"),
        ("modules[1].depends_on", "expected a list", "'alpha'"),
    ),
    Case(
        "yaml-unknown-key",
        change(COURSE, "solutions: 2", "solution: 2"),
        ("modules[0].solution", "unknown key 'solution'", "did you mean 'solutions'?"),
    ),
    Case(
        "yaml-duplicate-key",
        change(COURSE, "    release: 2\n", "    release: 2\n    release: 3\n", point="release: 3"),
        (
            "modules[1].release",
            said("duplicate key (first given on line {line})", COURSE, "release: 2"),
            "keep one of them",
        ),
    ),
    Case(
        "yaml-duplicate-module",
        change(COURSE, "name: beta", "name: alpha", point="name: alpha", occurrence=1),
        (
            "modules[1].name",
            said("duplicate module name 'alpha' (first on line {line})", COURSE, "name: alpha"),
            "rename one",
        ),
    ),
    Case(
        "yaml-dependency-cycle",
        change(COURSE, "depends_on: []", "depends_on: [beta]"),
        ("modules[0].depends_on", "dependency cycle alpha -> beta -> alpha", "can only depend on earlier ones"),
    ),
    Case(
        "yaml-unknown-dependency",
        change(COURSE, "depends_on: [alpha]", "depends_on: [alpah]"),
        ("'alpah' is not a module of this course", "did you mean 'alpha'?"),
    ),
    Case(
        "yaml-solutions-before-release",
        change(COURSE, "solutions: 3", "solutions: 1"),
        ("modules[1].solutions", "week 1 is before the release week 2", "in or after the release week"),
    ),
    Case(
        "yaml-dependency-released-later",
        dependency_released_later,
        ("'alpha' is released in week 3, after 'beta' (week 2)", "release 'alpha' in week 2 or earlier"),
    ),
    Case(
        "yaml-folder-dotdot",
        folder_outside,
        ("modules[0].folder", "'../outside' leaves the repository", "use a relative path"),
    ),
    Case(
        "yaml-folder-absolute", folder_absolute, ("modules[0].folder", "leaves the repository", "use a relative path")
    ),
    Case(
        "yaml-student-repo-outside",
        change(
            COURSE,
            "course: Mini\n",
            "course: Mini\nstudent_repo:\n  path: ../student-repo\n",
            point="path: ../student-repo",
        ),
        ("student_repo.path", "leaves the repository", "use a path inside it"),
    ),
    Case(
        "yaml-source-is-a-directory",
        source_is_a_directory,
        ("modules[0].source", "is not a file", "point source at the module's .py or .ipynb file"),
    ),
    Case(
        "yaml-source-symlink-out-of-repo",
        source_is_a_symlink_out,
        ("modules[0].source", "is a symlink out of the repository", "copy the file in instead"),
    ),
    Case(
        "yaml-tag-unknown-placeholder",
        change(COURSE, "course: Mini\n", "course: Mini\nstudent_repo:\n  tag: wk{wek}\n", point="tag: wk{wek}"),
        ("student_repo.tag", "uses {wek}", "the only placeholder is {week}"),
    ),
    Case(
        "yaml-tag-not-a-git-ref",
        change(COURSE, "course: Mini\n", "course: Mini\nstudent_repo:\n  tag: week {week}\n", point="tag: week {week}"),
        ("student_repo.tag", "does not make a valid git tag name: 'week 1'", "no spaces"),
    ),
    Case(
        "yaml-tag-ends-in-lock",
        change(
            COURSE,
            "course: Mini\n",
            "course: Mini\nstudent_repo:\n  tag: week{week}.lock\n",
            point="tag: week{week}.lock",
        ),
        ("student_repo.tag", "'week1.lock'", "ending with '.lock'"),
    ),
    Case(
        "yaml-branch-not-a-git-ref",
        change(COURSE, "course: Mini\n", "course: Mini\nstudent_repo:\n  branch: main..x\n", point="branch: main..x"),
        ("student_repo.branch", "'main..x' is not a valid git branch name", "'..'"),
    ),
    Case(
        "yaml-kernel-not-installed",
        change(
            COURSE, "course: Mini\n", "course: Mini\nexecution:\n  kernel: nosuchkernel\n", point="kernel: nosuchkernel"
        ),
        ("execution.kernel", "'nosuchkernel' is not an installed Jupyter kernel", "installed: "),
    ),
    Case(
        "yaml-folder-is-the-root",
        change(COURSE, "folder: modules/01_alpha", "folder: ."),
        ("modules[0].folder", "'.' is the repository root", "its own folder"),
    ),
]


@pytest.mark.parametrize("case", rows(YAML_CASES))
def test_bad_course_yaml(case: Case, built: Path, tmp_path: Path):
    root = copy_of(built, tmp_path)
    where = case.edit(root)
    before = snapshot(root)
    for command in (["list"], []):
        result = run_doit(root, *command)
        assert result.returncode != 0, f"doit {' '.join(command)} succeeded:\n{result.output}"
        assert "course.yaml has problems, nothing was built" in result.output
        assert_clear(result.output, where, case.says, case.forbid, root)
        assert result.ran == set(), result.output
    assert changed(before, snapshot(root)) == []


# --- the catalogue: module sources ---------------------------------------------------------------------------

TEST_CELL = '"grade_id": "test-double", "locked": true'
SOLUTION_CELL = '"grade_id": "mini-double", "locked": false, "schema_version": 3, "solution": true'
BEGIN, END = "    ### BEGIN SOLUTION\n", "    ### END SOLUTION\n"

SOURCE_CASES = [
    Case(
        "src-invalid-json-metadata",
        change(
            ALPHA,
            '"grade_id": "mini-double", "locked"',
            "'grade_id': 'mini-double', \"locked\"",
            point="'grade_id': 'mini-double'",
        ),
        ("the metadata on this cell's '# %%' line is not valid JSON", "with double quotes"),
    ),
    Case(
        "src-nested-markers",
        change(
            ALPHA,
            "    return alpha_doubled\n",
            BEGIN + "    return alpha_doubled\n",
            point="### BEGIN SOLUTION",
            occurrence=1,
        ),
        ("nested marker", "close that one first with '### END SOLUTION'"),
    ),
    Case(
        "src-begin-never-closed",
        change(ALPHA, END, "", point="### BEGIN SOLUTION"),
        ("'### BEGIN SOLUTION' is never closed in this cell", "add '### END SOLUTION'"),
    ),
    Case(
        "src-misspelled-marker",
        change(ALPHA, "### END SOLUTION", "### END SOLUTOIN"),
        ("looks like a marker but is not one", "write exactly '### END SOLUTION'"),
    ),
    Case(
        "src-marker-in-markdown",
        change(
            ALPHA,
            "A one-function module for fast tests.\n",
            "A one-function module for fast tests.\n### BEGIN SOLUTION\n",
            point="### BEGIN SOLUTION",
        ),
        ("'### BEGIN SOLUTION' is never closed in this cell", "add '### END SOLUTION'"),
    ),
    Case(
        "src-marker-with-a-no-break-space",
        change(ALPHA, "    ### END SOLUTION", "    ###\u00a0END SOLUTION", point="END SOLUTION"),
        (
            "looks like a marker but is not one (it contains U+00A0 (NO-BREAK SPACE), not plain spaces)",
            "write exactly '### END SOLUTION'",
        ),
    ),
    Case(
        "src-hide-look-alike",
        change(ALPHA, "#| hide\n", "# | hide\n"),
        ("looks like a directive but is not one", "write exactly '#| hide'"),
    ),
    Case(
        "src-class-body-region-with-an-assignment",
        change(
            ALPHA,
            "#| export\ndef double",
            "class Scale:\n    ### BEGIN SOLUTION\n    factor = 2\n    ### END SOLUTION\n\n#| export\ndef double",
            point="### BEGIN SOLUTION",
        ),
        ("directly in the body of class Scale", "keep only whole methods"),
    ),
    Case(
        "src-top-level-region-used-later",
        change(
            ALPHA,
            "#| export\ndef double",
            "### BEGIN SOLUTION\nFACTOR = 2\n### END SOLUTION\nassert FACTOR\n\n#| export\ndef double",
            point="### BEGIN SOLUTION",
        ),
        ("assigns 'FACTOR', which code after it uses", "Put the region inside a function"),
    ),
    Case(
        "src-duplicate-grade-id",
        change(
            ALPHA,
            '"grade_id": "instructor-check"',
            '"grade_id": "mini-imports"',
            point='"grade_id": "mini-imports"',
            occurrence=1,
        ),
        (
            said("duplicate grade_id 'mini-imports' (first used at line {line})", ALPHA, '"grade_id": "mini-imports"'),
            "needs its own id",
        ),
    ),
    Case(
        "src-test-cell-without-points",
        change(ALPHA, '"points": 1, ', "", point=TEST_CELL),
        ("test cell 'test-double' has no points", 'add e.g. "points": 5'),
    ),
    Case(
        "src-solution-region-in-unflagged-cell",
        change(
            ALPHA,
            SOLUTION_CELL,
            SOLUTION_CELL.replace('"solution": true', '"solution": false'),
            point="### BEGIN SOLUTION",
        ),
        ("solution region in a cell not flagged as a solution cell", 'add "solution": true'),
    ),
    Case(
        "src-hidden-tests-outside-a-test-cell",
        change(
            ALPHA,
            "import numpy as np\n",
            "import numpy as np\n### BEGIN HIDDEN TESTS\nassert np\n### END HIDDEN TESTS\n",
            point="### BEGIN HIDDEN TESTS",
        ),
        ("hidden-tests region outside a test cell", 'belong in a cell with "grade": true'),
    ),
    Case(
        "src-import-not-in-depends-on",
        beta_loses_its_dependency,
        ("imports tinytorch.core.alpha from module 'alpha', which is not in depends_on of 'beta'", "add it there"),
    ),
    Case(
        "src-import-of-a-later-module",
        change(
            ALPHA,
            "import numpy as np\n",
            "import numpy as np\nfrom tinytorch.core.beta import double as beta_double\n",
            point="from tinytorch.core.beta",
        ),
        ("imports tinytorch.core.beta", "later"),
        forbid=("add it there",),
    ),
    Case(
        "src-not-utf8",
        bad_byte(ALPHA, b"multiply x by two.", b"multiply x by two (\xe9)."),
        ("contains bytes that are not UTF-8 (byte 0xe9)", "save the file as UTF-8"),
    ),
    Case(
        "src-ipynb-broken-json",
        notebook_with_broken_json,
        ("is not a valid Jupyter notebook (invalid JSON", "fix the JSON"),
        forbid=(BETA, "has no '#| default_exp' line"),
    ),
    Case(
        "src-ipynb-valid-json-not-nbformat",
        notebook_code_cell_without_outputs,
        ("is not a valid Jupyter notebook", "'outputs'"),
        forbid=("'execution_count': None",),
    ),
    Case(
        "src-ipynb-json-without-nbformat-version",
        json_that_is_not_a_notebook,
        ("is not a valid Jupyter notebook", "nbformat"),
        forbid=(BETA, "has no test cell"),
    ),
    Case(
        "src-default-exp-missing",
        change(ALPHA, "#| default_exp core.alpha\n", "", point="# %% [markdown]"),
        ("has no '#| default_exp' line", "add e.g."),
        forbid=(BETA,),
    ),
    Case(
        "src-default-exp-duplicated",
        change(
            ALPHA, "#| export\ndef double", "#| default_exp core.alpha2\n#| export\ndef double", point="core.alpha2"
        ),
        ("has 2 '#| default_exp' lines", "keep exactly one"),
    ),
]
TWO_MODULES_ONE_TARGET = Case(
    "src-two-modules-export-to-one-target",
    change(BETA, "#| default_exp core.beta", "#| default_exp core.alpha"),
    ("exports to tinytorch.core.alpha, as module 'alpha' does", "give each module its own '#| default_exp'"),
)


@pytest.mark.parametrize("case", rows(SOURCE_CASES + [TWO_MODULES_ONE_TARGET]))
def test_bad_module_source(case: Case, built: Path, tmp_path: Path):
    root = copy_of(built, tmp_path)
    where = case.edit(root)
    before = snapshot(root)
    result = run_doit(root)
    assert result.returncode != 0, result.output
    assert_clear(result.output, where, case.says, case.forbid, root)
    if case is not TWO_MODULES_ONE_TARGET:  # only alpha was edited: beta must not be blamed
        innocent = ALPHA if "02_beta" in where else BETA
        assert not re.search(rf"^{re.escape(innocent)}\S*: ", result.output, re.M), result.output
    assert changed(before, snapshot(root)) == []


def test_a_module_without_a_test_cell_builds_and_validates_with_a_warning(built: Path, tmp_path: Path):
    """A capstone or a demo has no graded test cell: a warning, and every task of the module still runs."""
    root = copy_of(built, tmp_path)
    where = without_test_cell(root)
    result = run_doit(root)
    assert result.returncode == 0, result.output
    assert_clear(result.output, where, ("warning: the module has no graded test cell", "still builds and validates"))
    assert {"lint:alpha", "student:alpha", "solution:alpha", "validate:alpha"} <= result.ran, result.output


def test_windows_line_endings_build_byte_identical_outputs_with_a_warning(built: Path, tmp_path: Path):
    root = copy_of(built, tmp_path)
    before = snapshot(root)  # built from the LF source
    source = root / ALPHA
    source.write_bytes(source.read_bytes().replace(b"\n", b"\r\n"))
    result = run_doit(root)
    assert result.returncode == 0, result.output
    assert TRACEBACK not in result.output
    assert_clear(result.output, at(ALPHA, 1), ("warning: uses Windows (CRLF) line endings", "built outputs use LF"))
    assert {"lint:alpha", "student:alpha", "solution:alpha"} <= result.ran  # rebuilt from the CRLF source ...
    assert changed(before, snapshot(root)) == []  # ... byte-identical to the LF build


def test_a_5_mb_source_warns_naming_the_file_and_its_size(built: Path, tmp_path: Path):
    """5 MB of markdown appended: the engine may build it with a warning, or refuse it clearly (then no change)."""
    root = copy_of(built, tmp_path)
    source = root / ALPHA
    text = source.read_text()
    paragraph = "\n# %% [markdown]\n" + "".join(
        f"# Filler paragraph {i:02d}: " + "lorem ipsum " * 400 + "\n" for i in range(20)
    )
    while len(text.encode()) < 5 * 1024 * 1024:
        text += paragraph  # markdown only: nothing new to execute
    source.write_text(text)
    megabytes = len(text.encode()) / 1024 / 1024
    before = snapshot(root)
    result = run_doit(root)
    assert TRACEBACK not in result.output
    label = "warning: " if result.returncode == 0 else ""
    sizes = [
        re.search(rf"^\S+: {label}.*?(\d+(?:\.\d+)?) ?MB", m)
        for m in messages_at(result.output, rf"{re.escape(ALPHA)}(?::\d+)?")
    ]
    found = next((s for s in sizes if s), None)
    assert found, f"no {label or 'error naming the '}size in MB for {ALPHA}:\n{result.output}"
    assert abs(float(found[1]) - megabytes) < 0.15, (found[0], megabytes)
    if result.returncode == 0:  # built, with the warning
        assert {"lint:alpha", "student:alpha", "solution:alpha"} <= result.ran
        assert "validate:alpha" not in result.ran  # markdown only: nothing executed again
    else:  # refused: nothing changed
        assert changed(before, snapshot(root)) == []


def test_invalid_json_metadata_is_reported_alone(built: Path):
    """src-invalid-json-metadata, stricter (in-process, same lint the doit run uses): no invented follow-on error."""
    from tasks.variants.lint import LintInput, lint
    from tasks.notebook.source import reads_source

    text = (
        (built / ALPHA)
        .read_text()
        .replace('"grade_id": "mini-double", "locked"', "'grade_id': 'mini-double', \"locked\"")
    )
    findings = lint(
        LintInput(reads_source(text, ALPHA, "py"), "alpha", (), {"core.alpha": "alpha", "core.beta": "beta"})
    )
    errors = [str(f) for f in findings if f.severity == "error"]
    assert len(errors) == 1 and "is not valid JSON" in errors[0], errors


# --- the catalogue: releases -------------------------------------------------------------------------------


def first_release_in_week_2(root: Path) -> None:
    change(COURSE, "release: 1", "release: 2")(root)
    change(COURSE, "solutions: 2\n", "solutions: 3\n")(root)


def make_dirty(root: Path) -> None:
    (root / REPO / "README.md").write_text("edited by hand\n")
    (root / REPO / "notes.txt").write_text("untracked\n")


def not_a_git_repo(root: Path) -> None:
    shutil.rmtree(root / REPO)
    (root / REPO).mkdir()
    (root / REPO / "homework.txt").write_text("a folder that happens to be there\n")


@dataclass(frozen=True)
class ReleaseCase:
    id: str
    week: str
    prepare: Callable[[Path], None]
    where: Callable[[Path], str]  # regex of the place the message must start with
    says: tuple[str, ...]


def repo_where(root: Path) -> str:
    return re.escape(REPO)  # a repository has no lines: the message starts with its path


RELEASE_CASES = [
    ReleaseCase(
        "release-week-not-a-number",
        "abc",
        lambda root: None,
        lambda root: re.escape("command line"),
        ("week='abc' is not a week number", "use a whole number such as week=5"),
    ),
    ReleaseCase(
        "release-week-before-any-release",
        "1",
        first_release_in_week_2,
        lambda root: at(COURSE, line_of((root / COURSE).read_text(), "name: alpha")),
        (
            "week 1 is before the first release (week 2, module 'alpha')",
            "nothing to release",
            "release week 2 or later",
        ),
    ),
    ReleaseCase(
        "release-dirty-student-repo",
        "2",
        make_dirty,
        repo_where,
        ("has uncommitted changes", "README.md", "notes.txt", "commit or remove them first", "nothing was released"),
    ),
    ReleaseCase(
        "release-student-repo-not-a-git-repo",
        "2",
        not_a_git_repo,
        repo_where,
        ("exists but is not a git repository", "move it away"),
    ),
    ReleaseCase(
        "release-diverged-branch",
        "2",
        lambda root: git(root / REPO, "commit", "--amend", "--allow-empty", "-m", "rewritten by hand"),
        repo_where,
        ("does not descend from the last release tag 'week1'", "Week 1: exercises for alpha", "reset --keep week1"),
    ),
    ReleaseCase(
        "release-tag-exists-elsewhere",
        "2",
        lambda root: git(root / REPO, "tag", "-a", "week2", "-m", "made by hand", "HEAD"),
        repo_where,
        ("tag 'week2' already exists", "nothing was changed", "errata=1", "force=1"),
    ),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in RELEASE_CASES])
def test_bad_release(case: ReleaseCase, released: Path, tmp_path: Path):
    root = copy_of(released, tmp_path)
    case.prepare(root)
    before = snapshot(root)
    result = run_doit(root, "release", f"week={case.week}")
    assert result.returncode != 0, result.output
    assert_clear(result.output, case.where(root), case.says)
    assert changed(before, snapshot(root)) == []


def test_release_with_an_unreachable_remote_completes_locally_and_prints_the_retry_command(
    released: Path, tmp_path: Path
):
    root = copy_of(released, tmp_path)
    remote = tmp_path / "remote.git"  # not there yet: unreachable
    change(COURSE, "course: Mini\n", f"course: Mini\nstudent_repo:\n  remote: {remote}\n")(root)
    result = run_doit(root, "release", "week=2")
    assert result.returncode != 0, result.output
    retry = f"git -C {REPO} push --atomic {remote} refs/heads/main:refs/heads/main refs/tags/week1:refs/tags/week1 refs/tags/week2:refs/tags/week2"
    message = assert_clear(
        result.output,
        repo_where(root),
        (
            "the release is complete locally",
            f"pushing to {remote} failed",
            "Nothing was force-pushed",
            retry,
            "run the same release again",
        ),
    )
    assert f"\n    {retry}\n" in message + "\n"  # on a line of its own, ready to copy
    repo = root / REPO
    assert git(repo, "tag").split() == ["week1", "week2"]
    assert git(repo, "rev-parse", "week2^{commit}") == git(repo, "rev-parse", "HEAD")
    assert git(repo, "log", "-1", "--format=%s") == "Week 2: solutions for alpha; exercises for beta"
    assert git(repo, "status", "--porcelain") == ""
    # and the printed command really finishes the job once the remote is there
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True, env=GIT_ENV)
    pushed = subprocess.run(shlex.split(retry), cwd=root, capture_output=True, text=True, env=GIT_ENV)
    assert pushed.returncode == 0, pushed.stderr
    assert git(remote, "rev-parse", "main") == git(repo, "rev-parse", "HEAD")
    assert git(remote, "rev-parse", "week2^{commit}") == git(repo, "rev-parse", "HEAD")
