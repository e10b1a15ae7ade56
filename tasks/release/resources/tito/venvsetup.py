"""`python3 -m tito setup`: one command from a stock Python to a working set-up.

Creates `.venv/` in your repository (Debian/Ubuntu's system Python refuses `pip install` outside one:
"externally-managed-environment"), installs requirements.txt into it (numpy, Jupyter Lab, and this
repository in editable mode, which gives you the `tito` command), then says how to use it.
"""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

from .repo import Stop

MIN_PYTHON = (3, 11)


def venv_python(root: Path) -> Path:
    return root / ".venv" / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def create(root: Path) -> Path:
    python = venv_python(root)
    if python.exists() and subprocess.run([str(python), "-c", "import sys"], capture_output=True).returncode == 0:
        print(f"using the existing virtual environment {root / '.venv'}")
        return python
    try:
        import ensurepip  # noqa: F401  (Debian ships it separately, in python3-venv)
    except ImportError:
        version = f"{sys.version_info[0]}.{sys.version_info[1]}"
        raise Stop(
            f"this Python cannot create virtual environments (Debian/Ubuntu keep that in a separate package); run: sudo apt install python{version}-venv, then python3 -m tito setup again"
        ) from None
    print(f"creating the virtual environment {root / '.venv'} ...")
    venv.EnvBuilder(with_pip=True, clear=python.parent.parent.exists()).create(root / ".venv")
    return python


def setup(root: Path, extra_pip_args: list[str] | None = None) -> int:
    if sys.version_info < MIN_PYTHON:
        raise Stop(
            f"TinyTorch needs Python 3.11 or newer; this is {sys.version.split()[0]}. Install python3.11 and run: python3.11 -m tito setup"
        )
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
