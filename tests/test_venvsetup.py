"""tito/venvsetup.py (shipped to students): `python3 -m tito setup`, the student README's one set-up command.

Run for real once: a clone of a released student repository, an empty HOME, the machine's pip configuration
(its indexes; nothing hardcoded), then the venv's own `tito system health`, `tito module complete 01` and a
Jupyter Run All. The failure cases run the real command too, on a small repository whose requirements are
empty (no download): a Python too old, a broken `.venv` (a rerun makes it again), no venv/ensurepip module.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tasks.release.course_files import tito_package
from tasks.release.resources.tito.venvsetup import too_old

PYTHON = getattr(sys, "_base_executable", sys.executable)  # the Python this one's venv was made from: "python3"


def student_env(home: Path) -> dict:
    """The student's shell: an empty HOME, no virtual environment or PYTHONPATH of ours, the machine's pip
    configuration (a user-level pip.conf is found through HOME, so it is named by PIP_CONFIG_FILE instead)."""
    drop = ("PYTHONPATH", "VIRTUAL_ENV", "TITO_STRICT", "PIP_CONFIG_FILE", "PYTHONHOME")
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("GIT_")}
    ours = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != ours)
    user_conf = Path.home() / ".config/pip/pip.conf"
    if user_conf.is_file():
        env["PIP_CONFIG_FILE"] = str(user_conf)
    env["HOME"] = str(home)
    return env


def run(command: list[str], cwd: Path, home: Path, timeout: int = 1200) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=student_env(home), capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def set_up(released_repo, tmp_path_factory) -> tuple[Path, Path, subprocess.CompletedProcess]:
    """A clone set up by `python3 -m tito setup` (minutes: it installs Jupyter Lab); shared by the tests that
    need a student's venv."""
    clone, home = tmp_path_factory.mktemp("setup") / "clone", tmp_path_factory.mktemp("home")
    subprocess.run(["git", "clone", "-q", str(released_repo), str(clone)], check=True)
    return clone, home, run([PYTHON, "-m", "tito", "setup"], clone, home)


def test_setup_from_a_clone_then_health_complete_and_run_all(set_up):
    clone, home, done = set_up
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "creating the virtual environment" in done.stdout and "set up." in done.stdout
    assert not (home / ".local").exists()  # nothing installed outside the clone
    health = run([str(clone / ".venv/bin/tito"), "system", "health"], clone, home)
    assert health.returncode == 0 and "all checks passed" in health.stdout, health.stdout + health.stderr
    complete = run([str(clone / ".venv/bin/tito"), "module", "complete", "01"], clone, home)
    assert complete.returncode == 1, complete.stdout + complete.stderr  # the exercise is not written yet
    assert "0 of 1 tests pass; next: implement double" in complete.stdout
    assert (clone / "tinytorch/core/alpha.py").is_file()
    # Jupyter's Run All in the student's own venv (its kernel, the editable install, no PYTHONPATH): to the end
    out = clone.parent / "ran.ipynb"
    ran = run(
        [str(clone / ".venv/bin/jupyter"), "nbconvert", "--to", "notebook", "--execute", "--output", str(out)]
        + ["modules/01_alpha/alpha.ipynb"],
        clone,
        home,
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert "not implemented yet: double (its stub: In[3]" in out.read_text()


def test_setup_again_keeps_a_working_venv(set_up):
    clone, home, _ = set_up
    again = run([PYTHON, "-m", "tito", "setup"], clone, home)
    assert again.returncode == 0 and "using the existing virtual environment" in again.stdout, again.stderr


@pytest.fixture
def small_repo(tmp_path) -> tuple[Path, Path]:
    """A student repository with tito/ and nothing to install (its requirements are empty): set-up in seconds."""
    root, home = tmp_path / "repo", tmp_path / "home"
    (root / "modules").mkdir(parents=True)
    home.mkdir()
    for name, data in tito_package().items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    (root / "requirements.txt").write_text("# nothing to install in this test\n")
    return root, home


def older_pythons() -> list[str]:
    """Interpreters older than 3.11 on this machine (on PATH or under pyenv), one per version."""
    found = {}
    for name in ("python3.10", "python3.9", "python3.8", "python3.7", "python2.7"):
        path = shutil.which(name)
        if path and "shims" not in path:
            found.setdefault(name, path)
    for path in sorted(glob.glob(str(Path.home() / ".pyenv/versions/*/bin/python"))):
        version = Path(path).parent.parent.name
        if version.split(".")[:2] < ["3", "11"] and version[:1].isdigit() and version.count(".") == 2:
            found.setdefault(version, path)
    return sorted(found.values())


def test_a_python_older_than_3_11_is_told_what_to_install(small_repo):
    root, home = small_repo
    assert too_old((3, 10, 12)) == (
        "TinyTorch needs Python 3.11 or newer; this is 3.10.12. Install python3.11 (or newer) and run: python3.11 -m tito setup"
    )
    assert too_old((3, 11, 0)) is None and too_old((3, 13, 1)) is None
    pythons = older_pythons()
    if not pythons:
        pytest.skip("no Python older than 3.11 on this machine")
    for python in pythons:
        done = run([python, "-m", "tito", "setup"], root, home)
        assert done.returncode == 2 and "Traceback" not in done.stderr, (python, done.stderr)
        assert "tito: TinyTorch needs Python 3.11 or newer; this is " in done.stderr
        assert "run: python3.11 -m tito setup" in done.stderr
        assert not (root / ".venv").exists()


@pytest.mark.parametrize("breakage", ["python-gone", "no-pip"])
def test_a_broken_venv_is_made_again_by_running_setup_again(small_repo, breakage):
    root, home = small_repo
    if breakage == "python-gone":  # made by a Python since removed (or upgraded away): a dangling link
        (root / ".venv/bin").mkdir(parents=True)
        (root / ".venv/bin/python").symlink_to("/nonexistent/python3.11")
    else:  # interrupted half-way: a venv without pip
        subprocess.run([PYTHON, "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
    done = run([PYTHON, "-m", "tito", "setup"], root, home)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "is broken (" in done.stdout and "making it again" in done.stdout
    probe = subprocess.run([str(root / ".venv/bin/python"), "-m", "pip", "--version"], capture_output=True, text=True)
    assert probe.returncode == 0, probe.stderr


def test_a_python_without_the_venv_module_says_which_package_to_install(small_repo):
    """Debian/Ubuntu's python3 without python3-venv: no ensurepip (the run hides it, as that package's absence does)."""
    root, home = small_repo
    code = "import sys; sys.modules['ensurepip'] = None; from tito.cli import main; sys.exit(main(['setup']))"
    done = run([PYTHON, "-c", code], root, home)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "this Python cannot create virtual environments" in done.stderr
    assert "sudo apt install python3-venv" in done.stderr and not (root / ".venv").exists()
