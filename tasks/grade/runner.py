"""Running one submission: its cells, one at a time, in a fresh sandboxed process; the limits are the grader's.

`run_cells` asks this process's warm sandboxed parent (sandbox.py) for a fresh process, sends it the package
files it is graded against, then each code cell in notebook order, each only when the one before it has
reported (so a test cell's hidden lines are in the process only from their own turn on). Everything the
process reports is untrusted data: one report line per cell, for that cell, of bounded size and shape;
anything else (a flood, a forged or malformed report) ends the submission with the reason. The time limits
are measured here, from the grader's clocks: a cell's CPU time is the whole submission's, as the kernel
counts it (every process it started), and four times the limit in wall time catches a cell that sleeps. A
cell over its limit, a process that dies, floods or forges is killed with everything in its sandbox; the cell
in progress gets the reason, and the cells after it go on in a fresh process (see `run_cells`).
"""

from __future__ import annotations

import functools
import json
import os
import select
import signal
import time
from dataclasses import dataclass

from .sandbox import SandboxError, warm_parent
from .sandboxed import MESSAGE_LIMIT

STATUSES = ("ok", "error", "timeout", "died", "not_run")
REPORT_LIMIT = 256 * 1024  # bytes of one report line; the process clips its own texts far below this
READY_TIMEOUT = 30.0  # seconds for a fresh process to write the package files and say it is ready
SUBMISSION_TIMEOUT = 1800.0  # wall seconds for a whole submission, whatever its cells' limits add up to
MAX_RESTARTS = 5  # fresh processes after a cell that timed out or died, per submission
_CORES = os.cpu_count() or 1  # CPU time cannot outrun wall time times this

__all__ = ["CellRun", "SandboxError", "STATUSES", "run_cells"]


@dataclass(frozen=True)
class CellRun:
    id: str
    status: str  # one of STATUSES
    ename: str = ""
    evalue: str = ""
    value: str | None = None  # repr of the cell's last expression, as a notebook's execute_result shows it
    output: str = ""  # what the cell printed (truncated)


def run_cells(cells, package, *, timeout: float, memory_mb: int, sandbox: bool = True) -> list[CellRun]:
    """Run the code cells of `cells` (RunCell-like: id, grade_id, kind, cell_type, source) in a fresh
    process (`sandbox=False`: without the sandbox, as the grader's user).

    A cell that times out or whose process dies costs only what depends on it, as in nbgrader (which
    interrupts the cell and goes on): that cell gets the reason, and the cells after it run in a fresh
    process that first replays the cells before it that ran (their results are the first run's). At most
    MAX_RESTARTS fresh processes; a replay that fails, or the whole submission's time spent, ends it."""
    code = [c for c in cells if c.cell_type == "code"]
    runs, stops, start = {}, {}, 0
    deadline = time.monotonic() + SUBMISSION_TIMEOUT
    while start < len(code):
        replay = [i for i in range(start) if i in runs]
        with warm_parent(sandbox) as parent:
            running = parent.spawn(memory_mb)
            try:
                stop = _supervise(code, package, running, timeout, replay, start, runs, deadline)
            finally:
                running.kill()
        if stop is None:
            break
        index, reason, final = stop
        stops[index] = reason
        start = index + 1
        if final or len(stops) > MAX_RESTARTS:
            break
    return _finish(code, runs, stops)


def _supervise(code, package, running, timeout, replay, start, runs, deadline):
    """Replay the cells `replay`, then run the cells from `start` on, recording each report in `runs`; None
    when every cell ran, else (the cell that stopped, its reason, whether nothing more may run)."""
    reports = _Reports(running.reports)
    if not running.send({"files": _files(package)}):
        return start, _ended(reports, running), True
    ready_by = time.monotonic() + READY_TIMEOUT
    first = reports.next(
        lambda: "the sandbox did not start the notebook's process" if time.monotonic() > ready_by else None
    )
    if first.get("event") != "ready":
        return start, _broken(first, reports, running, "before its first cell"), True
    running.attach()
    for index in [*replay, *range(start, len(code))]:
        if time.monotonic() > deadline:
            return index, ("timeout", f"the notebook ran longer than {SUBMISSION_TIMEOUT:g} s in all"), True
        report = _run(code, index, running, reports, timeout)
        if "reason" in report:
            if index < start:  # it ran the first time: it does not replay as it ran
                return start, ("died", "the cells before it could not be run again in a fresh process"), True
            return index, report["reason"], False
        if index >= start:
            runs[index] = report
    return None


def _run(code, index: int, running, reports, timeout: float) -> dict:
    """Send cell `index`, and its report: the process's, or {"reason": (status, why)} from the grader."""
    cell = code[index]
    clock, cpu = time.monotonic(), running.cpu()
    message = {"cell": index, "source": cell.source, "name": cell.grade_id or cell.id, "restore": cell.kind != "answer"}
    if not running.send(message):
        return {"reason": _ended(reports, running)}
    report = reports.next(lambda: _over(running, clock, cpu, timeout))
    if report.get("event") == "over":
        return {"reason": ("timeout", report["why"])}
    if report.get("cell") != index or report.get("status") not in ("ok", "error"):
        return {"reason": _broken(report, reports, running, f"in cell {index + 1}")}
    return report


class _Reports:
    """Report lines from the submission's process, read with the grader's limits."""

    def __init__(self, fd: int):
        self.fd, self.buffer, self.closed = fd, b"", False

    def next(self, over) -> dict:
        """The next report; {"event": "eof"} when the process is gone, {"event": "over", ...} when `over()`
        says a limit was passed, {"event": "flood"} for a line over REPORT_LIMIT, {"event": "forged"} for
        one that is not a JSON object."""
        while b"\n" not in self.buffer:
            if len(self.buffer) > REPORT_LIMIT:
                return {"event": "flood"}
            if self.closed:
                return {"event": "eof"}
            why = over()
            if why:
                return {"event": "over", "why": why}
            ready, _, _ = select.select([self.fd], [], [], 0.02)
            if ready:
                chunk = os.read(self.fd, 65536)
                self.closed = not chunk
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        if not line.strip():
            return self.next(over)  # the warm parent starts its exit line on a line of its own
        if len(line) > REPORT_LIMIT:
            return {"event": "flood"}
        try:
            report = json.loads(line)
        except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes
            return {"event": "forged"}
        return report if isinstance(report, dict) else {"event": "forged"}

    def exit_status(self) -> int | None:
        """The submission's wait status as its warm parent reports it after its death (None if not said)."""
        deadline = time.monotonic() + 2
        while True:
            report = self.next(lambda: "late" if time.monotonic() > deadline else None)
            if report.get("event") in ("eof", "over", "flood"):
                return None
            if report.get("event") == "exit" and isinstance(report.get("status"), int):
                return report["status"]


def _over(running, clock: float, cpu: float, timeout: float) -> str | None:
    elapsed = time.monotonic() - clock
    could_be_over = elapsed * _CORES > timeout
    if could_be_over and running.cpu() - cpu > timeout:
        return f"the cell ran longer than the {timeout:g} s limit (an infinite loop?)"
    if elapsed > 4 * timeout:
        return f"the cell waited longer than {4 * timeout:g} s (sleeping or blocked on input?)"
    return None


def _broken(report: dict, reports: _Reports, running, where: str) -> tuple[str, str]:
    """The reason for a report that is not the one expected."""
    event = report.get("event")
    if event in ("eof", "exit"):
        return _ended(reports, running, report)
    if event == "over":
        return ("timeout", report["why"])
    if event == "broken":
        raise SandboxError(f"the sandbox could not set up a submission's process: {str(report.get('why'))[:300]}")
    what = "flooded its report channel" if event == "flood" else "wrote reports that are not the grader's"
    return (
        "died",
        f"the process running the notebook {what} {where}; it was stopped",
    )


def _ended(reports: _Reports, running, report: dict | None = None) -> tuple[str, str]:
    """Why the submission's process is gone: its warm parent's word on how it ended, and its cgroup's on memory."""
    given = (report or {}).get("status")
    status = given if isinstance(given, int) and not isinstance(given, bool) else reports.exit_status()
    if running.out_of_memory():
        return (
            "died",
            "the process running the notebook ran out of memory and was killed",
        )
    if status is None:
        return ("died", "the process running the notebook was killed")
    return _death_reason(status)


def _death_reason(status: int) -> tuple[str, str]:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = str(number)
        hint = " (out of memory?)" if number == signal.SIGKILL else ""
        return (
            "died",
            f"the process running the notebook was killed by signal {name}{hint}",
        )
    return (
        "died",
        f"the process running the notebook exited (code {os.WEXITSTATUS(status)}, os._exit?)",
    )


def _text(value, limit: int = MESSAGE_LIMIT + 100) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _finish(code, runs: dict, stops: dict) -> list[CellRun]:
    """One CellRun per code cell: as reported (every field checked and clipped), the grader's reason for a
    cell that stopped its process, 'not run' for the cells no process reached."""
    result = []
    for index, cell in enumerate(code):
        report = runs.get(index)
        if report is not None:
            value = report.get("value")
            result.append(
                CellRun(
                    cell.id,
                    report["status"],
                    _text(report.get("ename"), 200),
                    _text(report.get("evalue")),
                    _text(value) if isinstance(value, str) else None,
                    _text(report.get("output"), 8000),
                )
            )
        elif index in stops:
            status, why = stops[index]
            result.append(CellRun(cell.id, status, "Timeout" if status == "timeout" else "DeadKernel", why))
        else:
            result.append(CellRun(cell.id, "not_run", "NotRun", "not run: an earlier cell stopped the notebook"))
    return result


def _files(package) -> list[list[str]]:
    """The package's files, each module with its bytecode beside it (compiled once per grading process),
    as [relative path, latin-1 text of the bytes]."""
    from importlib.util import cache_from_source

    files = []
    for relative, data in package:
        files.append([relative, data.decode("latin-1")])
        compiled = _bytecode(relative, data) if relative.endswith(".py") else None
        if compiled is not None:
            files.append([cache_from_source(relative), compiled.decode("latin-1")])
    return files


@functools.lru_cache(maxsize=512)
def _bytecode(relative: str, data: bytes) -> bytes | None:
    """A checked hash-based .pyc of `data`: the submission's import verifies it against the source and uses
    it instead of compiling the package again for every submission. None when the file does not compile
    (the import then reports the error as it would)."""
    import marshal
    from importlib.util import MAGIC_NUMBER, source_hash

    try:
        compiled = compile(data, relative, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return None
    return MAGIC_NUMBER + (0b11).to_bytes(4, "little") + source_hash(data) + marshal.dumps(compiled)
