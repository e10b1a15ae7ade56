"""`tito version check` (every quality gate, a report) and `tito version cut rc|patch|minor|major` (check, then
tag the course repository and add the version's CHANGELOG.md section). The gates: release_check.py; what a
version is and what changed: tasks/version/."""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from ..base.errors import CourseError, Finding
from .common import command, course_root, group, load_course
from .release_check import LEVELS

KINDS = ("rc", "patch", "minor", "major")


def register(subparsers) -> None:
    versions = group(
        subparsers, "version", "Versions of the course: the release check, release candidates, tags, CHANGELOG.md"
    )
    check = command(
        versions,
        "check",
        "Run every quality gate and write the report (build/version/report.md and .html)",
        check_handler,
    )
    _level_option(check, "quick")
    cut = command(
        versions,
        "cut",
        "Check, then tag the course vX.Y.Z (or vX.Y.Z-rcN) and add its section to CHANGELOG.md",
        _cut_handler,
    )
    cut.add_argument("kind", choices=KINDS, help="rc: the next release candidate; patch, minor, major: the version")
    _level_option(cut, "comprehensive")
    cut.add_argument("--notes", default="", help="the instructor's notes for the changelog (markdown)")
    cut.add_argument("--notes-file", metavar="FILE", help="read the notes from a markdown file")
    cut.add_argument(
        "--reason",
        default="",
        help="cut a higher level than the changes need (e.g. 'complete set'), said in the changelog",
    )
    cut.add_argument(
        "--dry-run", action="store_true", help="check and show the version and its changelog; change nothing"
    )


def _level_option(parser, default: str) -> None:
    parser.add_argument(
        "--level",
        choices=LEVELS,
        default=default,
        help=f"quick: no kernels, no wheel; comprehensive: every gate (default {default})",
    )


# --- tito version check -------------------------------------------------------------------------------


def check_handler(args) -> int:
    course, paths = load_course(args)
    repo = _repo(course, required=False)
    versions = repo.versions() if repo else {}
    head = repo.head() if repo else None
    tagged = set(repo.tags_at(head)) if head else set()
    at_head = max((v for v, tag in versions.items() if tag in tagged), key=lambda v: v.order, default=None)
    report = _check(args, course, paths, at_head, versions, repo)
    if not report.passed:
        print("\n" + "\n".join(str(f) for f in _findings(report)), file=sys.stderr)
    return 0 if report.passed else 1


def _check(args, course, paths, version, versions, repo):
    """Run the gates for `version` (None: the unreleased state after the latest version) and print them."""
    from ..version.semver import latest
    from .release_check import run_gates

    if version is not None:
        label, pep440 = version.tag, version.pep440
    else:
        last = latest(versions)
        label = f"(unreleased{f', after {last.tag}' if last else ''})"
        pep440 = f"{last.pep440 if last else '0.0.0'}+unreleased"
    head = repo.head() if repo else None
    commit = head[:12] if head else "none (not a git repository)" if repo is None else "none yet"
    print(f"release check of {course.name} {label} at the {args.level} level")
    report = run_gates(course_root(args), course, paths, args.level, label, pep440, commit, _tell)
    shown = " and ".join(paths.rel(p) for p in paths.report_files)
    print(f"\n{'PASSED' if report.passed else 'FAILED'}: {report.summary()}\nreport: {shown}")
    return report


def _tell(gate) -> None:
    """One line per gate as it ends (its findings are printed once, at the end)."""
    mark = {"passed": "ok  ", "failed": "FAIL", "skipped": "skip"}[gate.status]
    found = f"{len(gate.findings)} finding(s); " if gate.findings else ""
    print(f"{mark}  {gate.name:<15} {gate.seconds:6.1f} s  {found}{'; '.join(gate.notes)}", flush=True)


def _findings(report) -> list[Finding]:
    return [f for gate in report.failed for f in gate.findings]


# --- tito version cut ---------------------------------------------------------------------------------


def _cut_handler(args) -> int:
    from ..version import changelog
    from ..version.compiled import level_needed
    from ..version.semver import latest, next_version

    course, paths = load_course(args)
    repo = _repo(course, required=True)
    head = repo.head()
    if head is None:
        raise CourseError.at(str(course.root), None, "has no commit yet; commit the course, then cut a version")
    dirty = _uncommitted(repo, paths)
    if dirty:
        listed = "; ".join(line[3:] for line in dirty[:8]) + ("; ..." if len(dirty) > 8 else "")
        raise CourseError.at(
            str(course.root),
            None,
            f"has uncommitted changes ({listed}): a version tags exactly what was checked; commit them (or stash), then `tito version cut {args.kind}` again. Nothing was tagged",
        )
    notes = _notes(args)
    versions = repo.versions()
    final = latest(versions, finals_only=True)
    try:
        changes = _changes_since(course, paths, repo, versions.get(final))
    except CourseError:  # a source that cannot be compiled: the check says where, and writes the report
        _refuse_if_failed(_check(args, course, paths, None, versions, repo), paths, "nothing was tagged")
        raise
    since = final.tag if final else "the start (no version yet)"
    needed = level_needed(changes)
    level = _level(course, args, changes, needed, since)
    target = next_version(versions, args.kind, level)
    if target in versions:
        raise CourseError.at("command line", None, f"tag {target.tag} exists already; versions are never moved")
    previous = latest(versions) if args.kind == "rc" else final
    shown_changes = changes if previous == final else _changes_since(course, paths, repo, versions[previous])
    if args.kind == "rc" and not shown_changes and previous != final:
        raise CourseError.at(
            "command line",
            None,
            f"nothing changed since {previous.tag}; nothing to put in a new release candidate. Nothing was tagged",
        )
    if args.reason:
        notes = f"Cut as {level} ({args.reason}); the changes alone need {needed}.\n\n{notes}".strip()
    report = _check(args, course, paths, target, versions, repo)
    _refuse_if_failed(report, paths, f"{target.tag} was not tagged")
    today = datetime.now(timezone.utc).date()
    section = changelog.section(
        target.tag, previous.tag if previous else None, shown_changes, report.summary(), notes, today
    )
    if args.dry_run:
        print(f"\n(dry run: nothing changed) {target.tag} would be tagged with this CHANGELOG.md section:\n\n{section}")
        return 0
    _publish(repo, course, paths, target, section, report, head)
    return 0


def _level(course, args, changes, needed: str | None, since: str) -> str:
    """The level to cut: what the changes need for `rc`, else the one asked for, refused unless it matches
    (a higher one only with --reason), saying which changes need which level."""
    from ..version.compiled import reasons
    from ..version.semver import higher

    if needed is None:
        raise CourseError.at(
            str(course.root), None, f"nothing changed since {since}: there is nothing to version. Nothing was tagged"
        )
    level = needed if args.kind == "rc" else args.kind
    why = "; ".join(reasons(changes, needed))
    if higher(needed, level):
        raise CourseError.at(
            "command line",
            None,
            f"a {level} version is too small for what changed since {since}: {why}. That needs `tito version cut {needed}`. Nothing was tagged",
        )
    if level != needed and not args.reason:
        raise CourseError.at(
            "command line",
            None,
            f"nothing since {since} needs a {level} version: the changes need {needed} ({why}). Cut `{needed}`, or give --reason (e.g. --reason 'complete set') to cut {level} anyway. Nothing was tagged",
        )
    return level


def _refuse_if_failed(report, paths, outcome: str) -> None:
    """A failed check refuses the cut with every finding at its place, and where the report is."""
    if not report.passed:
        failed = ", ".join(g.name for g in report.failed)
        raise CourseError(
            _findings(report)
            + [
                Finding(
                    paths.rel(paths.report_files[0]),
                    None,
                    f"the release check failed ({failed}), so {outcome}; fix the findings above and cut again",
                )
            ]
        )


def _publish(repo, course, paths, target, section: str, report, head: str) -> None:
    """Add the section to CHANGELOG.md, commit it, tag that commit: all of it, or (on a failure) none."""
    from ..base.fsutil import write_atomic
    from ..version import changelog

    file = paths.changelog
    before = file.read_bytes() if file.exists() else None
    write_atomic(file, changelog.with_section(before.decode("utf-8") if before else None, course.name, section))
    try:
        commit = repo.commit_file(
            file.name, f"{course.name} {target.tag}: CHANGELOG.md\n\nRelease check: {report.summary()}"
        )
        try:
            repo.tag(target.tag, _tag_message(course, target, report, section), commit)
        except CourseError:
            repo.undo_commit(head)
            raise
    except CourseError:
        if before is None:
            file.unlink(missing_ok=True)
        else:
            file.write_bytes(before)
        repo.git("reset", "-q", "--", file.name, check=False)
        raise
    print(f"\ntagged {target.tag} on {commit[:12]} (CHANGELOG.md committed with it)")
    print(f"next: git push origin HEAD {target.tag}   (CI's release-check job runs the comprehensive check on the tag)")


def _uncommitted(repo, paths) -> list[str]:
    """Uncommitted changes of the course, leaving out untracked files the build and releases write (build/,
    tinytorch/, the student repository, doit's state) where no .gitignore does."""
    folders = (paths.build, paths.package, paths.student_repo)

    def written_by_us(line: str) -> bool:
        path = paths.root / line[3:].rstrip("/")
        return path.name.startswith(".doit.") or any(path == f or f in path.parents for f in folders)

    return [line for line in repo.uncommitted() if not (line.startswith("??") and written_by_us(line))]


def _tag_message(course, target, report, section: str) -> str:
    gates = "\n".join(f"- {g.name}: {g.status} ({g.seconds:.1f} s)" for g in report.gates)
    body = section.split("\n", 2)[2] if section.count("\n") >= 2 else ""
    return f"{course.name} {target.tag}\n\nRelease check: {report.summary()}\n{gates}\n\n{body}".rstrip() + "\n"


def _notes(args) -> str:
    if not args.notes_file:
        return args.notes
    try:
        return (args.notes + "\n\n" + Path(args.notes_file).read_text(encoding="utf-8")).strip()
    except (OSError, UnicodeDecodeError) as error:
        raise CourseError.at(args.notes_file, None, f"cannot be read: {error}; give a markdown file with the notes")


def _repo(course, required: bool):
    from ..version.course_repo import CourseRepo

    repo = CourseRepo.open(course.root, course.student_repo.author)
    if repo is None and required:
        raise CourseError.at(
            str(course.root),
            None,
            "is not in a git repository: a version is a tag of the course repository; `git init`, commit the course, then cut",
        )
    return repo


# --- what changed since a version --------------------------------------------------------------------


def _changes_since(course, paths, repo, tag: str | None) -> list:
    """Every change since `tag` (None: since nothing): modules added, removed and changed in their compiled
    form, course.yaml's changes, and the other files that changed."""
    from ..course.config import load_course as parse_course
    from ..version.compiled import Change, course_changes

    new = _compiled(course)
    if tag is None:
        return course_changes(None, course, {}, new)
    with tempfile.TemporaryDirectory(prefix="tito-version-") as scratch:
        old_root = repo.export(tag, Path(scratch))
        try:
            old_course = parse_course(old_root)
            old = _compiled(old_course)
        except CourseError as error:
            raise CourseError.at(f"course.yaml at {tag}", None, f"cannot be read with this engine: {error}") from error
    changes = course_changes(old_course, course, old, new)
    folders = {m.name: m.folder for m in (*old_course.modules, *course.modules)}
    sources = {  # read by the compiled comparison above: every notebook of a module, its header and footer
        f
        for c in (old_course, course)
        for m in c.modules
        for part in m.parts
        for f in (f"{part.folder}/{part.source}", *part.framing)
    }
    other = []
    for path in repo.changed_files(tag):
        owner = next((name for name, folder in folders.items() if path.startswith(f"{folder}/")), None)
        if path in sources or path in ("course.yaml", paths.changelog.name):
            continue
        if owner:
            changes.append(Change("patch", "changed", f"file `{path[len(folders[owner]) + 1 :]}` changed", owner))
        else:
            other.append(path)
    if other:
        listed = ", ".join(f"`{p}`" for p in other[:8]) + (f" and {len(other) - 8} more" if len(other) > 8 else "")
        changes.append(Change("patch", "other", f"{len(other)} changed: {listed}"))
    return changes


def _compiled(course) -> dict:
    """Module name -> its compiled form, for the course at `course.root` (now, or a version's files): every
    notebook of a module of several, each framed by its header and footer as the build reads it."""
    from ..compile.compiled import compiled as compile_part
    from ..course.paths import Paths
    from ..version.compiled import outline

    paths, compiled = Paths(course), {}
    for m in course.modules:
        try:
            compiled[m.name] = outline([compile_part(paths, part, course.markup) for part in m.parts], m)
        except ValueError as error:  # markup the transforms refuse (MarkerError): lint names its line
            raise CourseError.at(
                m.folder, None, f"cannot be compiled: {error}; the lint gate names the line"
            ) from error
    return compiled
