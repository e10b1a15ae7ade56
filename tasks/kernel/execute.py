"""Run a notebook in a real Jupyter kernel (nbclient), and describe what went wrong in words.

nbclient is imported inside the functions: it costs seconds, and `doit list` must not pay for it.
"""
from __future__ import annotations

import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

OUTPUT_LIMIT = 100_000  # characters kept per stream output in the executed notebook
CELL_OUTPUT_MAX = 1_000_000  # characters of output one cell may print before validation calls it a problem
HEAD_LINES = 4
ASSERT_VALUES = Path(__file__).with_name("assertvalues.py")


@dataclass
class CellFailure:
    cell: int  # 1-based notebook cell number
    head: str  # the first lines of the cell
    ename: str
    evalue: str
    traceback: tuple = ()  # the kernel's (coloured) traceback lines

    def describe(self) -> str:
        return f"cell {self.cell} raised {self.ename}: {self.evalue}\n    cell {self.cell} begins:\n" + "\n".join(
            f"      {line}" for line in self.head.split("\n")
        )


class ExecutionFailed(Exception):
    """What stopped a run: `message` (what happened), the notebook as far as it ran, the 0-based index of the
    cell, and for an error raised by the code the CellFailure (with its traceback)."""

    def __init__(self, message: str, nb, cell: int | None = None, failure: CellFailure | None = None):
        super().__init__(message)
        self.nb, self.cell, self.failure = nb, cell, failure


def indented(text: str, prefix: str = "      ") -> str:
    return "\n".join(prefix + line for line in text.split("\n"))


def kernel_env(root: Path) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(root), env.get("PYTHONPATH", "")] if p)
    env.setdefault("MPLBACKEND", "Agg")
    env["PYTHONHASHSEED"] = "0"
    return env


def kernel_arguments() -> list[str]:
    """Kernel command-line options: pytest-style values for bare asserts (tasks/kernel/assertvalues.py)."""
    return [f"--IPKernelApp.exec_lines=import runpy as _cb; _cb.run_path({str(ASSERT_VALUES)!r}); del _cb"]


def head(cell) -> str:
    lines = [line for line in cell.source.split("\n") if line.strip()]
    return "\n".join(lines[:HEAD_LINES]) + ("\n..." if len(lines) > HEAD_LINES else "")


def run(nb, *, cwd: Path, root: Path, kernel: str, timeout: int, allow_errors: bool):
    """Execute `nb` (changed in place); raise ExecutionFailed with a readable message on error/timeout/death.

    The kernel runs from a worker thread: nbclient installs its own SIGINT/SIGTERM handlers when it runs in
    the main thread (they only stop the kernel), and Ctrl-C or SIGTERM must stop the whole build instead.
    """
    outcome: dict = {}

    def work():
        try:
            outcome["nb"] = run_here(nb, cwd=cwd, root=root, kernel=kernel, timeout=timeout, allow_errors=allow_errors)
        except BaseException as error:  # handed to the calling thread
            outcome["error"] = error

    worker = threading.Thread(target=work, name="coursebuild-kernel", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.2)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["nb"]


def run_here(nb, *, cwd: Path, root: Path, kernel: str, timeout: int, allow_errors: bool):
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    current = {"index": 0}

    def on_cell_start(cell, cell_index):
        current["index"] = cell_index

    with tempfile.TemporaryDirectory(prefix="coursebuild-kernel-") as sockets:
        manager = AsyncKernelManager(kernel_name=kernel, transport="ipc", ip=os.path.join(sockets, "kernel"))
        client = NotebookClient(
            nb, km=manager, timeout=timeout, startup_timeout=120, kernel_name=kernel, allow_errors=allow_errors,
            record_timing=False, resources={"metadata": {"path": str(cwd)}}, on_cell_start=on_cell_start,
            extra_arguments=kernel_arguments(),
        )
        return execute_with(client, nb, root, timeout, current)


def execute_with(client, nb, root: Path, timeout: int, current: dict):
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    try:
        client.execute(env=kernel_env(root), cleanup_kc=True)
    except CellTimeoutError:
        index = current["index"]
        raise ExecutionFailed(f"cell {index + 1} did not finish within the {timeout} s per-cell timeout (execution.timeout in course.yaml)\n    cell begins:\n{indented(head(nb.cells[index]))}", cap_outputs(nb), index)
    except DeadKernelError:
        index = current["index"]
        raise ExecutionFailed(f"the kernel died while running cell {index + 1} (out of memory, os._exit, or a crash in native code?)\n    cell begins:\n{indented(head(nb.cells[index]))}", cap_outputs(nb), index)
    except CellExecutionError:
        failure = failures(nb)[0] if failures(nb) else CellFailure(current["index"] + 1, head(nb.cells[current["index"]]), "Error", "")
        raise ExecutionFailed(failure.describe(), cap_outputs(nb), failure.cell - 1, failure)
    check_output_size(nb)
    return cap_outputs(nb)


def output_size(cell) -> int:
    total = 0
    for output in cell.get("outputs", []):
        total += len(output.get("text", "")) + sum(len(str(v)) for v in output.get("data", {}).values())
    return total


def check_output_size(nb) -> None:
    """A cell printing megabytes would freeze a student's browser: make it a clear failure."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and (size := output_size(cell)) > CELL_OUTPUT_MAX:
            raise ExecutionFailed(f"cell {index + 1} printed {size:,} characters of output (at most {CELL_OUTPUT_MAX:,} allowed: a notebook that large freezes the browser); print a summary instead\n    cell begins:\n{indented(head(cell))}", cap_outputs(nb), index)


def failures(nb) -> list[CellFailure]:
    """Every cell whose outputs hold an error, in order."""
    found = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "error":
                found.append(CellFailure(index + 1, head(cell), output.get("ename", ""), output.get("evalue", ""),
                                         tuple(output.get("traceback", []))))
    return found


def coalesce_streams(outputs: list) -> list:
    """One stream output per run of stdout (or stderr) text: the kernel sends text in timed chunks, so
    the split differs between runs; merged, executed notebooks are reproducible."""
    merged: list = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (output.get("output_type") == "stream" and previous is not None and previous.get("output_type") == "stream"
                and previous.get("name") == output.get("name")):
            previous["text"] = previous.get("text", "") + output.get("text", "")
        else:
            merged.append(output)
    return merged


def cap_outputs(nb):
    """Keep executed notebooks reproducible and readable: streams merged, megabytes of text cut with a note."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.get("outputs", []))
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            text = output.get("text")
            if isinstance(text, str) and len(text) > OUTPUT_LIMIT:
                output["text"] = text[:OUTPUT_LIMIT] + f"\n... [output cut by coursebuild: {len(text):,} characters in all]\n"
    return nb
