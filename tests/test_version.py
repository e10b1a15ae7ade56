"""Versions of the course (`tito version`): cuts with their tags and CHANGELOG sections, the semver refusals, a
failing gate that blocks the cut, the wheel installed into a fresh venv (the one comprehensive run), the module
metadata and docs gates, and the students' CHANGES.md entries. Real tito, doit, git and kernels on the mini
course; every other run stays at the quick level (no kernel)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from datetime import date
from pathlib import Path

import pytest

from conftest import MINI_SOURCE, REPO, run_doit, write_mini_course
from tasks.base.errors import CourseError
from tasks.cli.release_check import parsed_findings
from tasks.notebook.source import reads_source
from tasks.version import changelog, semver
from tasks.compile.compiled import compile_notebook
from tasks.course.model import Markup, Module
from tasks.version.compiled import level_needed, module_changes, outline
from tasks.version.links import broken_links, links
from tasks.version.student_changes import describe, with_entry

TITO = Path(sys.executable).parent / "tito"
IDENTITY = {
    "GIT_AUTHOR_NAME": "I",
    "GIT_AUTHOR_EMAIL": "i@x.invalid",
    "GIT_COMMITTER_NAME": "I",
    "GIT_COMMITTER_EMAIL": "i@x.invalid",
}


def tito(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "DOIT_", "COURSEBUILD_"))}
    env["GIT_CONFIG_GLOBAL"] = os.devnull  # no identity: the cut falls back to course.yaml's author
    return subprocess.run([str(TITO), *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=900)


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", **IDENTITY}
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True, env=env).stdout


def commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().split("\n"), 1) if text in line)


@pytest.fixture
def course(tmp_path) -> Path:
    """The mini course (alpha, beta) in a git repository of its own, committed."""
    root = write_mini_course(tmp_path / "course")
    shutil.copy2(REPO / ".gitignore", root / ".gitignore")
    git(root, "init", "-q", "-b", "main")
    commit(root, "course")
    return root


def add_module(root: Path, name: str, number: int) -> None:
    folder = root / "modules" / f"{number:02d}_{name}"
    folder.mkdir(parents=True)
    (folder / f"{name}.py").write_text(MINI_SOURCE.replace("{name}", name))
    entry = f"  - name: {name}\n    folder: modules/{number:02d}_{name}\n    source: {name}.py\n    release: {number}\n    solutions: {number + 1}\n"
    (root / "course.yaml").write_text((root / "course.yaml").read_text() + entry)


def cut(root: Path, *args: str) -> subprocess.CompletedProcess:
    return tito(root, "version", "cut", *args, "--level", "quick")


def section(root: Path, tag: str) -> str:
    text = (root / "CHANGELOG.md").read_text()
    start = text.index(f"## {tag} ")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def test_rc_patch_minor_and_major_are_tagged_with_their_changelog_and_a_wrong_level_is_refused(course, tmp_path):
    preview = cut(course, "rc", "--dry-run")
    assert (
        preview.returncode == 0
        and "v0.1.0-rc1 would be tagged" in preview.stdout
        and "## v0.1.0-rc1 (" in preview.stdout
    )
    assert git(course, "tag", "--list") == "" and not (course / "CHANGELOG.md").exists()
    done = cut(course, "rc")
    assert done.returncode == 0, done.stdout + done.stderr
    assert git(course, "cat-file", "-t", "v0.1.0-rc1").strip() == "tag"  # annotated
    message = git(course, "tag", "-l", "--format=%(contents)", "v0.1.0-rc1")
    assert "Release check: quick, 5 of 5 gates passed, 6 skipped" in message and "- lint: passed" in message
    assert "### Modules added" in message and "- alpha (`modules/01_alpha`): exercises `mini-double`" in message
    first = section(course, "v0.1.0-rc1")
    assert re.match(r"## v0\.1\.0-rc1 \(\d{4}-\d\d-\d\d\)\n", first), first
    assert "The first version." in first and "- beta (`modules/02_beta`)" in first
    assert cut(course, "minor").returncode == 0  # the release candidate becomes the version
    assert git(course, "describe", "--tags").strip() == "v0.1.0"

    solution = course / "modules/01_alpha/alpha.py"  # a fix: the solution computes the same another way
    solution.write_text(solution.read_text().replace("np.asarray(x) * 2", "2 * np.asarray(x)"))
    commit(course, "fix alpha")
    refused = cut(course, "major")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert (
        "nothing since v0.1.0 needs a major version: the changes need patch (alpha: solution of `mini-double` changed)"
        in refused.stderr
    )
    anyway = cut(course, "major", "--reason", "complete set", "--dry-run")
    assert anyway.returncode == 0 and "Cut as major (complete set); the changes alone need patch." in anyway.stdout
    (tmp_path / "notes.md").write_text("Alpha's solution reads like the text now.\n")
    done = cut(course, "patch", "--notes-file", str(tmp_path / "notes.md"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "- alpha: solution of `mini-double` changed" in section(course, "v0.1.1")
    assert "### Notes\n\nAlpha's solution reads like the text now." in section(course, "v0.1.1")

    add_module(course, "gamma", 3)
    commit(course, "a new module")
    refused = cut(course, "patch")
    assert "a patch version is too small for what changed since v0.1.1: module gamma added" in refused.stderr
    assert "`tito version cut minor`" in refused.stderr
    assert cut(course, "minor").returncode == 0
    assert "### Modules added\n\n- gamma (`modules/03_gamma`): exercises `mini-double`" in section(course, "v0.2.0")

    beta = course / "modules/02_beta/beta.py"  # an exercise's signature changes: students' code breaks
    beta.write_text(beta.read_text().replace("def double(x):", "def double(x, factor=2):"))
    commit(course, "beta takes a factor")
    refused = cut(course, "minor")
    assert "beta: exercise `mini-double`: `def double(x)` is now `def double(x, factor=2)`" in refused.stderr
    assert "needs `tito version cut major`" in refused.stderr
    assert cut(course, "major").returncode == 0
    assert "### Breaking changes (students' work on these must change)\n\n- beta: exercise `mini-double`" in section(
        course, "v1.0.0"
    )
    assert git(course, "tag", "--list").split() == ["v0.1.0", "v0.1.0-rc1", "v0.1.1", "v0.2.0", "v1.0.0"]
    for tag in ("v0.1.1", "v0.2.0", "v1.0.0"):  # each tag names the commit whose CHANGELOG.md has its section
        assert f"## {tag} (" in git(course, "show", f"{tag}:CHANGELOG.md")
    text = (course / "CHANGELOG.md").read_text()
    assert text.index("## v1.0.0") < text.index("## v0.2.0") < text.index("## v0.1.0-rc1")  # newest first
    assert git(course, "status", "--porcelain") == ""
    nothing = cut(course, "patch")
    assert nothing.returncode == 2 and "nothing changed since v1.0.0" in nothing.stderr


def test_a_failing_gate_blocks_the_cut_and_the_report_names_it_at_its_line(course):
    (course / "course.yaml").write_text(
        (course / "course.yaml").read_text().replace("depends_on: [alpha]", "depends_on: []")
    )
    commit(course, "beta's dependency forgotten")
    line = line_of(course / "modules/02_beta/beta.py", "from tinytorch.core.alpha import")
    done = cut(course, "rc")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    where = (
        f"modules/02_beta/beta.py:{line}: imports tinytorch.core.alpha from module 'alpha', which is not in depends_on"
    )
    assert where in done.stderr
    assert "the release check failed (lint, build), so v0.1.0-rc1 was not tagged" in done.stderr
    assert "FAIL  lint" in done.stdout
    assert git(course, "tag", "--list") == "" and not (course / "CHANGELOG.md").exists()
    report, page = (course / "build/version/report.md").read_text(), (course / "build/version/report.html").read_text()
    assert "**FAILED**" in report and any(r.startswith("| lint:") and "| failed |" in r for r in report.split("\n"))
    assert f"- `modules/02_beta/beta.py:{line}`: imports tinytorch.core.alpha" in report
    assert f"<code>modules/02_beta/beta.py:{line}</code>" in page

    (course / "modules/01_alpha/alpha.py").write_text(
        "# an edit, not committed\n" + (course / "modules/01_alpha/alpha.py").read_text()
    )
    dirty = cut(course, "rc")
    assert dirty.returncode == 2 and "has uncommitted changes (modules/01_alpha/alpha.py)" in dirty.stderr


def test_a_source_that_cannot_be_compiled_refuses_the_cut_at_its_line_with_the_report(course):
    source = course / "modules/01_alpha/alpha.py"
    line = line_of(source, "### BEGIN SOLUTION")
    source.write_text(source.read_text().replace("    ### END SOLUTION\n", "", 1))
    commit(course, "a marker lost")
    done = cut(course, "rc")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"modules/01_alpha/alpha.py:{line}: '### BEGIN SOLUTION' is never closed" in done.stderr
    assert "the release check failed (lint, build), so nothing was tagged" in done.stderr
    assert f"`modules/01_alpha/alpha.py:{line}`" in (course / "build/version/report.md").read_text()
    assert git(course, "tag", "--list") == ""


@pytest.mark.parametrize(
    "hook, script",
    [
        ("pre-commit", "#!/bin/sh\necho 'commits are frozen' >&2\nexit 1\n"),
        ("reference-transaction", '#!/bin/sh\n[ "$1" = prepared ] && grep -q refs/tags/ && exit 1\nexit 0\n'),
    ],
)
def test_a_cut_whose_commit_or_tag_fails_leaves_the_repository_as_it_was(course, hook, script):
    before = git(course, "rev-parse", "HEAD")
    path = course / ".git/hooks" / hook
    path.write_text(script)
    path.chmod(0o755)
    done = cut(course, "rc")
    assert done.returncode == 2 and "Traceback" not in done.stderr and "git " in done.stderr
    assert git(course, "rev-parse", "HEAD") == before and git(course, "tag", "--list") == ""
    assert not (course / "CHANGELOG.md").exists() and git(course, "status", "--porcelain") == ""


def test_outside_git_the_check_runs_and_a_cut_is_refused(tmp_path):
    root = write_mini_course(tmp_path / "course")
    checked = tito(root, "version", "check")
    assert checked.returncode == 0 and "PASSED: quick, 5 of 5 gates passed" in checked.stdout
    assert "Commit none (not a git repository)" in (root / "build/version/report.md").read_text()
    refused = cut(root, "rc")
    assert refused.returncode == 2 and "is not in a git repository: a version is a tag" in refused.stderr


def test_module_metadata_and_docs_gates_name_their_lines(tmp_path):
    root = write_mini_course(tmp_path / "course")
    text = (root / "course.yaml").read_text()
    text = text.replace(
        "    depends_on: []\n", "    depends_on: []\n    meta: {difficulty: 5, objectives: [tensors]}\n", 1
    )
    text += "release_check:\n  meta:\n    difficulty: {min: 1, max: 3}\n    objectives: {min: 1}\n"
    (root / "course.yaml").write_text(text)
    (root / "README.md").write_text("# Mini\n\nSee [the guide](docs/guide.md#set-up) and [cli](docs/cli.md).\n")
    (root / "docs").mkdir()
    (root / "docs/guide.md").write_text("# Guide\n\n## Set up\n\n```\n[not a link](nowhere.md)\n```\n")
    done = tito(root, "version", "check")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAIL  metadata" in done.stdout and "FAIL  docs" in done.stdout and "ok    lint" in done.stdout
    meta_line, beta_line = (
        line_of(root / "course.yaml", "meta: {difficulty"),
        line_of(root / "course.yaml", "name: beta"),
    )
    assert f"course.yaml:{meta_line}: modules[0] (alpha): meta.difficulty is 5, outside 1..3" in done.stderr
    assert f"course.yaml:{beta_line}: modules[1] (beta): no meta.difficulty" in done.stderr
    assert "README.md:3: link 'docs/cli.md': docs/cli.md does not exist" in done.stderr
    assert (
        "guide.md#set-up" not in done.stderr and "nowhere.md" not in done.stderr
    )  # the anchor exists; code is no link
    (root / "course.yaml").write_text(
        text.replace("release_check:\n  meta:", "release_check:\n  docs: []\n  old_meta:")
    )
    off = tito(root, "version", "check")
    where = line_of(root / "course.yaml", "old_meta:")
    assert off.returncode == 2 and f"course.yaml:{where}: release_check.old_meta: unknown key" in off.stderr


def test_a_comprehensive_cut_installs_the_wheel_into_a_fresh_venv_where_every_export_imports(course, tmp_path):
    done = tito(course, "version", "cut", "rc")  # the default level: every gate, kernels and the wheel
    assert done.returncode == 0, done.stdout + done.stderr
    for gate in ("validate", "student check", "no free points", "archive", "wheel", "leak guard", "nbgrader"):
        assert f"ok    {gate}" in done.stdout, done.stdout
    assert "comprehensive, 10 of 10 gates passed, 1 skipped" in git(
        course, "tag", "-l", "--format=%(contents)", "v0.1.0-rc1"
    )
    wheel = course / "build/version/dist/tinytorch-0.1.0rc1-py3-none-any.whl"
    names = zipfile.ZipFile(wheel).namelist()
    assert {"tinytorch/__init__.py", "tinytorch/core/alpha.py", "tinytorch/core/beta.py"} <= set(names)
    assert not [n for n in names if n.startswith("tasks/")]
    python = course / "build/version/venv/bin/python"
    probe = "import tinytorch.core.beta as b, numpy; print(b.__file__); print(b.double(numpy.arange(2)).tolist())"
    ran = subprocess.run([str(python), "-I", "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert ran.stdout.split("\n")[0].startswith(str(course / "build/version/venv/lib/"))
    assert ran.stdout.split("\n")[1] == "[0, 2]"
    page = (course / "build/version/report.html").read_text()
    assert "<script" not in page and "http" not in page and "<link" not in page  # self-contained
    assert (course / "build/version/report.md").read_text().count("| passed |") == 10


def test_students_get_a_changes_entry_with_each_weekly_release_and_errata(tmp_path):
    root = write_mini_course(tmp_path / "course")
    assert run_doit(root, "release", "week=1").returncode == 0
    repo = root / "student-repo"
    assert (repo / "CHANGES.md").read_text().endswith("## Week 1\n\n- New exercises: alpha\n")
    assert "CHANGES.md" in git(repo, "show", "--name-only", "--format=", "week1")
    source = root / "modules/01_alpha/alpha.py"
    source.write_text(
        source.read_text().replace("assert double(2) == 4", "assert double(2) == 4\n    assert double(0) == 0")
    )
    done = run_doit(root, "release", "week=2", "errata=1")
    assert done.returncode == 0, done.output
    entry = (repo / "CHANGES.md").read_text().split("## Week 2\n\n")[1].split("\n## ")[0]
    assert entry == (
        "- Solutions out: alpha\n- New exercises: beta\n"
        "- Corrected: `modules/01_alpha/alpha.v2.ipynb` (also as `alpha.v2.py`), a corrected copy of `alpha.ipynb` "
        "(yours stays as it is): test `test-double` changed\n"
    )
    assert "CHANGES.md" in git(repo, "show", "--name-only", "--format=", "week2")  # in the release commit itself
    again = run_doit(root, "release", "week=2", "errata=1")
    assert again.returncode == 0 and (repo / "CHANGES.md").read_text().count("## Week") == 2  # nothing new: no entry


# --- the pieces, without git or kernels ----------------------------------------------------------------


def test_versions_order_bump_and_candidates():
    tags = ["v0.1.0-rc1", "v0.1.0", "v0.2.0-rc1", "v0.2.0-rc2", "week3", "v1.0", "v01.0.0"]
    versions = [v for t in tags if (v := semver.parse_tag(t))]
    assert [v.tag for v in versions] == ["v0.1.0-rc1", "v0.1.0", "v0.2.0-rc1", "v0.2.0-rc2"]
    assert semver.latest(versions).tag == "v0.2.0-rc2" and semver.latest(versions, finals_only=True).tag == "v0.1.0"
    assert semver.next_version(versions, "rc", "minor").tag == "v0.2.0-rc3"
    assert semver.next_version(versions, "rc", "major").tag == "v1.0.0-rc1"
    assert semver.next_version(versions, "minor", "minor").tag == "v0.2.0"
    assert semver.next_version(versions, "patch", "patch").tag == "v0.1.1"
    assert semver.next_version([], "rc", "minor").tag == "v0.1.0-rc1"
    assert semver.parse_tag("v1.2.3-rc4").pep440 == "1.2.3rc4"


def compiled(text: str):
    module = Module("alpha", "modules/01_alpha", "m.py", 1, 1, ())
    return outline([compile_notebook(Path("m.py"), reads_source(text, "m.py", "py"), module, Markup())], module)


@pytest.mark.parametrize(
    "edit, level, says",
    [
        (("def double(x):", "def double(x, y):"), "major", "`def double(x)` is now `def double(x, y)`"),
        (('"mini-double"', '"mini-twice"'), "major", "exercise `mini-double` removed"),
        (("np.asarray(x) * 2", "2 * np.asarray(x)"), "patch", "solution of `mini-double` changed"),
        (("TODO: multiply x by two.", "TODO: double x."), "patch", "exercise `mini-double` reworded"),
        (('"alpha hidden"', '"alpha: hidden"'), "patch", "test `test-double` changed"),
        (("A one-function module", "A module"), "patch", "text or examples changed (1 cell)"),
        (("for the staff of", "for staff of"), "patch", "text or examples changed (1 cell)"),
    ],
)
def test_what_changed_in_a_compiled_module_and_the_level_it_needs(edit, level, says):
    text = MINI_SOURCE.replace("{name}", "alpha")
    changes = module_changes(compiled(text), compiled(text.replace(*edit)))
    assert level_needed(changes) == level and any(says in c.text for c in changes), changes
    assert module_changes(compiled(text), compiled(text)) == []


def test_the_changelog_keeps_its_header_and_puts_the_newest_version_first():
    first = changelog.section("v0.1.0", None, [], "quick, 5 of 5 gates passed in 1.0 s", "", date(2026, 1, 5))
    text = changelog.with_section(None, "Mini", first)
    second = changelog.section("v0.1.1", "v0.1.0", [], "quick", "Notes here.", date(2026, 2, 1))
    text = changelog.with_section(text, "Mini", second)
    assert text.startswith("# Mini: changelog\n")
    assert text.index("## v0.1.1 (2026-02-01)") < text.index("## v0.1.0 (2026-01-05)")
    assert "No change to the course material." in text and "### Notes\n\nNotes here." in text


def test_a_changes_entry_heading_is_never_repeated_and_a_correction_is_described():
    text = with_entry(None, "Week 4", {"exercises for": ["alpha"]}, {}).decode()
    again = with_entry(text, "Week 4", {"updated solutions for": ["alpha"]}, {}).decode()
    assert again.index("## Week 4, update 2\n\n- Solutions corrected: alpha") < again.index("## Week 4\n")
    old = json.dumps(
        {"cells": [cell("ex", "def f(x):\n    raise NotImplementedError", True), cell("t", "assert f(1)")]}
    )
    new = json.dumps(
        {"cells": [cell("ex", "def f(x, y):\n    raise NotImplementedError", True), cell("t", "assert f(1, 2)")]}
    )
    assert (
        describe(old.encode(), new.encode(), "a.ipynb") == "exercise `ex` changed (now `def f(x, y)`); test `t` changed"
    )


def cell(grade_id: str, source: str, answer: bool = False) -> dict:
    meta = {"grade_id": grade_id, "solution": answer, "grade": not answer, "locked": not answer}
    return {"cell_type": "code", "source": source, "metadata": {"nbgrader": meta}}


def test_links_outside_code_are_checked_and_external_ones_left_alone(tmp_path):
    (tmp_path / "a.md").write_text(
        textwrap.dedent("""\
        # Title
        [ok](b.md#second-part) [web](https://example.invalid/x) `[code](no.md)`
        [bad anchor](b.md#third) ![img](missing.png)
        [ref]: ../outside.md
        """)
    )
    (tmp_path / "b.md").write_text("# B\n\n## Second part\n")
    assert [t for _, t in links((tmp_path / "a.md").read_text())] == [
        "b.md#second-part",
        "https://example.invalid/x",
        "b.md#third",
        "missing.png",
        "../outside.md",
    ]
    found = [str(f) for f in broken_links(tmp_path, [tmp_path / "a.md"])]
    assert found == [
        "a.md:3: link 'b.md#third': no heading '#third' in b.md",
        "a.md:3: link 'missing.png': missing.png does not exist",
        "a.md:4: link '../outside.md' leaves the repository",
    ]


def test_a_doit_failure_message_becomes_findings_at_their_places():
    message = (
        "modules/02_beta/beta.py:21: '### BEGIN SOLUTION' is never closed\n"
        "m/x.ipynb (cell 3, line 2): validation failed\n    AssertionError\nsomething without a place\n"
    )
    found = parsed_findings(message, "modules/02_beta/beta.py")
    assert [(f.file, f.line, f.cell) for f in found] == [
        ("modules/02_beta/beta.py", 21, None),
        ("m/x.ipynb", 2, 3),
        ("modules/02_beta/beta.py", None, None),
    ]
    assert found[1].message == "validation failed\n    AssertionError"


def test_bad_release_check_settings_name_their_lines(tmp_path):
    from tasks.course.config import load_course

    root = write_mini_course(tmp_path / "course")
    text = (
        (root / "course.yaml")
        .read_text()
        .replace("    depends_on: []\n", "    depends_on: []\n    meta: {hours: {a: 1}}\n", 1)
    )
    (root / "course.yaml").write_text(
        text + "release_check:\n  meta:\n    hours: {min: 5, max: 1}\n  docs: [../elsewhere]\n"
    )
    with pytest.raises(CourseError) as error:
        load_course(root)
    said = str(error.value)
    assert (
        f"course.yaml:{line_of(root / 'course.yaml', 'meta: {hours')}: modules[0].meta.hours: expected a number, text or a list of texts, found a mapping"
        in said
    )
    assert "release_check.meta.hours: min 5 is more than max 1" in said
    assert "release_check.docs[0]: '../elsewhere' must be a path inside the repository" in said
