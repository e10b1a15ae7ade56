"""Rules with one home each (docs/architecture.md, "Rules and their one home"): killing a process group and the
git environment. Each is tested through real callers, and the engine is scanned for a second copy."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from procfs import processes_with

ENGINE = Path(__file__).resolve().parent.parent / "tasks"
STUDENT_PACKAGE = ENGINE / "release" / "resources"  # runs on students' machines, standard library only


def engine_files_saying(text: str) -> list[str]:
    return sorted(
        str(p.relative_to(ENGINE))
        for p in ENGINE.rglob("*.py")
        if not p.is_relative_to(STUDENT_PACKAGE) and text in p.read_text(encoding="utf-8")
    )


def test_a_process_group_is_killed_by_one_helper_that_every_caller_uses():
    from tasks.base.processes import kill_group

    assert engine_files_saying("killpg") == ["base/processes.py"]
    marker = f"coursebuild-kill-group-{os.getpid()}"
    sleeper = f"{sys.executable} -c 'import time; time.sleep(300)' {marker}"
    leader = subprocess.Popen(["sh", "-c", f"{sleeper} & {sleeper} & wait", marker], start_new_session=True)
    try:
        deadline = time.monotonic() + 10
        while len(processes_with(marker)) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(processes_with(marker)) >= 3
        kill_group(os.getpgrp())  # never this process's own group
        kill_group(None)
        kill_group(leader.pid)
        assert leader.wait(timeout=10) == -signal.SIGKILL
        deadline = time.monotonic() + 10
        while processes_with(marker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not processes_with(marker), "the whole group goes, not only its leader"
        kill_group(leader.pid)  # already gone: nothing to say
    finally:
        if leader.poll() is None:
            os.killpg(leader.pid, signal.SIGKILL)
            leader.wait()


def test_git_runs_in_one_environment_whose_callers_choose_the_machine_config_or_none(tmp_path, monkeypatch):
    """Grading's git (repos.run_git) and the release's never read the machine's configuration; the course's own
    repository (version.course_repo) does. No engine module spells a git variable outside base/gitenv.py."""
    from tasks.base.gitenv import git_env
    from tasks.grade.repos import RepoProblem, run_git
    from tasks.version.course_repo import CourseRepo

    for variable in ("GIT_CONFIG_GLOBAL", "GIT_TERMINAL_PROMPT", "GIT_COMMITTER_NAME", "GIT_ASKPASS"):
        assert engine_files_saying(variable) == ["base/gitenv.py"], variable
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[user]\n\tname = Machine Person\n\temail = machine@x.invalid\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    repo = tmp_path / "course"
    subprocess.run(["git", "init", "-q", str(repo)], check=True, env={**os.environ, **git_env()})
    with pytest.raises(RepoProblem):  # `git config user.name` exits 1: no such setting without the machine's config
        run_git(repo, "config", "user.name")
    author = type("Author", (), {"name": "Course Staff", "email": "staff@x.invalid"})()
    course_repo = CourseRepo.open(repo, author)
    assert course_repo.git("config", "user.name").strip() == "Machine Person"
    assert course_repo.identity() == {}  # git knows who commits: the instructor's own identity is kept
    assert git_env(author=author)["GIT_COMMITTER_NAME"] == "Course Staff"
