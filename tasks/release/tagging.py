"""Which tags a weekly release sets, decided before anything changes.

A tag only ever names a commit whose content is exactly its week's schedule: weeks go out in order, an
earlier week after a later one is refused, and corrections to a week already out (errata, corrected
solutions) get their own tag (`week4-errata1`), so that no tag students may have fetched ever moves.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..base.errors import CourseError
from .student_repo import tag_regex


@dataclass(frozen=True)
class Last:
    """The last weekly release in the repo: its week, tag and commit (week 0 when there is none)."""

    week: int = 0
    tag: str | None = None
    commit: str | None = None


def last_release(repo, pattern: str) -> Last:
    found = repo.last_release(pattern) if repo else None
    if not found:
        return Last()
    return Last(int(tag_regex(pattern).match(found[0])[1]), found[0], found[1])


def check_order(request, last: Last, tag_exists: bool, shown: str) -> None:
    """Refuse a week before the last release (unless it is already out: then it is a no-op)."""
    if request.week is None or request.week >= last.week:
        return
    if tag_exists and not request.errata:
        return
    fix = (
        f"To correct what students have, run `doit release week={last.week} errata=1`."
        if request.errata or tag_exists
        else f"Release weeks in order; week {request.week}'s material is already out in {last.tag}."
    )
    raise CourseError.at(
        shown,
        None,
        f"week {request.week} comes before the last release, week {last.week} ({last.tag}), which already holds everything due by week {request.week}; a tag '{request.tag}' now could not name exactly week {request.week}'s content. {fix} Nothing was changed",
    )


def _weeks_due(course, after: int, upto: int) -> list[int]:
    """The weeks in (after, upto] in which some module's exercises or solutions come out."""
    return sorted({w for m in course.modules for w in (m.release, m.solutions) if after < w <= upto})


def check_many_weeks(course, request, last: Last, shown: str) -> None:
    """A release publishing several weeks at once needs confirm=1 (week=99 publishes everything)."""
    due = _weeks_due(course, last.week, request.week or 0)
    if request.week is None or len(due) < 2 or request.confirm or request.dry:
        return
    raise CourseError.at(
        shown,
        None,
        f"week={request.week} would publish {len(due)} weeks at once (weeks {', '.join(map(str, due))}; the last release was {last.tag or 'none'}). See what it would do with `doit release week={request.week} dry=1`, then add confirm=1 to publish them together, or release one week at a time. Nothing was changed",
    )


def _ahead_of(course, paths, week: int, files, published=()) -> list[str]:
    """'exercises of beta (week 2)' for each module with files among `files` (repo paths) that are due after
    `week`, leaving out files in `published` (a tag already named them)."""
    found = []
    for module in course.modules:
        for kind, due, folder in (
            ("exercises", module.release, paths.repo_module_dir(module)),
            ("solutions", module.solutions, paths.repo_solution_dir(module)),
        ):
            if due > week and any(p.startswith(f"{folder}/") and p not in published for p in files):
                found.append(f"{kind} of {module.name} (week {due})")
    return found


def check_ahead(course, paths, request, existing, published, shown: str) -> list[str]:
    """A weekly release into a repo already holding material due later (deployed early) is refused unless
    `ahead`: its tag would name that material as the week's. Returns the note to print when allowed."""
    if request.week is None:
        return []
    early = _ahead_of(course, paths, request.week, existing, published)
    if not early:
        return []
    listed = ", ".join(early)
    if request.ahead:
        return [f"tagging {request.tag} although the repository already holds material due later: {listed} (ahead=1)"]
    raise CourseError.at(
        shown,
        None,
        f"already holds material due after week {request.week}: {listed}, put there by a deploy (`make deploy-all`, `tito deploy`) or another release. A tag '{request.tag}' would name all of it as week {request.week}'s content. Nothing was changed. To publish week by week, release into a fresh student repository (move {shown} aside, or `tito release --week {request.week} --target-repo DIR`); to keep what is deployed and tag the week anyway, re-run with ahead=1 (`tito release --week {request.week} --ahead`)",
    )


def deployed_ahead(course, paths, request, writes, last: Last) -> list[str]:
    """A note for a deploy that adds material due after the last weekly release: the next release will ask."""
    early = _ahead_of(course, paths, last.week, writes) if request.week is None and last.week else []
    if not early:
        return []
    return [
        f"this deploy adds material due after the last weekly release ({last.tag}): {', '.join(early)}. The next weekly release will say so and needs ahead=1 (`tito release --week N --ahead`) to tag it"
    ]


def _errata_tag(repo, tag: str) -> str:
    """The next free `TAG-errataN`."""
    taken = {t for t in repo.git("tag", "--list", f"{tag}-errata*").split()}
    return next(f"{tag}-errata{n}" for n in range(1, 10_000) if f"{tag}-errata{n}" not in taken)


def tags_to_set(
    repo, request, remote: str | None, new: str, old: str | None, nothing_new: bool, shown: str, writes
) -> dict[str, str]:
    """{tag: why} this release sets on `new`: its week's tag, an errata tag, or nothing."""
    if not request.tag:
        return {}
    tagged = repo.tag_target(request.tag) if repo else None
    if tagged is None:
        return {request.tag: "week"}
    if tagged == new or (nothing_new and repo.is_ancestor(tagged, new)):
        return {}
    if request.errata and not nothing_new and repo.is_ancestor(tagged, new):
        return {_errata_tag(repo, request.tag): "errata"}
    if request.force:
        _check_not_published(repo, remote, request.tag, shown)
        return {request.tag: "moved"}
    changes = ", ".join(sorted(writes)[:6]) + (", ..." if len(writes) > 6 else "")
    raise CourseError.at(
        shown,
        None,
        f"tag '{request.tag}' already exists at {tagged[:10]}, not at the commit this release makes{f' (it would add or change: {changes})' if changes else ''}; nothing was changed. To bring the changes to students without moving a tag they may have fetched, run `doit release week={request.week} errata=1` (tagged {_errata_tag(repo, request.tag)}); if '{request.tag}' was made by mistake and never pushed, re-run with force=1 to move it",
    )


def _check_not_published(repo, remote: str | None, tag: str, shown: str) -> None:
    if remote and repo.remote_tag(remote, tag):
        raise CourseError.at(
            shown,
            None,
            f"tag '{tag}' is already on {remote}: students may have fetched it, and a moved tag is never force-pushed. Publish the change with `errata=1` instead (it gets its own tag). Nothing was changed",
        )
