"""nbgrader's environment for the tests that compare with nbgrader 0.9.6 (the `nbgrader_bin` fixture: conftest.py)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def nbgrader_env(folder: Path, nbgrader_bin: Path) -> dict:
    """nbgrader's environment: a `python3` kernel of this venv's Python (numpy, ipykernel) first on JUPYTER_PATH."""
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "Python 3", "language": "python"}))
    path = os.pathsep.join([str(nbgrader_bin), os.environ.get("PATH", "")])  # nbgrader runs `alembic` from it
    return {**os.environ, "JUPYTER_PATH": str(folder), "PYTHONHASHSEED": "0", "PATH": path}
