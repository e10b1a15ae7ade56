"""Pre-started kernels: the next notebook's kernel boots while the current notebook runs.

A kernel is never reused: each notebook takes a fresh kernel process, which is killed with its process
group when the notebook is done; taking one starts the next in the background (forked from this process's
template of that kind of kernel, tasks/kernel/forking.py, or else launched: its interpreter and ipykernel
load in their own process while this notebook runs). Kernels wait in a scratch folder of their
own with a placeholder for the course root on PYTHONPATH; `handover_code` moves a taken kernel to the
notebook's folder and root before any cell runs, so a notebook sees exactly what a kernel started there sees.

One pool per process, keyed by pid: doit's `-n` workers are forked, and a child never touches (nor kills)
its parent's kernels or templates. Kernels still waiting when the process ends are killed and templates
stopped (atexit; in a forked worker, multiprocessing's finalizers, which run where atexit does not).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..base.processes import kill_group
from . import forking

HISTORY = "--HistoryManager.hist_file=:memory:"  # what nbclient adds to a kernel it starts itself
_pool: dict = {"pid": None, "waiting": {}, "templates": {}, "forsaken": []}


@dataclass
class Kernel:
    manager: object  # jupyter_client AsyncKernelManager, its kernel started
    folder: Path  # scratch of this kernel: ipc sockets, stderr log, waiting cwd and root placeholder
    key: tuple
    waited: bool = False  # taken from the pool (started before it was asked for)

    @property
    def log(self) -> Path:
        return self.folder / "kernel.log"

    @property
    def lobby(self) -> Path:
        return self.folder / "cwd"

    @property
    def placeholder(self) -> Path:
        return self.folder / "root"

    @property
    def sys_path_placeholder(self) -> Path:
        """The root placeholder on its sys.path: its template's when it was forked, else its own."""
        return forking.sys_path_placeholder(self.manager) or self.placeholder

    @property
    def pgid(self) -> int | None:
        return getattr(self.manager.provisioner, "pgid", None)

    def alive(self) -> bool:
        process = getattr(self.manager.provisioner, "process", None)
        return process is not None and process.poll() is None


def synchronously(coroutine):
    """Run a jupyter_client coroutine on a private event loop (never the thread's current one)."""
    import asyncio

    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()


def _pool_key(kernel: str, arguments: list[str]) -> tuple:
    """What makes two kernels different: its name, its command-line options, the environment it inherits."""
    return (kernel, tuple(arguments), tuple(sorted(os.environ.items())))


def start(kernel: str, arguments: list[str], env_for) -> Kernel:
    """A kernel process started now (it boots on its own) in a fresh scratch folder; `env_for(root)` is its
    environment for a course root (given the placeholder here)."""
    from jupyter_client.manager import AsyncKernelManager

    folder = Path(tempfile.mkdtemp(prefix="coursebuild-kernel-"))
    started = Kernel(None, folder, _pool_key(kernel, arguments))
    try:
        started.lobby.mkdir()
        started.placeholder.mkdir()
        started.manager = AsyncKernelManager(kernel_name=kernel, transport="ipc", ip=str(folder / "kernel"))
        started.manager.client_factory = _ready_client_class()
        forking.attach(started.manager, started.placeholder, lambda python: template(started.key, python, env_for))
        with open(started.log, "w") as log:
            synchronously(
                started.manager.start_kernel(
                    extra_arguments=[*arguments, HISTORY],
                    cwd=str(started.lobby),
                    env=env_for(started.placeholder),
                    stderr=log,
                )
            )
    except BaseException:
        discard(started)
        raise
    return started


def take(kernel: str, arguments: list[str], env_for) -> Kernel:
    """A fresh, live kernel for this key: the waiting one, else one started now."""
    waiting = own_pool()
    key = _pool_key(kernel, arguments)
    ready = waiting.pop(key, None)
    for other in [waiting.pop(k) for k in list(waiting)]:  # another key: the environment changed
        discard(other)
    if ready is not None and not ready.alive():  # died while waiting: replaced
        discard(ready)
        ready = None
    if ready is not None:
        ready.waited = True
    return ready if ready is not None else start(kernel, arguments, env_for)


def prestart(kernel: str, arguments: list[str], env_for) -> None:
    """Start the next notebook's kernel now, unless one waits already (called once the current notebook's
    kernel is up, so the two boots do not compete for the CPU)."""
    waiting = own_pool()
    key = _pool_key(kernel, arguments)
    if key not in waiting:
        try:
            waiting[key] = start(kernel, arguments, env_for)
        except Exception:  # the next notebook starts its own kernel, and reports what stops it
            pass


def own_pool() -> dict:
    """This process's waiting kernels: a forked child starts with none (its parent's are not its own)."""
    if _pool["pid"] != os.getpid():
        _pool["forsaken"] += _pool["waiting"].values()  # kept, never closed here: sockets of another process
        for inherited in _pool["templates"].values():
            if inherited is not None:  # our copy of the parent's socket: the parent's template is not ours
                inherited.channel.close()
        _pool["pid"], _pool["waiting"], _pool["templates"] = os.getpid(), {}, {}
        _register_exit()
    return _pool["waiting"]


def template(key: tuple, python: str, env_for):
    """This process's template for kernels of `key` run by `python`, started on first use; a template that
    died after forking is replaced, one that never forked is not tried again (kernels then start as usual)."""
    own_pool()
    templates = _pool["templates"]
    _stop_templates([k for k in templates if k[0] != key])  # the environment changed: not one of ours any more
    current = templates.get((key, python))
    if current is not None and not current.alive():
        forking.stop_template(current)
        current = templates[(key, python)] = None if current.forks == 0 else forking.start_template(python, env_for)
    if (key, python) not in templates:
        current = templates[(key, python)] = forking.start_template(python, env_for)
    return current


def _register_exit() -> None:
    import atexit
    from multiprocessing import util

    atexit.register(close)
    util.Finalize(None, close, exitpriority=100)  # a forked doit worker ends with os._exit: no atexit there


def close() -> None:
    """Kill every kernel still waiting in this process's pool."""
    if _pool["pid"] == os.getpid():
        waiting = _pool["waiting"]
        for key in list(waiting):
            discard(waiting.pop(key))
        _stop_templates(list(_pool["templates"]))


def _stop_templates(keys: list) -> None:
    """Stop this process's templates of `keys` and forget them (a key whose template failed holds None)."""
    for key in keys:
        if (ended := _pool["templates"].pop(key)) is not None:
            forking.stop_template(ended)


def discard(kernel: Kernel, client=None) -> None:
    """Kill the kernel's process group, reap it, close the client's and the manager's sockets, remove its
    connection file and scratch folder."""
    manager = kernel.manager
    if manager is not None:
        kill_group(kernel.pgid)
        process = getattr(manager.provisioner, "process", None)
        if process is not None:
            try:
                process.wait(timeout=10)
            except Exception:
                pass
        if client is not None:
            client.stop_channels()
        try:
            synchronously(manager.cleanup_resources())
        except Exception:
            pass
    shutil.rmtree(kernel.folder, ignore_errors=True)


HANDOVER = """\
import importlib, os, sys
from pathlib import Path
os.chdir(CWD)
sys.path[:] = [ROOT if entry == PLACEHOLDER else entry for entry in sys.path]
os.environ["PYTHONPATH"] = PYTHONPATH
importlib.invalidate_caches()
from IPython import get_ipython
shell = get_ipython()
if shell is not None and isinstance(shell.user_ns.get("_dh"), list):
    shell.user_ns["_dh"][:] = [Path(CWD)]
"""


def _handover_code(kernel: Kernel, cwd: Path, root: Path, env: dict) -> str:
    """Code (run silently, in a namespace of its own) that moves a waiting kernel to the notebook's folder
    and course root: its cwd, the root on sys.path and in PYTHONPATH, IPython's folder history."""
    names = {
        "CWD": str(cwd),
        "ROOT": str(root),
        "PLACEHOLDER": str(kernel.sys_path_placeholder),
        "PYTHONPATH": env["PYTHONPATH"],
    }
    return f"exec({HANDOVER!r}, {names!r})"


async def hand_over(client, kernel: Kernel, cwd: Path, root: Path, env: dict) -> None:
    """Run the handover in the kernel, silently (no execution count, no history), before any cell."""
    from nbclient.util import ensure_async

    code = _handover_code(kernel, cwd, root, env)
    msg_id = await ensure_async(client.kc.execute(code, silent=True, store_history=False))
    reply = await client.async_wait_for_reply(msg_id)
    content = (reply or {}).get("content", {})
    if content.get("status") != "ok":
        raise RuntimeError(f"the kernel could not be moved to {cwd}: {content.get('ename')}: {content.get('evalue')}")


def _ready_client_class() -> type:
    """jupyter_client's kernel client, with a `wait_for_ready` that returns once IOPub is shown connected
    (the idle status of the answered kernel_info request arrived on it) instead of after 0.2 s of IOPub
    silence: those 0.2 s were paid by every notebook. Cells' messages are matched to their request anyway."""
    from jupyter_client.asynchronous.client import AsyncKernelClient

    from .adapters import adopt_kernel_info

    class ReadyClient(AsyncKernelClient):
        async def wait_for_ready(self, timeout: float | None = None) -> None:
            deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
            idle: set = set()  # requests whose idle status IOPub showed: a late reply finds its idle here
            while True:
                reply = await _answered_kernel_info(self)
                if reply is not None and await _idle_seen(self, reply["parent_header"].get("msg_id"), idle):
                    adopt_kernel_info(self, reply)
                    return
                if not await self.is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")

    return ReadyClient


async def _answered_kernel_info(client, wait: float = 1.0):
    """Ask for kernel_info; the reply if one came on the shell channel within `wait` seconds, else None."""
    from queue import Empty

    client.kernel_info()
    try:
        reply = await client.shell_channel.get_msg(timeout=wait)
    except Empty:
        return None
    return reply if reply["msg_type"] == "kernel_info_reply" else None


async def _idle_seen(client, msg_id: str, idle: set, wait: float = 1.0) -> bool:
    """Whether the kernel's idle status for request `msg_id` arrives on IOPub within `wait` seconds (it is
    the last message of that request: IOPub is connected, and nothing of it is left to read). Every idle
    status read goes into `idle`: under load a kernel_info reply can come a round late, and its idle status
    may already have been read while waiting for the previous one (without `idle`, each round then waited
    for a status it had just thrown away, until the start timed out)."""
    from queue import Empty

    deadline = time.monotonic() + wait
    while msg_id not in idle and (left := deadline - time.monotonic()) > 0:
        try:
            msg = await client.iopub_channel.get_msg(timeout=left)
        except Empty:
            return False
        if msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle":
            idle.add(msg["parent_header"].get("msg_id"))
    return msg_id in idle
