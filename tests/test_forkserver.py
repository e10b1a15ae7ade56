"""tasks/kernel/forkserver.py: the warm template's children are the kernels ipykernel_launcher starts, each
its own, and none outlives the build that asked for it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from nbformat.v4 import new_code_cell, new_notebook

from tasks.kernel import pool
from tasks.kernel.execute import kernel_arguments, kernel_env
from test_execute import alive
from test_pool import printed, ran

STATE = """\
import os, sys, signal, threading
print(repr({
    "own session": os.getsid(0) == os.getpid() == os.getpgrp(),
    "signals": {s.name: str(signal.getsignal(s)) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE, signal.SIGHUP)},
    "blocked": sorted(signal.pthread_sigmask(signal.SIG_BLOCK, [])),
    "argv0": os.path.basename(sys.argv[0]),
    "argv": sys.argv[1:2] + sys.argv[3:],
    "environ": sorted(k for k in os.environ if not k.startswith("JPY_")),
    "parent is the environment's": os.environ.get("JPY_PARENT_PID") == str(os.getppid()),
    "flags": tuple(sys.flags),
    "main": sys.modules["__main__"].__name__,
    "threads": sorted(t.name.split("-")[0] for t in threading.enumerate()),
    "parent": open(f"/proc/{os.getppid()}/cmdline").read().replace("\\0", " "),
}))
"""


def launched_state(tmp_path: Path) -> dict:
    """STATE in a kernel jupyter_client launches itself, in the same folder and environment."""
    from nbclient import NotebookClient

    root = tmp_path / "launched"
    (root / "modules/01_m").mkdir(parents=True)
    nb = new_notebook(cells=[new_code_cell(STATE)])
    client = NotebookClient(nb, kernel_name="python3", resources={"metadata": {"path": str(root / "modules/01_m")}})
    client.extra_arguments = kernel_arguments()
    client.execute(env=kernel_env(root))
    return printed(nb)


def test_a_forked_kernel_is_the_kernel_the_launcher_starts(tmp_path):
    forked = printed(ran(tmp_path, "forked", STATE))
    launched = launched_state(tmp_path)
    server = "tasks/kernel/forkserver.py"
    assert server in forked.pop("parent") and server not in launched.pop("parent")
    assert forked == launched


def test_each_kernel_draws_its_own_random_numbers(tmp_path):
    draw = (
        "import random, numpy as np\nprint(repr((np.random.rand(), random.random(), np.random.default_rng().random())))"
    )
    first, second = (printed(ran(tmp_path, name, draw)) for name in ("a", "b"))
    assert all(a != b for a, b in zip(first, second))


def test_a_build_that_ends_without_cleaning_up_takes_the_template_and_its_kernels_with_it(tmp_path):
    """The build process ends at once (os._exit: no atexit, as if killed): the template sees its socket close
    and exits; the kernel that waited for the next notebook sees its parent gone and exits too."""
    script = f"""
import os, sys
sys.path[:0] = [{str(Path(__file__).parent)!r}, {str(Path(__file__).parents[1])!r}]
from test_pool import ran
from pathlib import Path
from tasks.kernel import pool
ran(Path({str(tmp_path)!r}), "a", "1")
(waiting,) = pool.own_pool().values()
(template,) = [t for t in pool._pool["templates"].values() if t is not None]
print(waiting.manager.provisioner.pid, template.process.pid, flush=True)
os._exit(0)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    kernel, template = (int(pid) for pid in out.stdout.split())
    deadline = time.monotonic() + 60
    while (alive(kernel) or alive(template)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive(template), "the template outlived the build"
    assert not alive(kernel), "a forked kernel outlived its template"


def test_closing_the_pool_ends_the_template(tmp_path):
    ran(tmp_path, "a", "1")
    (template,) = [t for t in pool._pool["templates"].values() if t is not None]
    pool.close()
    assert template.process.poll() is not None and not template.folder.exists()
    assert pool._pool["templates"] == {}


def test_a_kernel_started_by_a_forked_kernel_is_killed_with_it(tmp_path):
    """A forked kernel leads its own process group: what it starts goes when it is killed (as launched)."""
    nb = ran(
        tmp_path,
        "a",
        "import subprocess, sys\np = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\nprint(p.pid)",
    )
    child = int(nb.cells[0].outputs[0]["text"])
    deadline = time.monotonic() + 30
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(child)


def test_template_environment_is_the_kernels_but_for_the_placeholder(tmp_path):
    ran(tmp_path, "a", "1")
    (template,) = [t for t in pool._pool["templates"].values() if t is not None]
    assert template.env == kernel_env(template.placeholder)
    assert os.environ.get("PYTHONPATH", "") in template.env["PYTHONPATH"]
