"""tasks/fsutil.py: atomic writes, and sweeping the temp files a killed run left behind."""
from __future__ import annotations

import os

import pytest

from tasks.base.errors import CourseError
from tasks.base.fsutil import sweep_temp_files, write_atomic


def test_write_atomic_replaces_the_whole_file_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "deep" / "out.ipynb"
    write_atomic(target, "first")
    write_atomic(target, b"second")
    assert target.read_bytes() == b"second"
    assert sorted(os.listdir(target.parent)) == ["out.ipynb"]
    assert oct(target.stat().st_mode & 0o777) == oct(0o644)


def test_write_atomic_failure_names_the_file_and_keeps_the_old_content(tmp_path):
    target = tmp_path / "out.txt"
    write_atomic(target, "old")
    (tmp_path / "blocked").write_text("a file, not a folder")
    with pytest.raises(CourseError, match="could not be written"):
        write_atomic(tmp_path / "blocked" / "x.txt", "new")
    assert target.read_text() == "old"


def test_sweep_removes_only_temp_files_at_any_depth(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    stale = [tmp_path / ".x.ipynb.k3j2.tmp", tmp_path / "a" / "b" / ".y.py.0000.tmp"]
    kept = [tmp_path / "x.ipynb", tmp_path / "a" / "notes.tmp", tmp_path / "a" / ".hidden", tmp_path / "a" / "b" / "y.py"]
    for path in stale + kept:
        path.write_text("x")
    (tmp_path / "a" / ".dir.tmp").mkdir()  # a folder with a temp-like name is not a temp file
    assert sweep_temp_files(tmp_path) == 2
    assert not any(p.exists() for p in stale) and all(p.exists() for p in kept)
    assert (tmp_path / "a" / ".dir.tmp").is_dir()


def test_sweep_of_a_missing_folder_does_nothing(tmp_path):
    assert sweep_temp_files(tmp_path / "missing") == 0
