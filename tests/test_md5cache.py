"""tasks/graph/md5cache.py: doit's md5 checker, hashing each file once per process and version of the file."""

from __future__ import annotations

import os

from doit.dependency import MD5Checker as DoitMD5Checker

from tasks.graph.boot import doit_config
from tasks.graph.md5cache import MD5Checker


def test_the_state_is_doits_for_each_version_of_a_file(tmp_path):
    dep = tmp_path / "engine.py"
    dep.write_text("x = 1\n")
    ours, doits = MD5Checker(), DoitMD5Checker()
    first = ours.get_state(str(dep), None)
    assert first == doits.get_state(str(dep), None) == ours.get_state(str(dep), None)
    assert ours.get_state(str(dep), first) is None  # same mtime as saved: nothing to save, as doit
    dep.write_text("x = 22\n")
    os.utime(dep, ns=(1_000_000_000, 1_000_000_000))
    second = ours.get_state(str(dep), first)
    assert second == doits.get_state(str(dep), first) != first
    assert not ours.check_modified(str(dep), os.stat(dep), second)
    assert ours.check_modified(str(dep), os.stat(dep), first)


def test_the_build_uses_it_under_doits_name_so_an_existing_state_file_stays_valid():
    assert doit_config()["check_file_uptodate"] is MD5Checker
    assert MD5Checker.__name__ == DoitMD5Checker.__name__
