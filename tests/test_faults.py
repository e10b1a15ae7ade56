"""Faults: interrupted builds, two builds at once, misbehaving kernels, a full or read-only build/."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import run_doit, write_mini_course
from test_graph import assert_same_tree

import filecmp


def start_doit(root: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "doit", *args],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )


def wait_for_line(proc: subprocess.Popen, wanted: str, timeout: float = 60) -> list[str]:
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            break
        seen.append(line)
        if line.startswith(wanted):
            return seen
    raise AssertionError(f"{wanted!r} never appeared: {''.join(seen)}")


def no_half_written_outputs(root: Path) -> None:
    """Every target present is complete: notebooks parse, archives open, exports compile."""
    for path in (root / "build").rglob("*"):
        if path.name.startswith("."):
            continue
        if path.suffix == ".ipynb":
            json.loads(path.read_text())
        elif path.suffix == ".zip":
            assert zipfile.ZipFile(path).testzip() is None
    for path in (root / "tinytorch").rglob("*.py"):
        compile(path.read_text(), str(path), "exec")


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    root = write_mini_course(tmp_path_factory.mktemp("reference") / "mini")
    assert run_doit(root).returncode == 0
    return root


def assert_matches_reference(root: Path, reference: Path) -> None:
    for folder in ("build", "tinytorch"):
        assert_same_tree(filecmp.dircmp(reference / folder, root / folder, ignore=[".cache"]))  # not outputs


@pytest.mark.parametrize(
    "sig, after, delay",
    [
        (signal.SIGTERM, ".  student:beta", 0.0),  # while notebooks are being written
        (signal.SIGTERM, ".  validate:alpha", 0.5),  # while a kernel runs
        (signal.SIGKILL, ".  solution:alpha", 0.0),
        (signal.SIGKILL, ".  validate:beta", 0.3),
    ],
    ids=["SIGTERM-while-writing", "SIGTERM-during-execution", "SIGKILL-while-writing", "SIGKILL-during-execution"],
)
def test_an_interrupted_build_is_completed_correctly_by_the_next_one(tmp_path, reference, sig, after, delay):
    root = write_mini_course(tmp_path / "mini")
    proc = start_doit(root)
    wait_for_line(proc, after)
    time.sleep(delay)
    os.killpg(proc.pid, sig)
    rest, _ = proc.communicate(timeout=60)
    assert proc.returncode != 0 and ".  archive:beta" not in rest, "the build stopped"
    no_half_written_outputs(root)
    result = run_doit(root)
    assert result.returncode == 0, result.output
    if sig == signal.SIGTERM:  # doit saved the state of the tasks that had finished: they do not rerun
        assert "lint:alpha" not in result.ran
    assert not list((root / "build").rglob(".*.tmp")), "temp files of the killed run are swept"
    assert_matches_reference(root, reference)
    assert run_doit(root).ran == set()


def test_two_builds_at_once_wait_for_each_other(tmp_path):
    root = write_mini_course(tmp_path / "mini")
    first = start_doit(root)
    wait_for_line(first, ".  lint:alpha")
    second = start_doit(root)
    out2, err2 = second.communicate(timeout=300)
    out1, err1 = first.communicate(timeout=300)
    assert first.returncode == 0 and second.returncode == 0, err1 + err2
    assert "another doit run (pid" in err2 and "waiting" in err2
    assert "\n.  " not in "\n" + out2, "the second run found everything done"
    assert run_doit(root).ran == set()


def break_main_block(root: Path, extra: str) -> Path:
    source = root / "modules/01_alpha/alpha.py"
    source.write_text(source.read_text().replace("    test_unit_double()\n", f"    test_unit_double()\n{extra}", 1))
    return source


@pytest.mark.parametrize(
    "extra, expected, yaml",
    [
        ("    import os; os._exit(3)\n", "the kernel died while running cell", ""),
        (
            "    import time; time.sleep(60)\n",
            "did not finish within the 3 s per-cell timeout",
            "execution:\n  timeout: 3\n",
        ),
        ("    print('x' * 3_000_000)\n", "printed 3,000,001 characters of output", ""),
    ],
    ids=["kernel-dies", "cell-hangs", "prints-megabytes"],
)
def test_a_misbehaving_kernel_fails_validation_clearly_and_the_next_run_works(tmp_path, extra, expected, yaml):
    root = write_mini_course(tmp_path / "mini", extra_yaml=yaml)
    source = break_main_block(root, extra)
    result = run_doit(root, "validate:alpha")
    assert result.returncode != 0
    assert "validation of module 'alpha' failed" in result.output and expected in result.output, result.output
    assert "modules/01_alpha/alpha.py" in result.output
    source.write_text(source.read_text().replace(extra, ""))
    again = run_doit(root, "validate:alpha")
    assert again.returncode == 0, again.output


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root (CI runs as root)")


@contextlib.contextmanager
def tmpfs(path: Path, size: str):
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@needs_root
def test_a_full_disk_is_a_clear_error_and_nothing_is_half_written(tmp_path):
    root = write_mini_course(tmp_path / "mini")
    with tmpfs(root / "build", "24k"):
        result = run_doit(root)
        assert result.returncode != 0
        assert "could not be written: the disk is full" in result.output and "Traceback" not in result.output
        no_half_written_outputs(root)
        assert not list((root / "build").rglob(".*.tmp"))
    result = run_doit(root)  # with space again
    assert result.returncode == 0, result.output


@needs_root
def test_a_read_only_build_folder_is_a_clear_error_and_changes_nothing(tmp_path):
    root = write_mini_course(tmp_path / "mini")
    with tmpfs(root / "build", "4m"):
        assert run_doit(root).returncode == 0
        before = {p: p.read_bytes() for p in (root / "build").rglob("*") if p.is_file()}
        source = root / "modules/01_alpha/alpha.py"
        source.write_text(source.read_text().replace("for fast tests", "for fast tests, reworded"))
        subprocess.run(["mount", "-o", "remount,ro", str(root / "build")], check=True)
        result = run_doit(root)
        assert result.returncode != 0
        assert "could not be written: the file system is read-only" in result.output, result.output
        assert {p: p.read_bytes() for p in (root / "build").rglob("*") if p.is_file()} == before
        subprocess.run(["mount", "-o", "remount,rw", str(root / "build")], check=True)
        again = run_doit(root)  # doit forgets tasks blocked by a failure, so more than the notebooks may rerun
        assert again.returncode == 0, again.output
        assert "reworded" in (root / "build/student/01_alpha/alpha.ipynb").read_text()
        assert run_doit(root).ran == set()


def test_ctrl_c_during_a_kernel_run_says_so_in_one_line_keeps_finished_tasks_and_leaves_no_kernel(tmp_path):
    root = write_mini_course(tmp_path / "mini")
    break_main_block(root, "    import time; time.sleep(60)\n")
    proc = start_doit(root, "validate:alpha")
    wait_for_line(proc, ".  validate:alpha")
    time.sleep(3)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole foreground group
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err == "\ncoursebuild: interrupted (Ctrl-C); every task that finished is saved: run doit again to go on\n", (
        err
    )
    assert "Traceback" not in out + err
    kernels = subprocess.run(["pgrep", "-f", str(root / "tasks/kernel")], capture_output=True, text=True).stdout
    assert kernels == "", "a kernel outlived the interrupted build"
    assert "lint:alpha" not in run_doit(root, "lint:alpha").ran
