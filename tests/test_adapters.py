"""Each private part of a library the engine relies on (tasks/kernel/adapters.py, forkserver.run_exit_hooks,
graph/variables.command_line_vars): a test that fails when an upgrade of the pinned version changes it."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_kernel_info_is_adopted_as_jupyter_client_itself_does():
    """adopt_kernel_info matches jupyter_client's private `_handle_kernel_info_reply`, for the current protocol
    and an older one."""
    from jupyter_client import protocol_version_info
    from jupyter_client.asynchronous.client import AsyncKernelClient

    from tasks.kernel.adapters import adopt_kernel_info

    for version in (f"{protocol_version_info[0]}.3", "4.1"):
        reply = {"content": {"protocol_version": version}}
        ours, theirs = AsyncKernelClient(), AsyncKernelClient()
        adopt_kernel_info(ours, reply)
        theirs._handle_kernel_info_reply(reply)
        assert ours.session.adapt_version == theirs.session.adapt_version, version
    assert "_handle_kernel_info_reply" in inspect.getsource(AsyncKernelClient.wait_for_ready)


def test_nbclient_still_registers_the_exit_hook_that_forget_exit_hook_removes():
    from nbclient import NotebookClient

    setup = inspect.getsource(NotebookClient.async_setup_kernel)
    assert "atexit.register(self._cleanup_kernel)" in setup, "nbclient changed its exit hook: update adapters.py"
    code = (
        "import atexit, nbformat\n"
        "from nbclient import NotebookClient\n"
        "from tasks.kernel.adapters import forget_exit_hook\n"
        "client = NotebookClient(nbformat.v4.new_notebook())\n"
        "atexit.register(client._cleanup_kernel)\n"  # what async_setup_kernel does
        "forget_exit_hook(client)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr, done.stderr  # the hook (km None: an AssertionError) never ran


def test_a_forked_kernel_runs_its_exit_hooks_through_the_one_private_call():
    code = (
        "import atexit, os, sys\n"
        "sys.path.insert(0, 'tasks/kernel')\n"
        "import forkserver\n"
        "atexit.register(lambda: print('hook ran', flush=True))\n"
        "forkserver.run_exit_hooks()\n"
        "os._exit(0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout == "hook ran\n" and done.returncode == 0, done.stderr


def test_doit_still_keeps_the_command_line_variables_where_command_line_vars_reads_them():
    from doit import doit_cmd, get_var

    from tasks.graph.variables import command_line_vars

    saved = doit_cmd._CMDLINE_VARS
    try:
        doit_cmd.reset_vars()
        doit_cmd.set_var("errata", "ture")
        assert command_line_vars() == {"errata": "ture"} == {"errata": get_var("errata")}
    finally:
        doit_cmd._CMDLINE_VARS = saved
