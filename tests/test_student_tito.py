"""The student's tito, run for real in a clone of a released student repo: a real kernel for `complete`,
real git for `reset`, the real import hook for a module not exported yet."""

from __future__ import annotations

import json
import os
import stat
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True, env=env
    ).stdout.strip()


@pytest.fixture
def clone(released_repo, tmp_path) -> Path:
    target = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(released_repo), str(target)], check=True)
    return target


def tito(clone: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`python -m tito ...` in the clone, as a student runs it before (or instead of) the console script."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PYTHONPATH"))}
    env["PYTHONPATH"] = str(clone)  # what the editable install of the student repo provides
    return subprocess.run(
        [sys.executable, "-m", "tito", *args], cwd=cwd or clone, capture_output=True, text=True, env=env, timeout=300
    )


def implement_double(notebook: Path, body: str = "return np.asarray(x) * 2") -> None:
    data = json.loads(notebook.read_text())
    for cell in data["cells"]:
        text = "".join(cell["source"])
        if "raise NotImplementedError" in text:
            lines = [
                f"{line[: len(line) - len(line.lstrip())]}{body}" if "raise NotImplementedError" in line else line
                for line in text.split("\n")
            ]
            cell["source"] = "\n".join(lines)
    notebook.write_text(json.dumps(data))


def test_the_student_repo_ships_tito_and_a_working_setup(clone):
    assert (clone / "tito/cli.py").exists() and (clone / "tito/__main__.py").exists()
    pyproject = (clone / "pyproject.toml").read_text()
    assert 'tito = "tito.cli:main"' in pyproject and '"tito*"' in pyproject and ">=3.11" in pyproject
    ignored = (clone / ".gitignore").read_text()
    assert ".venv/" in ignored and "*.egg-info/" in ignored
    readme = (clone / "README.md").read_text()
    assert "python3 -m tito setup" in readme and "tito module complete 01" in readme
    assert "jupyterlab==" in (clone / "requirements.txt").read_text()


def test_complete_reports_stubs_then_passes_once_implemented(clone):
    # the notebook opens with the Run All cell and tito/runall.py imports in the kernel (PYTHONPATH): its
    # TITO_STRICT alone keeps the stub a "not implemented" test here (test_runall.py: Run All in Jupyter)
    cells = json.loads((clone / "modules/01_alpha/alpha.ipynb").read_text())["cells"]
    assert "import tito.runall" in "".join(cells[1]["source"]) and (clone / "tito/runall.py").is_file()
    first = tito(clone, "module", "complete", "01")
    assert first.returncode == 1, first.stdout + first.stderr
    assert "not implemented  test_unit_double: double" in first.stdout
    assert "0 of 1 tests pass; next: implement double" in first.stdout
    assert "IPKernelApp" not in first.stderr  # local sockets: no "running over TCP without encryption" warning
    exported = clone / "tinytorch/core/alpha.py"
    assert exported.read_text().startswith(
        "# DO NOT EDIT: generated from modules/01_alpha/alpha.ipynb by `tito module complete 01`"
    )
    assert not exported.stat().st_mode & stat.S_IWUSR
    notebook = clone / "modules/01_alpha/alpha.ipynb"
    implement_double(notebook)
    second = tito(clone, "module", "complete", "alpha")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "1 of 1 tests pass; module complete" in second.stdout
    assert "return np.asarray(x) * 2" in exported.read_text()
    progress = json.loads((clone / ".tito/progress.json").read_text())["modules"]["01_alpha"]
    import hashlib

    assert progress["complete"] is True and progress["sha256"] == hashlib.sha256(notebook.read_bytes()).hexdigest()
    status = tito(clone, "module", "status")
    assert "01_alpha             complete (" in status.stdout and "(solutions available)" in status.stdout
    assert "next: tito module start 02 (02_beta)" in status.stdout
    assert git(clone, "status", "--porcelain") == "M modules/01_alpha/alpha.ipynb"  # exports, .tito/ ignored


def test_a_wrong_answer_is_a_failure_with_its_message(clone):
    implement_double(clone / "modules/01_alpha/alpha.ipynb", "return x")
    (clone / "modules/01_alpha/alpha.ipynb").write_text(
        (clone / "modules/01_alpha/alpha.ipynb")
        .read_text()
        .replace("assert double(2) == 4", "assert double(2) == 4, 'double(2) should be 4'")
    )
    done = tito(clone, "module", "complete", "01", "--skip-export")
    assert done.returncode == 1
    assert "failed           test_unit_double: AssertionError: double(2) should be 4" in done.stdout
    assert "next: fix test_unit_double" in done.stdout
    assert not (clone / "tinytorch/core/alpha.py").exists()


def test_a_failed_bare_assert_shows_its_line_and_both_values(clone):
    """As validation shows instructors (tasks/kernel/assertvalues.py, shipped as tito/assertvalues.py)."""
    notebook = clone / "modules/01_alpha/alpha.ipynb"
    implement_double(notebook, "return x + 1")
    done = tito(clone, "module", "complete", "01", "--skip-export")
    assert done.returncode == 1, done.stdout + done.stderr
    cells = json.loads(notebook.read_text())["cells"]
    number = next(i for i, c in enumerate(cells, 1) if "def test_unit_double" in "".join(c["source"]))
    line = next(i for i, text in enumerate("".join(cells[number - 1]["source"]).split("\n"), 1) if "assert" in text)
    assert (
        "  failed           test_unit_double: AssertionError: assert 3 == 4\n"
        "        where 3 = double(2)\n"
        f"      at cell {number}, line {line}: assert double(2) == 4\n"
    ) in done.stdout
    assert "next: fix test_unit_double" in done.stdout and "Traceback" not in done.stdout + done.stderr


def test_a_later_module_first_says_which_to_complete(clone):
    done = tito(clone, "module", "complete", "02")
    assert done.returncode == 2
    assert "tinytorch.core.alpha is not exported yet: complete 01_alpha first (tito module complete 01)" in done.stderr
    env = {**os.environ, "PYTHONPATH": str(clone)}
    hooked = subprocess.run(
        [sys.executable, "-c", "from tinytorch.core.alpha import double"],
        cwd=clone / "modules/02_beta",
        capture_output=True,
        text=True,
        env=env,
    )
    assert (
        "ModuleNotFoundError: No module named 'tinytorch.core.alpha': complete 01_alpha first (tito module complete 01)"
        in hooked.stderr
    )


def test_the_py_copy_is_used_when_it_is_the_one_edited(clone):
    copy = clone / "modules/01_alpha/alpha.py"
    lines = copy.read_text().split("\n")
    copy.write_text(
        "\n".join(
            line[: len(line) - len(line.lstrip())] + "return np.asarray(x) * 2"
            if "raise NotImplementedError" in line
            else line
            for line in lines
        )
    )
    done = tito(clone, "module", "complete", "01")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "testing modules/01_alpha/alpha.py (you edited the .py copy, not the notebook)" in done.stdout
    assert "generated from modules/01_alpha/alpha.py" in (clone / "tinytorch/core/alpha.py").read_text()


def test_reset_backs_up_restores_and_forgets(clone):
    notebook = clone / "modules/01_alpha/alpha.ipynb"
    released = notebook.read_bytes()
    implement_double(notebook)
    assert tito(clone, "module", "complete", "01").returncode == 0
    mine = notebook.read_bytes()
    done = tito(clone, "module", "reset", "01_alpha")
    assert done.returncode == 0, done.stderr
    assert notebook.read_bytes() == released
    backups = list((clone / ".tito/backups/01_alpha").glob("*/alpha.ipynb"))
    assert [b.read_bytes() for b in backups] == [mine]
    assert not (clone / "tinytorch/core/alpha.py").exists()
    assert "01_alpha" not in json.loads((clone / ".tito/progress.json").read_text())["modules"]


def test_reset_backs_up_a_notebook_whose_state_git_cannot_tell_and_never_restores_over_it(clone):
    """Where git cannot say whether the notebook was edited (the clone's history is gone), the notebook
    counts as edited: it is backed up, and what cannot be restored is left as it is."""
    notebook = clone / "modules/01_alpha/alpha.ipynb"
    implement_double(notebook)
    mine = notebook.read_bytes()
    shutil.rmtree(clone / ".git")
    subprocess.run(["git", "init", "-q", str(clone)], check=True)
    done = tito(clone, "module", "reset", "01")
    backups = list((clone / ".tito/backups/01_alpha").glob("*/alpha.ipynb"))
    assert [b.read_bytes() for b in backups] == [mine], done.stdout + done.stderr
    assert notebook.read_bytes() == mine and done.returncode != 0 and "Traceback" not in done.stderr
    assert "cannot be restored" in done.stdout + done.stderr


def test_catch_up_with_the_released_solution_and_the_old_export_script(clone):
    done = tito(clone, "module", "export", "--solution", "01")
    assert done.returncode == 0 and "solutions/01_alpha/alpha.ipynb -> tinytorch/core/alpha.py" in done.stdout
    assert "beta" not in done.stdout
    not_yet = tito(clone, "module", "export", "--solution", "02")
    assert not_yet.returncode == 2 and "not released yet" in not_yet.stderr
    old = subprocess.run([sys.executable, "tools/export.py", "02_beta"], cwd=clone, capture_output=True, text=True)
    assert old.returncode == 0 and "tinytorch/core/beta.py" in old.stdout


def test_names_numbers_typos_and_outside_the_repo(clone, tmp_path):
    typo = tito(clone, "module", "complete", "alpah")
    assert typo.returncode == 2 and "no released module 'alpah'; did you mean 'alpha'?" in typo.stderr
    later = tito(clone, "module", "start", "03")
    assert later.returncode == 2 and "no released module '03'" in later.stderr
    outside = subprocess.run(
        [sys.executable, "-m", "tito", "module", "status"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(clone)},
    )
    assert outside.returncode == 2 and "is not inside your TinyTorch repository" in outside.stderr
    for args in (["--help"], ["module", "--help"], ["system", "health", "--help"]):
        assert tito(clone, *args).returncode == 0


def test_system_health_names_each_fix(clone):
    done = tito(clone, "system", "health")
    assert "Python 3." in done.stdout and "virtual environment" in done.stdout
    assert "tinytorch package" in done.stdout and "Traceback" not in done.stderr


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_start_backs_up_and_serves_the_notebook_on_loopback(clone, tmp_path):
    import re
    import signal
    import time
    import urllib.request

    notebook = clone / "modules/01_alpha/alpha.ipynb"
    implement_double(notebook)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PYTHONPATH"))}
    env.update(
        PYTHONPATH=str(clone),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "tito", "module", "start", "01", "--no-browser", "--port", str(port)],
        cwd=clone,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        seen = [server.stdout.readline() for _ in range(3)]
        found = re.search(
            rf"http://127\.0\.0\.1:{port}/lab/tree/modules/01_alpha/alpha\.ipynb\?token=(\w+)", "".join(seen)
        )
        assert found, "".join(seen)
        assert "backed up your work on 01_alpha (before starting)" in seen[0]
        api = f"http://127.0.0.1:{port}/api/contents/modules/01_alpha/alpha.ipynb?token={found[1]}&content=0"
        deadline, reply = time.monotonic() + 240, None
        while reply is None and server.poll() is None and time.monotonic() < deadline:
            try:
                reply = json.loads(urllib.request.urlopen(api, timeout=10).read())
            except OSError:
                time.sleep(1)
        assert reply is not None and reply["name"] == "alpha.ipynb", server.poll()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    assert list((clone / ".tito/backups/01_alpha").glob("*/alpha.ipynb"))
