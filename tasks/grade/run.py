"""A grading run: find submissions, skip what the gradebook already has, grade the rest on Dask, record.

Per module: the bundle is built once (or per student, grading against the student's own package), each
submission is read and keyed (answers + graded source + grader code); what the gradebook holds under the
same key is skipped, so running again with nothing new grades nothing. The rest go to the cluster, or,
when they are few (cluster.grade_in_process), are graded in this process without starting one; each
result is written to the gradebook as it arrives (one transaction each), so a kill mid-run loses only the
submissions in flight.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from dataclasses import dataclass, field, replace

from ..base.errors import CourseError
from . import gradebook
from .bundle import Bundle, graded_hash, load_bundle, package_of
from .rehydrate import rehydrate
from .submissions import find_submissions, read_submission
from .task import GradeResult, Limits, Submission, grade_submission, grading_failed, result_key

GRADER = ("grade.task", "grade.submissions")  # the grading task and the reading of answers: all that decides a score
RETRY = gradebook.RETRY  # prefix of a key stored for a grading error: never matches, so the next run grades again
WARM_START = 6  # submissions a warm parent grades in about the time another one takes to start (in process)


@dataclass
class GradingRun:
    graded: list = field(default_factory=list)  # GradeResults written this run
    skipped: int = 0  # already in the gradebook under the same key
    failed: list = field(default_factory=list)  # GradeResults whose grading itself failed
    seconds: float = 0.0  # from the cluster being ready to the last result: the grading itself, start excluded


def grader_hash() -> str:
    """The fingerprint of the code that decides scores: every engine module the grading task imports,
    transitively (base/engine.py, the build's rule for the code that made an output), names and bytes."""
    from ..base import engine

    digest = hashlib.sha256()
    for name in engine.engine_files(*GRADER):
        digest.update(name.encode("utf-8") + b"\0" + (engine.PACKAGE_DIR.parent / name).read_bytes() + b"\0")
    return digest.hexdigest()


def modules_to_grade(course, names: list[str] | None):
    """What is graded of the modules `names` name (`01`, `01_tensor` or `tensor`: `Course.find`), or of every
    module when empty: each of their notebooks (a module's parts)."""
    modules = list(course.modules) if not names else list(dict.fromkeys(course.find(n) for n in names))
    return list(dict.fromkeys(part for module in modules for part in module.parts))


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
            mine, notes = _own_bundle(course, paths, module, bundle, student)
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


def _own_bundle(course, paths, module, bundle, student: str) -> tuple[Bundle, tuple[str, ...]]:
    """The bundle with the package built from the student's own submissions of the modules it depends on, and
    a note for each of those that fell back to the reference package instead: a submission that cannot be
    read, or whose code does not export or compile (a module not submitted falls back without a note)."""
    package, notes = {}, []
    for part in (part for dep in course.dependencies(module) for part in dep.parts):  # every notebook of each
        files, note = _own_files(course, paths, part, student)
        package.update(files)
        notes += (
            [f"student {student}, module {part.name}: {note}; graded against the reference {part.name}"] if note else []
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
        files = package_of(course, paths, {dep.name: _own_notebook(dep_bundle, submission)})
        for name, data in files.items():
            compile(data, name, "exec", dont_inherit=True)
        return files, ""
    except CourseError as error:
        reason = error.findings[0].message
    except (SyntaxError, ValueError, RecursionError) as error:
        where = f" (line {error.lineno} of the exported file)" if isinstance(error, SyntaxError) else ""
        reason = f"{type(error).__name__}: {getattr(error, 'msg', None) or error}{where}"
    return package_of(course, paths, {dep.name: None}), f"your code does not export as a package ({reason})"


def _own_notebook(bundle, submission: Submission):
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
) -> GradingRun:
    """Grade every collected submission of the modules `names` (all when empty) into the gradebook; with
    `students` (ids under submissions/), only theirs.

    `sandbox=False`: the submissions run as the grader's user (`--no-sandbox`), which every result notes.
    `client`: a distributed Client to use instead of opening one (tests share one cluster)."""
    from .cluster import EarlyClient
    from .progress import Progress

    modules, only = modules_to_grade(course, names), _submitted_students(paths, students)
    db = gradebook.open_gradebook(paths.gradebook)
    outcome = GradingRun()
    limits = Limits(timeout=course.grading.timeout, memory_mb=course.grading.memory, sandbox=sandbox)
    local = sandbox and not (scheduler or course.grading.scheduler) and client is None
    if local:  # a warm parent starts on another core while the submissions are read (more with the cluster)
        from .sandbox import prestart

        prestart(wait=False)
    with EarlyClient(
        scheduler or course.grading.scheduler,
        workers or course.grading.workers,
        client,
        course.grading.tls,
    ) as cluster:
        todo = gather(
            course, paths, modules, db, outcome, cluster, force=force, own_package=own_package, limits=limits, only=only
        )
        if todo and local:
            _require_sandbox()  # on this machine, where every submission is graded (a remote worker that
            # cannot sandbox fails its tasks, saying why)
        if todo:
            progress = Progress(len(todo), stream=stream if stream is not None else sys.stderr)
            client, started = cluster.get(len(todo)), time.monotonic()
            for result in execute(todo, limits, client, cluster.workers):
                record(db, result, outcome)
                progress.step()
            outcome.seconds = time.monotonic() - started
    return outcome


def _require_sandbox() -> None:
    """Refuse to grade on a machine that cannot sandbox a submission (the message says why and what to do)."""
    from .sandbox import SANDBOX_HELP, SandboxError, probe

    try:
        probe()
    except SandboxError as error:
        raise CourseError.at("tito grade", None, SANDBOX_HELP.format(why=error)) from None


def _submitted_students(paths, students: list[str] | None) -> frozenset[str] | None:
    """`--student` ids checked against the student folders under submissions/ (None: every student)."""
    from .roster import chosen_students

    if not students:
        return None
    folders = {p.name for p in paths.submissions.iterdir() if p.is_dir()} if paths.submissions.is_dir() else set()
    return chosen_students(students, folders, paths.rel(paths.submissions) + "/")


def gather(
    course,
    paths,
    modules,
    db,
    outcome: GradingRun,
    cluster,
    *,
    force: bool,
    own_package: bool,
    limits: Limits,
    only=None,
) -> list:
    """What `modules` have to grade (counting the rest as skipped); the cluster starts as soon as they are more
    than this process grades itself."""
    todo = []
    for module in modules:
        items, skipped = pending(
            course, paths, module, db, force=force, own_package=own_package, limits=limits, students=only
        )
        todo.extend(items)
        if items:
            cluster.start(len(todo))  # its workers start while the other modules' submissions are read
        outcome.skipped += skipped
    return todo


def record(db, result, outcome: GradingRun) -> None:
    failed = not gradebook.has_result(result.key)
    gradebook.record(db, result.submission_row(), [c.as_row() for c in result.cells])
    (outcome.failed if failed else outcome.graded).append(result)


def execute(todo: list, limits: Limits, client, threads: int | None = None):
    """Yield each GradeResult as it completes: on the cluster of `client`, or, with none (a run small enough
    to grade here: cluster.grade_in_process), in this process on up to `threads` threads (default: one per
    core)."""
    if client is None:
        yield from _in_process(todo, limits, threads or os.cpu_count() or 1)
    else:
        yield from _on_cluster(todo, limits, client)


def _in_process(todo: list, limits: Limits, threads: int):
    """Each GradeResult graded by this process: the first alone (so what grading imports is imported before
    threads fork at once), the rest on up to `threads` daemon threads, each forking one submission at a
    time: one thread more for every WARM_START submissions after the first (each further thread starts a
    warm parent of its own, which takes as long as grading that many). A run stopped midway does not wait
    for them: their submissions die with this process (the runner's PR_SET_PDEATHSIG)."""
    import queue
    import threading

    if not todo:
        return
    yield _graded(todo[0], limits)
    waiting, done = queue.SimpleQueue(), queue.SimpleQueue()
    for item in todo[1:]:
        waiting.put(item)

    def work() -> None:
        while True:
            try:
                item = waiting.get_nowait()
            except queue.Empty:
                return
            done.put(_graded(item, limits))

    for _ in range(min(threads, 1 + (len(todo) - 2) // WARM_START)):
        threading.Thread(target=work, name="tito-grade", daemon=True).start()
    for _ in todo[1:]:
        yield done.get()


def _graded(item: tuple, limits: Limits) -> GradeResult:
    submission, bundle, key = item
    try:
        return grade_submission(submission, bundle, limits, key)
    except Exception as error:  # noqa: BLE001 — grading itself failed (a bug, a system call): this submission only
        return _failed(submission, bundle, key, error)


def _on_cluster(todo: list, limits: Limits, client):
    """Each GradeResult as it completes on the cluster of `client`. A module's bundle is scattered to every
    worker once; if all the workers holding it die, Dask loses it and cancels the tasks that need it: each
    is submitted again carrying the bundle itself (this process's copy), so nothing it needs can be lost
    again. A task whose workers died ALLOWED_FAILURES + 1 times (cluster.py) is a grading error."""
    from distributed import as_completed

    tasks = {}  # future -> (item, whether it carries the bundle)
    running = as_completed(with_results=True, raise_errors=False)

    def name(submission: Submission, key: str, carried: bool) -> str:
        return f"grade-{submission.module}-{submission.student}-{key[:12]}{'-again' if carried else ''}"

    def submit(item: tuple) -> None:
        """`item` again, carrying its bundle."""
        submission, bundle, key = item
        future = client.submit(
            grade_submission, submission, bundle, limits, key, pure=False, key=name(submission, key, True)
        )
        tasks[future] = (item, True)
        running.add(future)

    for items in _by_bundle(todo):  # one message to the scheduler per bundle, not one per submission
        bundle = items[0][1]
        scattered = client.scatter(bundle, broadcast=True, hash=False)
        futures = client.map(
            grade_submission,
            [submission for submission, _, _ in items],
            [scattered] * len(items),
            [limits] * len(items),
            [key for _, _, key in items],
            pure=False,
            key=[name(submission, key, False) for submission, _, key in items],
        )
        for item, future in zip(items, futures):
            tasks[future] = (item, False)
            running.add(future)
    for future, value in running:
        item, carried = tasks.pop(future)
        if future.status == "cancelled" and not carried:
            try:
                submit(item)
                continue
            except Exception as error:  # noqa: BLE001 — the cluster itself is gone: this submission's grading error
                value = error
        yield collected(future, value, *item)


def _by_bundle(todo: list) -> list[list]:
    """`todo`'s items grouped by their bundle (a module's, or with --own-package a student's), in order."""
    groups = {}
    for item in todo:
        groups.setdefault(id(item[1]), []).append(item)
    return list(groups.values())


def collected(future, value, submission, bundle, key):
    """The GradeResult of a finished task, or a grading error for a task that raised or was lost (its workers
    died ALLOWED_FAILURES times, or a bug): that submission only, graded again by the next run."""
    if future.status == "finished":
        return value
    error = value[1] if isinstance(value, tuple) else value  # (type, exception, traceback), or CancelledError
    return _failed(submission, bundle, key, error)


def _failed(submission: Submission, bundle, key: str, error: BaseException) -> GradeResult:
    """The result of a submission whose grading itself failed with `error`: no score, stored under a key no
    run matches, so the next run grades it again."""
    reason = f"{submission.path}: grading failed ({type(error).__name__}: {str(error)[:300]}); run `tito grade {submission.module}` again"
    return grading_failed(submission, bundle, RETRY + key, reason)
