"""tasks/fsutil.py: atomic writes, and sweeping the temp files a killed run left behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tasks.base.errors import CourseError
from tasks.base.fsutil import sweep_temp_files, write_atomic

REPO = Path(__file__).resolve().parent.parent


def test_write_atomic_replaces_the_whole_file_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "deep" / "out.ipynb"
    write_atomic(target, "first")
    write_atomic(target, b"second")
    assert target.read_bytes() == b"second"
    assert sorted(os.listdir(target.parent)) == ["out.ipynb"]
    assert oct(target.stat().st_mode & 0o777) == oct(0o644)


FAILING_WRITE = """
import resource, signal, sys
sys.path.insert(0, sys.argv[1])
from tasks.base.errors import CourseError
from tasks.base.fsutil import write_atomic
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)                 # past the limit, write() fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (1000, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
try:
    write_atomic(sys.argv[2], "new content " * 1000)
except CourseError as error:
    print(error)
    sys.exit(3)
"""


def failing_write(target) -> subprocess.CompletedProcess:
    """write_atomic over `target` in a process whose file-size limit makes the write itself fail (any user)."""
    return subprocess.run(
        [sys.executable, "-c", FAILING_WRITE, str(REPO), str(target)], cwd=target.parent, capture_output=True, text=True
    )


def test_write_atomic_failure_names_the_file_and_keeps_the_old_content(tmp_path):
    target = tmp_path / "out.txt"
    write_atomic(target, "old")
    result = failing_write(target)
    assert result.returncode == 3, result.stderr
    assert result.stdout.startswith("out.txt: could not be written: the file is larger than allowed")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["out.txt"]  # no temp file left behind


def test_write_atomic_failing_at_the_rename_keeps_what_was_there_and_no_temp_file(tmp_path):
    target = tmp_path / "out.txt"
    target.mkdir()
    (target / "kept").write_text("kept")
    with pytest.raises(CourseError, match="out.txt: could not be written"):
        write_atomic(target, "new")
    assert (target / "kept").read_text() == "kept"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_write_atomic_into_a_path_through_a_file_names_it(tmp_path):
    (tmp_path / "blocked").write_text("a file, not a folder")
    with pytest.raises(CourseError, match="blocked/x.txt: could not be written"):
        write_atomic(tmp_path / "blocked" / "x.txt", "new")
    assert (tmp_path / "blocked").read_text() == "a file, not a folder"


def test_sweep_removes_only_temp_files_at_any_depth(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    stale = [tmp_path / ".x.ipynb.k3j2.tmp", tmp_path / "a" / "b" / ".y.py.0000.tmp"]
    kept = [
        tmp_path / "x.ipynb",
        tmp_path / "a" / "notes.tmp",
        tmp_path / "a" / ".hidden",
        tmp_path / "a" / "b" / "y.py",
    ]
    for path in stale + kept:
        path.write_text("x")
    (tmp_path / "a" / ".dir.tmp").mkdir()  # a folder with a temp-like name is not a temp file
    assert sweep_temp_files(tmp_path) == 2
    assert not any(p.exists() for p in stale) and all(p.exists() for p in kept)
    assert (tmp_path / "a" / ".dir.tmp").is_dir()


def test_sweep_of_a_missing_folder_does_nothing(tmp_path):
    assert sweep_temp_files(tmp_path / "missing") == 0
