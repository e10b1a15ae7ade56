"""A release or deploy, start to end: check everything, plan, then commit + tag in one atomic step; push.

Every check runs before the first change (`prepare`); `dry` stops after saying what would happen.
Nothing here prints: every line goes through the caller's `tell(line, warning=False)` (graph/ and cli/ print).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..base.errors import CourseError
from .course_files import course_files
from .plan import Plan, commit_message, plan_release
from .preflight import check_hand_edits, hand_edits, last_release_commit
from .student_repo import StudentRepo
from .tagging import check_ahead, check_many_weeks, check_order, deployed_ahead, last_release, tags_to_set


@dataclass
class Prepared:
    """Everything decided before the first change: the plan, the commit message, notes to print."""

    plan: Plan
    message: str
    old: str | None
    notes: list[str] = field(default_factory=list)


Tell = Callable[..., None]  # tell(line, warning=False): the caller shows a line of the release's report


def publish(course, paths, request, make_offers, tell: Tell) -> None:
    """Publish `request` (files from `make_offers()`) to the student repo, then push to the remote."""
    settings, shown = course.student_repo, paths.rel(paths.student_repo)
    with release_lock(paths.release_lock):
        repo = StudentRepo.open(paths.student_repo, settings.branch, settings.author, shown)
        if repo is not None:
            if request.dry:  # the repair would change the repository
                repo.check_not_interrupted("look again with dry=1")
            repaired = repo.repair()
            if repaired:
                tell(f"{shown}: {repaired}; it is redone now", warning=True)
            repo.check_ready(settings.tag)
        last = last_release(repo, settings.tag)
        check_order(request, last, bool(repo and request.tag and repo.tag_target(request.tag)), shown)
        check_many_weeks(course, request, last, shown)
        prepared = prepare(repo, course, paths, request, make_offers(), last)
        if request.dry:
            return preview(repo, paths, request, prepared, shown, tell)
        with _removed_on_failure(paths.student_repo):
            repo = repo or StudentRepo.init(paths.student_repo, settings.branch, settings.author, shown)
            new, tags = commit_and_tag(repo, paths, request, prepared, tell)
        say(shown, request.title, prepared, new, tags, tell)
        if paths.student_remote:
            repo.push(paths.student_remote, repo.release_tags(settings.tag))
            tell(f"{shown}: pushed {settings.branch} and every release tag to {course.student_repo.remote}")


@contextmanager
def release_lock(lock_file: Path):
    """One release at a time per course (two at once could tag each other's commits)."""
    from filelock import FileLock

    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(lock_file)):
        yield


def prepare(repo, course, paths, request, offered, last) -> Prepared:
    """Plan against HEAD and make every decision that could refuse the release; nothing is written."""
    shown = paths.rel(paths.student_repo)
    old = repo.head() if repo else None
    existing = repo.tree_files(old) if repo else {}
    present = set(existing) | {path for offer in offered for path in offer.files}
    plan = plan_release(existing, offered, course_files(course, paths, present), request.errata)
    _add_changes_entry(repo, existing, request.title, plan)
    notes = list(plan.stale) + _removed_modules(course, paths, existing)
    published = set(repo.tree_files(last.commit)) if repo and last.commit else set()
    notes += check_ahead(course, paths, request, existing, published, shown)
    notes += deployed_ahead(course, paths, request, plan.writes, last)
    if repo is not None:
        notes += check_hand_edits(
            hand_edits(repo, last_release_commit(repo, last.commit)), set(plan.writes), shown, request.force
        )
    if plan.empty and old is None:
        raise CourseError.at(
            shown, None, f"{request.title}: nothing to release yet (no module is due); check the weeks in course.yaml"
        )
    return Prepared(plan, commit_message(request.title, plan), old, notes)


def _add_changes_entry(repo, existing: dict[str, str], title: str, plan: Plan) -> None:
    """A release that brings modules' files also writes its entry of the student CHANGES.md (what it is:
    tasks/version/student_changes.py), in the same commit."""
    from ..version.student_changes import CHANGES, with_entry

    if not plan.errata and not any(name for names in plan.added.values() for name in names):
        return

    def released(path: str) -> str | None:
        return repo.git("cat-file", "blob", existing[path]) if repo and path in existing else None

    corrected = {new: (old, released(old).encode("utf-8"), plan.writes[new]) for new, old in plan.corrects.items()}
    plan.writes[CHANGES] = with_entry(released(CHANGES), title, plan.added, corrected)


def _removed_modules(course, paths, existing: dict[str, str]) -> list[str]:
    """Warnings for module folders in the repo that no module of course.yaml has any more."""
    known = {str(paths.repo_module_dir(m)) for m in course.modules} | {
        str(paths.repo_solution_dir(m)) for m in course.modules
    }
    gone = sorted(
        {"/".join(PurePosixPath(p).parts[:2]) for p in existing if p.startswith(("modules/", "solutions/"))} - known
    )
    return [
        f"warning: {folder}/ was released, but no module in course.yaml has that folder any more: its files stay in the student repository, nothing of it will be released again (no solutions, no errata) and it is left out of SCHEDULE.md. Put the module back in course.yaml to release its solutions"
        for folder in gone
    ]


def commit_and_tag(repo, paths, request, prepared: Prepared, tell: Tell) -> tuple[str, dict[str, str]]:
    """Write the commit's objects, then move branch, worktree and tags together. Returns (new head, tags set)."""
    for note in prepared.notes:
        tell(f"{paths.rel(paths.student_repo)}: {note}", warning=True)
    old, plan = prepared.old, prepared.plan
    new = repo.write_commit(old, plan.writes, prepared.message) if not plan.empty else old
    shown = paths.rel(paths.student_repo)
    tags = tags_to_set(repo, request, paths.student_remote, new, old, plan.empty, shown, plan.writes)
    messages = {tag: prepared.message for tag in tags}
    if new != old:
        repo.advance(old, new, messages, request.force)
    elif tags:
        repo.tag_only(new, messages, request.force)
    return new, tags


def preview(repo, paths, request, prepared: Prepared, shown: str, tell: Tell) -> None:
    """dry=1: say what the release would commit and tag; change nothing."""
    plan = prepared.plan
    for note in prepared.notes:
        tell(f"{shown}: {note}")
    if plan.empty:
        tell(f"{shown}: dry run, nothing changed: {request.title} would commit nothing new")
    else:
        tell(f'{shown}: dry run, nothing changed: would commit "{prepared.message.splitlines()[0]}"')
        existing = repo.tree_files(prepared.old) if repo else {}
        for path in sorted(plan.writes):
            tell(f"    {'update' if path in existing else 'add   '} {path}")
    if request.tag:
        tagged = repo.tag_target(request.tag) if repo else None
        tell(
            f"{shown}: tag: {request.tag}"
            + (" exists already (a change would get its own errata tag with errata=1)" if tagged else " (new)")
        )
    if paths.student_remote:
        tell(f"{shown}: would push to {paths.student_remote}")


def say(shown: str, title: str, prepared: Prepared, new: str, tags: dict[str, str], tell: Tell) -> None:
    tagged = f", tag {', '.join(tags)}" if tags else ""
    if new == prepared.old:
        tell(f"{shown}: {title}: nothing new (already released){f'; tagged {tagged[6:]}' if tags else ''}")
    else:
        tell(f"{shown}: {prepared.message.splitlines()[0]} [{new[:10]}]{tagged}")


@contextmanager
def _removed_on_failure(repo_dir: Path):
    """A student repo created for this release is removed again if the release fails: it leaves no trace."""
    existed, was_dir = (repo_dir / ".git").exists(), repo_dir.exists()
    try:
        yield
    except BaseException:
        if not existed:
            shutil.rmtree(repo_dir / ".git" if was_dir else repo_dir, ignore_errors=True)
        raise
