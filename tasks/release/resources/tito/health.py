"""`tito system health`: Python version, virtual environment, Jupyter, your tinytorch importable."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

MIN_PYTHON = (3, 11)


def line(ok: bool, what: str, fix: str = "") -> bool:
    print(f"{'ok  ' if ok else 'FAIL'}  {what}" + ("" if ok or not fix else f"\n      fix: {fix}"))
    return ok


def health(root: Path) -> int:
    checks = [
        line(
            sys.version_info >= MIN_PYTHON,
            f"Python {'.'.join(map(str, sys.version_info[:3]))} ({sys.executable})",
            "install Python 3.11 or newer, then: python3.11 -m tito setup",
        ),
        line(
            sys.prefix != sys.base_prefix,
            f"virtual environment: {sys.prefix if sys.prefix != sys.base_prefix else 'none (system Python)'}",
            "python3 -m tito setup, then: source .venv/bin/activate",
        ),
        line(
            importlib.util.find_spec("jupyterlab") is not None,
            "Jupyter Lab installed" if importlib.util.find_spec("jupyterlab") else "Jupyter Lab is not installed",
            "python3 -m tito setup (installs requirements.txt into .venv)",
        ),
        line(
            importlib.util.find_spec("numpy") is not None,
            "numpy installed" if importlib.util.find_spec("numpy") else "numpy is not installed",
            "python3 -m tito setup",
        ),
        check_package(root),
    ]
    failed = checks.count(False)
    print(f"\n{'all checks passed' if not failed else f'{failed} problem(s); see the fixes above'}")
    return 1 if failed else 0


def check_package(root: Path) -> bool:
    """Your tinytorch imports, from this repository (not some other copy), in a fresh Python."""
    probe = subprocess.run(
        [sys.executable, "-c", "import tinytorch; print(tinytorch.__file__)"], capture_output=True, text=True, cwd="/"
    )
    where = probe.stdout.strip()
    ok = probe.returncode == 0 and Path(where).resolve().is_relative_to(root)
    return line(
        ok,
        f"your tinytorch package imports from {Path(where).parent}"
        if ok
        else f"your tinytorch package is not importable from outside this folder ({(probe.stderr.strip().splitlines() or ['it resolves elsewhere: ' + where])[-1]})",
        "python3 -m tito setup (installs this repository in editable mode)",
    )
