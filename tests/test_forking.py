"""tasks/kernel/forking.py: kernels forked where that gives the launcher's kernel, launched otherwise, and a
template that fails never fails a notebook."""

from __future__ import annotations

import os
import signal
import subprocess

import pytest
from jupyter_client.kernelspec import KernelSpec

from tasks.kernel import forking, pool
from tasks.kernel.execute import kernel_arguments, kernel_env
from test_execute import alive
from test_forkserver import STATE
from test_pool import printed, ran


def templates() -> list:
    return [t for t in pool._pool["templates"].values() if t is not None]


def parent_of(nb) -> str:
    return printed(nb)["parent"]


@pytest.mark.parametrize(
    "argv, env, forks",
    [
        (["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"], {}, True),
        (["python", "-m", "ipykernel_launcher", "-f", "{connection_file}", "--matplotlib=inline"], {}, True),
        (["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"], {"OMP_NUM_THREADS": "1"}, False),
        (["python", "-m", "ipykernel", "-f", "{connection_file}"], {}, False),
        (["/opt/julia/bin/julia", "-i", "kernel.jl", "{connection_file}"], {}, False),
    ],
)
def test_only_the_plain_ipykernel_launcher_is_forked(argv, env, forks):
    assert forking.forkable(KernelSpec(argv=argv, env=env, language="python")) is forks


def test_a_forked_kernel_ends_signals_and_waits_like_a_process(tmp_path):
    kernel = pool.start("python3", kernel_arguments(), kernel_env)
    process = kernel.manager.provisioner.process
    try:
        assert isinstance(process, forking.ForkedProcess) and kernel.pgid == process.pid
        assert process.poll() is None and alive(process.pid)
        with pytest.raises(subprocess.TimeoutExpired):
            process.wait(timeout=0.2)
        os.killpg(kernel.pgid, signal.SIGKILL)
        assert process.wait(timeout=30) == forking.UNKNOWN_EXIT and not alive(process.pid)
        process.kill()  # after its end: nothing to signal, no error
    finally:
        pool.discard(kernel)


def test_a_template_that_dies_is_replaced_and_the_next_notebook_runs(tmp_path):
    ran(tmp_path, "a", "1")
    (first,) = templates()
    (waiting,) = pool.own_pool().values()
    os.killpg(first.process.pid, signal.SIGKILL)
    first.process.wait()
    assert waiting.manager.provisioner.process.wait(timeout=30) == forking.UNKNOWN_EXIT, "it ends with its template"
    nb = ran(tmp_path, "b", STATE)
    (second,) = templates()
    assert second is not first and second.alive()
    assert "tasks/kernel/forkserver.py" in parent_of(nb)


def test_a_template_that_cannot_start_leaves_kernels_to_the_launcher(tmp_path, monkeypatch):
    broken = tmp_path / "broken_server.py"
    broken.write_text("import sys\nsys.exit('this template cannot start')\n")
    monkeypatch.setattr(forking, "SERVER", broken)
    pool.close()
    try:
        first = ran(tmp_path, "a", STATE)
        assert "tasks/kernel/forkserver.py" not in parent_of(first) and "broken_server" not in parent_of(first)
        assert templates() == [], "a template that never forked is not tried again"
        second = ran(tmp_path, "b", STATE)
        assert "tasks/kernel/forkserver.py" not in parent_of(second) and printed(second)["own session"]
    finally:
        pool.close()


def test_a_kernel_environment_other_than_the_templates_is_launched(tmp_path):
    ran(tmp_path, "a", "1")
    (template,) = templates()
    env = kernel_env(tmp_path / "elsewhere")
    cmd = [template.python, "-m", "ipykernel_launcher", "-f", "x.json"]
    assert forking.fits(template, cmd, env, str(tmp_path / "elsewhere"))
    assert not forking.fits(template, cmd, {**env, "TITO_NOT_IN_THE_TEMPLATE": "1"}, str(tmp_path / "elsewhere"))
    assert not forking.fits(template, ["/other/python", *cmd[1:]], env, str(tmp_path / "elsewhere"))
    assert not forking.fits(template, cmd, env, str(tmp_path / "not-the-placeholder"))
