"""tito's instructor commands, run for real: the console script, a mini course, real doit, a real student repo."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_doit, write_mini_course
from tasks.cli.nbgrader_rules import notebook_findings

TITO = Path(sys.executable).parent / "tito"
NAMES = ("alpha", "beta")


def tito(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "DOIT_", "COURSEBUILD_"))}
    return subprocess.run([str(TITO), *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=600)


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True, env=env
    ).stdout.strip()


def repo_state(repo: Path) -> dict:
    """Everything a release could change in a repository (bare or not): refs, HEAD, index, status, files."""
    files = {p.relative_to(repo).as_posix(): p.read_bytes() for p in repo.rglob("*") if p.is_file()}
    bare = (repo / "HEAD").is_file()
    return {
        "refs": subprocess.run(["git", "-C", str(repo), "show-ref"], capture_output=True, text=True).stdout,
        "head": git(repo, "symbolic-ref", "HEAD"),
        "files": {name: data for name, data in files.items() if bare or not name.startswith(".git/")},
        **({} if bare else {"index": git(repo, "ls-files", "-s"), "status": git(repo, "status", "--porcelain")}),
    }


@pytest.fixture(scope="session")
def built_course(tmp_path_factory) -> Path:
    root = write_mini_course(tmp_path_factory.mktemp("tito") / "course", names=NAMES)
    result = run_doit(root)
    assert result.returncode == 0, result.output
    return root


@pytest.fixture
def course(built_course, tmp_path) -> Path:
    target = tmp_path / "course"
    shutil.copytree(built_course, target, symlinks=True)
    return target


def test_deploy_to_a_target_repo_then_tag_what_was_deployed(course, tmp_path):
    target = tmp_path / "elsewhere"
    done = tito(course, "deploy", "student", "--module", "01", "--target-repo", str(target))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "deploy_student:alpha" in done.stdout and (target / "modules/01_alpha/alpha.ipynb").exists()
    assert not (course / "student-repo").exists()  # course.yaml's repo untouched by --target-repo
    before_preview = repo_state(target)
    preview = tito(
        course,
        "release",
        "--tag",
        "week1-alpha",
        "--message",
        "Release alpha",
        "--dry-run",
        "--target-repo",
        str(target),
    )
    assert (
        preview.returncode == 0 and "would tag" in preview.stdout and "modules/01_alpha/alpha.ipynb" in preview.stdout
    )
    assert repo_state(target) == before_preview  # no tag, nothing else either
    tagged = tito(course, "release", "--tag", "week1-alpha", "--message", "Release alpha", "--target-repo", str(target))
    assert tagged.returncode == 0, tagged.stdout + tagged.stderr
    assert git(target, "tag", "--list") == "week1-alpha"
    assert git(target, "tag", "-l", "--format=%(contents:subject)", "week1-alpha") == "Release alpha"
    again = tito(course, "release", "--tag", "week1-alpha", "--message", "Release alpha", "--target-repo", str(target))
    assert again.returncode == 0 and "nothing to do" in again.stdout


@pytest.mark.parametrize("target", [".", "modules/01_alpha"])
def test_a_target_repo_inside_the_course_is_refused_before_anything_runs(course, target):
    """`--target-repo .` would commit every solution: refused with course.yaml's rules, nothing written."""
    before = sorted(p.relative_to(course) for p in course.rglob("*"))
    refused = tito(course, "deploy", "student", "--module", "01", "--target-repo", target)
    assert refused.returncode != 0
    assert "--target-repo" in refused.stderr and "use a folder of its own" in refused.stderr
    assert "Traceback" not in refused.stdout + refused.stderr
    assert sorted(p.relative_to(course) for p in course.rglob("*")) == before


def test_deploy_all_solutions_and_release_a_week(course, tmp_path):
    remote = tmp_path / "remote.git"  # a real bare remote: a deploy and a release push to it, a dry run does not
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    config = course / "course.yaml"
    config.write_text(
        config.read_text().replace("course: Mini\n", f"course: Mini\nstudent_repo:\n  remote: {remote}\n")
    )
    done = tito(course, "deploy", "solutions", "--all")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (course / "student-repo/solutions/02_beta").is_dir()
    refused = tito(course, "release", "--week", "1")  # the solutions are due in weeks 2 and 3: said, not tagged
    assert refused.returncode != 0 and "Traceback" not in refused.stdout + refused.stderr
    assert "already holds material due after week 1: solutions of alpha (week 2), solutions of beta (week 3)" in (
        refused.stdout
    ), refused.stdout
    assert git(course / "student-repo", "tag", "--list") == ""
    git(remote, "update-ref", "-d", "refs/heads/main")  # as if the deploy's push had failed: a dry run pushes nothing
    before = (repo_state(course / "student-repo"), repo_state(remote))
    flags = ("--ahead", "--errata", "--force", "--confirm")  # every flag a release takes: still nothing changes
    preview = tito(course, "release", "--week", "1", *flags, "--dry-run")
    assert preview.returncode == 0 and "tag: week1 (new)" in preview.stdout, preview.stdout + preview.stderr
    assert "dry run, nothing changed" in preview.stdout and f"would push to {remote}" in preview.stdout
    assert (repo_state(course / "student-repo"), repo_state(remote)) == before  # no commit, tag, push or file
    week = tito(course, "release", "--week", "1", "--ahead")
    assert week.returncode == 0, week.stdout + week.stderr
    assert git(course / "student-repo", "tag", "--list") == "week1" == git(remote, "tag", "--list")
    assert git(remote, "rev-parse", "main") == git(course / "student-repo", "rev-parse", "main")
    status = tito(course, "module", "status", "--all")
    assert status.returncode == 0
    rows = {line.split()[1]: line.split() for line in status.stdout.splitlines()[1:3]}
    assert rows["alpha"][2:] == ["yes", "yes", "yes", "yes", "yes", "yes", "yes", "1/2"], status.stdout
    assert rows["beta"][7:] == ["no", "yes", "2/3"], status.stdout
    listed = tito(course, "module", "list")
    assert listed.returncode == 0 and "doit" not in listed.stderr, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split() == [
        "#",
        "module",
        "folder",
        "exercises",
        "solutions",
        "released",
        "solutions",
        "out",
        "depends",
        "on",
    ]
    assert lines[1].split() == ["01", "alpha", "modules/01_alpha", "week", "1", "week", "2", "yes", "yes", "-"]
    assert lines[2].split() == ["02", "beta", "modules/02_beta", "week", "2", "week", "3", "no", "yes", "alpha"]


def test_bad_input_is_a_message_and_a_nonzero_exit(course):
    cases = {
        ("deploy", "student", "--module", "alpah"): "no module 'alpah'; did you mean 'alpha'?",
        ("deploy", "student"): "which module?",
        ("release", "--tag", "x"): "--tag x needs --message",
        ("release", "--tag", "bad tag", "--message", "m"): "is not a valid git tag name",
        ("release",): "give --tag NAME --message TEXT",
        ("release", "--tag", "t1", "--message", "m"): "has nothing deployed yet",
    }
    for args, expected in cases.items():
        done = tito(course, *args)
        assert done.returncode != 0 and expected in done.stdout + done.stderr, (args, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr


def test_module_release_and_validate_after_an_edit_rebuild_only_that_module(course):
    source = course / "modules/02_beta/beta.py"
    source.write_text(source.read_text().replace("A one-function module", "A one-function module, edited"))
    done = tito(course, "module", "release", "beta", "--student")
    assert done.returncode == 0, done.stdout + done.stderr
    assert ".  student:beta" in done.stdout and "student:alpha" not in done.stdout
    checked = tito(course, "module", "validate", "02_beta", "--nbgrader")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "nbgrader rules: no problems in beta" in checked.stdout


def test_module_test_runs_the_solutions_tests_in_a_kernel_through_validate(course):
    source = course / "modules/01_alpha/alpha.py"
    good = source.read_text()
    source.write_text(good.replace("assert double(2) == 4", "assert double(2) == 5"))
    failed = tito(course, "module", "test", "01")
    assert failed.returncode != 0 and "validation of module 'alpha' failed" in failed.stdout, failed.stdout
    assert ".  validate:alpha" in failed.stdout and "check_student:alpha" not in failed.stdout
    source.write_text(good)
    passed = tito(course, "module", "test", "alpha")
    assert passed.returncode == 0 and ".  validate:alpha" in passed.stdout, passed.stdout + passed.stderr


def test_deploy_errata_reaches_the_deploy_task(course):
    """`tito deploy student --errata` must pass errata=1 on: without it a changed released notebook stays as it is."""
    assert tito(course, "deploy", "student", "--module", "alpha").returncode == 0
    source = course / "modules/01_alpha/alpha.py"
    source.write_text(
        source.read_text().replace("assert double(2) == 4", "assert double(2) == 4\n    assert double(0) == 0")
    )
    plain = tito(course, "deploy", "student", "--module", "alpha")
    assert plain.returncode == 0 and "changed since it was released" in plain.stderr, plain.stdout + plain.stderr
    repo = course / "student-repo"
    assert not (repo / "modules/01_alpha/alpha.v2.ipynb").exists()
    errata = tito(course, "deploy", "student", "--module", "01", "--errata")
    assert errata.returncode == 0, errata.stdout + errata.stderr
    assert "double(0) == 0" in (repo / "modules/01_alpha/alpha.v2.ipynb").read_text()
    assert "errata: alpha.v2.ipynb" in git(repo, "log", "-1", "--format=%s")


def test_a_failing_task_fails_the_command_with_the_reporter_summary(course):
    source = course / "modules/01_alpha/alpha.py"
    source.write_text(source.read_text().replace("assert double(2) == 4", "assert double(2) == 5"))
    done = tito(course, "module", "validate", "alpha")
    assert done.returncode != 0
    assert "coursebuild: 1 task(s) failed" in done.stdout and "validate:alpha" in done.stdout


def test_nbgrader_rules_on_notebook_json():
    """nbgrader 0.9.6's own metadata rules, and none it does not have: its example's unlocked test cells and an
    answer without a test after it pass."""

    def cell(grade_id, cell_type="code", **meta):
        return {
            "cell_type": cell_type,
            "metadata": {
                "nbgrader": {
                    "grade": False,
                    "solution": False,
                    "locked": False,
                    "schema_version": 3,
                    "grade_id": grade_id,
                    **meta,
                }
            },
            "source": "",
        }

    good = {
        "cells": [
            cell("sol", solution=True),
            cell("test", grade=True, points=2),
            cell("use", grade=True, solution=True, points=2),
            cell("why", "markdown", grade=True, solution=True, points=1),
            cell("part-e", "markdown", locked=True, task=True, points=4),
        ]
    }
    assert notebook_findings(good, "nb.ipynb") == []
    bad = {
        "cells": [
            cell("sol", solution=True),
            cell("sol", solution=True),
            cell("t", grade=True, points=None),
            cell("x", schema_version=2),
            cell("md", "markdown", grade=True, points=1),
            cell("task", task=True, locked=True, points=1),
            cell("bad id", solution=True),
        ]
    }
    messages = [str(f) for f in notebook_findings(bad, "nb.ipynb")]
    assert "nb.ipynb (cell 2): grade_id 'sol' is used again (first in cell 1); nbgrader needs unique ids" in messages
    assert any("(cell 3)" in m and "needs points" in m for m in messages)
    assert any("(cell 4)" in m and "schema_version must be 3" in m for m in messages)
    assert any("(cell 5)" in m and "graded markdown cell must also be an answer" in m for m in messages)
    assert any("(cell 6)" in m and "task cell must be markdown" in m for m in messages)
    assert any("(cell 7)" in m and "grade_id must be letters" in m for m in messages)
    assert len(messages) == 6
