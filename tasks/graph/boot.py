"""What dodo.py does before doit looks at any task: load course.yaml (or stop with its errors), take the
build lock, make SIGTERM save doit's state, and return DOIT_CONFIG with the course and its paths.

The doit arguments come from the caller (dodo.py passes doit's command line; a program driving doit passes
the ones it runs): nothing here looks at sys.argv."""

from __future__ import annotations

import atexit
import os
import signal
import sys
from pathlib import Path
from typing import NamedTuple

from ..course.context import load
from ..base.errors import CourseError
from ..base.fsutil import sweep_temp_files
from .kinds import default_tasks, output_folders
from .md5cache import MD5Checker
from .reporter import CourseReporter
from .variables import variables_help

DOIT_COMMANDS = {
    "help",
    "run",
    "list",
    "info",
    "clean",
    "forget",
    "ignore",
    "dumpdb",
    "strace",
    "tabcompletion",
    "reset-dep",
}
READ_ONLY_COMMANDS = {"list", "info", "help", "tabcompletion", "dumpdb"}
_lock_handle = []
_main_pid: list[int] = []


class Booted(NamedTuple):
    config: dict  # DOIT_CONFIG
    course: object  # course.config.Course
    paths: object  # course.paths.Paths


def boot(root: Path, args: list[str]) -> Booted:
    """Load the course at `root` and prepare a doit run with the doit arguments `args` (its command and
    options, e.g. ['list'] or ['-n', '2']): given by the caller, never read from sys.argv here."""
    try:
        course, paths = load(str(Path(root).resolve()))
    except CourseError as error:
        print(f"coursebuild: course.yaml has problems, nothing was built:\n{error}", file=sys.stderr)
        raise SystemExit(2)
    for folder in paths.unlisted_module_folders():
        print(
            f"coursebuild: warning: {paths.rel(folder)} is not in course.yaml, so it is not built (add it under `modules:`)",
            file=sys.stderr,
        )
    if _doit_command(args) == "help":
        _explain_variables(args)
    if _doit_command(args) not in READ_ONLY_COMMANDS:
        take_lock(paths.lock_file)
        for folder in paths.output_dirs(output_folders()):
            sweep_temp_files(folder)
    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGINT, interrupted)
    _main_pid[:] = [os.getpid()]
    return Booted(doit_config(args), course, paths)


def doit_config(args=()) -> dict:
    return {
        "dep_file": ".doit.db",
        "backend": "sqlite3",
        "check_file_uptodate": MD5Checker,  # doit's, hashing each file once per process (md5cache.py)
        "continue": True,
        "default_tasks": default_tasks(),
        "reporter": _reporter_for(list(args)),
    }


def _doit_command(args: list[str]) -> str:
    """The doit sub-command of a command line ('run' when none is named)."""
    for arg in args:
        if not arg.startswith("-") and "=" not in arg:
            return arg if arg in DOIT_COMMANDS else "run"
    return "run"


def _explain_variables(args: list[str]) -> None:
    """`doit help release`: after doit's one line, the command-line variables the task reads (week=, ...)."""
    words = [arg for arg in args if not arg.startswith("-")]
    text = variables_help(words[1]) if len(words) > 1 else ""
    if text:
        atexit.register(lambda: print(text, end="", flush=True))


def _reporter_for(args: list[str]) -> type:
    """The reporter class; with -v/--verbosity it also lists up-to-date tasks."""
    if any(arg.startswith(("-v", "--verbosity")) for arg in args):
        return type("VerboseCourseReporter", (CourseReporter,), {"verbose": True})
    return CourseReporter


def terminate(signum, frame):
    """SIGTERM as SystemExit, so doit's `finally` saves the state of the tasks that finished."""
    raise SystemExit(128 + signum)


def interrupted(signum, frame):
    """Ctrl-C: one line instead of a traceback; SystemExit lets doit's `finally` save the finished tasks."""
    if _main_pid and os.getpid() == _main_pid[0]:
        print(
            "\ncoursebuild: interrupted (Ctrl-C); every task that finished is saved: run doit again to go on",
            file=sys.stderr,
            flush=True,
        )
    raise SystemExit(130)


def take_lock(lock_file: Path) -> None:
    """One doit run at a time per course; a second one waits, saying who holds the lock. POSIX: `flock` on
    the lock file, directly (filelock's import cost ~35 ms of every no-op); elsewhere filelock. Both are the
    same `flock`, so `tito info` and filelock users see one lock."""
    lock = _flock(lock_file) if os.name == "posix" else None
    if lock is None:
        lock = _filelock(lock_file)
    try:
        lock_file.write_text(f"pid {os.getpid()}")
    except OSError:
        pass  # where the lock file cannot be written while locked (Windows), the message just says less
    _lock_handle.append(lock)


def _waiting(lock_file: Path) -> None:
    print(
        f"coursebuild: another doit run ({_lock_holder(lock_file)}) is building this course; waiting for it to finish "
        f"(Ctrl-C to stop; remove {lock_file.name} only if no doit is running)",
        file=sys.stderr,
        flush=True,
    )


def _flock(lock_file: Path):
    """The open lock file, flock'ed (held until the process and its forked workers exit), or None where the
    file system has no flock (filelock then takes over, with its fallback)."""
    import fcntl

    try:
        handle = open(lock_file, "a+")
    except OSError:
        return None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            _waiting(lock_file)
            fcntl.flock(handle, fcntl.LOCK_EX)
    except OSError:
        handle.close()
        return None
    return handle


def _filelock(lock_file: Path):
    from filelock import FileLock, Timeout

    lock = FileLock(str(lock_file))
    try:
        lock.acquire(blocking=False)
    except Timeout:
        _waiting(lock_file)
        lock.acquire()
    return lock


def _lock_holder(lock_file: Path) -> str:
    try:
        return lock_file.read_text().strip() or "another process"
    except OSError:
        return "another process"
