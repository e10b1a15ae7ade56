"""The instructors' GitHub Actions workflow, run here as GitHub would (GitHub itself cannot be reached):
its build steps' commands in a fresh clone, then again in another fresh clone at the same path with the
cached paths restored: nothing reruns."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from conftest import REPO, write_mini_course

WORKFLOW = REPO / ".github/workflows/course.yml"
TITO = Path(sys.executable).parent / "tito"


def steps(job: str) -> list[dict]:
    return yaml.safe_load(WORKFLOW.read_text())["jobs"][job]["steps"]


def cached_paths() -> list[str]:
    cache = next(step for step in steps("build") if step.get("uses", "").startswith("actions/cache"))
    return cache["with"]["path"].split()


def build_commands() -> list[str]:
    """The `run:` commands of the build job; `make venv` is this test's own venv, `make test` the suite itself."""
    runs = [step["run"].strip() for step in steps("build") if "run" in step]
    assert "make venv" in runs and "make test" in runs
    return [run.replace(".venv/bin/tito", str(TITO)) for run in runs if not run.startswith("make ")]


def sh(command: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "DOIT_", "COURSEBUILD_"))}
    return subprocess.run(command, shell=True, cwd=cwd, capture_output=True, text=True, env=env, timeout=900)


def test_a_fresh_clone_with_the_restored_cache_reruns_nothing(tmp_path):
    origin = write_mini_course(tmp_path / "origin", names=("alpha", "beta"))
    shutil.copy2(REPO / ".gitignore", origin / ".gitignore")
    env = {
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "I",
        "GIT_AUTHOR_EMAIL": "i@x.invalid",
        "GIT_COMMITTER_NAME": "I",
        "GIT_COMMITTER_EMAIL": "i@x.invalid",
        "PATH": os.environ["PATH"],
    }
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "course"]):
        subprocess.run(["git", "-C", str(origin), *args], check=True, env=env)
    workspace, cache = tmp_path / "runner/work/course", tmp_path / "cache"
    first = ci_run(origin, workspace, cache, restore=False)
    assert ".  validate:alpha" in first and ".  archive:beta" in first
    second = ci_run(origin, workspace, cache, restore=True)
    ran = [line for line in second.splitlines() if line.startswith(".  ")]
    assert ran == [], second
    assert "coursebuild: nothing to do" in second


def ci_run(origin: Path, workspace: Path, cache: Path, restore: bool) -> str:
    """One workflow run: checkout (a fresh clone), restore the cache, the build steps, save the cache."""
    shutil.rmtree(workspace, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", str(origin), str(workspace)], check=True)
    if restore:
        for name in cached_paths():
            source = cache / name.rstrip("/")
            target = workspace / name.rstrip("/")
            if source.is_dir():
                shutil.copytree(source, target, dirs_exist_ok=True, symlinks=True)
            elif source.exists():
                shutil.copy2(source, target)
    output = ""
    for command in build_commands():
        done = sh(command, workspace)
        assert done.returncode == 0, (command, done.stdout[-3000:], done.stderr[-3000:])
        output += done.stdout
    shutil.rmtree(cache, ignore_errors=True)
    for name in cached_paths():
        source = workspace / name.rstrip("/")
        if source.is_dir():
            shutil.copytree(source, cache / name.rstrip("/"), symlinks=True)
        elif source.exists():
            cache.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, cache / name)
    return output


def test_a_version_tag_runs_the_comprehensive_release_check_and_keeps_its_report_and_wheel(tmp_path):
    from tasks.cli.main import parser
    from tasks.course.context import load

    workflow = yaml.safe_load(WORKFLOW.read_text())
    assert "v*" in workflow[True]["push"]["tags"]  # YAML 1.1 reads the key `on` as true
    job = workflow["jobs"]["release-check"]
    assert job["if"] == "startsWith(github.ref, 'refs/tags/v')"
    runs = [step["run"] for step in steps("release-check") if "run" in step]
    assert runs == ["make venv", ".venv/bin/tito version check --level comprehensive"]
    args = parser().parse_args(runs[1].split()[1:])
    assert args.func.__name__ == "check_handler" and args.level == "comprehensive"
    upload = next(s for s in steps("release-check") if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["if"] == "always()"  # a failed check's report is kept too
    _, paths = load(str(write_mini_course(tmp_path / "course")))
    wanted = [paths.rel(p) for p in paths.report_files] + [f"{paths.rel(paths.wheel_dir)}/*.whl"]
    assert upload["with"]["path"].split() == wanted
