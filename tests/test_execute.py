"""tasks/kernel/execute.py: nothing a notebook starts outlives its run, and every kind of output is capped."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from tasks.kernel.execute import OUTPUT_LIMIT, ExecutionFailed, cap_output, run


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        stat = open(f"/proc/{pid}/stat").read()
    except OSError:  # reaped between the two looks
        return False
    return bool(stat) and stat.split(") ")[-1][:1] != "Z"  # a zombie is dead


def test_a_daemon_started_by_the_notebook_is_killed_with_the_kernel(tmp_path):
    nb = new_notebook(cells=[new_code_cell("import subprocess\nprint(subprocess.Popen(['sleep', '300']).pid)")])
    executed = run(nb, cwd=tmp_path, root=tmp_path, kernel="python3", timeout=60, allow_errors=False)
    pid = int(executed.cells[0].outputs[0]["text"])
    for _ in range(50):  # SIGKILL is delivered at once; the reaping by init may take a moment
        if not alive(pid):
            break
        time.sleep(0.1)
    assert not alive(pid), "the notebook's daemon survived the build"


def test_a_50_mb_cell_value_fails_validation_and_is_cut_in_the_kept_notebook(tmp_path):
    nb = new_notebook(cells=[new_code_cell("'x' * 50_000_000")])
    with pytest.raises(ExecutionFailed, match="printed 50,000,002 characters") as caught:
        run(nb, cwd=tmp_path, root=tmp_path, kernel="python3", timeout=60, allow_errors=False)
    data = caught.value.nb.cells[0].outputs[0]["data"]["text/plain"]
    assert len(data) < OUTPUT_LIMIT + 200 and data.endswith(
        "[output cut by coursebuild: 50,000,002 characters in all]\n"
    )


def test_every_output_type_is_capped():
    huge = "y" * (OUTPUT_LIMIT * 3)
    outputs = [
        {"output_type": "stream", "name": "stdout", "text": huge},
        {"output_type": "display_data", "data": {"text/html": huge, "image/png": "A" * 3_000_000}, "metadata": {}},
        {"output_type": "error", "ename": "E", "evalue": huge, "traceback": [huge, huge]},
    ]
    for output in outputs:
        cap_output(output)
    assert len(outputs[0]["text"]) < OUTPUT_LIMIT + 200
    assert len(outputs[1]["data"]["text/html"]) < OUTPUT_LIMIT + 200 and "image/png" not in outputs[1]["data"]
    assert outputs[1]["data"]["text/plain"] == "[image/png output of 3,000,000 characters removed by coursebuild]"
    assert (
        len(outputs[2]["evalue"]) < OUTPUT_LIMIT + 200 and sum(map(len, outputs[2]["traceback"])) < OUTPUT_LIMIT + 200
    )


def test_nbclient_is_imported_without_building_the_iri_grammar_and_that_module_still_imports_later():
    code = (
        "import sys\nfrom tasks.kernel.execute import nbclient_class\nnbclient_class()\n"
        "print('rfc3987_syntax' in sys.modules, 'jsonschema' in sys.modules)\nimport rfc3987_syntax\nprint('imports')"
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["False", "True", "imports"], done.stderr


def test_build_kernels_start_without_the_debugger_and_run_as_before(tmp_path):
    """debugpy (a third of a kernel's start) is hidden from build kernels: ipykernel finds it unavailable."""
    code = "import ipykernel.debugger as d\ntry:\n    import debugpy\nexcept ImportError as e:\n    print(e)\nd._is_debugpy_available, 6 * 7"
    executed = run(
        new_notebook(cells=[new_code_cell(code)]),
        cwd=tmp_path,
        root=tmp_path,
        kernel="python3",
        timeout=60,
        allow_errors=False,
    )
    outputs = executed.cells[0].outputs
    assert "debugpy is not available in coursebuild's execution kernels" in outputs[0]["text"]
    assert outputs[1]["data"]["text/plain"] == "(False, 42)"
