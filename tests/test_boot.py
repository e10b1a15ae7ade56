"""tasks/graph/boot.py: the build lock. (The rest of boot is exercised by every doit run in test_graph.py
and test_faults.py: two builds at once wait for each other there.)"""

from __future__ import annotations

import fcntl
import subprocess
import sys

import pytest

from tasks.graph import boot

FILELOCK_PROBE = (
    "import sys\nfrom filelock import FileLock, Timeout\n"
    "try:\n    FileLock(sys.argv[1]).acquire(timeout=0)\nexcept Timeout:\n    print('held')\nelse:\n    print('free')\n"
)


@pytest.mark.skipif(sys.platform == "win32", reason="flock is POSIX; Windows takes filelock's lock")
def test_the_build_lock_is_the_flock_that_filelock_and_tito_info_see(tmp_path, monkeypatch):
    monkeypatch.setattr(boot, "_lock_handle", [])
    lock_file = tmp_path / ".doit.lock"
    boot.take_lock(lock_file)
    assert lock_file.read_text().startswith("pid ")
    with open(lock_file, "a+") as other:  # another open file, as another process has: refused
        with pytest.raises(BlockingIOError):
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    filelock = [sys.executable, "-c", FILELOCK_PROBE, str(lock_file)]
    assert subprocess.run(filelock, capture_output=True, text=True).stdout.strip() == "held"
    boot._lock_handle.pop().close()  # what the process's exit does
    assert subprocess.run(filelock, capture_output=True, text=True).stdout.strip() == "free"
