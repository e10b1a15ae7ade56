"""Run a module's cells in a real Jupyter kernel and say, test by test, what passed.

A test cell passes when it runs without error; it is "not implemented yet" when it reaches one of the
course's stubs (a NotImplementedError saying "... is not implemented yet"); anything else is a failure, with
its message. The kernel runs with TITO_STRICT=1, so the notebook's Run All cell (tito/runall.py) leaves
every stub error an error here.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .repo import Cell, Stop

STUB_SIGNATURE = "is not implemented yet"
TEST_NAME = re.compile(r"^def (test_\w+)", re.M)


@dataclass
class Result:
    name: str  # the test function (or the cell's grade id)
    status: str  # "passed", "failed" or "not implemented"
    detail: str = ""  # the failure message, or the function whose stub was reached


@dataclass
class Run:
    results: list[Result] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)  # non-test cells that failed

    @property
    def passed(self) -> int:
        return sum(r.status == "passed" for r in self.results)

    def summary(self) -> str:
        total = len(self.results)
        todo = [r.detail for r in self.results if r.status == "not implemented"]
        failed = [r.name for r in self.results if r.status == "failed"]
        text = f"{self.passed} of {total} tests pass"
        if todo:
            return f"{text}; next: implement {todo[0]}"
        if failed:
            return f"{text}; next: fix {failed[0]}"
        return text + ("" if self.passed < total else "; module complete")


def stub_function(message: str) -> str:
    """'Tensor.__add__ (module 01_tensor) is not implemented yet: ...' -> 'Tensor.__add__'."""
    return message.split(" (module ", 1)[0].split(f" {STUB_SIGNATURE}", 1)[0].strip()


def test_name(cell: Cell) -> str:
    found = TEST_NAME.findall(cell.source)
    return ", ".join(found) if found else (cell.grade_id or "a test cell")


def judge(cell: Cell, error: dict | None, stdout: str) -> Result:
    name = test_name(cell)
    if error and error.get("ename") == "NotImplementedError" and STUB_SIGNATURE in error.get("evalue", ""):
        return Result(name, "not implemented", stub_function(error["evalue"]))
    if error:
        return Result(name, "failed", f"{error.get('ename')}: {error.get('evalue')}".strip())
    return Result(name, "passed")


def start_kernel(root: Path, folder: Path):
    """A python3 kernel of this Python, running in the module folder, importing your tinytorch from `root`,
    strict about stubs."""
    try:
        from jupyter_client.manager import KernelManager
    except ImportError:
        raise Stop(
            "running the tests needs Jupyter, which is not installed here; set up first: python3 -m tito setup"
        ) from None
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
    env["TITO_STRICT"] = "1"  # tito/runall.py softens nothing: a stub error stays an error
    sockets = tempfile.mkdtemp(prefix="tito-kernel-")  # local sockets: no TCP port, no "without encryption" warning
    manager = KernelManager(kernel_name="python3", transport="ipc", ip=os.path.join(sockets, "kernel"))
    manager.start_kernel(cwd=str(folder), env=env)
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
    except RuntimeError:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
        shutil.rmtree(sockets, ignore_errors=True)
        raise Stop("the Jupyter kernel did not start; run `tito system health` to see what is missing") from None
    return manager, client, sockets


def execute(client, code: str, timeout: float) -> tuple[dict | None, str]:
    """Run one cell: (its error content or None, what it printed)."""
    printed, error = [], []

    def hook(msg):
        kind, content = msg["header"]["msg_type"], msg["content"]
        if kind == "stream":
            printed.append(content.get("text", ""))
        elif kind == "error":
            error.append(content)

    try:
        reply = client.execute_interactive(
            code, timeout=timeout, output_hook=hook, allow_stdin=False, stop_on_error=False
        )
    except TimeoutError:
        return {
            "ename": "TimeoutError",
            "evalue": f"the cell ran longer than {timeout:.0f} s (an endless loop?)",
        }, "".join(printed)
    if reply["content"].get("status") == "error" and not error:
        error.append(reply["content"])
    return (error[0] if error else None), "".join(printed)


def run_tests(root: Path, folder: Path, cells: list[Cell], timeout: float = 120, say=print) -> Run:
    """Execute every code cell in order in a fresh kernel; judge the test cells."""
    manager, client, sockets = start_kernel(root, folder)
    run = Run()
    try:
        for number, cell in enumerate(cells, 1):
            if cell.kind != "code" or not cell.source.strip():
                continue
            error, stdout = execute(client, cell.source, timeout)
            if cell.is_test:
                result = judge(cell, error, stdout)
                run.results.append(result)
                say(f"  {result.status:<16} {result.name}" + (f": {result.detail}" if result.detail else ""))
            elif error and error.get("ename") != "NotImplementedError":
                run.broken.append(
                    f"cell {number}{f' ({cell.grade_id})' if cell.grade_id else ''}: {error.get('ename')}: {error.get('evalue')}"
                )
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
        shutil.rmtree(sockets, ignore_errors=True)
    return run
