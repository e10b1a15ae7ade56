"""tasks/archive.py: deterministic .zip and .tar.gz bytes: sorted, fixed times and permissions, safe names."""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile

import pytest

from tasks.package.archive import FILE_MODE, FIXED_DATE, archive_bytes, safe_name, tar_gz_bytes, zip_bytes

ENTRIES = {
    "01_tensor/tensor.py": b"x = 1\n",
    "01_tensor/tensor.ipynb": b'{"cells": []}\n',
    "01_tensor/data/weights.csv": b"1,2,3\n",
    "01_tensor/README.md": "caf\u00e9\n".encode(),
}
SORTED = sorted(ENTRIES)


def zip_infos(data: bytes):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.infolist(), {n: archive.read(n) for n in archive.namelist()}


def tar_members(data: bytes):
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        members = archive.getmembers()
        return members, {m.name: archive.extractfile(m).read() for m in members}


@pytest.mark.parametrize("fmt", ["zip", "tar.gz"])
def test_two_builds_are_byte_identical(fmt):
    first = archive_bytes(dict(ENTRIES), fmt)
    second = archive_bytes(dict(reversed(list(ENTRIES.items()))), fmt)
    assert first == second


def test_archive_bytes_picks_the_format():
    assert archive_bytes(ENTRIES, "zip")[:4] == b"PK\x03\x04"
    assert archive_bytes(ENTRIES, "tar.gz")[:2] == b"\x1f\x8b"


def test_zip_entries_sorted_with_fixed_time_and_permissions():
    infos, contents = zip_infos(zip_bytes(ENTRIES))
    assert [i.filename for i in infos] == SORTED
    assert contents == ENTRIES
    for info in infos:
        assert info.date_time == FIXED_DATE
        assert info.external_attr >> 16 == 0o100000 | FILE_MODE
        assert info.create_system == 3
        assert info.compress_type == zipfile.ZIP_DEFLATED


def test_tar_gz_entries_sorted_with_fixed_time_owner_and_permissions():
    data = tar_gz_bytes(ENTRIES)
    members, contents = tar_members(data)
    assert [m.name for m in members] == SORTED
    assert contents == ENTRIES
    for member in members:
        assert member.isfile()
        assert (member.mtime, member.mode, member.uid, member.gid, member.uname, member.gname) == (
            0,
            FILE_MODE,
            0,
            0,
            "",
            "",
        )
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as handle:
        handle.read()
        assert handle.mtime == 0
    assert data[4:8] == b"\x00\x00\x00\x00"  # gzip header mtime
    assert data[3] & 0x08 == 0  # no file name stored in the gzip header


def test_names_are_relative_posix_paths():
    for name in zip_infos(zip_bytes(ENTRIES))[1]:
        assert not name.startswith("/") and ".." not in name.split("/")
    assert [m.name for m in tar_members(tar_gz_bytes(ENTRIES))[0]] == SORTED


def test_entries_are_sorted_by_the_name_written():
    entries = {"./b.py": b"b", "a.py": b"a"}
    assert [i.filename for i in zip_infos(zip_bytes(entries))[0]] == ["a.py", "b.py"]
    assert [m.name for m in tar_members(tar_gz_bytes(entries))[0]] == ["a.py", "b.py"]


@pytest.mark.parametrize("name", ["/etc/passwd", "../escape.py", "a/../../b.py", "a/../b.py", "", ".", "dir\\file.py"])
@pytest.mark.parametrize("fmt", ["zip", "tar.gz"])
def test_unsafe_names_are_rejected(name, fmt):
    with pytest.raises(ValueError, match="must be relative, without '..'"):
        archive_bytes({name: b"x"}, fmt)


@pytest.mark.parametrize("fmt", ["zip", "tar.gz"])
def test_two_names_for_one_entry_are_rejected(fmt):
    with pytest.raises(ValueError, match="a second time"):
        archive_bytes({"a/b.py": b"1", "a/./b.py": b"2"}, fmt)


def test_safe_name_normalizes_harmless_forms():
    assert safe_name("a/./b.py") == "a/b.py"
    assert safe_name("./a.py") == "a.py"
    assert safe_name("a//b.py") == "a/b.py"


@pytest.mark.parametrize("fmt", ["zip", "tar.gz"])
def test_empty_archive_is_deterministic(fmt):
    assert archive_bytes({}, fmt) == archive_bytes({}, fmt)
