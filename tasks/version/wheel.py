"""The exported `tinytorch` package as a wheel, built and installed without the network.

The build is PEP 517 through pip (`pip wheel --no-deps --no-build-isolation --no-index`) with the setuptools
that requirements.txt pins, so it downloads nothing and needs no extra package (`python -m build` would need
`build` added to the requirements, and its isolated build would download setuptools). The wheel is installed
with `--no-deps --no-index` into a fresh virtual environment that sees the course's dependencies (numpy)
through a .pth line but no `tinytorch`: there, `import tinytorch` and every module's exports must import,
from the wheel's copy. The wheel holds the solutions: it is for instructors, never for students.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import venv
from pathlib import Path

from ..base.errors import CourseError, Finding

PROJECT = """\
# Written by `tito version check`: the exported package of the course {course}, as a wheel.
[project]
name = "tinytorch"
version = "{version}"
description = "The tinytorch package exported from the course {course} (solutions: for instructors)"
requires-python = ">=3.11"
dependencies = {dependencies}

[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[tool.setuptools.packages.find]
include = ["tinytorch*"]
"""

# Run by the fresh environment's Python in isolated mode (-I: no current folder, no PYTHONPATH, no user site).
IMPORTS = """\
import importlib, json, os, sys
expected, home = json.loads(sys.argv[1]), os.path.realpath(sys.argv[2])
problems = []
try:
    import tinytorch
except Exception as error:
    problems.append(["tinytorch", f"import tinytorch: {type(error).__name__}: {error}"])
else:
    if not os.path.realpath(tinytorch.__file__).startswith(home + os.sep):
        problems.append(["tinytorch", f"imported {tinytorch.__file__}, not the installed wheel"])
    for dotted, names in expected.items():
        try:
            module = importlib.import_module(dotted)
        except Exception as error:
            problems.append([dotted, f"import {dotted}: {type(error).__name__}: {error}"])
            continue
        missing = [name for name in names if not hasattr(module, name)]
        if missing:
            problems.append([dotted, f"{dotted} lacks {', '.join(missing)} (its __all__ in the course)"])
print(json.dumps(problems))
"""


def _run(command: list[str], what: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
    env.pop("PYTHONPATH", None)
    try:
        done = subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise CourseError.at(what, None, f"could not run: {error}") from error
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-12:]
        raise CourseError.at(what, None, "failed:\n    " + "\n    ".join(tail))
    return done


def build_wheel(files: dict[str, Path], version: str, course: str, dependencies: list[str], work: Path) -> Path:
    """Build `files` ('tinytorch/...' -> the file) as the wheel of `version`; returns it, the only .whl in
    work/dist (the project is laid out in work/wheel-src, made afresh)."""
    source, dist = work / "wheel-src", work / "dist"
    for folder in (source, dist):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    for name, path in sorted(files.items()):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, source / name)
    (source / "pyproject.toml").write_text(
        PROJECT.format(course=course, version=version, dependencies=json.dumps(dependencies)), encoding="utf-8"
    )
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "--no-cache-dir"]
    _run([*pip, "--quiet", "--wheel-dir", str(dist), str(source)], "pip wheel (building the tinytorch wheel)")
    wheels = sorted(dist.glob("*.whl"))
    if len(wheels) != 1:
        raise CourseError.at(str(dist), None, f"the build left {len(wheels)} wheels, expected one")
    return wheels[0]


def install_fresh(wheel: Path, home: Path) -> Path:
    """A fresh virtual environment at `home` with only the wheel installed (and the course's dependencies
    visible, read-only, through a .pth line); returns its Python."""
    shutil.rmtree(home, ignore_errors=True)
    venv.EnvBuilder(with_pip=False, clear=True, symlinks=os.name != "nt").create(home)
    python = home / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = Path(
        _run(
            [str(python), "-I", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], "the fresh venv"
        ).stdout.strip()
    )
    ours = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (site / "_course_dependencies.pth").write_text("".join(f"{p}\n" for p in ours), encoding="utf-8")
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index"]
    _run([*install, "--no-cache-dir", "--quiet", str(wheel)], f"pip install {wheel.name} (into {home})")
    return python


def import_findings(python: Path, home: Path, expected: dict[str, tuple[list[str], Finding]]) -> list[Finding]:
    """Import `tinytorch` and each exported module (dotted -> (its names, where to report a failure)) with the
    fresh environment's Python, from an empty folder; a finding for each that fails."""
    names = {dotted: listed for dotted, (listed, _) in expected.items()}
    with tempfile.TemporaryDirectory() as empty:
        done = _run([str(python), "-I", "-c", IMPORTS, json.dumps(names), str(home)], "the import check", Path(empty))
    findings = []
    for dotted, problem in json.loads(done.stdout.strip().splitlines()[-1]):
        where = expected[dotted][1] if dotted in expected else Finding("tinytorch/__init__.py", None, "")
        findings.append(Finding(where.file, where.line, f"in the installed wheel: {problem}"))
    return findings
