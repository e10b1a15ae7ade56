"""Kernels forked from a warm template instead of each booting its own Python (the template's side is
tasks/kernel/forkserver.py; tasks/kernel/pool.py owns the templates, one per kind of kernel and process).

A forked kernel is still a fresh process per notebook, killed with its process group afterwards; it is the
kernel `python -m ipykernel_launcher` would start (same Python, folder, environment, arguments, sys.path),
minus the ~0.5 s of CPU its imports cost. It is plugged in through jupyter_client's provisioner interface,
so nbclient, timeouts, interrupts and dead-kernel handling see a kernel like any other. Forking is used only
where that holds: Linux (pidfds), a kernelspec running `-m ipykernel_launcher` without an env of its own,
and a kernel environment equal to the template's but for the waiting root placeholder. Anything else, or a
template that fails or dies, falls back to jupyter_client's own launch.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..base.processes import kill_group

SERVER = Path(__file__).with_name("forkserver.py")
BOOT = "import runpy, sys; runpy.run_path(sys.argv[1], run_name='__main__')"
FORK_WAIT = 60.0  # seconds a request may wait (the first one waits for the template's imports)
UNKNOWN_EXIT = -1  # a forked kernel's exit status is its template's (which reaps it), not ours


class TemplateFailed(Exception):
    """The template could not fork this kernel (gone, timed out, or refused): launch it the usual way."""


def _supported() -> bool:
    return sys.platform.startswith("linux") and hasattr(os, "pidfd_open") and hasattr(socket, "send_fds")


def forkable(spec) -> bool:
    """Whether a kernelspec starts the plain ipykernel launcher (what the template imitates)."""
    argv = list(spec.argv)
    return argv[1:3] == ["-m", "ipykernel_launcher"] and not spec.env and spec.interrupt_mode == "signal"


@dataclass
class Template:
    process: subprocess.Popen
    channel: socket.socket
    folder: Path
    python: str
    env: dict
    lock: threading.Lock = field(default_factory=threading.Lock)
    forks: int = 0

    @property
    def placeholder(self) -> Path:
        return self.folder / "root"

    def alive(self) -> bool:
        return self.process.poll() is None


def start_template(python: str, env_for) -> Template:
    """Start a template in `python`, environment `env_for(its placeholder)`; it imports while we go on."""
    folder = Path(tempfile.mkdtemp(prefix="coursebuild-template-"))
    (folder / "cwd").mkdir()
    (folder / "root").mkdir()
    env = env_for(folder / "root")
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        with open(folder / "template.log", "w") as log:
            process = subprocess.Popen(
                [python, "-c", BOOT, str(SERVER), str(theirs.fileno())],
                cwd=folder / "cwd",
                env=env,
                stdin=subprocess.DEVNULL,
                stderr=log,
                pass_fds=[theirs.fileno()],
                start_new_session=True,
            )
    except BaseException:
        ours.close()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        theirs.close()
    return Template(process, ours, folder, python, env)


def stop_template(template: Template) -> None:
    """Close its socket (it exits, and its waiting kernels after it), reap it, remove its folder."""
    template.channel.close()
    try:
        template.process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        kill_group(template.process.pid)
        template.process.wait()
    shutil.rmtree(template.folder, ignore_errors=True)


def _comparable(env: dict, placeholder: str) -> dict:
    """An environment with its root placeholder made generic, without what launchers add per kernel."""
    return {k: v.replace(placeholder, "{placeholder}") for k, v in env.items() if not k.startswith("JPY_")}


def fits(template: Template, cmd: list, env: dict, placeholder: str) -> bool:
    """Whether a fork of `template` is the kernel `cmd` with `env` would start (`cmd` comes from a kernelspec
    that `forkable` accepted: the plain ipykernel launcher)."""
    return (
        template.alive()
        and cmd[0] == template.python
        and _comparable(env, placeholder) == _comparable(template.env, str(template.placeholder))
    )


def fork(template: Template, cmd: list, env: dict, cwd: str, stderr: int) -> tuple[int, int]:
    """Ask the template for a kernel: (its pid, a pidfd on it)."""
    request = json.dumps({"argv": cmd, "env": env, "cwd": cwd}).encode()
    with template.lock:
        try:
            template.channel.settimeout(FORK_WAIT)
            socket.send_fds(template.channel, [request], [stderr])
            message, fds, _, _ = socket.recv_fds(template.channel, 1 << 16, 1)
        except OSError as error:  # timed out, or the template is gone
            raise TemplateFailed(str(error)) from None
    reply = json.loads(message) if message else {"error": "the template exited"}
    if "pid" not in reply or len(fds) != 1:
        for fd in fds:
            os.close(fd)
        raise TemplateFailed(reply.get("error", "no kernel"))
    template.forks += 1
    return reply["pid"], fds[0]


class ForkedProcess:
    """A Popen-like handle on a forked kernel (the template's child, not ours): a pidfd tells when it
    ends and carries signals, so a reused pid is never signalled."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, pidfd: int):
        self.pid, self.pidfd, self.returncode = pid, pidfd, None

    def ended(self, timeout: float | None) -> bool:
        if self.returncode is None and self.pidfd >= 0 and select.select([self.pidfd], [], [], timeout)[0]:
            self.returncode = UNKNOWN_EXIT
        return self.returncode is not None

    def poll(self) -> int | None:
        self.ended(0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if not self.ended(timeout):
            raise subprocess.TimeoutExpired("kernel", timeout)
        self.close()
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            signal.pidfd_send_signal(self.pidfd, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def close(self) -> None:
        if self.pidfd >= 0:
            os.close(self.pidfd)
            self.pidfd = -1
            self.returncode = UNKNOWN_EXIT if self.returncode is None else self.returncode

    def __del__(self):
        self.close()


def _provisioner_class() -> type:
    from jupyter_client.provisioning import LocalProvisioner

    class ForkingProvisioner(LocalProvisioner):
        """LocalProvisioner whose launch forks the template when the fork is the same kernel."""

        template_for = None  # python -> Template | None, set by attach()
        placeholder = ""  # this kernel's own root placeholder
        forked_from: Template | None = None

        async def launch_kernel(self, cmd, **kwargs):
            env = kwargs.get("env") or {}
            template = self.template_for(cmd[0]) if self.template_for else None
            if template is not None and fits(template, cmd, env, self.placeholder):
                try:
                    pid, pidfd = fork(template, cmd, env, str(kwargs.get("cwd") or os.getcwd()), _stderr_of(kwargs))
                except TemplateFailed:
                    stop_template(template)  # dead or stuck: the pool replaces it (tasks/kernel/pool.py)
                else:
                    self.process, self.pid, self.pgid = ForkedProcess(pid, pidfd), pid, pid
                    self.cwd, self.forked_from = kwargs.get("cwd"), template
                    return self.connection_info
            return await super().launch_kernel(cmd, **kwargs)

    return ForkingProvisioner


def _stderr_of(kwargs: dict) -> int:
    stderr = kwargs.get("stderr")
    if stderr is None:
        return 2
    return stderr if isinstance(stderr, int) else stderr.fileno()


def attach(manager, placeholder: Path, template_for) -> None:
    """Give `manager` (before its kernel starts) the forking provisioner, where forking is possible."""
    import uuid

    spec = manager.kernel_spec
    if not _supported() or not forkable(spec):
        return
    manager.kernel_id = manager.kernel_id or str(uuid.uuid4())
    provisioner = _provisioner_class()(kernel_id=manager.kernel_id, kernel_spec=spec, parent=manager)
    provisioner.template_for, provisioner.placeholder = template_for, str(placeholder)
    manager.provisioner = provisioner


def sys_path_placeholder(manager) -> Path | None:
    """The root placeholder on a started kernel's sys.path when it was forked (its template's), else None."""
    template = getattr(manager.provisioner, "forked_from", None)
    return template.placeholder if template is not None else None
