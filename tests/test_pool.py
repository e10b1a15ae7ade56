"""tasks/kernel/pool.py: pre-started kernels, one fresh kernel per notebook, nothing left running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from conftest import write_mini_course
from tasks.kernel import pool
from tasks.kernel.execute import ExecutionFailed, kernel_arguments, kernel_env, run
from test_execute import alive

VIEW = (
    "import os, sys\nprint(repr((os.getpid(), os.getcwd(), sys.path, os.environ['PYTHONPATH'], [str(p) for p in _dh])))"
)


def ran(tmp_path: Path, name: str, *sources: str, allow_errors: bool = False):
    folder = tmp_path / name / "modules" / "01_m"
    folder.mkdir(parents=True)
    nb = new_notebook(cells=[new_code_cell(source) for source in sources])
    return run(nb, cwd=folder, root=tmp_path / name, kernel="python3", timeout=60, allow_errors=allow_errors)


def printed(nb, cell: int = 0):
    return eval(nb.cells[cell].outputs[0]["text"])


def waiting_kernels() -> list:
    return list(pool.own_pool().values())


def test_a_pooled_kernel_sees_exactly_what_a_kernel_started_in_the_notebook_folder_sees(tmp_path):
    from nbclient import NotebookClient

    pid, cwd, path, pythonpath, dh = printed(ran(tmp_path, "pooled", VIEW))
    root = tmp_path / "direct"
    (root / "modules/01_m").mkdir(parents=True)
    nb = new_notebook(cells=[new_code_cell(VIEW)])
    direct = NotebookClient(
        nb,
        kernel_name="python3",
        resources={"metadata": {"path": str(root / "modules/01_m")}},
        extra_arguments=kernel_arguments(),
    )
    direct.execute(env=kernel_env(root))
    _, cwd2, path2, pythonpath2, dh2 = printed(nb)
    same = lambda text: text.replace(str(tmp_path / "pooled"), str(root))  # noqa: E731
    assert (same(cwd), [same(p) for p in path], same(pythonpath), [same(d) for d in dh]) == (
        cwd2,
        path2,
        pythonpath2,
        dh2,
    )
    assert cwd == str(tmp_path / "pooled/modules/01_m") and path[0] == str(tmp_path / "pooled")


def test_nothing_a_notebook_did_is_seen_by_the_next_one(tmp_path):
    first = ran(
        tmp_path,
        "a",
        "import os, sys, wave\nsecret = 42\nos.chdir('/')\nos.environ['LEAKED'] = '1'\nsys.path.append('/leaked')\nprint(os.getpid())",
    )
    second = ran(
        tmp_path,
        "b",
        "import os, sys\nprint(repr(('secret' in globals(), 'wave' in sys.modules, os.getcwd(), os.environ.get('LEAKED'), '/leaked' in sys.path, os.getpid())))",
    )
    secret, wave, cwd, leaked, path, pid = printed(second)
    assert (secret, wave, leaked, path) == (False, False, None, False)
    assert cwd == str(tmp_path / "b/modules/01_m") and pid != int(first.cells[0].outputs[0]["text"])


def test_a_waiting_kernel_that_died_is_replaced_and_the_notebook_runs(tmp_path):
    """The pool itself (not only the notebook run's retry) never hands out a pre-started kernel that died while
    it waited: what `take` returns is alive, started now, not the dead one (whose scratch is gone), and runs
    the notebook."""
    from tasks.kernel.execute import run_in

    ran(tmp_path, "a", "1")
    (dead,) = waiting_kernels()
    dead_pid = dead.manager.provisioner.pid
    os.killpg(os.getpgid(dead_pid), signal.SIGKILL)  # its group, whether it was forked or launched
    deadline = time.monotonic() + 10
    while (alive(dead_pid) or dead.alive()) and time.monotonic() < deadline:
        time.sleep(0.01)  # gone for the kernel and for the pool's own check (a pidfd is readable a moment later)
    assert not alive(dead_pid) and not dead.alive()
    taken = pool.take("python3", kernel_arguments(), kernel_env)
    assert taken is not dead and taken.manager.provisioner.pid != dead_pid
    assert taken.alive() and not taken.waited and waiting_kernels() == []
    assert not dead.folder.exists(), "the dead kernel's scratch folder is removed"
    folder = tmp_path / "b/modules/01_m"
    folder.mkdir(parents=True)
    nb = new_notebook(cells=[new_code_cell(VIEW)])
    run_in(taken, nb, cwd=folder, root=tmp_path / "b", kernel="python3", timeout=60, allow_errors=False, current={})
    pid, cwd, *_ = printed(nb)
    assert cwd == str(folder) and pid == taken.manager.provisioner.pid != dead_pid


def test_a_dead_kernel_is_reported_as_today_and_the_next_notebook_runs(tmp_path):
    with pytest.raises(ExecutionFailed, match="the kernel died while running cell 2"):
        ran(tmp_path, "a", "1", "import os; os._exit(3)")
    assert printed(ran(tmp_path, "b", VIEW))[1] == str(tmp_path / "b/modules/01_m")


def test_closing_the_pool_kills_the_waiting_kernel(tmp_path):
    ran(tmp_path, "a", "1")
    (waiting,) = waiting_kernels()
    pid = waiting.manager.provisioner.pid
    assert alive(pid)
    pool.close()
    assert not alive(pid) and not waiting.folder.exists() and waiting_kernels() == []


def kernels_of(root: Path) -> str:
    """Kernel processes started for this course (their command line names its tasks/kernel/assertvalues.py)."""
    return subprocess.run(["pgrep", "-f", str(root / "tasks/kernel")], capture_output=True, text=True).stdout


def doit_writing_to(log: Path, root: Path, *args: str) -> subprocess.Popen:
    """doit with its output in a file, not a pipe: a kernel left behind would keep a pipe open (and waiting for
    it would wait for that kernel to notice its parent is gone), so its exit is seen the moment doit ends."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "DOIT_"))}
    with open(log, "w") as out:
        return subprocess.Popen([sys.executable, "-m", "doit", *args], cwd=root, stdout=out, stderr=out, env=env)


@pytest.mark.parametrize("jobs", [[], ["-n", "2"]], ids=["serial", "two-workers"])
def test_no_kernel_outlives_a_doit_run(tmp_path, jobs):
    root = write_mini_course(tmp_path / "mini")
    proc = doit_writing_to(tmp_path / "log", root, *jobs, "validate", "check_student")
    assert proc.wait(timeout=600) == 0, (tmp_path / "log").read_text()
    assert kernels_of(root) == "", "a pre-started kernel outlived the build"


def test_no_kernel_outlives_a_build_stopped_by_sigterm(tmp_path):
    root = write_mini_course(tmp_path / "mini")
    source = root / "modules/01_alpha/alpha.py"
    source.write_text(
        source.read_text().replace(
            "    test_unit_double()\n", "    test_unit_double()\n    import time; time.sleep(60)\n", 1
        )
    )
    proc = doit_writing_to(tmp_path / "log", root, "-n", "2", "validate")
    for _ in range(600):
        if ".  validate:alpha" in (tmp_path / "log").read_text():
            break
        time.sleep(0.1)
    time.sleep(2)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) != 0
    assert kernels_of(root) == "", "a kernel outlived the stopped build"


def test_a_kernel_info_reply_a_round_late_is_matched_with_its_idle_status(tmp_path):
    """Under load a kernel_info reply can come after the next request was sent, and its IOPub idle status
    may be read while waiting for the previous one: wait_for_ready must still return (it used to wait for a
    status it had just read and thrown away, round after round, until "Kernel didn't respond")."""
    from queue import Empty

    kernel = pool.start("python3", kernel_arguments(), kernel_env)
    client = kernel.manager.client()
    client.start_channels()

    async def late_reply_then_ready():
        await client.wait_for_ready(timeout=60)
        lost = client.kernel_info()  # its reply stays queued on shell; its idle status is read here, "lost"
        while True:
            msg = await client.iopub_channel.get_msg(timeout=30)
            if msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle":
                if msg["parent_header"].get("msg_id") == lost:
                    break
        try:
            await client.wait_for_ready(timeout=8)  # takes the late reply first: one round behind
        except RuntimeError as error:
            return str(error)
        try:
            await client.shell_channel.get_msg(timeout=0.1)
        except Empty:
            pass
        return "ready"

    try:
        assert pool.synchronously(late_reply_then_ready()) == "ready"
    finally:
        pool.discard(kernel, client)
