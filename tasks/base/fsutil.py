"""Atomic file writes: a target is either its old content or its new content, never half of one. Capped reads:
a file someone else controls is read up to a size, never whole."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

from .errors import CourseError

TEMP_SUFFIX = ".tmp"


def write_atomic(path: Path, data: bytes | str, mode: int | None = None) -> None:
    """Write to a temp file beside `path`, flush it to disk, then rename it over `path`.

    A failure (disk full, read-only folder, ...) leaves `path` as it was and raises a CourseError.
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        _write(path, payload, mode)
    except OSError as error:
        raise CourseError.at(
            shown(path),
            None,
            f"could not be written: {os_error_hint(error)}. Nothing was half-written (the previous version, if any, is unchanged); free space or fix permissions and run again",
        )


class TooLarge(Exception):
    """A file larger than a capped read takes; `size` is how large it is (at least)."""

    def __init__(self, size: int, limit: int):
        super().__init__(f"{size} bytes, more than {limit}")
        self.size, self.limit = size, limit


def read_capped(path, limit: int, *, dir_fd: int | None = None, nofollow: bool = False) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, read through one descriptor: its size is taken from
    that descriptor and never more than `limit` + 1 bytes are read (a file growing meanwhile is still refused).
    TooLarge beyond the cap; OSError for what cannot be opened: with `nofollow` a symbolic link is ELOOP, and
    anything but a regular file (a folder, a pipe, a device: opened without blocking) is EINVAL."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | (os.O_NOFOLLOW if nofollow else 0)
    fd = os.open(path, flags, dir_fd=dir_fd)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file (a folder, a pipe or a device)", str(path))
        if info.st_size > limit:
            raise TooLarge(info.st_size, limit)
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            raise TooLarge(total, limit)
        return b"".join(chunks)
    finally:
        os.close(fd)


def os_error_hint(error: OSError) -> str:
    """An OSError in words: the disk is full, read-only, permission denied, ..."""
    return {
        errno.ENOSPC: "the disk is full",
        errno.EFBIG: "the file is larger than allowed (disk quota or ulimit)",
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
    }.get(error.errno, error.strerror or str(error))


def shown(path: Path) -> str:
    """`path` relative to the working directory (doit runs in the course root) when it is inside it."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


def _write(path: Path, payload: bytes, mode: int | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode if mode is not None else 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def sweep_temp_files(folder: Path) -> int:
    """Remove temp files a killed run left behind (`.name.XXXX.tmp`); only call while holding the build lock.

    Runs on every doit start, so it walks with os.walk (pathlib's rglob costs several times more).
    """
    removed = 0
    for directory, _, names in os.walk(folder):
        for name in names:
            if name.startswith(".") and name.endswith(TEMP_SUFFIX):
                stale = Path(directory, name)
                if stale.is_file():
                    stale.unlink(missing_ok=True)
                    removed += 1
    return removed
