"""Releases into a real student git repository: atomic, idempotent, append-only, no machine git config."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from doit.exceptions import TaskFailed

from conftest import run_doit, write_mini_course
from tasks.graph.task_release import deploy_action, release_action

NAMES = ("alpha", "beta", "gamma")  # released weeks 1, 2, 3; solutions weeks 2, 3, 4


@pytest.fixture(scope="session")
def built_course(tmp_path_factory) -> Path:
    root = write_mini_course(tmp_path_factory.mktemp("built") / "course", names=NAMES)
    result = run_doit(root)
    assert result.returncode == 0, result.output
    return root


@pytest.fixture
def course(built_course, tmp_path) -> Path:
    target = tmp_path / "course"
    shutil.copytree(built_course, target, symlinks=True)
    return target


def git(repo: Path, *args: str, check: bool = True) -> str:
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                          env={"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "PATH": "/usr/bin:/bin",
                               "GIT_AUTHOR_NAME": "Student", "GIT_AUTHOR_EMAIL": "s@example.invalid",
                               "GIT_COMMITTER_NAME": "Student", "GIT_COMMITTER_EMAIL": "s@example.invalid"})
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def snapshot(repo: Path) -> dict:
    """Everything a user could see of a repo: refs, HEAD, index entries, working-tree files."""
    if not repo.exists():
        return {"exists": False}
    return {
        "head": git(repo, "symbolic-ref", "-q", "HEAD", check=False),
        "refs": git(repo, "show-ref", check=False),
        "index": git(repo, "ls-files", "-s", check=False),
        "files": {str(p.relative_to(repo)): p.read_bytes() for p in sorted(repo.rglob("*"))
                  if p.is_file() and ".git" not in p.relative_to(repo).parts},
    }


def release(course: Path, week: int, **kwargs):
    return release_action(str(course), week, **kwargs)


def failed_message(result) -> str:
    assert isinstance(result, TaskFailed), result
    return str(result.message if hasattr(result, "message") else result)


class Boom(Exception):
    pass


@pytest.fixture
def checkpoints(monkeypatch):
    """Install a fault hook: `checkpoints.fail(n)` raises at the n-th checkpoint of the next release(s)."""
    from tasks.release import faults

    class Hook:
        def __init__(self):
            self.seen, self.target, self.error = [], None, Boom

        def __call__(self, step: str) -> None:
            self.seen.append(step)
            if self.target is not None and (self.target == step or self.target == len(self.seen) - 1):
                self.target = None
                raise self.error(f"injected at {step}")

        def fail(self, target, error=Boom):
            self.seen, self.target, self.error = [], target, error

    hook = Hook()
    monkeypatch.setattr(faults, "hook", hook)
    return hook


def test_first_release_creates_the_repo_with_one_commit_and_a_tag(course):
    assert release(course, 1) is None
    repo = course / "student-repo"
    assert git(repo, "log", "--format=%s") == "Week 1: exercises for alpha"
    assert git(repo, "tag") == "week1"
    assert git(repo, "cat-file", "-t", "week1") == "tag"  # annotated
    files = set(git(repo, "ls-files").split("\n"))
    assert {"modules/01_alpha/alpha.ipynb", "modules/01_alpha/alpha.py", "README.md", "requirements.txt", "tools/export.py"} <= files
    assert not any(f.startswith(("solutions/", "modules/02_beta")) for f in files)
    assert git(repo, "log", "-1", "--format=%an <%ae>") == "TinyTorch Staff <staff@tinytorch.invalid>"
    assert git(repo, "status", "--porcelain") == ""


def test_commit_message_lists_what_is_new(course):
    release(course, 1)
    assert "would publish 2 weeks at once (weeks 2, 3" in failed_message(release(course, 3))  # week=3 skips week 2
    release(course, 3, confirm=True)
    repo = course / "student-repo"
    assert git(repo, "log", "-1", "--format=%s") == "Week 3: solutions for alpha, beta; exercises for beta, gamma"
    schedule = (repo / "SCHEDULE.md").read_text()
    assert "| 01_alpha | alpha | week 1 | week 2 | solutions out |" in schedule
    assert "tito update" in (repo / "README.md").read_text()
    assert (repo / "tito/update.py").is_file()


def test_same_release_twice_makes_no_second_commit(course, capsys):
    release(course, 2, confirm=True)
    before = snapshot(course / "student-repo")
    assert release(course, 2) is None
    assert snapshot(course / "student-repo") == before
    assert "nothing new" in capsys.readouterr().out


def test_week_without_news_still_gets_its_tag(course):
    release(course, 4, confirm=True)
    release(course, 5)  # nothing is due in week 5
    repo = course / "student-repo"
    assert git(repo, "rev-parse", "week5^{commit}") == git(repo, "rev-parse", "week4^{commit}")
    assert git(repo, "rev-list", "--count", "HEAD") == "1"


def test_a_failure_between_any_two_git_steps_leaves_the_repo_exactly_as_it_was(course, checkpoints):
    release(course, 1)
    repo = course / "student-repo"
    before = snapshot(repo)
    checkpoints.fail(None)
    release(course, 2, dry=True)  # counts the checkpoints of a week-2 release without making it
    dry_steps = len(checkpoints.seen)
    assert dry_steps > 5 and snapshot(repo) == before
    index = 0
    while True:  # fail at the 1st, 2nd, ... checkpoint until a release gets through all of them
        checkpoints.fail(index)
        try:
            release(course, 2)
        except Boom:
            assert snapshot(repo) == before, f"after a failure at {checkpoints.seen[-1]!r} (checkpoint {index})"
            index += 1
            continue
        break
    assert index > dry_steps, "every step of the switch was tried"
    assert git(repo, "tag").split() == ["week1", "week2"]  # the run that got through completed it
    assert git(repo, "status", "--porcelain") == ""


def test_ctrl_c_during_the_switch_leaves_the_repo_as_it_was(course, checkpoints):
    release(course, 1)
    repo = course / "student-repo"
    before = snapshot(repo)
    checkpoints.fail("git read-tree", KeyboardInterrupt)
    with pytest.raises(KeyboardInterrupt):
        release(course, 2)
    assert snapshot(repo) == before


@pytest.mark.parametrize("step", ["objects", "git update-ref", "git read-tree", "git tag"])
def test_a_failed_first_release_leaves_no_repo_behind(course, checkpoints, step):
    checkpoints.fail(step)
    with pytest.raises(Boom):
        release(course, 1)
    assert not (course / "student-repo").exists()


def test_an_existing_tag_elsewhere_is_an_error_unless_forced(course):
    release(course, 1)
    repo = course / "student-repo"
    git(repo, "tag", "-a", "week2", "-m", "made by hand", "HEAD")
    before = snapshot(repo)
    message = failed_message(release(course, 2))
    assert "tag 'week2' already exists" in message and "force=1" in message
    assert snapshot(repo) == before
    assert release(course, 2, force=True) is None
    assert git(repo, "rev-parse", "week2^{commit}") == git(repo, "rev-parse", "HEAD")
    assert git(repo, "log", "-1", "--format=%s") == "Week 2: solutions for alpha; exercises for beta"


def test_a_released_notebook_is_never_rewritten_and_errata_adds_a_new_version(course, capsys):
    release(course, 1)
    repo = course / "student-repo"
    original = (repo / "modules/01_alpha/alpha.ipynb").read_bytes()
    source = course / "modules/01_alpha/alpha.py"
    source.write_text(source.read_text().replace("assert double(2) == 4", "assert double(2) == 4\n    assert double(0) == 0"))
    assert run_doit(course).returncode == 0
    release(course, 2)
    assert (repo / "modules/01_alpha/alpha.ipynb").read_bytes() == original
    err = capsys.readouterr().err
    assert "modules/01_alpha/alpha.ipynb (alpha) changed since it was released" in err and "errata=1" in err
    assert not (repo / "modules/01_alpha/alpha.v2.ipynb").exists()
    week2 = git(repo, "rev-parse", "week2")
    assert release(course, 2, errata=True) is None  # week 2 is out already: the errata get their own tag
    assert git(repo, "tag").split() == ["week1", "week2", "week2-errata1"]
    assert git(repo, "rev-parse", "week2") == week2, "a released tag never moves"
    assert git(repo, "rev-parse", "week2-errata1^{commit}") == git(repo, "rev-parse", "HEAD")
    assert (repo / "modules/01_alpha/alpha.ipynb").read_bytes() == original
    assert "double(0) == 0" in (repo / "modules/01_alpha/alpha.v2.ipynb").read_text()
    assert "errata: alpha.v2.ipynb, alpha.v2.py" in git(repo, "log", "-1", "--format=%s")
    assert release(course, 3, errata=True) is None  # the same errata again adds nothing
    assert not (repo / "modules/01_alpha/alpha.v3.ipynb").exists()
    assert git(repo, "tag").split() == ["week1", "week2", "week2-errata1", "week3"]


def test_uncommitted_changes_are_refused_naming_the_files(course):
    release(course, 1)
    repo = course / "student-repo"
    (repo / "README.md").write_text("edited by hand\n")
    (repo / "notes.txt").write_text("untracked\n")
    before = snapshot(repo)
    message = failed_message(release(course, 2))
    assert "uncommitted changes" in message and "README.md" in message and "notes.txt" in message
    assert snapshot(repo) == before


def test_a_branch_that_lost_the_last_release_is_refused_naming_the_commits(course):
    release(course, 1)
    release(course, 2)
    repo = course / "student-repo"
    git(repo, "reset", "--hard", "week1")
    git(repo, "commit", "--allow-empty", "-m", "diverging work")
    before = snapshot(repo)
    message = failed_message(release(course, 3))
    assert "does not descend from the last release tag 'week2'" in message and "Week 2:" in message
    assert snapshot(repo) == before


def test_a_folder_that_is_not_a_repo_is_refused(course):
    (course / "student-repo").mkdir()
    (course / "student-repo/something.txt").write_text("not a repo\n")
    message = failed_message(release(course, 1))
    assert "student-repo" in message and "not a git repository" in message


@pytest.mark.parametrize("raw, expected", [(None, "needs the week"), ("abc", "not a week number"), ("0", "not a week number")])
def test_bad_week_on_the_command_line(course, raw, expected):
    result = run_doit(course, "release", *([f"week={raw}"] if raw is not None else []))
    assert result.returncode != 0 and expected in result.output
    assert not (course / "student-repo").exists()


def test_a_week_before_the_first_release_is_refused(course):
    config = course / "course.yaml"
    config.write_text(config.read_text().replace("release: 1", "release: 2").replace("solutions: 2\n", "solutions: 3\n", 1))
    message = failed_message(release(course, 1))
    assert "course.yaml:" in message and "before the first release (week 2, module 'alpha')" in message


def test_release_needs_validation_first(course):
    source = course / "modules/02_beta/beta.py"
    source.write_text(source.read_text().replace("assert double(2) == 4", "assert double(2) == 5"))
    result = run_doit(course, "release", "week=2")
    assert result.returncode != 0
    assert "validation of module 'beta' failed" in result.output
    assert not (course / "student-repo").exists()


def test_push_to_a_remote_and_a_failed_push_keeps_the_local_release(course, tmp_path):
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    config = course / "course.yaml"
    config.write_text(config.read_text().replace("course: Mini\n", f"course: Mini\nstudent_repo:\n  remote: {tmp_path / 'missing.git'}\n"))
    message = failed_message(release(course, 1))
    assert "complete locally" in message and "push --atomic" in message
    repo = course / "student-repo"
    assert git(repo, "tag") == "week1" and git(repo, "status", "--porcelain") == ""
    config.write_text(config.read_text().replace(str(tmp_path / "missing.git"), str(remote)))
    assert release(course, 1) is None  # the re-run pushes what was released
    assert git(remote, "rev-parse", "main") == git(repo, "rev-parse", "HEAD")
    assert git(remote, "tag") == "week1"


def test_no_git_configuration_needed(course, tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    for name in ["GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"]:
        monkeypatch.delenv(name, raising=False)
    assert release(course, 1) is None
    assert git(course / "student-repo", "log", "-1", "--format=%cn") == "TinyTorch Staff"


def test_deploy_group_is_one_commit_and_subtasks_one_each(course):
    result = run_doit(course, "deploy_student")
    assert result.returncode == 0, result.output
    repo = course / "student-repo"
    assert git(repo, "log", "--format=%s") == "Deploy exercises: exercises for alpha, beta, gamma"
    assert run_doit(course, "deploy_solutions:alpha").returncode == 0
    assert run_doit(course, "deploy_solutions:beta").returncode == 0
    assert git(repo, "log", "--format=%s").split("\n")[:2] == ["Deploy solutions: solutions for beta", "Deploy solutions: solutions for alpha"]
    clone = course.parent / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    assert (clone / "modules/03_gamma/gamma.ipynb").is_file()


def test_deploy_one_module_ignores_the_schedule_and_errata(course):
    assert deploy_action(str(course), "exercises", ["gamma"]) is None
    assert git(course / "student-repo", "ls-files", "modules").split() == ["modules/03_gamma/gamma.ipynb", "modules/03_gamma/gamma.py"]


def test_students_export_their_work_and_catch_up_with_released_solutions(course, tmp_path):
    import sys

    release(course, 2, confirm=True)  # alpha's solutions are out in week 2, beta's exercises too
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(course / "student-repo"), str(clone)], check=True)

    def python(*args):
        return subprocess.run([sys.executable, *args], cwd=clone, capture_output=True, text=True)

    exported = python("tools/export.py", "--solution", "01_alpha")
    assert exported.returncode == 0 and "tinytorch/core/alpha.py" in exported.stdout, exported.stderr
    assert python("-c", "from tinytorch.core.alpha import double; assert double(3) == 6").returncode == 0
    exported = python("tools/export.py", "02_beta")  # the student's own (still stubbed) work
    assert exported.returncode == 0, exported.stderr
    stub = python("-c", "from tinytorch.core.beta import double; double(1)")
    assert "NotImplementedError" in stub.stderr and "is not implemented yet" in stub.stderr
    assert python("tools/export.py", "03_gamma").returncode != 0  # not released yet: a clear message
    assert git(clone, "status", "--porcelain") == ""  # exported files are ignored, never in the student's way
