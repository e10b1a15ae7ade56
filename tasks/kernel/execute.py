"""Run a notebook in a real Jupyter kernel (nbclient), and describe what went wrong in words.

nbclient is imported inside the functions: it costs seconds, and `doit list` must not pay for it.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from ..base.errors import CourseError
from ..base.processes import kill_group
from .adapters import forget_exit_hook
from .pool import prestart
from ..variants.stubs import STRICT_ENV

OUTPUT_LIMIT = 100_000  # characters kept per text output (stream, value, error) in the executed notebook
BINARY_LIMIT = 2_000_000  # characters of an image or other binary output (base64) kept
CELL_OUTPUT_MAX = 1_000_000  # characters of output one cell may print before validation calls it a problem
HEAD_LINES = 4
STOP_WAIT = 5  # seconds a stopped build gives nbclient to notice its killed kernel (it checks every second)
ASSERT_VALUES = Path(__file__).with_name("assertvalues.py")
NO_DEBUGGER = Path(__file__).with_name("nodebugger")  # on the kernels' PYTHONPATH: ipykernel starts without debugpy


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
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(root), env.get("PYTHONPATH", ""), str(NO_DEBUGGER)] if p)
    env.setdefault("MPLBACKEND", "Agg")
    env["PYTHONHASHSEED"] = "0"
    env[STRICT_ENV] = "1"  # the student notebook's Run All cell softens no stub error here (tito/runall.py)
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
    Once this notebook's kernel is up, this thread starts the next notebook's (tasks/kernel/pool.py).
    """
    outcome: dict = {}
    current = {"index": 0, "up": threading.Event()}

    def work():
        try:
            outcome["nb"] = _run_here(
                nb, cwd=cwd, root=root, kernel=kernel, timeout=timeout, allow_errors=allow_errors, current=current
            )
        except BaseException as error:  # handed to the calling thread
            outcome["error"] = error

    worker = threading.Thread(target=work, name="coursebuild-kernel", daemon=True)
    worker.start()
    try:
        _wait_for(worker, current["up"], lambda: prestart(kernel, kernel_arguments(), kernel_env))
    except BaseException:  # Ctrl-C or SIGTERM: the kernel and what it started go too
        kill_group(current.get("pgid"))
        worker.join(STOP_WAIT)  # nbclient sees its kernel gone and cleans up before the interpreter exits
        if worker.is_alive() and current.get("client") is not None:  # not yet: its exit hook must not run
            forget_exit_hook(current["client"])  # (it would pull the client from under the still running thread)
        raise
    if "error" in outcome:
        raise translated(outcome["error"], kernel)
    return outcome["nb"]


def _wait_for(worker: threading.Thread, up: threading.Event, then) -> None:
    """Wait for `worker` to end, calling `then()` once as soon as `up` is set (in this thread)."""
    while not up.is_set() and worker.is_alive():
        up.wait(0.2)
    if up.is_set():
        then()
    while worker.is_alive():
        worker.join(0.2)


def translated(error: BaseException, kernel: str) -> BaseException:
    """The kernel adapter's boundary: a kernel that cannot be found or started is the course's to fix (a
    CourseError naming execution.kernel); ExecutionFailed and anything else pass through unchanged."""
    from jupyter_client.kernelspec import NoSuchKernel

    if isinstance(error, NoSuchKernel):
        return CourseError.at(
            "course.yaml",
            None,
            f"execution.kernel: no Jupyter kernel named '{kernel}' is installed here; "
            "`jupyter kernelspec list` shows the installed ones (python3 is the default)",
        )
    if isinstance(error, (RuntimeError, TimeoutError, OSError)) and not isinstance(error, ExecutionFailed):
        return CourseError.at(
            "course.yaml",
            None,
            f"execution.kernel: the kernel '{kernel}' could not be started ({error}); "
            "check that it runs with `jupyter console --kernel {kernel}`",
        )
    return error


def _run_here(nb, *, cwd: Path, root: Path, kernel: str, timeout: int, allow_errors: bool, current: dict | None = None):
    """Run `nb` in a fresh kernel taken from this process's pool (tasks/kernel/pool.py). A waiting kernel
    that turns out dead before the first cell (killed while it waited) is replaced by one started now."""
    from .pool import start, take

    current = {"index": 0} if current is None else current
    taken = take(kernel, kernel_arguments(), kernel_env)
    try:
        return run_in(
            taken, nb, cwd=cwd, root=root, kernel=kernel, timeout=timeout, allow_errors=allow_errors, current=current
        )
    except RuntimeError:
        if current.get("ready") or not taken.waited:
            raise
    fresh = start(kernel, kernel_arguments(), kernel_env)
    return run_in(
        fresh, nb, cwd=cwd, root=root, kernel=kernel, timeout=timeout, allow_errors=allow_errors, current=current
    )


def run_in(taken, nb, *, cwd: Path, root: Path, kernel: str, timeout: int, allow_errors: bool, current: dict):
    """Run `nb` in the started kernel `taken`, moved to `cwd` and `root` before any cell; the kernel and all
    it started are killed right after the last cell (no graceful shutdown to wait for)."""
    from .pool import discard, hand_over

    NotebookClient = nbclient_class()

    current["pgid"], current["log"] = taken.pgid, taken.log

    def on_cell_start(cell, cell_index):
        current["index"] = cell_index

    async def on_notebook_start(notebook):
        await hand_over(client, taken, cwd, root, kernel_env(root))
        current["ready"] = True
        if "up" in current:
            current["up"].set()

    client = NotebookClient(
        nb,
        km=taken.manager,
        timeout=timeout,
        startup_timeout=120,
        kernel_name=kernel,
        allow_errors=allow_errors,
        record_timing=False,
        resources={"metadata": {"path": str(cwd)}},
        on_cell_start=on_cell_start,
        on_notebook_start=on_notebook_start,
    )
    current["client"] = client
    try:
        return _execute_with(client, nb, timeout, current)
    finally:
        forget_exit_hook(client)  # nbclient leaves it registered when the kernel never came up
        discard(taken, client.kc)


def nbclient_class() -> type:
    """nbclient's NotebookClient, imported without jsonschema's IRI grammar (notebook/lightimport.py)."""
    from ..notebook.lightimport import light_jsonschema

    light_jsonschema()
    from nbclient import NotebookClient

    return NotebookClient


def _execute_with(client, nb, timeout: int, current: dict):
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    try:
        client.execute(cleanup_kc=False)  # the kernel is killed by the caller: nothing to wait for
    except CellTimeoutError:
        index = current["index"]
        raise ExecutionFailed(
            f"cell {index + 1} did not finish within the {timeout} s per-cell timeout (execution.timeout in course.yaml)\n    cell begins:\n{indented(head(nb.cells[index]))}",
            _cap_outputs(nb),
            index,
        )
    except DeadKernelError:
        if not current.get("ready"):  # before any cell: the kernel never came up
            raise
        index = current["index"]
        raise ExecutionFailed(
            f"the kernel died while running cell {index + 1} (out of memory, os._exit, or a crash in native code?){_last_words(current['log'])}\n    cell begins:\n{indented(head(nb.cells[index]))}",
            _cap_outputs(nb),
            index,
        )
    except CellExecutionError:
        failure = (
            failures(nb)[0]
            if failures(nb)
            else CellFailure(current["index"] + 1, head(nb.cells[current["index"]]), "Error", "")
        )
        raise ExecutionFailed(failure.describe(), _cap_outputs(nb), failure.cell - 1, failure)
    _check_output_size(nb)
    return _cap_outputs(nb)


def _last_words(log: Path) -> str:
    """The last lines a dead kernel wrote to stderr (a native crash says why), indented; else nothing."""
    try:
        lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()][-5:]
    except OSError:
        return ""
    return "\n    the kernel's last words:\n" + indented("\n".join(lines)) if lines else ""


def _output_size(cell) -> int:
    total = 0
    for output in cell.get("outputs", []):
        total += len(output.get("text", "")) + sum(len(str(v)) for v in output.get("data", {}).values())
    return total


def _check_output_size(nb) -> None:
    """A cell printing megabytes would freeze a student's browser: make it a clear failure."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and (size := _output_size(cell)) > CELL_OUTPUT_MAX:
            raise ExecutionFailed(
                f"cell {index + 1} printed {size:,} characters of output (at most {CELL_OUTPUT_MAX:,} allowed: a notebook that large freezes the browser); print a summary instead\n    cell begins:\n{indented(head(cell))}",
                _cap_outputs(nb),
                index,
            )


def failures(nb) -> list[CellFailure]:
    """Every cell whose outputs hold an error, in order."""
    found = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "error":
                found.append(
                    CellFailure(
                        index + 1,
                        head(cell),
                        output.get("ename", ""),
                        output.get("evalue", ""),
                        tuple(output.get("traceback", [])),
                    )
                )
    return found


def coalesce_streams(outputs: list) -> list:
    """One stream output per run of stdout (or stderr) text: the kernel sends text in timed chunks, so
    the split differs between runs; merged, executed notebooks are reproducible."""
    merged: list = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            output.get("output_type") == "stream"
            and previous is not None
            and previous.get("output_type") == "stream"
            and previous.get("name") == output.get("name")
        ):
            previous["text"] = previous.get("text", "") + output.get("text", "")
        else:
            merged.append(output)
    return merged


def _cap_outputs(nb):
    """Keep executed notebooks reproducible and readable: streams merged, megabytes of text cut with a note."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.get("outputs", []))
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            cap_output(output)
    return nb


def cut(text: str) -> str:
    return text[:OUTPUT_LIMIT] + f"\n... [output cut by coursebuild: {len(text):,} characters in all]\n"


def cap_output(output) -> None:
    """Every kind of output kept under the limit: streams, a cell's value or display (text cut; a huge image
    or other binary replaced by a note) and errors (their message and traceback)."""
    if isinstance(output.get("text"), str) and len(output["text"]) > OUTPUT_LIMIT:
        output["text"] = cut(output["text"])
    data = output.get("data") or {}
    for mime, value in list(data.items()):
        textual = mime.startswith("text/") or mime.endswith("json")
        value = value if isinstance(value, str) else json.dumps(value) if textual else str(value)
        if textual and len(value) > OUTPUT_LIMIT:
            data[mime] = cut(value) if mime.startswith("text/") else {"coursebuild": f"{len(value):,} characters cut"}
        elif not textual and len(value) > BINARY_LIMIT:
            del data[mime]
            data.setdefault("text/plain", f"[{mime} output of {len(value):,} characters removed by coursebuild]")
    if isinstance(output.get("evalue"), str) and len(output["evalue"]) > OUTPUT_LIMIT:
        output["evalue"] = cut(output["evalue"])
    if isinstance(output.get("traceback"), list) and sum(len(line) for line in output["traceback"]) > OUTPUT_LIMIT:
        output["traceback"] = [cut("\n".join(output["traceback"]))]
