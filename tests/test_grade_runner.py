"""tasks/grade/runner.py: a fresh sandboxed process per submission, cells one at a time; timeouts, crashes,
exits, output, memory, untrusted reports. What the sandbox keeps out is tests/test_grade_sandbox.py."""

from __future__ import annotations


import pytest

from tasks.grade.rehydrate import RunCell
from tasks.grade.runner import run_cells


def cells(*sources, kind="fixed"):
    return [RunCell(id=f"c{i}", grade_id=f"g{i}", kind=kind, cell_type="code", source=s) for i, s in enumerate(sources)]


def run(*sources, timeout=2, memory_mb=256, package=(), sandbox=True):
    return run_cells(cells(*sources), package, timeout=timeout, memory_mb=memory_mb, sandbox=sandbox)


@pytest.fixture(params=[True, False], ids=["sandbox", "no-sandbox"])
def sandbox(request):
    return request.param


def test_cells_share_state_and_report_values_and_errors(sandbox):
    runs = run("x = 20", "x + 22", "raise ValueError('nope')", "print('hi')\nx", sandbox=sandbox)
    assert [r.status for r in runs] == ["ok", "ok", "error", "ok"]
    assert runs[0].value is None and runs[1].value == "42"
    assert (runs[2].ename, runs[2].evalue) == ("ValueError", "nope")
    assert runs[3].output == "hi\n" and runs[3].value == "20"


def test_a_syntax_error_is_that_cells_error_only():
    runs = run("def f(:\n  pass", "1 + 1")
    assert (runs[0].status, runs[0].ename) == ("error", "SyntaxError") and runs[1].value == "2"


def test_an_infinite_loop_times_out_and_the_cells_after_it_go_on_in_a_fresh_process():
    runs = run("x = 1", "while True:\n    pass", "x", timeout=1)
    assert [r.status for r in runs] == ["ok", "timeout", "ok"] and runs[2].value == "1"  # x = 1 replayed
    assert "longer than" in runs[1].evalue  # CPU time, or wall time on a loaded machine


def test_a_sleeping_cell_times_out_on_wall_time():
    runs = run("import time\ntime.sleep(60)", "1", timeout=0.5)
    assert [r.status for r in runs] == ["timeout", "ok"] and "waited longer" in runs[0].evalue


KILLED_BY_THE_KERNEL = "import resource\nresource.setrlimit(resource.RLIMIT_CPU, (1, 1))\nwhile True:\n    pass"


@pytest.mark.parametrize(
    "source, fragment",
    [
        ("import ctypes\nctypes.string_at(0)", "signal SIGSEGV"),
        ("import os\nos._exit(3)", "exited (code 3"),
        (KILLED_BY_THE_KERNEL, "signal SIGKILL (out of memory?)"),
    ],
    ids=["segfault", "os-exit", "killed"],
)
def test_a_dying_process_gives_the_reason_and_the_rest_goes_on(source, fragment, sandbox):
    """Wherever it dies (first, middle or last cell), that cell gets the reason and the later ones run in a
    fresh process with the cells before it replayed."""
    for before, after in (([], []), (["x = 1"], ["x"]), (["x = 1", "x + 1"], [])):
        runs = run(*before, source, *after, sandbox=sandbox)
        assert [r.status for r in runs] == ["ok"] * len(before) + ["died"] + ["ok"] * len(after), runs
        assert fragment in runs[len(before)].evalue and runs[len(before)].ename == "DeadKernel"


def test_the_notebooks_process_is_its_namespaces_init_and_ignores_its_own_default_signals():
    """In the sandbox the notebook's process is PID 1 of its namespace: as for any init, a signal with its
    default action sent from inside is ignored (the cell runs on); one with a handler is delivered; without
    the sandbox it is an ordinary process that the signal ends."""
    source = "import os, signal\nos.kill(os.getpid(), signal.SIGTERM)\nos.getpid()"
    handled = "import os, signal\ngot = []\nsignal.signal(signal.SIGUSR1, lambda *a: got.append(1))\nos.kill(os.getpid(), signal.SIGUSR1)\ngot"
    runs = run(source, handled, "'after'")
    assert [(r.status, r.value) for r in runs] == [("ok", "1"), ("ok", "[1]"), ("ok", "'after'")], runs
    runs = run(source, "'after'", sandbox=False)
    assert runs[0].status == "died" and "SIGTERM" in runs[0].evalue and runs[1].value == "'after'", runs


def test_the_cell_that_was_running_gets_the_reason_wherever_it_is():
    """The reason goes to the cell that stopped its process, the last one too; cells no process reached are
    "not run"."""
    from tasks.grade.runner import _finish

    for count in range(1, 5):
        code = cells(*["1"] * count)
        for stopped in range(count):
            for status in ("died", "timeout"):
                reports = {i: {"cell": i, "status": "ok", "value": "1"} for i in range(stopped)}
                runs = _finish(code, reports, {stopped: (status, "the reason")})
                wanted = ["ok"] * stopped + [status] + ["not_run"] * (count - stopped - 1)
                assert [r.status for r in runs] == wanted, (count, stopped)
                assert runs[stopped].evalue == "the reason" and runs[stopped].id == f"c{stopped}"
        assert [r.status for r in _finish(code, {i: {"status": "ok"} for i in range(count)}, {})] == ["ok"] * count


def test_sys_exit_is_an_error_of_that_cell_and_the_run_goes_on():
    runs = run("import sys\nsys.exit(2)", "3")
    assert (runs[0].status, runs[0].ename) == ("error", "SystemExit") and runs[1].value == "3"


def test_huge_output_is_capped():
    runs = run("for _ in range(100000):\n    print('y' * 100)", "'done'")
    assert runs[0].status == "ok" and len(runs[0].output) < 5000 and "more characters not kept" in runs[0].output
    assert runs[1].value == "'done'"


def test_the_memory_cap_is_a_memory_error(sandbox):
    runs = run("import numpy as np\nhog = np.ones(10 ** 9)", "'after'", memory_mb=128, sandbox=sandbox)
    assert (runs[0].status, runs[0].ename) == ("error", "MemoryError") and runs[1].value == "'after'"


PACKAGE = (
    ("tinytorch/__init__.py", b""),
    ("tinytorch/core/__init__.py", b""),
    ("tinytorch/core/vec.py", b"ANSWER = 42\n"),
)


def test_the_package_is_imported_from_the_scratch_with_the_bytecode_the_grader_compiled(sandbox):
    source = "import sys, os, tinytorch.core.vec as v\nv.ANSWER, os.path.relpath(v.__file__), os.path.basename(v.__cached__), sys.modules['tinytorch.core.vec'].__spec__.cached is not None"
    runs = run(source, package=PACKAGE, sandbox=sandbox)
    assert runs[0].status == "ok", runs[0]
    answer, file, cached, _ = eval(runs[0].value)
    assert (answer, file) == (42, "tinytorch/core/vec.py") and cached.startswith("vec.cpython-")


def test_the_bytecode_is_checked_against_its_source():
    from tasks.grade.runner import _bytecode, _files

    files = dict(_files(PACKAGE))
    pyc = [name for name in files if name.endswith(".pyc") and "vec." in name]
    assert len(pyc) == 1 and files[pyc[0]].encode("latin-1") == _bytecode("tinytorch/core/vec.py", b"ANSWER = 42\n")
    assert _bytecode("tinytorch/core/vec.py", b"ANSWER = 43\n") != _bytecode("tinytorch/core/vec.py", b"ANSWER = 42\n")


def test_a_package_file_that_does_not_compile_fails_at_its_import_as_before():
    package = PACKAGE[:2] + (("tinytorch/core/vec.py", b"def broken(:\n"),)
    runs = run("from tinytorch.core.vec import broken", package=package)
    assert (runs[0].status, runs[0].ename) == ("error", "SyntaxError") and "vec.py" in runs[0].evalue


def test_the_package_import_is_the_bundles_not_one_the_grader_imported():
    """The grader's own `tinytorch` (already imported here) is never what a submission imports."""
    import tinytorch  # noqa: F401  (the course's, in this process)

    runs = run("import tinytorch\ntinytorch.__doc__", package=(("tinytorch/__init__.py", b'"""from the bundle"""\n'),))
    assert runs[0].value == "'from the bundle'"


PARENT_WITH_ITS_OWN_TINYTORCH = """
import json, os, struct, sys
sys.path[:0] = [{own!r}, {repo!r}]
import tinytorch.core.vec  # the warm parent's own package, imported before it forks the notebook's process
from tasks.grade import sandboxed
sandboxed.Cells.make_shell()
cells_r, cells_w = os.pipe()
reports_r, reports_w = os.pipe()
for message in ({{"files": {files!r}}}, {{"cell": 0, "source": {cell!r}}}):
    body = json.dumps(message).encode()
    os.write(cells_w, struct.pack(">I", len(body)) + body)
os.close(cells_w)
os.chdir({scratch!r})
sandboxed.notebook(cells_r, reports_w)
os.close(reports_w)
os.write(1, os.read(reports_r, 65536))  # sys.stdout is the last cell's capture
"""


def test_the_notebooks_process_imports_the_bundles_package_even_where_its_parent_imported_another(tmp_path):
    """The notebook's process forgets a `tinytorch` its warm parent imported (the whole package, submodules
    too) and finds the bundle's first on its path: sandboxed.notebook run in a process that imported its own."""
    import json
    import subprocess
    import sys

    from gradeclass import REPO

    own = tmp_path / "parent"
    for relative, text in (("tinytorch/__init__.py", '"""the parent\'s"""\n'), ("tinytorch/core/__init__.py", "")):
        (own / relative).parent.mkdir(parents=True, exist_ok=True)
        (own / relative).write_text(text)
    (own / "tinytorch/core/vec.py").write_text("ANSWER = 0\n")
    (tmp_path / "scratch").mkdir()
    files = [[name, data.decode("latin-1")] for name, data in PACKAGE[:2]]
    files += [["tinytorch/core/vec.py", "ANSWER = 42\n"], ["tinytorch/__init__.py", '"""from the bundle"""\n']]
    cell = "import tinytorch, tinytorch.core.vec as v\ntinytorch.__doc__, v.ANSWER"
    script = PARENT_WITH_ITS_OWN_TINYTORCH.format(
        repo=str(REPO), own=str(own), files=files, cell=cell, scratch=str(tmp_path / "scratch")
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    reports = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert reports[0] == {"event": "ready"} and reports[1]["status"] == "ok", reports
    assert reports[1]["value"] == "('from the bundle', 42)"


DESCRIPTORS = """import os, stat, fcntl
found = []
for fd in range(65536):
    try:
        info = os.fstat(fd)
    except OSError:
        continue
    if stat.S_ISCHR(info.st_mode) and info.st_rdev == os.makedev(1, 3):
        continue  # /dev/null: its stdin, stdout and stderr
    if stat.S_ISFIFO(info.st_mode):
        found.append('pipe ' + ('read' if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_RDONLY else 'write'))
    else:
        found.append(f'{fd}: mode {info.st_mode:o}')
sorted(found)"""


def test_the_submissions_process_holds_no_descriptor_but_its_cells_and_reports_pipes(sandbox):
    """No socket (the warm parent's control socket would let it ask for processes), file or other pipe of
    the grader's: every descriptor it has is /dev/null or one end of its own two pipes."""
    runs = run(DESCRIPTORS, sandbox=sandbox)
    assert runs[0].value == "['pipe read', 'pipe write']", runs[0]


def test_a_test_cell_runs_as_main_whatever_an_answer_set():
    """`__name__ = "not_main"` in an answer must not switch off every `if __name__ == "__main__":` test."""
    answer = RunCell(
        id="a", grade_id="a", kind="answer", cell_type="code", source="__name__ = 'not_main'\n__builtins__ = {}"
    )
    test = RunCell(
        id="t",
        grade_id="t",
        kind="test",
        cell_type="code",
        source="ran = False\nif __name__ == '__main__':\n    ran = True\nran, len(dir(__builtins__)) > 50",
    )
    runs = run_cells([answer, test], (), timeout=2, memory_mb=256)
    assert runs[1].value == "(True, True)"


def test_reports_are_untrusted_a_flood_ends_the_submission():
    flood = "import os\nfor fd in range(3, 30):\n    try:\n        os.write(fd, b'x' * 300000)\n    except OSError:\n        pass\nimport time\ntime.sleep(30)"
    runs = run("x = 1", flood, "x", timeout=2)
    assert [r.status for r in runs] == ["ok", "died", "ok"] and "flooded" in runs[1].evalue


def test_reports_are_untrusted_a_forged_report_cannot_switch_the_time_limit_off():
    """A cell that writes a report for itself and for every later cell, then loops, is still stopped: the
    limits are the grader's clocks, and a report for a cell not yet sent ends the submission."""
    forge = (
        "import os, json\n"
        "for fd in range(3, 30):\n"
        "    for cell in range(1, 4):\n"
        "        try:\n"
        "            os.write(fd, (json.dumps({'cell': cell, 'status': 'ok', 'event': 'start', 'cpu': -1e9}) + '\\n').encode())\n"
        "        except OSError:\n"
        "            pass\n"
        "while True:\n"
        "    pass"
    )
    runs = run(forge, "1", "2", timeout=1)
    assert [r.status for r in runs] != ["ok", "ok", "ok"]
    assert {"timeout", "died"} & {r.status for r in runs}


def test_reports_are_untrusted_a_report_nested_too_deep_to_parse_ends_only_that_submission():
    """A report line of 200,000 `[` (under the size cap, beyond what the JSON parser recurses into) is a
    forged report: the submission is stopped with that reason, and the grading itself does not fail."""
    forge = (
        "import os\n"
        "for fd in range(3, 30):\n"
        "    try:\n"
        "        os.write(fd, b'[' * 200000 + b'\\n')\n"
        "    except OSError:\n"
        "        pass\n"
        "import time\ntime.sleep(30)"
    )
    runs = run("x = 1", forge, "x", timeout=2)
    assert [r.status for r in runs] == ["ok", "died", "ok"], runs
    assert "reports that are not the grader's" in runs[1].evalue


def test_reports_are_clipped_and_checked_whatever_the_process_writes():
    from tasks.grade.runner import _finish

    code = cells("a", "b")
    runs = _finish(
        code,
        {0: {"status": "ok", "value": ["not", "a", "string"], "ename": 7, "evalue": "e" * 10**6, "output": {"x": 1}}},
        {},
    )
    assert runs[0].value is None and runs[0].ename == "" and runs[0].output == "" and len(runs[0].evalue) < 3000
    assert runs[1].status == "not_run"


def test_cells_run_with_ipythons_semantics_magics_display_and_the_last_expression():
    """What validates in a Jupyter kernel grades the same: magics run (not skipped), `display` and
    `get_ipython` exist, `_` is the last value, a trailing `;` hides the value."""
    runs = run(
        "%timeit -n1 -r1 sum(range(10))",
        "display('shown')\nget_ipython().__class__.__name__",
        "6 * 7",
        "_ + 1",
        "%%time\nx = 3\nx",
        "5;",
    )
    assert [r.status for r in runs] == ["ok"] * 6, runs
    assert "per loop" in runs[0].output and "'shown'" in runs[1].output
    assert (runs[1].value, runs[2].value, runs[3].value, runs[5].value) == ("'InteractiveShell'", "42", "43", None)
    assert "Wall time" in runs[4].output


def test_a_failure_costs_only_what_depends_on_it():
    """After a cell times out or its process dies, the cells after it run in a fresh process where the cells
    before it that ran were replayed; a replay never counts twice; the failed cell is not replayed."""
    runs = run(
        "state = ['a']",
        "state.append('b')",
        "import os\nos._exit(1)",
        "needs_state = len(state)",
        "while True:\n    pass",
        "state.append('c')\nlen(state), needs_state",
        timeout=1,
    )
    assert [r.status for r in runs] == ["ok", "ok", "died", "ok", "timeout", "ok"]
    assert runs[5].value == "(3, 2)"


def test_restarts_are_bounded():
    from tasks.grade.runner import MAX_RESTARTS

    dying = ["import os\nos._exit(1)"] * (MAX_RESTARTS + 3)
    runs = run(*dying)
    assert [r.status for r in runs].count("died") == MAX_RESTARTS + 1
    assert runs[-1].status == "not_run"


def test_a_failed_bare_assert_shows_its_values_as_validation_does():
    """The values a student sees for a visible test that failed: validation's pytest-style message."""
    runs = run("def double(x):\n    return x * 3", "assert double(2) == 4", "assert double(2) == 4, 'doubles'")
    assert (runs[1].ename, runs[1].evalue) == ("AssertionError", "assert 6 == 4\n  where 6 = double(2)")
    assert runs[2].evalue == "doubles"  # a message of the test's own is left as written


def test_the_warm_parents_own_cells_leave_nothing_in_a_submissions_notebook():
    """The warm parent runs a few cells once (so IPython's first-time work is not repeated per submission),
    then starts afresh: a submission's first cell sees a fresh namespace, no output history, count 1."""
    runs = run("sorted(n for n in dir() if 'warm' in n.lower() or 'double' in n), len(Out), len(In)")
    assert runs[0].value == "([], 0, 2)"  # In: '' and this cell


IPYTHON_SYNTAX = [
    "%time x = 1",
    "%%time\nx = 1\nx",
    "!echo hi",
    "!!echo hi",
    "files = !ls",
    "names = %who_ls",
    "len?",
    "len??",
    "%timeit?",
    "?len",
    ",print a b",
    ";print a b",
    "/print 1",
    "  %time 1",
    "def f():\n    %time 1\n",
    "x = 1\n!echo hi\ny = 2",
    "if True:\n    !echo hi",
    ">>> x = 1\n>>> x",
    "In [1]: x = 1\n",
    "x = (1 +\n%time 2)",
    "x = 1; %time 2",
    "f(x)?",
    "x = '''\n%time\n'''",
    "print('done!')",
    "a != b",
    "'%d' % 3",
    "# why?\nx = 1",
    "x = [1,\n,2]",
    "await asyncio.sleep(0)",
    "async def f():\n    pass",
    "[x async for x in y]",
    "def f(:\n    pass",
    "\n\n    x = 1\n    y = 2",
    "x = 1 \\\n% 3",
    "",
    "\x00",
]

EQUIVALENT = """
import json, sys
sys.path.insert(0, {repo!r})
from IPython.core import interactiveshell
from IPython.core.inputtransformer2 import TransformerManager
from tasks.grade import sandboxed

sandboxed.Cells.make_shell()
shell, ipython = sandboxed.Cells.shell, TransformerManager()

def outcome(action, *args, **kwargs):
    try:
        return action(*args, **kwargs)
    except Exception as error:
        return type(error).__name__

differ, fast = [], 0
for cell in json.load(sys.stdin):
    ours = outcome(shell.input_transformer_manager.transform_cell, cell)
    theirs = outcome(ipython.transform_cell, cell)
    lines = cell.splitlines(keepends=True)
    fast += shell.input_transformer_manager.do_token_transforms(lines) is lines
    if isinstance(theirs, str) and theirs == ours:
        ours_async = outcome(shell.should_run_async, cell, transformed_cell=theirs)
        theirs_async = outcome(interactiveshell.InteractiveShell.should_run_async, shell, cell, transformed_cell=theirs)
    else:
        ours_async = theirs_async = None
    if ours != theirs or ours_async != theirs_async:
        differ.append([cell, ours, theirs, ours_async, theirs_async])
print(json.dumps({{"differ": differ, "fast": fast, "type": type(shell).__name__}}))
"""


def test_grading_transforms_every_cell_as_ipython_does():
    """The grading shell skips IPython's token pass for a cell that parses as Python, and its compile for
    top-level `await` where neither `await` nor `async` is written: for every cell of the course's own modules
    and every piece of IPython syntax (and text that is neither), what it runs is what IPython would run."""
    import json
    import subprocess
    import sys

    import jupytext

    from gradeclass import REPO

    corpus = list(IPYTHON_SYNTAX)
    for source in sorted((REPO / "modules").glob("*/*.py")):
        corpus += [c.source for c in jupytext.read(source).cells if c.cell_type == "code"]
    done = subprocess.run(
        [sys.executable, "-c", EQUIVALENT.format(repo=str(REPO))],
        input=json.dumps(corpus),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.splitlines()[-1])
    assert found["differ"] == [], found["differ"]
    assert found["type"] == "InteractiveShell"  # the name a cell sees, as before
    plain = len(corpus) - len(IPYTHON_SYNTAX)
    assert found["fast"] >= plain  # every cell of the course's modules parses: none took IPython's token pass
