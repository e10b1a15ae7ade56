"""`python3 -m tito setup`: one command from a stock Python to a working set-up.

Creates `.venv/` in your repository (Debian/Ubuntu's system Python refuses `pip install` outside one:
"externally-managed-environment"), installs requirements.txt into it (numpy, Jupyter Lab, and this
repository in editable mode, which gives you the `tito` command), then says how to use it. Run it again
whenever you like: a working `.venv` is kept, a broken one (its Python gone, no pip, made by an older
Python, a set-up interrupted halfway) is made again. pip installs from wherever your pip is configured to.
"""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

from .repo import Stop

MIN_PYTHON = (3, 11)
CHECK_VENV = "import sys, pip; print(sys.version_info[:2] >= (3, 11))"  # what a usable .venv answers True to


def venv_python(root: Path) -> Path:
    return root / ".venv" / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def too_old(version) -> str | None:
    """What to do when `version` (a sys.version_info) is older than MIN_PYTHON; None when it is new enough."""
    if tuple(version[:2]) >= MIN_PYTHON:
        return None
    found = ".".join(str(part) for part in version[:3])
    return f"TinyTorch needs Python 3.11 or newer; this is {found}. Install python3.11 (or newer) and run: python3.11 -m tito setup"


def venv_problem(python: Path) -> str | None:
    """Why the existing .venv cannot be used (its Python is gone or broken, older than 3.11, or has no pip)."""
    if not python.exists():
        return f"{python.name} is missing or points to a Python that is gone"
    probe = subprocess.run([str(python), "-c", CHECK_VENV], capture_output=True, text=True)
    if probe.returncode != 0:
        return (probe.stderr.strip().splitlines() or [f"its Python exits with code {probe.returncode}"])[-1]
    return None if probe.stdout.strip() == "True" else "it was made by a Python older than 3.11"


def no_venv_module() -> Stop:
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    return Stop(
        f"this Python cannot create virtual environments (Debian/Ubuntu keep that in a separate package); "
        f"run: sudo apt install python3-venv (or python{version}-venv), then python3 -m tito setup again"
    )


def create(root: Path) -> Path:
    """`.venv` made (again, when it exists but is broken) with pip in it: the Python to install into."""
    python = venv_python(root)
    if (root / ".venv").exists():
        problem = venv_problem(python)
        if problem is None:
            print(f"using the existing virtual environment {root / '.venv'}")
            return python
        print(f"the virtual environment {root / '.venv'} is broken ({problem}); making it again ...")
    try:
        import ensurepip  # noqa: F401  (Debian ships it separately, in python3-venv)
    except ImportError:
        raise no_venv_module() from None
    print(f"creating the virtual environment {root / '.venv'} ...")
    try:
        venv.EnvBuilder(with_pip=True, clear=True).create(root / ".venv")
    except (OSError, subprocess.CalledProcessError):
        raise no_venv_module() from None
    return python


def setup(root: Path, extra_pip_args: list[str] | None = None) -> int:
    problem = too_old(sys.version_info)
    if problem:
        raise Stop(problem)
    python = create(root)
    print("installing requirements.txt (numpy, Jupyter Lab, your tinytorch and tito) ...")
    command = [
        str(python),
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "-r",
        "requirements.txt",
        *(extra_pip_args or []),
    ]
    if subprocess.run(command, cwd=root).returncode != 0:
        raise Stop(
            "installing the requirements failed (see pip's message above); check your internet connection and run python3 -m tito setup again"
        )
    activate = ".venv\\Scripts\\activate" if sys.platform == "win32" else "source .venv/bin/activate"
    print(f"\nset up. In each new terminal run `{activate}`; then `tito module start 01` opens the first module.")
    return 0
