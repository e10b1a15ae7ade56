"""Deterministic archives: sorted entries, fixed timestamps, owners and permissions. Pure: bytes out."""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile
from pathlib import PurePosixPath

from ..base.errors import CourseError, Finding

FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can carry
FILE_MODE = 0o644


class ArchiveNameError(CourseError, ValueError):
    """A file that cannot go into an archive under its name: the user's to rename (still a ValueError)."""

    def __init__(self, name: str, message: str):
        super().__init__(Finding(name, None, message))


def safe_name(name: str) -> str:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts or "\\" in name:
        raise ArchiveNameError(name, f"archive entry name {name!r} must be relative, without '..'")
    return str(path)


def _safe_entries(entries: dict[str, bytes]) -> dict[str, bytes]:
    """Entries under their safe names, sorted by the name written; two names for one entry are an error."""
    safe: dict[str, bytes] = {}
    for name, data in entries.items():
        clean = safe_name(name)
        if clean in safe:
            raise ArchiveNameError(
                name, f"archive entry name {name!r} is the entry {clean!r} a second time; give each file one name"
            )
        safe[clean] = data
    return dict(sorted(safe.items()))


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    entries = _safe_entries(entries)
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in entries:
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o100000 | FILE_MODE) << 16
            info.create_system = 3  # unix, so the permissions above are read
            archive.writestr(info, entries[name])
    return buffer.getvalue()


def tar_gz_bytes(entries: dict[str, bytes]) -> bytes:
    raw = io.BytesIO()
    entries = _safe_entries(entries)
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name in entries:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(entries[name]), 0, FILE_MODE
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            archive.addfile(info, io.BytesIO(entries[name]))
    compressed = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=compressed, mtime=0) as handle:
        handle.write(raw.getvalue())
    return compressed.getvalue()


def archive_bytes(entries: dict[str, bytes], fmt: str) -> bytes:
    return zip_bytes(entries) if fmt == "zip" else tar_gz_bytes(entries)
