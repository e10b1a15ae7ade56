"""tasks/grade/cluster.py: grading on an existing Dask cluster (a real `dask scheduler` and two `dask worker`
processes on loopback, started here in a folder without the course or its code), and clear errors."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import zipfile
import io

import pytest

from tasks.base.errors import CourseError
from tasks.course.config import load_course
from tasks.course.paths import Paths
from tasks.grade import gradebook
from tasks.grade.cluster import code_zip, open_client, worker_count
from tasks.grade.run import grade

from gradeclass import write_class, write_course
from procfs import children_of, parent_of, running


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int) -> None:
    """The scheduler listens (a loaded machine may take a while to start it)."""
    for _ in range(1800):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail("the dask scheduler did not start listening")


def wait_for_workers(client, count: int) -> None:
    """Both workers registered (a loaded machine may take a while to start them)."""
    for _ in range(1800):
        if worker_count(client) == count:
            return
        time.sleep(0.1)
    assert worker_count(client) == count


@pytest.fixture
def external_cluster(cluster_processes):
    yield cluster_processes[0]


@pytest.fixture
def cluster_processes(tmp_path):
    """`dask scheduler` + 2 `dask worker`s as real processes, in an empty folder, without PYTHONPATH:
    (address, [scheduler, worker, worker] Popen objects; each worker process group is its nanny and worker)."""
    address = f"tcp://127.0.0.1:{free_port()}"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    dask = [sys.executable, "-m", "dask"]
    procs = [
        subprocess.Popen(
            dask + ["scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1], "--no-dashboard"],
            cwd=elsewhere,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    ]
    procs += [
        subprocess.Popen(
            dask
            + ["worker", address, "--nthreads", "1", "--no-dashboard", "--local-directory", str(elsewhere / f"w{i}")],
            cwd=elsewhere,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for i in range(2)
    ]
    try:
        wait_for_port(int(address.rsplit(":", 1)[1]))
        yield address, procs
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                os.killpg(proc.pid, 9)
            proc.wait()


def test_grading_on_an_existing_cluster_of_two_workers(tmp_path, external_cluster):
    root = write_course(tmp_path / "course")
    expected = write_class(root, ["s01-correct", "s04-stubs", "s06-partial", "s17-syntax-error"])
    course = load_course(root)
    with open_client(external_cluster, None) as client:
        wait_for_workers(client, 2)
        outcome = grade(course, Paths(course), ["vec"], client=client)
        hosts = client.run(lambda: sys.path[:3])
    assert len(outcome.graded) == 4 and not outcome.failed
    db = gradebook.open_gradebook(Paths(course).gradebook)
    found = {}
    for row in gradebook.results(db):
        found.setdefault(row["student"], []).append(row["points"])
    assert found == {s: [float(p) for p in pts] for s, pts in expected.items()}
    assert all(
        any(p.endswith(".zip") and "coursebuild-" in p for p in paths) for paths in hosts.values()
    )  # code uploaded


def test_the_code_zip_holds_the_tasks_package():
    names = zipfile.ZipFile(io.BytesIO(code_zip())).namelist()
    assert "tasks/grade/task.py" in names and "tasks/__init__.py" in names
    assert not any("__pycache__" in n or not n.endswith(".py") for n in names)


def test_an_unreachable_scheduler_is_a_clear_error():
    address = f"tcp://127.0.0.1:{free_port()}"
    with pytest.raises(CourseError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:\d+.*dask scheduler"):
        with open_client(address, None):
            pass


def test_a_cluster_that_cannot_be_reached_stops_the_run_and_records_nothing(tmp_path):
    """The cluster is opened in the background while submissions are read: its error still reaches `tito
    grade` (the CLI turns a CourseError into a message and exit 1), and the gradebook stays empty."""
    root = write_course(tmp_path / "course")
    write_class(root, ["s01-correct", "s04-stubs"])
    course = load_course(root)
    with pytest.raises(CourseError, match=r"cannot reach the Dask scheduler"):
        grade(course, Paths(course), ["vec"], scheduler=f"tcp://127.0.0.1:{free_port()}")
    assert gradebook.results(gradebook.open_gradebook(Paths(course).gradebook)) == []


def test_a_worker_killed_mid_grading_loses_nothing(tmp_path, cluster_processes):
    """SIGKILL a worker (and its nanny) while it grades a submission: Dask gives that submission to the other
    worker, every score is right, and the killed worker's submission process does not run on."""
    import threading

    address, procs = cluster_processes
    root = write_course(tmp_path / "course")
    expected = write_class(root, ["s15-infinite-loop", "s01-correct", "s04-stubs", "s06-partial", "s07-wrong-add"])
    course = load_course(root)
    with open_client(address, None) as client:
        wait_for_workers(client, 2)
        done = {}
        thread = threading.Thread(
            target=lambda: done.update(outcome=grade(course, Paths(course), ["vec"], client=client)), daemon=True
        )
        thread.start()
        victim = None
        for _ in range(3000):  # the worker busy with the infinite loop (it runs for seconds: 3 s per cell)
            busy = [w for w, keys in client.processing().items() if any("s15" in str(k) for k in keys)]
            if busy:
                victim = client.run(os.getpid, workers=busy[:1])[busy[0]]
                break
            time.sleep(0.05)
        assert victim, "the infinite loop was never running on a worker"
        nanny = next(p for p in procs[1:] if p.pid == parent_of(victim))
        submission = []
        for _ in range(600):  # the forked process running the submission, in its own session
            submission = children_of(victim)
            if submission:
                break
            time.sleep(0.05)
        os.killpg(nanny.pid, 9)
        thread.join(600)
        assert not thread.is_alive()
    for _ in range(600):
        if not any(running(pid) for pid in submission):
            break
        time.sleep(0.1)
    assert submission and not any(running(pid) for pid in submission), "the submission outlived its worker"
    outcome = done["outcome"]
    assert len(outcome.graded) == 5 and not outcome.failed
    found = {}
    for row in gradebook.results(gradebook.open_gradebook(Paths(course).gradebook)):
        found.setdefault(row["student"], []).append(row["points"])
    assert found == {s: [float(p) for p in pts] for s, pts in expected.items()}


def test_the_embedded_cluster_runs_without_what_grading_never_uses():
    """No profiler sampling the workers, no work stealing: each cost CPU per task on 2 shared cores."""
    import dask

    keys = ("distributed.worker.profile.enabled", "distributed.scheduler.work-stealing")
    with open_client(None, 1) as client:
        on_worker = list(client.run(lambda: [dask.config.get(k) for k in keys]).values())
        extensions = client.run_on_scheduler(lambda dask_scheduler: sorted(dask_scheduler.extensions))
        assert client.submit(sum, [1, 2]).result() == 3
    assert on_worker == [[False, False]]
    assert "stealing" not in extensions
