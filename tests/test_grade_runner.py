"""tasks/grade/runner.py: a fresh forked process per submission; timeouts, crashes, exits, output, memory."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tasks.grade.rehydrate import RunCell
from tasks.grade.runner import run_cells, write_package

from procfs import children_of, running


def cells(*sources):
    return [
        RunCell(id=f"c{i}", grade_id=f"g{i}", kind="fixed", cell_type="code", source=s) for i, s in enumerate(sources)
    ]


def run(*sources, timeout=2, memory_mb=256, package=()):
    return run_cells(cells(*sources), package, timeout=timeout, memory_mb=memory_mb)


def test_cells_share_state_and_report_values_and_errors():
    runs = run("x = 20", "x + 22", "raise ValueError('nope')", "print('hi')\nx")
    assert [r.status for r in runs] == ["ok", "ok", "error", "ok"]
    assert runs[0].value is None and runs[1].value == "42"
    assert (runs[2].ename, runs[2].evalue) == ("ValueError", "nope")
    assert runs[3].output == "hi\n" and runs[3].value == "20"


def test_a_syntax_error_is_that_cells_error_only():
    runs = run("def f(:\n  pass", "1 + 1")
    assert (runs[0].status, runs[0].ename) == ("error", "SyntaxError") and runs[1].value == "2"


def test_an_infinite_loop_times_out_and_stops_the_notebook():
    runs = run("x = 1", "while True:\n    pass", "x", timeout=1)
    assert [r.status for r in runs] == ["ok", "timeout", "not_run"]
    assert "longer than" in runs[1].evalue  # CPU time, or wall time on a loaded machine


def test_a_sleeping_cell_times_out_on_wall_time():
    runs = run("import time\ntime.sleep(60)", "1", timeout=0.5)
    assert [r.status for r in runs] == ["timeout", "not_run"] and "waited longer" in runs[0].evalue


@pytest.mark.parametrize(
    "source, fragment",
    [
        ("import ctypes\nctypes.string_at(0)", "signal SIGSEGV"),
        ("import os\nos._exit(3)", "exited (code 3"),
        ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", "signal SIGKILL (out of memory?)"),
    ],
    ids=["segfault", "os-exit", "killed"],
)
def test_a_dying_process_gives_the_reason_and_the_rest_is_not_run(source, fragment):
    runs = run("x = 1", source, "x")
    assert [r.status for r in runs] == ["ok", "died", "not_run"]
    assert fragment in runs[1].evalue


def test_sys_exit_is_an_error_of_that_cell_and_the_run_goes_on():
    runs = run("import sys\nsys.exit(2)", "3")
    assert (runs[0].status, runs[0].ename) == ("error", "SystemExit") and runs[1].value == "3"


def test_huge_output_is_capped():
    runs = run("for _ in range(100000):\n    print('y' * 100)", "'done'")
    assert runs[0].status == "ok" and len(runs[0].output) < 5000 and "more characters not kept" in runs[0].output
    assert runs[1].value == "'done'"


def test_the_memory_cap_is_a_memory_error():
    runs = run("import numpy as np\nhog = np.ones(10 ** 9)", "'after'", memory_mb=128)
    assert (runs[0].status, runs[0].ename) == ("error", "MemoryError") and runs[1].value == "'after'"


def test_runs_in_a_scratch_dir_with_the_package_and_leaves_nothing(tmp_path):
    package = (
        ("tinytorch/__init__.py", b""),
        ("tinytorch/core/__init__.py", b""),
        ("tinytorch/core/vec.py", b"ANSWER = 42\n"),
    )
    runs = run(
        "import os\nfrom tinytorch.core.vec import ANSWER\nANSWER, os.path.basename(os.getcwd())[:11]", package=package
    )
    assert runs[0].value == "(42, 'tito-grade-')"
    assert not any(p.name.startswith("tito-grade-") for p in tmp_path.iterdir())


PACKAGE = (
    ("tinytorch/__init__.py", b""),
    ("tinytorch/core/__init__.py", b""),
    ("tinytorch/core/vec.py", b"ANSWER = 42\n"),
)


def python_in(folder, code: str, *flags: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}  # nothing compiled here is written: only what we wrote
    return subprocess.run([sys.executable, *flags, "-c", code], cwd=folder, env=env, capture_output=True, text=True)


def test_the_package_is_written_with_bytecode_that_its_import_uses(tmp_path):
    write_package(str(tmp_path), PACKAGE)
    proc = python_in(tmp_path, "import tinytorch.core.vec as v; print(v.ANSWER, v.__file__)", "-v")
    assert proc.stdout.split() == ["42", str(tmp_path / "tinytorch/core/vec.py")]  # its own path, not the compiler's
    assert f"code object from '{tmp_path}/tinytorch/core/__pycache__/vec." in proc.stderr


def test_bytecode_of_another_source_is_never_run(tmp_path):
    write_package(str(tmp_path), PACKAGE)
    (tmp_path / "tinytorch/core/vec.py").write_bytes(b"ANSWER = 43\n")  # same size: only the hash tells
    assert python_in(tmp_path, "from tinytorch.core.vec import ANSWER; print(ANSWER)").stdout.strip() == "43"


def test_a_package_file_that_does_not_compile_fails_at_its_import_as_before(tmp_path):
    package = PACKAGE[:2] + (("tinytorch/core/vec.py", b"def broken(:\n"),)
    write_package(str(tmp_path), package)
    assert [p.name.split(".")[0] for p in (tmp_path / "tinytorch/core/__pycache__").iterdir()] == ["__init__"]
    runs = run("from tinytorch.core.vec import broken", package=package)
    assert (runs[0].status, runs[0].ename) == ("error", "SyntaxError") and "vec.py" in runs[0].evalue


def test_children_of_the_submission_are_killed(tmp_path):
    marker = tmp_path / "child.pid"
    source = f"import subprocess, sys\np = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\nopen({str(marker)!r}, 'w').write(str(p.pid))"
    runs = run(source)
    assert runs[0].status == "ok"
    pid = int(marker.read_text())
    for _ in range(100):  # the group was SIGKILLed; the orphan is reaped by init shortly after
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        if open(f"/proc/{pid}/stat").read().split(") ")[1].startswith("Z"):
            break
        import time

        time.sleep(0.05)
    else:
        pytest.fail("the submission's child process survived")


def test_the_parent_descriptors_are_closed_in_the_child(tmp_path):
    secret = open(tmp_path / "gradebook.sqlite", "w")
    try:
        runs = run(f"import os\nos.write({secret.fileno()}, b'forged')")
        assert (runs[0].status, runs[0].ename) == ("error", "OSError")
    finally:
        secret.close()
    assert (tmp_path / "gradebook.sqlite").read_text() == ""


WORKER = """
import sys
sys.path.insert(0, {root!r})
from tasks.grade.rehydrate import RunCell
from tasks.grade.runner import run_cells
run_cells([RunCell(id="c", grade_id="g", kind="fixed", cell_type="code", source="while True:\\n    pass")], (),
          timeout=600, memory_mb=256)
"""


def test_a_submission_dies_with_its_grading_worker():
    """SIGKILL of the worker (Dask losing a worker, the OOM killer) kills the submission it was running:
    a student's infinite loop in its own session must not run on, orphaned, for ever."""
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[1])
    worker, submission = subprocess.Popen([sys.executable, "-c", WORKER.format(root=root)]), []
    try:
        for _ in range(600):
            submission = children_of(worker.pid)
            if submission:
                break
            time.sleep(0.1)
        assert submission, "the submission never started"
        worker.kill()
        worker.wait()
        for _ in range(600):
            if not running(submission[0]):
                break
            time.sleep(0.1)
        assert not running(submission[0]), "the submission outlived its worker"
    finally:
        worker.kill()
        for pid in submission:
            if running(pid):
                os.kill(pid, 9)


def test_a_cells_cpu_at_start_is_what_the_child_says_else_what_proc_says():
    from tasks.grade.runner import cpu_reported, cpu_seconds, own_cpu

    assert cpu_reported({"event": "start", "cpu": 1.5}, os.getpid()) == 1.5
    for bad in ({"event": "start"}, {"event": "start", "cpu": "x"}, {"event": "start", "cpu": True}):
        assert abs(cpu_reported(bad, os.getpid()) - cpu_seconds(os.getpid())) < 0.5
    assert abs(own_cpu() - cpu_seconds(os.getpid())) < 0.5
