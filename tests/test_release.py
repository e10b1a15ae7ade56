"""Releases into a real student git repository: atomic, idempotent, append-only, no machine git config."""

from __future__ import annotations

import re
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
    proc = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        env={
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "GIT_CONFIG_NOSYSTEM": "1",
            "PATH": "/usr/bin:/bin",
            "GIT_AUTHOR_NAME": "Student",
            "GIT_AUTHOR_EMAIL": "s@example.invalid",
            "GIT_COMMITTER_NAME": "Student",
            "GIT_COMMITTER_EMAIL": "s@example.invalid",
        },
    )
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
        "files": {
            str(p.relative_to(repo)): p.read_bytes()
            for p in sorted(repo.rglob("*"))
            if p.is_file() and ".git" not in p.relative_to(repo).parts
        },
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
    assert {
        "modules/01_alpha/alpha.ipynb",
        "modules/01_alpha/alpha.py",
        "README.md",
        "requirements.txt",
        "tools/export.py",
    } <= files
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
    source.write_text(
        source.read_text().replace("assert double(2) == 4", "assert double(2) == 4\n    assert double(0) == 0")
    )
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


@pytest.mark.parametrize(
    "raw, expected", [(None, "needs the week"), ("abc", "not a week number"), ("0", "not a week number")]
)
def test_bad_week_on_the_command_line(course, raw, expected):
    result = run_doit(course, "release", *([f"week={raw}"] if raw is not None else []))
    assert result.returncode != 0 and expected in result.output
    assert not (course / "student-repo").exists()


def test_a_week_before_the_first_release_is_refused(course):
    config = course / "course.yaml"
    config.write_text(
        config.read_text().replace("release: 1", "release: 2").replace("solutions: 2\n", "solutions: 3\n", 1)
    )
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
    config.write_text(
        config.read_text().replace(
            "course: Mini\n", f"course: Mini\nstudent_repo:\n  remote: {tmp_path / 'missing.git'}\n"
        )
    )
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
    assert git(repo, "log", "--format=%s").split("\n")[:2] == [
        "Deploy solutions: solutions for beta",
        "Deploy solutions: solutions for alpha",
    ]
    clone = course.parent / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    assert (clone / "modules/03_gamma/gamma.ipynb").is_file()


def test_deploy_one_module_ignores_the_schedule_and_errata(course):
    assert deploy_action(str(course), "exercises", ["gamma"]) is None
    assert git(course / "student-repo", "ls-files", "modules").split() == [
        "modules/03_gamma/gamma.ipynb",
        "modules/03_gamma/gamma.py",
    ]


def test_a_week_released_into_a_repository_deployed_ahead_says_so_and_ahead_tags_it(course, capsys):
    """`make deploy-all`, then `tito release --week 1`: the week1 tag would name every module as week 1's."""
    assert deploy_action(str(course), "exercises", list(NAMES)) is None
    repo = course / "student-repo"
    before = snapshot(repo)
    message = failed_message(release(course, 1))
    assert "already holds material due after week 1: exercises of beta (week 2), exercises of gamma (week 3)" in message
    assert "fresh student repository" in message and "--target-repo DIR" in message and "ahead=1" in message
    assert snapshot(repo) == before and git(repo, "tag") == ""
    assert failed_message(release(course, 1, dry=True)) == message  # the preview says the same
    capsys.readouterr()
    assert release(course, 1, ahead=True) is None
    assert "tagging week1 although the repository already holds material due later" in capsys.readouterr().err
    assert git(repo, "tag") == "week1"
    assert release(course, 2) is None, "what a tag already named is accepted"
    assert git(repo, "tag").split() == ["week1", "week2"]


def test_a_deploy_after_a_weekly_release_says_what_the_next_release_will_ask(course, capsys):
    release(course, 1)
    capsys.readouterr()
    assert deploy_action(str(course), "exercises", ["gamma"]) is None
    err = capsys.readouterr().err
    assert "this deploy adds material due after the last weekly release (week1): exercises of gamma (week 3)" in err
    message = failed_message(release(course, 2))
    assert "already holds material due after week 2: exercises of gamma (week 3)" in message and "beta" not in message
    assert release(course, 2, ahead=True) is None


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


# --- issue 12: preconditions, kills, order, errata, settings, hand edits, remotes -------------------------


def in_progress(marker: str):
    def prepare(repo: Path) -> None:
        (repo / ".git" / marker).write_text(git(repo, "rev-parse", "HEAD") + "\n")

    return prepare


def locked(repo: Path) -> None:
    (repo / ".git" / "index.lock").write_text("")


def detached(repo: Path) -> None:
    git(repo, "checkout", "-q", "--detach", "HEAD")


@pytest.mark.parametrize(
    "prepare, says",
    [
        (locked, ("another git command is running", "student-repo/.git/index.lock", "delete")),
        (in_progress("MERGE_HEAD"), ("in the middle of a merge", "merge --abort")),
        (in_progress("CHERRY_PICK_HEAD"), ("in the middle of a cherry-pick", "cherry-pick --abort")),
        (in_progress("BISECT_LOG"), ("in the middle of a bisect", "bisect reset")),
        (detached, ("a detached HEAD", "checkout main")),
    ],
    ids=["index-lock", "merge", "cherry-pick", "bisect", "detached-head"],
)
def test_preconditions_are_checked_before_anything_changes(course, prepare, says):
    release(course, 1)
    repo = course / "student-repo"
    prepare(repo)
    before = snapshot(repo)
    message = failed_message(release(course, 2))
    assert all(s in message for s in says), message
    assert snapshot(repo) == before


def test_a_student_repo_path_that_is_a_file_is_refused(course):
    (course / "student-repo").write_text("not a folder\n")
    message = failed_message(release(course, 1))
    assert "student-repo: is a file, not a folder" in message
    assert (course / "student-repo").read_text() == "not a folder\n"


def test_a_student_repo_that_cannot_be_created_is_a_clear_error_and_leaves_nothing(course):
    """A parent of student_repo.path is a file: mkdir fails. One line naming the folder, no traceback."""
    yaml = (course / "course.yaml").read_text()
    assert "student_repo" not in yaml
    (course / "course.yaml").write_text(yaml + "student_repo:\n  path: blocker/students\n")
    (course / "blocker").write_text("a file\n")
    message = failed_message(release(course, 1))
    assert "blocker/students: the student repository could not be created here" in message
    assert "Traceback" not in message
    assert (course / "blocker").read_text() == "a file\n"


KILLER = """
import os, signal, sys
sys.path.insert(0, {root!r})
from tasks.release import faults
from tasks.graph.task_release import release_action
count = [0]
def hook(step):
    if count[0] == {at}:
        if {lock}:
            open(os.path.join({repo!r}, ".git", "index.lock"), "w").close()  # as if git died writing the index
        os.kill(os.getpid(), signal.SIGKILL)
    count[0] += 1
faults.hook = hook
release_action({root!r}, 2)
"""


def test_sigkill_at_random_points_is_repaired_by_the_next_release(course, tmp_path, monkeypatch, capsys):
    """Killed at a few random checkpoints before the switch and at every checkpoint of the switch (the journal
    written), with or without a stale index.lock: the next release rolls an interrupted switch back (says so;
    a release of the week already out leaves the repository exactly as before the killed one), then releases."""
    import random
    import sys

    from tasks.release import faults

    release(course, 1)
    repo = course / "student-repo"
    week1 = snapshot(repo)
    reference = tmp_path / "reference"
    shutil.copytree(course, reference, symlinks=True)
    steps = []  # the checkpoints of a week-2 release, in order: the kills below are counted on them
    monkeypatch.setattr(faults, "hook", steps.append)
    assert release(reference, 2) is None
    monkeypatch.setattr(faults, "hook", None)
    expected = snapshot(reference / "student-repo")
    switch = list(range(steps.index("git update-ref"), len(steps)))  # update-ref, read-tree, each tag, done
    assert [steps[i] for i in switch] == ["git update-ref", "git read-tree", "git tag", "done"]
    points = sorted(random.Random(12).sample(range(3, switch[0]), 2)) + switch
    kills = 0
    for at in points:
        for lock in (False, True):
            script = KILLER.format(root=str(course), repo=str(repo), at=at, lock=lock)
            killed = subprocess.run([sys.executable, "-c", script], cwd=course, capture_output=True, text=True)
            assert killed.returncode == -9, killed.stderr
            kills += 1
            journal = (repo / ".git/coursebuild-release.json").exists()
            assert journal == (at in switch), f"checkpoint {at} ({steps[at]})"
            if lock and not journal:  # killed before the switch began:
                assert "delete student-repo/.git/index.lock" in failed_message(release(course, 2))  # a lock not ours
                (repo / ".git/index.lock").unlink()
            capsys.readouterr()
            if journal and lock:  # the week already out: the repair alone, the repository exactly as it was
                assert release(course, 1) is None and snapshot(repo) == week1, f"checkpoint {at} ({steps[at]})"
                assert "an earlier release was interrupted before it finished; it was rolled back" in (
                    capsys.readouterr().err
                )
            assert release(course, 2) is None, f"the release after a kill at checkpoint {at} works"
            if journal and not lock:
                assert "an earlier release was interrupted before it finished; it was rolled back" in (
                    capsys.readouterr().err
                )
            assert snapshot(repo)["files"] == expected["files"] and git(repo, "tag").split() == ["week1", "week2"]
            assert (
                git(repo, "status", "--porcelain") == "" and git(repo, "fsck", "--no-progress", "--no-dangling") == ""
            )
            git(repo, "tag", "-d", "week2")  # back to week 1 for the next kill
            git(repo, "reset", "-q", "--hard", "week1")
            git(repo, "clean", "-qfd")
    assert kills == 2 * len(points)


KILL_IN_THE_SWITCH = """
import os, signal, sys
sys.path.insert(0, {root!r})
from tasks.release import faults
from tasks.graph.task_release import release_action
journal = os.path.join({repo!r}, ".git", "coursebuild-release.json")
def hook(step):
    if step == {step!r} and os.path.exists(journal):
        os.kill(os.getpid(), signal.SIGKILL)
faults.hook = hook
release_action({root!r}, 2)
"""


def killed_in_the_switch(course: Path, step: str, tmp_path: Path) -> dict:
    """Release week 1, then SIGKILL a week-2 release at `step` of its switch (the journal written). Returns the
    files a clean week-2 release gives, made in a copy of the course."""
    import sys

    release(course, 1)
    reference = tmp_path / "reference"
    shutil.copytree(course, reference, symlinks=True)
    assert release(reference, 2) is None
    repo = course / "student-repo"
    script = KILL_IN_THE_SWITCH.format(root=str(course), repo=str(repo), step=step)
    killed = subprocess.run([sys.executable, "-c", script], cwd=course, capture_output=True, text=True)
    assert killed.returncode == -9 and (repo / ".git/coursebuild-release.json").exists(), killed.stderr
    return snapshot(reference / "student-repo")["files"]


@pytest.mark.parametrize("step", ["git read-tree", "git tag"], ids=["before-the-files", "after-the-files"])
def test_a_hand_edit_present_during_repair_is_refused_naming_it_and_nothing_is_lost(course, tmp_path, step):
    """The repair of an interrupted release rolls the files back: it first checks that nothing but what the
    switch wrote is uncommitted, and refuses (naming each file) otherwise, changing nothing."""
    expected = killed_in_the_switch(course, step, tmp_path)
    repo = course / "student-repo"
    (repo / "README.md").write_text("edited by hand during the repair\n")  # the switch never writes it
    (repo / "SCHEDULE.md").write_text("my own schedule\n")  # the switch writes it (week 1 -> week 2)
    (repo / "notes.txt").write_text("new, never committed\n")
    (repo / "modules/01_alpha/alpha.ipynb").write_text("staged by hand\n")
    git(repo, "add", "modules/01_alpha/alpha.ipynb")
    journal = (repo / ".git/coursebuild-release.json").read_bytes()
    before = snapshot(repo)
    message = failed_message(release(course, 2))
    assert "an earlier release was interrupted before it finished" in message, message
    for named in ("README.md (changed)", "SCHEDULE.md (changed)", "notes.txt (new file)"):
        assert named in message, message
    assert "modules/01_alpha/alpha.ipynb (staged)" in message and "reset -q -- FILE" in message
    assert snapshot(repo) == before and (repo / ".git/coursebuild-release.json").read_bytes() == journal
    saved = tmp_path / "saved"  # the advice: move them out (a staged one also reset), release again
    saved.mkdir()
    for name in ("README.md", "SCHEDULE.md", "notes.txt", "modules/01_alpha/alpha.ipynb"):
        shutil.move(repo / name, saved / Path(name).name)
    git(repo, "reset", "-q", "--", "modules/01_alpha/alpha.ipynb")
    assert release(course, 2) is None
    assert snapshot(repo)["files"] == expected and git(repo, "tag").split() == ["week1", "week2"]
    assert git(repo, "status", "--porcelain") == ""
    assert (saved / "README.md").read_text() == "edited by hand during the repair\n"  # nothing was lost
    assert (saved / "alpha.ipynb").read_text() == "staged by hand\n"


@pytest.mark.parametrize(
    "damage, says",
    [
        (lambda text: text[: len(text) // 2], "it cannot be read: "),
        (lambda text: "\x00\xff garbage", "it cannot be read: "),
        (lambda text: '["old", "new"]', "it is not a release journal"),
        (lambda text: text.replace('"new": "', '"new": "0000000000'), "its new commit is not a commit id"),
        (
            lambda text: re.sub(r'"new": "[0-9a-f]+"', '"new": "' + "1" * 40 + '"', text),
            "which is not in the repository",
        ),
    ],
    ids=["truncated", "garbage", "not-a-journal", "bad-commit-id", "unknown-commit"],
)
def test_a_damaged_journal_is_a_message_saying_how_to_check_and_clear_it(course, tmp_path, damage, says):
    expected = killed_in_the_switch(course, "git tag", tmp_path)
    repo = course / "student-repo"
    journal = repo / ".git/coursebuild-release.json"
    journal.write_text(damage(journal.read_text()))
    damaged, before = journal.read_bytes(), snapshot(repo)
    message = failed_message(release(course, 2))
    assert message.startswith(
        "student-repo/.git/coursebuild-release.json: this journal of an interrupted release is damaged ("
    )
    assert says in message and "Traceback" not in message, message
    for advice in (
        "git -C student-repo status",
        "git -C student-repo reset --hard",
        "rm student-repo/.git/coursebuild-release.json",
    ):
        assert advice in message, message
    assert snapshot(repo) == before and journal.read_bytes() == damaged
    git(repo, "reset", "-q", "--hard")  # the advice, followed
    journal.unlink()
    assert release(course, 2) is None
    assert snapshot(repo)["files"] == expected and git(repo, "tag").split() == ["week1", "week2"]
    assert git(repo, "status", "--porcelain") == "" and git(repo, "fsck", "--no-progress", "--no-dangling") == ""


def test_tagging_and_a_dry_run_wait_for_the_interrupted_release_to_be_run_again(course, tmp_path):
    """Only a release repairs an interrupted one: a tag, or a dry run (which changes nothing, not even by
    repairing), is refused until then."""
    from tasks.graph.task_tag import tag_action

    expected = killed_in_the_switch(course, "git tag", tmp_path)
    repo = course / "student-repo"
    before, journal = snapshot(repo), (repo / ".git/coursebuild-release.json").read_bytes()
    message = failed_message(tag_action(str(course), "week2-extra", "by hand", False))
    assert "coursebuild-release.json: the last deploy or release into this repository was interrupted" in message
    assert snapshot(repo) == before
    for week in (2, 3):
        message = failed_message(release(course, week, dry=True, confirm=True))
        assert "was interrupted; run it again first" in message and "then look again with dry=1" in message
        assert snapshot(repo) == before and (repo / ".git/coursebuild-release.json").read_bytes() == journal
    assert release(course, 2) is None and snapshot(course / "student-repo")["files"] == expected


def test_an_earlier_week_after_a_later_one_is_refused(course):
    release(course, 1)
    release(course, 3, confirm=True)
    repo = course / "student-repo"
    before = snapshot(repo)
    message = failed_message(release(course, 2))
    assert "week 2 comes before the last release, week 3 (week3)" in message and "Nothing was changed" in message
    assert snapshot(repo) == before
    assert release(course, 1) is None  # an earlier week already out: nothing to do
    assert snapshot(repo) == before


def test_dry_run_prints_what_would_be_committed_and_changes_nothing(course, capsys):
    release(course, 1)
    repo = course / "student-repo"
    before = snapshot(repo)
    capsys.readouterr()
    assert release(course, 3, dry=True) is None
    out = capsys.readouterr().out
    assert "dry run, nothing changed" in out and "add    modules/03_gamma/gamma.ipynb" in out
    assert "add    solutions/01_alpha/alpha.ipynb" in out and "update SCHEDULE.md" in out and "tag: week3 (new)" in out
    assert snapshot(repo) == before


def test_hand_edits_are_reported_and_never_overwritten_silently(course, capsys):
    release(course, 1)
    repo = course / "student-repo"
    (repo / "SCHEDULE.md").write_text("edited by a TA\n")
    (repo / "NOTES.md").write_text("office hours\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "TA notes")
    before = snapshot(repo)
    message = failed_message(release(course, 2))
    assert (
        "hand edits in the student repository would be overwritten" in message
        and "SCHEDULE.md (by " in message
        and "TA notes" in message
    )
    assert "force=1" in message and snapshot(repo) == before
    assert release(course, 2, force=True) is None
    assert "kept hand edits since the last release: NOTES.md" in capsys.readouterr().err
    assert (repo / "NOTES.md").read_text() == "office hours\n" and "edited by a TA" not in (
        repo / "SCHEDULE.md"
    ).read_text()


def test_the_readme_is_the_same_every_week(course):
    release(course, 1)
    repo = course / "student-repo"
    readme = (repo / "README.md").read_bytes()
    release(course, 2)
    release(course, 3)
    assert (repo / "README.md").read_bytes() == readme
    assert git(repo, "log", "--format=%s", "--", "README.md").count("\n") == 0  # written once


def test_a_module_removed_after_its_release_warns(course, capsys):
    release(course, 3, confirm=True)
    config = course / "course.yaml"
    text = config.read_text()
    config.write_text(text[: text.index("  - name: gamma")])
    capsys.readouterr()
    assert release(course, 4) is None
    err = capsys.readouterr().err
    assert "modules/03_gamma/ was released, but no module in course.yaml has that folder any more" in err
    assert "(no solutions, no errata)" in err


def with_remote(course: Path, remote: str) -> None:
    config = course / "course.yaml"
    config.write_text(
        config.read_text().replace("course: Mini\n", f"course: Mini\nstudent_repo:\n  remote: {remote}\n")
    )


def test_a_relative_remote_resolves_from_the_course_root_and_a_fresh_bare_remote_gets_a_head(course, tmp_path):
    remote = course.parent / "remote.git"
    subprocess.run(
        ["git", "init", "-q", "--bare", "-b", "master", str(remote)], check=True
    )  # HEAD -> a branch we never push
    with_remote(course, "../remote.git")
    assert release(course, 1) is None
    assert release(course, 2) is None
    assert git(remote, "tag").split() == ["week1", "week2"]  # every release tag, not only the current one
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(remote), str(clone)], check=True, capture_output=True)
    assert (clone / "modules/01_alpha/alpha.ipynb").is_file() and git(
        clone, "symbolic-ref", "HEAD"
    ) == "refs/heads/main"


def test_errata_with_a_remote_reach_students_without_moving_a_published_tag(course, tmp_path):
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    with_remote(course, str(remote))
    release(course, 1)
    release(course, 2)
    week2 = git(remote, "rev-parse", "week2")
    source = course / "modules/01_alpha/alpha.py"
    source.write_text(
        source.read_text().replace("assert double(2) == 4", "assert double(2) == 4\n    assert double(0) == 0")
    )
    assert run_doit(course).returncode == 0
    message = failed_message(release(course, 2, force=True))  # moving a tag students have: refused, with advice
    assert "already on" in message and "errata=1" in message
    assert release(course, 2, errata=True) is None  # the advice works
    assert git(remote, "rev-parse", "week2") == week2
    assert git(remote, "rev-parse", "week2-errata1^{commit}") == git(remote, "rev-parse", "main")
    assert "double(0) == 0" in git(remote, "show", "main:modules/01_alpha/alpha.v2.ipynb")


def test_a_corrected_solution_after_its_release_reaches_students(course, capsys):
    release(course, 2, confirm=True)  # alpha's solutions are out
    repo = course / "student-repo"
    source = course / "modules/01_alpha/alpha.py"
    source.write_text(
        source.read_text().replace(
            "alpha_doubled = np.asarray(x) * 2", "alpha_doubled = np.multiply(np.asarray(x), 2)  # corrected"
        )
    )
    assert run_doit(course).returncode == 0
    message = failed_message(release(course, 2))  # never silently left behind
    assert "solutions/01_alpha/alpha.ipynb" in message and "errata=1" in message
    assert release(course, 2, errata=True) is None
    assert "corrected" in (repo / "solutions/01_alpha/alpha.ipynb").read_text()
    assert "updated solutions for alpha" in git(repo, "log", "-1", "--format=%s")
    assert git(repo, "tag").split() == ["week2", "week2-errata1"]


def test_release_waits_for_check_student_and_never_publishes_a_broken_student_notebook(course):
    source = course / "modules/01_alpha/alpha.py"
    source.write_text(
        source.read_text() + "\n# %%\nprint(alpha_instructor_reference)  # the student version has no such name\n"
    )
    result = run_doit(course, "release", "week=1")
    assert (
        result.returncode != 0 and "the student version of module 'alpha' is broken beyond its stubs" in result.output
    ), result.output
    assert not (course / "student-repo").exists()
    result = run_doit(course, "deploy_student:alpha")
    assert result.returncode != 0 and not (course / "student-repo").exists()


@pytest.mark.parametrize(
    "args, says",
    [
        (["week=1", "erata=1"], "unknown argument 'erata=1' for `doit release`; did you mean 'errata=1'?"),
        (["week=\u00b2"], "is not a week number"),
        (["week=1", "dry=maybe"], "dry='maybe' is not a yes/no value"),
    ],
)
def test_bad_release_arguments_are_errors(course, args, says):
    result = run_doit(course, "release", *args)
    assert result.returncode != 0 and says in result.output and "Traceback" not in result.output, result.output
    assert not (course / "student-repo").exists()


def test_python_only_outputs_give_students_a_working_export(course, tmp_path):
    import sys

    config = course / "course.yaml"
    config.write_text(config.read_text().replace("outputs: [notebook, python]", "outputs: [python]"))
    release(course, 2, confirm=True)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(course / "student-repo"), str(clone)], check=True)
    assert not list(clone.glob("modules/*/*.ipynb"))
    for args in (["--solution", "01_alpha"], ["02_beta"]):
        done = subprocess.run([sys.executable, "tools/export.py", *args], cwd=clone, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    check = subprocess.run(
        [sys.executable, "-c", "from tinytorch.core.alpha import double; assert double(3) == 6"],
        cwd=clone,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr


def test_a_built_file_changed_after_the_build_is_refused_with_advice_that_fixes_it(course):
    """Issue 13: the release-time guard must not say "fix the markers" or "the artifact was not kept"."""
    notebook = course / "build/student/01_alpha/alpha.py"
    notebook.write_text(notebook.read_text() + "\nalpha_doubled = np.asarray(x) * 2\n")
    message = failed_message(release(course, 1))
    assert "LEAK: instructor-only text from modules/01_alpha/alpha.py:" in message
    assert "This built file was changed after `doit student:alpha` wrote it" in message
    assert "Rebuild it with `doit -a student:alpha`, then release again." in message
    assert "fix the markers" not in message and "was not kept" not in message
    assert not (course / "student-repo").exists()
    assert run_doit(course, "-a", "student:alpha").returncode == 0
    assert not isinstance(release(course, 1), TaskFailed)


def test_generated_files_carrying_course_text_are_leak_guarded(tmp_path):
    """The README and tinytorch/__init__.py (with course.yaml's package_init code) reach students: a solution line in
    package_init stops the release; the engine's own tool files are not held to a course's secrets."""
    from tasks.base.errors import CourseError
    from tasks.course.config import load_course
    from tasks.course.paths import Paths
    from tasks.release.course_files import course_files

    root = write_mini_course(tmp_path / "mini", names=("alpha",))
    (root / "setup_package.py").write_text("READY = True\n")
    with open(root / "course.yaml", "a") as handle:
        handle.write("package_init: setup_package.py\n")
    course = load_course(root)
    files = course_files(course, Paths(course), set())
    assert files["tinytorch/__init__.py"].endswith(b"(course.yaml package_init: setup_package.py)\nREADY = True\n")
    (root / "setup_package.py").write_text("READY = True\nalpha_doubled = np.asarray(x) * 2\n")
    with pytest.raises(CourseError, match=r"tinytorch/__init__\.py:\d+: LEAK"):
        course_files(course, Paths(course), set())
