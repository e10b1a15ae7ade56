"""A grading run: find submissions, skip what the gradebook already has, grade the rest on Dask, record.

Per module: the bundle is built once (or per student, grading against the student's own package), each
submission is read and keyed (answers + graded source + grader code); what the gradebook holds under the
same key is skipped, so running again with nothing new grades nothing. The rest go to the cluster; each
result is written to the gradebook as it arrives (one transaction each), so a kill mid-run loses only the
submissions in flight.
"""

from __future__ import annotations

import hashlib
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..base.errors import CourseError
from . import gradebook
from .bundle import Bundle, graded_hash, load_bundle, package_of
from .rehydrate import rehydrate
from .submissions import find_submissions, read_submission
from .task import Limits, Submission, grade_submission, grading_failed, result_key

GRADER_FILES = (
    *("bundle.py", "rehydrate.py", "runner.py", "sandbox.py", "sandboxed.py", "score.py", "task.py"),
    "submissions.py",
)
RETRY = "retry:"  # prefix of a key stored for a grading error: never matches, so the next run grades again


@dataclass
class Outcome:
    graded: list = field(default_factory=list)  # GradeResults written this run
    skipped: int = 0  # already in the gradebook under the same key
    failed: list = field(default_factory=list)  # GradeResults whose grading itself failed
    seconds: float = 0.0  # from the cluster being ready to the last result: the grading itself, start excluded


def grader_hash() -> str:
    digest = hashlib.sha256()
    for name in GRADER_FILES:
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()


def modules_to_grade(course, names: list[str] | None):
    """The modules `names` name (`01`, `01_tensor` or `tensor`: `Course.find`), or every module when empty."""
    if not names:
        return list(course.modules)
    return list(dict.fromkeys(course.find(n) for n in names))


def pending(
    course, paths, module, db, *, force: bool, own_package: bool, limits: Limits = Limits(), students=None
) -> tuple[list, int]:
    """[(submission, bundle, key)] still to grade for `module` (of `students` only, when given), and how many
    are up to date."""
    bundle = load_bundle(course, paths, module)
    stored = gradebook.stored_keys(db)
    grader, todo, skipped = grader_hash(), [], 0
    for student, path in find_submissions(paths, module):
        if students is not None and student not in students:
            continue
        submission = read_submission(path, paths.rel(path), student, module.name, bundle)
        mine = bundle
        if own_package:
            mine, notes = own_bundle(course, paths, module, bundle, student)
            submission = _noted(submission, notes)
        key = result_key(submission, mine, grader, limits)
        if not force and stored.get((student, module.name)) == key:
            skipped += 1
            continue
        todo.append((submission, mine, key))
    return todo, skipped


def _noted(submission: Submission, notes: tuple[str, ...]) -> Submission:
    """The submission with `notes` added to its answers' notes (they reach the result and the feedback)."""
    if not notes or submission.answers is None:
        return submission
    return replace(submission, answers=replace(submission.answers, notes=submission.answers.notes + notes))


def own_bundle(course, paths, module, bundle, student: str) -> tuple[Bundle, tuple[str, ...]]:
    """The bundle with the package built from the student's own submissions of the modules it depends on, and
    a note for each of those that fell back to the reference package instead: a submission that cannot be
    read, or whose code does not export or compile (a module not submitted falls back without a note)."""
    package, notes = {}, []
    for dep in course.dependencies(module):
        files, note = _own_files(course, paths, dep, student)
        package.update(files)
        notes += (
            [f"student {student}, module {dep.name}: {note}; graded against the reference {dep.name}"] if note else []
        )
    return (
        replace(bundle, package=tuple(sorted(package.items())), graded_hash=graded_hash(bundle.cells, package)),
        tuple(notes),
    )


def _own_files(course, paths, dep, student: str) -> tuple[dict[str, bytes], str]:
    """The package files of `dep` exported from the student's submission of it, or (if there is none or it
    cannot be used) the reference files and why the student's could not be used."""
    path = paths.submission_file(student, dep)
    if not path.is_file():
        return package_of(course, paths, {dep.name: None}), ""
    dep_bundle = load_bundle(course, paths, dep, package={})
    submission = read_submission(path, paths.rel(path), student, dep.name, dep_bundle)
    if submission.answers is None:
        return package_of(course, paths, {dep.name: None}), f"your submission cannot be read ({submission.problem})"
    try:
        files = package_of(course, paths, {dep.name: own_notebook(dep_bundle, submission)})
        for name, data in files.items():
            compile(data, name, "exec", dont_inherit=True)
        return files, ""
    except CourseError as error:
        reason = error.findings[0].message
    except (SyntaxError, ValueError, RecursionError) as error:
        where = f" (line {error.lineno} of the exported file)" if isinstance(error, SyntaxError) else ""
        reason = f"{type(error).__name__}: {getattr(error, 'msg', None) or error}{where}"
    return package_of(course, paths, {dep.name: None}), f"your code does not export as a package ({reason})"


def own_notebook(bundle, submission: Submission):
    from ..notebook.nbnode import new_cell, new_notebook

    cells = [new_cell(c.cell_type, c.source, {}) for c in rehydrate(submission.answers, bundle)]
    return new_notebook(cells)


def grade(
    course,
    paths,
    names: list[str] | None = None,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    force: bool = False,
    own_package: bool = False,
    sandbox: bool = True,
    students: list[str] | None = None,
    stream=None,
    client=None,
) -> Outcome:
    """Grade every collected submission of the modules `names` (all when empty) into the gradebook; with
    `students` (ids under submissions/), only theirs.

    `sandbox=False`: the submissions run as the grader's user (`--no-sandbox`), which every result notes.
    `client`: a distributed Client to use instead of opening one (tests share one cluster)."""
    from .cluster import EarlyClient
    from .progress import Progress

    modules, only = modules_to_grade(course, names), submitted_students(paths, students)
    db = gradebook.open_gradebook(paths.gradebook)
    outcome = Outcome()
    limits = Limits(timeout=course.grading.timeout, memory_mb=course.grading.memory, sandbox=sandbox)
    if sandbox and not (scheduler or course.grading.scheduler) and client is None:
        require_sandbox()
    with EarlyClient(scheduler or course.grading.scheduler, workers or course.grading.workers, client) as cluster:
        todo = gather(
            course, paths, modules, db, outcome, cluster, force=force, own_package=own_package, limits=limits, only=only
        )
        if todo:
            progress = Progress(len(todo), stream=stream if stream is not None else sys.stderr)
            client, started = cluster.get(), time.monotonic()
            for result in execute(todo, limits, client):
                record(db, result, outcome)
                progress.step()
            outcome.seconds = time.monotonic() - started
    return outcome


def require_sandbox() -> None:
    """Refuse to grade on a machine that cannot sandbox a submission (the message says why and what to do)."""
    from .sandbox import SANDBOX_HELP, SandboxError, check

    try:
        check()
    except SandboxError as error:
        raise CourseError.at("tito grade", None, SANDBOX_HELP.format(why=error)) from None


def submitted_students(paths, students: list[str] | None) -> frozenset[str] | None:
    """`--student` ids checked against the student folders under submissions/ (None: every student)."""
    from .roster import chosen_students

    if not students:
        return None
    folders = {p.name for p in paths.submissions.iterdir() if p.is_dir()} if paths.submissions.is_dir() else set()
    return chosen_students(students, folders, paths.rel(paths.submissions) + "/")


def gather(
    course, paths, modules, db, outcome: Outcome, cluster, *, force: bool, own_package: bool, limits: Limits, only=None
) -> list:
    """What `modules` have to grade (counting the rest as skipped); the cluster starts at the first one."""
    todo = []
    for module in modules:
        items, skipped = pending(
            course, paths, module, db, force=force, own_package=own_package, limits=limits, students=only
        )
        if items:
            cluster.start()  # its workers start while the other modules' submissions are read
        todo.extend(items)
        outcome.skipped += skipped
    return todo


def record(db, result, outcome: Outcome) -> None:
    failed = result.status == "error" and result.key.startswith(RETRY)
    gradebook.record(db, result.submission_row(), [c.as_row() for c in result.cells])
    (outcome.failed if failed else outcome.graded).append(result)


def execute(todo: list, limits: Limits, client):
    """Yield each GradeResult as it completes on the cluster of `client`."""
    from distributed import as_completed

    bundles, futures = {}, {}
    for submission, bundle, key in todo:
        if id(bundle) not in bundles:
            bundles[id(bundle)] = client.scatter(bundle, broadcast=True, hash=False)
        future = client.submit(
            grade_submission,
            submission,
            bundles[id(bundle)],
            limits,
            key,
            pure=False,
            key=f"grade-{submission.module}-{submission.student}-{key[:12]}",
        )
        futures[future] = (submission, bundle, key)
    for future, value in as_completed(futures, with_results=True, raise_errors=False):
        yield collected(future, value, *futures.pop(future))


def collected(future, value, submission, bundle, key):
    """The GradeResult of a finished task, or a grading error for a task that raised or was lost (a worker
    that died twice, or a bug): that submission only, graded again by the next run."""
    if future.status == "finished":
        return value
    error = value[1] if isinstance(value, tuple) else value  # (type, exception, traceback), or CancelledError
    reason = f"{submission.path}: grading failed ({type(error).__name__}: {str(error)[:300]}); it will be graded again by the next `tito grade`"
    return grading_failed(submission, bundle, RETRY + key, reason)
