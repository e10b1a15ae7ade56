"""Isolated execution of one submission: a fresh process forked from a warm parent, cell by cell.

The parent (a Dask worker, or the `tito grade` process) has already imported numpy, so a submission costs
a fork, not an interpreter and kernel start (the performance issue: ~0.03 s instead of ~1.3 s). The child
runs in its own session (process group) and scratch directory holding only the bundle's `tinytorch`
files, under a memory cap (RLIMIT_AS), with no file descriptors of the parent but a pipe on which it
reports each cell: started, then ok/error with the error's type and message and the repr of the cell's
last expression (nbgrader's partial credit). The parent enforces the per-cell timeout (CPU time of the
child, and four times that in wall time for a cell that sleeps), then kills the whole process group.
An infinite loop, a crash, `sys.exit`/`os._exit`, huge outputs or a killed process only end that
submission: the cell in progress gets the reason, the cells after it are "not run".
"""

from __future__ import annotations

import functools
import gc
import json
import os
import select
import signal
import sys
import time
from dataclasses import dataclass

CAPTURED_OUTPUT = 4000  # characters of a cell's printed output kept for feedback
MESSAGE_LIMIT = 2000  # characters of an error message or a value's repr
STATUSES = ("ok", "error", "timeout", "died", "not_run")


@dataclass(frozen=True)
class CellRun:
    id: str
    status: str  # one of STATUSES
    ename: str = ""
    evalue: str = ""
    value: str | None = None  # repr of the cell's last expression, as a notebook's execute_result shows it
    output: str = ""  # what the cell printed (truncated)


WARM_MODULES = ("numpy", "numpy.random", "numpy.linalg", "math", "time")  # what TinyTorch modules import


def warm() -> None:
    """Import what submissions import, once per parent process, so each fork starts warm (numpy.random
    alone is ~25 ms a submission when each child imports it)."""
    import ctypes  # noqa: F401  (die_with_parent, in the child)
    import importlib

    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            pass


def run_cells(cells, package, *, timeout: float, memory_mb: int, scratch_root: str | None = None) -> list[CellRun]:
    """Run the code cells `cells` (RunCell-like: id, cell_type, source) in a fresh process."""
    import shutil
    import tempfile

    warm()
    code = [c for c in cells if c.cell_type == "code"]
    scratch = tempfile.mkdtemp(prefix="tito-grade-", dir=scratch_root)
    try:
        write_package(scratch, package)
        return supervise(code, scratch, timeout, memory_mb)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def write_package(scratch: str, package) -> None:
    """The bundle's `tinytorch` files, each module with its bytecode beside it (compiled once per parent)."""
    from importlib.util import cache_from_source

    for relative, data in package:
        target = os.path.join(scratch, *relative.split("/"))
        write_file(target, data)
        compiled = bytecode(relative, data) if relative.endswith(".py") else None
        if compiled is not None:
            write_file(cache_from_source(target), compiled)


def write_file(path: str, data: bytes) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data)


@functools.lru_cache(maxsize=512)
def bytecode(relative: str, data: bytes) -> bytes | None:
    """A checked hash-based .pyc of `data`: the child's import verifies it against the source and uses it
    instead of compiling the package again for every submission. None when the file does not compile
    (the child's import then reports the error as it would)."""
    import marshal
    from importlib.util import MAGIC_NUMBER, source_hash

    try:
        code = compile(data, relative, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return None
    return MAGIC_NUMBER + (0b11).to_bytes(4, "little") + source_hash(data) + marshal.dumps(code)


# --- the parent side ---------------------------------------------------------------------------------


def supervise(code, scratch: str, timeout: float, memory_mb: int) -> list[CellRun]:
    read_end, write_end = os.pipe()
    parent = os.getpid()
    gc.freeze()  # the parent's objects out of the collector's reach: the child's collections do not copy them
    try:
        pid = os.fork()
        if pid == 0:  # the child never returns
            os.close(read_end)
            child(code, scratch, write_end, memory_mb, parent)
    finally:
        gc.unfreeze()  # in the parent only, also when the fork failed
    os.close(write_end)
    try:
        runs, reason = collect(code, read_end, pid, timeout)
    finally:
        os.close(read_end)
        status = kill_group(pid)
    if reason is None and len(runs) < len(code):
        reason = death_reason(status)
    return finish(code, runs, reason)


def collect(code, fd: int, pid: int, timeout: float) -> tuple[dict, tuple[str, str] | None]:
    """Read the child's reports until it is done, dies, or a cell overruns its time."""
    runs, buffer = {}, b""
    started, cpu_at_start = time.monotonic(), cpu_seconds(pid)
    while True:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                return runs, None  # the child exited or died: the caller finds out which
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                report = parse(line)
                if report is None:
                    continue
                if report.get("event") == "start":
                    started, cpu_at_start = time.monotonic(), cpu_reported(report, pid)
                elif report.get("event") == "done":
                    return runs, None
                elif isinstance(report.get("cell"), int) and report.get("status") in ("ok", "error"):
                    runs[report["cell"]] = report
        overrun = over_time(pid, started, cpu_at_start, timeout)
        if overrun:
            return runs, ("timeout", overrun)


def parse(line: bytes) -> dict | None:
    try:
        report = json.loads(line)
    except ValueError:
        return None
    return report if isinstance(report, dict) else None


def over_time(pid: int, started: float, cpu_at_start: float, timeout: float) -> str | None:
    elapsed = time.monotonic() - started
    could_be_over = elapsed * (os.cpu_count() or 1) > timeout  # CPU time cannot outrun wall time x cores
    if could_be_over and cpu_seconds(pid) - cpu_at_start > timeout:
        return f"the cell ran longer than the {timeout:g} s limit (an infinite loop?); the cells after it were not run"
    if elapsed > 4 * timeout:
        return f"the cell waited longer than {4 * timeout:g} s (sleeping or blocked on input?); the cells after it were not run"
    return None


def cpu_reported(report: dict, pid: int) -> float:
    """The child's CPU time as it reported it at a cell's start (read from /proc if it did not say)."""
    cpu = report.get("cpu")
    return float(cpu) if isinstance(cpu, (int, float)) and not isinstance(cpu, bool) else cpu_seconds(pid)


def own_cpu() -> float:
    """This process's user + system CPU time, as /proc counts it for cpu_seconds (all its threads)."""
    times = os.times()
    return times.user + times.system


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` (Linux /proc); 0 where it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def kill_group(pid: int) -> int:
    """Kill the child's whole process group (it may have started others) and reap it: its wait status."""
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except ProcessLookupError:
            pass
    _, status = os.waitpid(pid, 0)
    return status


def death_reason(status: int) -> tuple[str, str]:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        name = signal.Signals(number).name if number in signal.Signals._value2member_map_ else str(number)
        hint = " (out of memory?)" if number == signal.SIGKILL else ""
        return (
            "died",
            f"the process running the notebook was killed by signal {name}{hint}; the cells after it were not run",
        )
    return (
        "died",
        f"the process running the notebook exited (code {os.WEXITSTATUS(status)}, os._exit?); the cells after it were not run",
    )


def finish(code, runs: dict, reason: tuple[str, str] | None) -> list[CellRun]:
    """One CellRun per code cell: as reported, the reason for the cell that was running, then 'not run'."""
    result, stopped = [], False
    for index, cell in enumerate(code):
        report = runs.get(index)
        if report is not None:
            result.append(
                CellRun(
                    cell.id,
                    report["status"],
                    str(report.get("ename", "")),
                    str(report.get("evalue", "")),
                    report.get("value"),
                    str(report.get("output", "")),
                )
            )
        elif not stopped and reason is not None:
            result.append(CellRun(cell.id, reason[0], "Timeout" if reason[0] == "timeout" else "DeadKernel", reason[1]))
            stopped = True
        else:
            result.append(CellRun(cell.id, "not_run", "NotRun", "not run: an earlier cell stopped the notebook"))
    return result


# --- the child side ----------------------------------------------------------------------------------


def child(code, scratch: str, fd: int, memory_mb: int, parent: int) -> None:
    status = 0
    try:
        die_with_parent(parent)
        isolate(scratch, fd, memory_mb)
        report = reporter(fd)
        namespace = {"__name__": "__main__", "__builtins__": __builtins__}
        for index, cell in enumerate(code):
            report({"event": "start", "cell": index, "cpu": own_cpu()})
            report({"cell": index, **run_one(cell, namespace)})
        report({"event": "done"})
    except BaseException:  # noqa: BLE001 — nothing may escape a forked child into the parent's code
        status = 70
    finally:
        os._exit(status)


def die_with_parent(parent: int) -> None:
    """The child lives in its own session (so its whole group can be killed); if the grading worker dies
    (Dask loses it, the OOM killer), Linux kills the child too instead of leaving a student's infinite loop
    running, orphaned. PR_SET_PDEATHSIG, then a check for a parent that died before it was set."""
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the parent's timeout still stops the child while the parent lives
    if os.getppid() != parent:
        os._exit(70)


def isolate(scratch: str, fd: int, memory_mb: int) -> None:
    """Own session, no parent descriptors but the report pipe, a memory cap, silent standard streams."""
    import resource

    os.setsid()
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE):
        signal.signal(number, signal.SIG_DFL)
    devnull = os.open(os.devnull, os.O_RDWR)
    for std in (0, 1, 2):
        os.dup2(devnull, std)
    os.closerange(3, fd)
    os.closerange(fd + 1, 65536)
    limit = mapped_bytes() + memory_mb * 1024 * 1024  # the cap is on what the submission adds to the warm parent
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.chdir(scratch)
    for name in [n for n in sys.modules if n == "tinytorch" or n.startswith("tinytorch.")]:
        del sys.modules[name]
    sys.path.insert(0, scratch)
    sys.stdin = open(os.devnull)
    sys.argv = ["notebook"]


def mapped_bytes() -> int:
    """This process's virtual memory size (VmSize), which RLIMIT_AS counts; 0 where unknown."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def reporter(fd: int):
    def report(message: dict) -> None:
        data = (json.dumps(message, default=str) + "\n").encode("utf-8", "replace")
        while data:
            data = data[os.write(fd, data) :]

    return report


class Capped:
    """A text stream that keeps the first CAPTURED_OUTPUT characters and counts the rest."""

    def __init__(self):
        self.parts, self.kept, self.dropped = [], 0, 0

    def write(self, text) -> int:
        text = str(text)
        room = CAPTURED_OUTPUT - self.kept
        if room > 0:
            self.parts.append(text[:room])
            self.kept += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def text(self) -> str:
        extra = f"\n... ({self.dropped} more characters not kept)" if self.dropped else ""
        return "".join(self.parts) + extra


def run_one(cell, namespace: dict) -> dict:
    """Execute one cell like a notebook does: statements, then the value of a final expression."""
    import ast

    out = Capped()
    sys.stdout = sys.stderr = out
    name = f"<cell {getattr(cell, 'grade_id', '') or cell.id}>"
    try:
        tree = parse_cell(cell.source, name)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, name, "exec"), namespace)
        value = eval(compile(ast.Expression(last.value), name, "eval"), namespace) if last is not None else None
        shown = None if value is None else clip(safe_repr(value))
        return {"status": "ok", "value": shown, "output": out.text()}
    except SystemExit as error:
        return {
            "status": "error",
            "ename": "SystemExit",
            "evalue": clip(f"the cell called sys.exit({error.code!r}); do not exit in a notebook"),
            "output": out.text(),
        }
    except BaseException as error:  # noqa: BLE001 — a student's exception is a result, whatever it is
        return {"status": "error", "ename": type(error).__name__, "evalue": clip(safe_str(error)), "output": out.text()}


def parse_cell(source: str, name: str):
    import ast

    try:
        return ast.parse(source, filename=name)
    except SyntaxError:
        stripped = without_magics(source)
        if stripped == source:
            raise
        return ast.parse(stripped, filename=name)


def without_magics(source: str) -> str:
    """IPython line magics and shell escapes (`%time`, `!pip ...`) do nothing here."""
    lines = source.split("\n")
    return "\n".join(
        line[: len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("%", "!")) else line
        for line in lines
    )


def safe_repr(value) -> str:
    try:
        return repr(value)
    except BaseException:  # noqa: BLE001
        return f"<{type(value).__name__} whose repr failed>"


def safe_str(error: BaseException) -> str:
    try:
        return str(error)
    except BaseException:  # noqa: BLE001
        return f"<{type(error).__name__} whose message failed>"


def clip(text: str) -> str:
    return text if len(text) <= MESSAGE_LIMIT else text[:MESSAGE_LIMIT] + " ..."
