"""One `tito grade` at a time per course: a second one would grade the same submissions again and race the
first for the gradebook. `grading_lock` holds a file lock (filelock: `flock`, released by the system when the
process ends, however it ends) and writes who holds it into the lock file; a second run is refused at once,
saying which process holds it and since when."""

from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from ..base.errors import CourseError
from ..base.fsutil import os_error_hint, shown


@contextmanager
def grading_lock(lock_file: Path):
    """Hold the course's grading lock for the block; CourseError at once if another process holds it."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(lock_file))
    try:
        lock_file.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire(blocking=False)
    except Timeout:
        holder = _holder(lock_file)
        stop = f"stop it (Ctrl-C where it runs, or kill {holder[0]})" if holder[0] else "stop it"
        raise CourseError.at(
            shown(lock_file),
            None,
            f"another `tito grade` is running for this course ({holder[1]}); wait for it to finish, or {stop}, "
            "then run `tito grade` again (what it finished is kept)",
        ) from None
    except OSError as error:
        raise CourseError.at(
            shown(lock_file),
            None,
            f"the grading lock cannot be taken: {os_error_hint(error)}; fix the folder's permissions",
        ) from None
    try:
        try:
            since = datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")
            lock_file.write_text(f"pid {os.getpid()}, since {since}\n")
        except OSError:
            pass  # the lock holds all the same; a refused run just says less about its holder
        yield
    finally:
        lock.release()


def _holder(lock_file: Path) -> tuple[str, str]:
    """(pid, 'pid N, since TIME') of the run holding the lock, as it wrote them ('' and a vaguer text if not)."""
    try:
        text = lock_file.read_text(encoding="utf-8", errors="replace")[:200].strip()
    except OSError:
        text = ""
    if not text.startswith("pid "):
        return "", "which process is not known yet"
    return text.split()[1].rstrip(","), text
