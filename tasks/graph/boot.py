"""What dodo.py does before doit looks at any task: load course.yaml (or stop with its errors), take the
build lock, make SIGTERM save doit's state, and return DOIT_CONFIG."""
from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from ..course.context import current, set_root
from ..base.errors import CourseError
from ..base.fsutil import sweep_temp_files
from .reporter import CourseReporter

DOIT_COMMANDS = {"help", "run", "list", "info", "clean", "forget", "ignore", "dumpdb", "strace", "tabcompletion", "reset-dep"}
READ_ONLY_COMMANDS = {"list", "info", "help", "tabcompletion", "dumpdb"}
DEFAULT_TASKS = ["lint", "student", "solution", "export", "validate", "check_student", "archive"]
_lock_handle = []


def boot(root: Path, argv: list[str] | None = None) -> dict:
    set_root(root)
    try:
        course, paths = current()
    except CourseError as error:
        print(f"coursebuild: course.yaml has problems, nothing was built:\n{error}", file=sys.stderr)
        raise SystemExit(2)
    if doit_command(sys.argv[1:] if argv is None else argv) not in READ_ONLY_COMMANDS:
        take_lock(paths.lock_file)
        for folder in paths.output_dirs():
            sweep_temp_files(folder)
    signal.signal(signal.SIGTERM, terminate)
    return {
        "dep_file": ".doit.db",
        "backend": "sqlite3",
        "check_file_uptodate": "md5",
        "continue": True,
        "default_tasks": DEFAULT_TASKS,
        "reporter": CourseReporter,
    }


def doit_command(args: list[str]) -> str:
    """The doit sub-command of a command line ('run' when none is named)."""
    for arg in args:
        if not arg.startswith("-") and "=" not in arg:
            return arg if arg in DOIT_COMMANDS else "run"
    return "run"


def terminate(signum, frame):
    """SIGTERM as SystemExit, so doit's `finally` saves the state of the tasks that finished."""
    raise SystemExit(128 + signum)


def take_lock(lock_file: Path) -> None:
    """One doit run at a time per course; a second one waits, saying who holds the lock (filelock: the
    same on Unix and Windows)."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(lock_file))
    try:
        lock.acquire(blocking=False)
    except Timeout:
        print(f"coursebuild: another doit run ({lock_holder(lock_file)}) is building this course; waiting for it to finish "
              f"(Ctrl-C to stop; remove {lock_file.name} only if no doit is running)", file=sys.stderr, flush=True)
        lock.acquire()
    try:
        lock_file.write_text(f"pid {os.getpid()}")
    except OSError:
        pass  # where the lock file cannot be written while locked (Windows), the message just says less
    _lock_handle.append(lock)


def lock_holder(lock_file: Path) -> str:
    try:
        return lock_file.read_text().strip() or "another process"
    except OSError:
        return "another process"
