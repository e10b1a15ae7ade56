"""doit task `tag_release tag=NAME message=TEXT [dry=1]`: one annotated tag on what was deployed (`tito release --tag`).

`deploy_student` / `deploy_solutions` commit; this names the deployed state with the instructor's own tag
(TinyTorch's `tito release --tag week5-tensor-solutions --message ...`), and pushes it when a remote is set.
"""

from __future__ import annotations

import os
import subprocess
from typing import TYPE_CHECKING

from ..base.errors import CourseError
from ..base.gitenv import git_env
from ..course.context import load
from .doitutil import failing_task, reports_user_errors
from .variables import task_variables

if TYPE_CHECKING:
    from ..release.student_repo import StudentRepo

USAGE = 'tag_release needs the tag and its message: `doit tag_release tag=week5-tensor-solutions message="Release tensor solutions"` (tito release --tag NAME --message TEXT)'


def _check_tag_name(tag: str) -> None:
    checked = subprocess.run(
        ["git", "check-ref-format", f"refs/tags/{tag}"], capture_output=True, env={**os.environ, **git_env()}
    )
    if checked.returncode != 0:
        raise CourseError.at(
            "command line",
            None,
            f"'{tag}' is not a valid git tag name (no spaces, '..', '~', '^', ':' or trailing '.lock'); choose another, e.g. week5-tensor-solutions",
        )


def _changes_since_last_tag(repo: StudentRepo, head: str) -> str:
    """`git diff --stat` from the newest tag reachable from HEAD (or every file, when nothing is tagged)."""
    from ..release.student_repo import GitFailed

    try:
        previous = repo.git("describe", "--tags", "--abbrev=0", head).strip()
    except GitFailed:
        return "first tag; files: " + ", ".join(sorted(repo.tree_files(head)))
    stat = repo.git("diff", "--stat", f"{previous}..{head}").rstrip()
    return f"since {previous}:\n{stat}" if stat else f"nothing changed since {previous}"


@reports_user_errors
def tag_action(root: str, tag: str, message: str, dry: bool) -> None:
    from ..release.student_repo import StudentRepo  # lazy: every `doit` start imports this file

    course, paths = load(root)
    settings, shown = course.student_repo, paths.rel(paths.student_repo)
    _check_tag_name(tag)
    if not (paths.student_repo / ".git").exists():
        raise CourseError.at(
            shown,
            None,
            "has nothing deployed yet, so there is nothing to tag: deploy first (tito deploy student --all)",
        )
    repo = StudentRepo(paths.student_repo, settings.branch, settings.author, shown)
    repo.check_not_interrupted("tag")
    repo.check_ready(settings.tag)
    head = repo.head()
    existing = repo.tag_target(tag)
    if existing == head:
        print(f"{shown}: {tag} already tags {head[:10]}; nothing to do")
        return
    if existing:
        raise CourseError.at(
            shown,
            None,
            f"tag '{tag}' already exists at {existing[:10]}, not at the deployed commit {head[:10]}; choose another tag name (published tags are never moved)",
        )
    subject = repo.git("log", "-1", "--format=%s", head).strip()
    if dry:
        print(
            f"{shown}: would tag {head[:10]} ({subject}) as {tag}: {message}\n{_changes_since_last_tag(repo, head)}\n(dry run: nothing was changed)"
        )
        return
    repo.tag_only(head, {tag: message}, False)
    print(f"{shown}: tagged {head[:10]} ({subject}) as {tag}")
    if paths.student_remote:
        repo.push(paths.student_remote, repo.release_tags(settings.tag) + [tag])
        print(f"{shown}: pushed {settings.branch} and {tag} to {settings.remote}")


def task_tag_release(course, paths):
    """Tag what was deployed to the student repo: `doit tag_release tag=NAME message=TEXT [dry=1]` (tito release --tag)."""
    try:
        given = task_variables("tag_release")
    except CourseError as error:
        return {"actions": [(failing_task, [str(error)])], "verbosity": 2}
    tag, message, dry = given["tag"], given["message"], given["dry"]
    if not tag or not message:
        return {"actions": [(failing_task, [USAGE])], "verbosity": 2}
    return {"actions": [(tag_action, [str(course.root), tag, message, dry])], "verbosity": 2}
