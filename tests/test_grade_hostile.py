"""A class of hostile submissions graded by `tito grade` on a real Dask cluster, next to honest ones.

Every attack class of the sandbox issue, written as a student who has read the grader would write it, in an
answer cell: daemons meant to rewrite grades later, port scans for the scheduler and workers, the grader's
environment, forged reports, killing its parents and every process it can name, fork bombs, reading the
course, floods. The honest submissions must keep exactly their scores, the run must end with every result,
nothing of the submissions may be alive afterwards, nothing outside grades/ and build/ may have changed, and
no secret of the grader's environment may be in the gradebook or the feedback.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from procfs import processes_with
from gradeclass import ADD, CLASS, REPO, answer, correct, released, write_course
from test_grade_cluster import tls_processes, with_tls

SECRET = f"tok-{uuid.uuid4().hex}"
MARKER = f"tito-hostile-{uuid.uuid4().hex}"
HONEST = ["s01-correct", "s02-correct", "s04-stubs", "s06-partial", "s07-wrong-add"]


def attacks(course: Path) -> dict[str, str]:
    """Student -> the source of their vec-add answer cell."""
    secret_file = course / "modules/01_vec/vec.py"
    return {
        "h01-daemon": ADD
        + f"""
import os, subprocess, sys
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        code = "import time, glob\\ntime.sleep(2)\\nfor p in glob.glob('/**/gradebook.sqlite', recursive=True): open(p, 'w').write('0')"
        subprocess.Popen([sys.executable, "-c", code, {MARKER!r}], start_new_session=True)
    os._exit(0)
""",
        "h02-port-scan": ADD
        + """
import socket
found = []
for port in range(1, 65536):
    s = socket.socket()
    s.settimeout(0.05)
    if s.connect_ex(("127.0.0.1", port)) == 0 and s.getsockname() != s.getpeername():  # not TCP's self-connect
        found.append(port)
    s.close()
if found:
    raise ValueError(f"reached {found[:20]}")
""",
        "h03-environment": ADD + "import os\nraise ValueError(repr(dict(os.environ)))\n",
        "h04-forged-reports": ADD
        + """
import os, json
for fd in range(3, 64):
    for cell in range(0, 12):
        try:
            os.write(fd, (json.dumps({"cell": cell, "status": "ok", "value": "4"}) + "\\n").encode())
        except OSError:
            pass
while True:
    pass
""",
        "h05-kill-everything": ADD
        + """
import os, signal
for pid in [os.getppid(), -1, 0, 1] + list(range(2, 5000)):
    try:
        if pid != os.getpid():
            os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
""",
        "h06-fork-bomb": ADD
        + f"""
import subprocess, sys
for _ in range(3000):
    try:
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", {MARKER!r}])
    except OSError:
        break
""",
        "h07-read-the-course": ADD + f"raise ValueError(open({str(secret_file)!r}).read())\n",
        "h08-flood": ADD + "print('x' * 10 ** 7)\nraise ValueError('y' * 10 ** 7)\n",
        "h09-fill-the-disk": ADD
        + """
with open("fill", "wb") as handle:
    for _ in range(4096):
        handle.write(b"z" * 1024 * 1024)
""",
    }


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file outside grades/ and build/ with its size and modification time."""
    found = {}
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if relative.parts[0] in ("grades", "build") or not path.is_file():
            continue
        stat = path.stat()
        found[relative.as_posix()] = (stat.st_size, stat.st_mtime_ns)
    return found


@pytest.fixture
def hostile_class(tmp_path):
    root = write_course(tmp_path / "course")
    submissions = {s: CLASS[s][0](released(root, "vec")) for s in HONEST}
    for student, source in attacks(root).items():
        submissions[student] = answer(correct(released(root, "vec")), "vec-add", source)
    for student, notebook in submissions.items():
        path = root / "submissions" / student / "vec" / "vec.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(notebook))
    return root


def tito_grade(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO), TITO_COLLECT_TOKEN=SECRET)
    return subprocess.run(
        [sys.executable, "-m", "tasks.cli.grade", "-C", str(root), "vec", "--feedback", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_hostile_submissions_change_nothing_but_their_own_results(hostile_class):
    """On the embedded cluster, two workers."""
    graded_as_if_nothing_happened(hostile_class, "--workers", "2")


def test_hostile_submissions_on_an_existing_tls_cluster(hostile_class, tmp_path):
    """On a real `dask scheduler` + two `dask worker`s on loopback, in TLS with course.yaml's certificates."""
    with tls_processes(tmp_path) as (address, certificates):
        with_tls(hostile_class, certificates)
        graded_as_if_nothing_happened(hostile_class, "--scheduler", address)


def graded_as_if_nothing_happened(root: Path, *args: str) -> None:
    before = snapshot(root)
    result = tito_grade(root, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    assert ", 0 could not be graded" in result.stdout
    with sqlite3.connect(root / "grades/gradebook.sqlite") as db:
        rows = db.execute(
            "SELECT student, grade_id, points FROM results WHERE module = 'vec' ORDER BY position"
        ).fetchall()
        everything = "\n".join(
            str(row) for table in ("submissions", "results") for row in db.execute(f"SELECT * FROM {table}")
        )
    points = {}
    for student, _, value in rows:
        points.setdefault(student, []).append(value)
    assert {s: points[s] for s in HONEST} == {s: CLASS[s][1] for s in HONEST}
    assert set(points) == set(HONEST) | set(attacks(root))
    assert SECRET not in everything and "VEC_HIDDEN_CHECK" not in everything
    assert "reached [" not in everything  # the port scan found nothing to connect to
    assert os.path.getsize(root / "grades/gradebook.sqlite") < 2_000_000  # the flood was clipped
    pages = "\n".join(p.read_text() for p in (root / "build/feedback").rglob("*.html"))
    assert SECRET not in pages and "BEGIN SOLUTION" not in pages
    time.sleep(2.5)  # the daemon's moment to strike, had it survived
    assert processes_with(MARKER) == []
    assert snapshot(root) == before
