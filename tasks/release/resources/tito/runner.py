"""Run a module's cells in a real Jupyter kernel and say, test by test, what passed.

A test cell passes when it runs without error; it is "not implemented yet" when it stops at one of the
notebook's stubs (the exercises its Run All cell hands to tito/runall.py, as the course recorded them);
anything else is a failure, with its message, the line it stopped at and, for a bare `assert a == b`, both
values (tito/assertvalues.py, the course's own rewrite of asserts). The kernel runs with TITO_STRICT=1, so
the notebook's Run All cell leaves every stub error an error here.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .repo import NotebookCell, Stop

TEST_NAME = re.compile(r"^def (test_\w+)", re.M)
ASSERT_VALUES = Path(__file__).with_name("assertvalues.py")  # shipped from the course's tasks/kernel/assertvalues.py
WHERE = "__import__('tito.runner', fromlist=['failed_at']).failed_at()"


@dataclass
class Result:
    name: str  # the test function (or the cell's grade id)
    status: str  # "passed", "failed" or "not implemented"
    detail: str = ""  # the failure message, or the function whose stub was reached
    at: str = ""  # where a failure stopped: "cell 5, line 3: assert double(2) == 4"

    def lines(self) -> list[str]:
        """How `tito module complete` shows it: one line, then a failure's further message lines and where."""
        first, *rest = (self.detail or "").split("\n")
        shown = [f"  {self.status:<16} {self.name}" + (f": {first}" if first else "")]
        return shown + [f"      {line}" for line in rest if line.strip()] + ([f"      at {self.at}"] if self.at else [])


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
        return text  # `tito module complete` adds "; module complete" when the whole module is


def recorded_stubs(cells: list[NotebookCell]) -> dict[str, str]:
    """{message: what} of the notebook's stubs, as its Run All cell hands them to tito/runall.py."""
    for cell in cells:
        if cell.kind != "code" or "tito.runall.exercises(" not in cell.source:
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "exercises":
                try:
                    return {message: what for what, _scope, message in map(ast.literal_eval, node.args)}
                except (ValueError, TypeError):
                    return {}
    return {}


def test_name(cell: NotebookCell) -> str:
    found = TEST_NAME.findall(cell.source)
    return ", ".join(found) if found else (cell.grade_id or "a test cell")


def judge(cell: NotebookCell, error: dict | None, stubs: dict[str, str], at: str = "") -> Result:
    name = test_name(cell)
    if error and error.get("ename") == "NotImplementedError" and error.get("evalue", "") in stubs:
        return Result(name, "not implemented", stubs[error["evalue"]])
    if error:
        return Result(name, "failed", f"{error.get('ename')}: {error.get('evalue')}".strip(), at)
    return Result(name, "passed")


def failed_at() -> tuple[int, int, str] | None:
    """In the kernel, after a cell failed: (execution count, line, its text) of the innermost frame that is a
    cell's code, from the traceback IPython keeps (sys.last_traceback); None if no cell's code raised it."""
    import linecache
    import sys

    from IPython import get_ipython

    compiled, found, tb = get_ipython().compile, None, getattr(sys, "last_traceback", None)
    while tb is not None:
        name = compiled.format_code_name(tb.tb_frame.f_code.co_filename)  # ("Cell", "In[4]") for a cell
        if name is not None and name[1][3:-1].isdigit():
            found = (int(name[1][3:-1]), tb.tb_lineno, linecache.getline(tb.tb_frame.f_code.co_filename, tb.tb_lineno))
        tb = tb.tb_next
    return None if found is None else (found[0], found[1], found[2].strip())


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
    if ASSERT_VALUES.is_file():  # a bare `assert a == b` that fails shows both values, as the course's checks do
        client.execute_interactive(
            f"import runpy as _t; _t.run_path({str(ASSERT_VALUES)!r}); del _t", silent=True, timeout=60
        )
    return manager, client, sockets


def execute(client, code: str, timeout: float) -> tuple[dict | None, str, int | None]:
    """Run one cell: (its error content or None, what it printed, its execution count)."""
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
        return (
            {"ename": "TimeoutError", "evalue": f"the cell ran longer than {timeout:.0f} s (an endless loop?)"},
            "".join(printed),
            None,
        )
    if reply["content"].get("status") == "error" and not error:
        error.append(reply["content"])
    return (error[0] if error else None), "".join(printed), reply["content"].get("execution_count")


def where(client, numbers: dict[int, int]) -> str:
    """Where the cell that just failed stopped, as "cell N, line L: code" (N: its number in the notebook)."""
    try:
        reply = client.execute_interactive("", silent=True, user_expressions={"at": WHERE}, timeout=30)
        found = ast.literal_eval(reply["content"]["user_expressions"]["at"]["data"]["text/plain"])
    except (KeyError, ValueError, SyntaxError, TimeoutError):
        return ""
    if not found or found[0] not in numbers:
        return ""
    return f"cell {numbers[found[0]]}, line {found[1]}: {found[2]}"


def run_tests(root: Path, folder: Path, cells: list[NotebookCell], timeout: float = 120, say=print) -> Run:
    """Execute every code cell in order in a fresh kernel; judge the test cells."""
    manager, client, sockets = start_kernel(root, folder)
    run, stubs, numbers = Run(), recorded_stubs(cells), {}
    try:
        for number, cell in enumerate(cells, 1):
            if cell.kind != "code" or not cell.source.strip():
                continue
            error, stdout, count = execute(client, cell.source, timeout)
            numbers[count] = number
            if cell.is_test:
                stopped = error is not None and error.get("evalue", "") not in stubs and count is not None
                result = judge(cell, error, stubs, where(client, numbers) if stopped else "")
                run.results.append(result)
                say("\n".join(result.lines()))
            elif error and error.get("ename") != "NotImplementedError":
                run.broken.append(
                    f"cell {number}{f' ({cell.grade_id})' if cell.grade_id else ''}: {error.get('ename')}: {error.get('evalue')}"
                )
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
        shutil.rmtree(sockets, ignore_errors=True)
    return run
