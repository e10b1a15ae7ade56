"""tasks/grade/cluster.py: grading on an existing Dask cluster (a real `dask scheduler` and one or two `dask
worker` processes on loopback, started here in a folder without the course or its code, in plain TCP or TLS
with certificates made here), workers killed mid-run, the embedded cluster (in this process, listening
nowhere), and clear errors."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from contextlib import contextmanager
from dataclasses import replace

import pytest

from tasks.base.errors import CourseError
from tasks.course.config import load_course
from tasks.course.paths import Paths
from tasks.grade import gradebook
from tasks.grade.cluster import code_zip, open_client, worker_count
from tasks.grade.run import RETRY, grade

from gradeclass import REPO, write_class, write_course
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
    with dask_processes(tmp_path / "elsewhere", "tcp") as found:
        yield found


@pytest.fixture
def tls_cluster(tmp_path):
    """The same, in TLS with certificates made here (docs/grading.md's snippet): (address, certificates)."""
    with tls_processes(tmp_path) as found:
        yield found


@contextmanager
def tls_processes(folder):
    """`dask scheduler` + 2 `dask worker`s in TLS, with certificates made under `folder`: (address, certificates)."""
    certificates = make_certificates(folder / "certs")
    options = [
        "--tls-ca-file",
        certificates["ca"],
        "--tls-cert",
        certificates["cert"],
        "--tls-key",
        certificates["key"],
    ]
    with dask_processes(folder / "elsewhere", "tls", options) as (address, _):
        yield address, certificates


@pytest.fixture
def one_worker(tmp_path):
    """`dask scheduler` + 1 `dask worker` (with its nanny, which starts a new worker when one dies)."""
    with dask_processes(tmp_path / "elsewhere", "tcp", workers=1) as (address, _):
        yield address


@contextmanager
def dask_processes(elsewhere, protocol: str, options=(), workers: int = 2):
    address = f"{protocol}://127.0.0.1:{free_port()}"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    dask = [sys.executable, "-m", "dask"]
    scheduler = ["scheduler", "--protocol", protocol, "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1]]
    procs = [
        subprocess.Popen(
            dask + scheduler + ["--no-dashboard", *options],
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
            + ["worker", address, "--nthreads", "1", "--no-dashboard", "--local-directory", str(elsewhere / f"w{i}")]
            + list(options),
            cwd=elsewhere,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for i in range(workers)
    ]
    try:
        wait_for_port(int(address.rsplit(":", 1)[1]))
        yield address, procs
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                os.killpg(proc.pid, 9)
            proc.wait()


def make_certificates(folder) -> dict[str, str]:
    """A key and a self-signed certificate that is also the CA, with `cryptography` (as docs/grading.md shows):
    {ca, cert, key} file paths."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tito-grading")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True)
    (folder / "grading.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "grading.key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return {"ca": str(folder / "grading.pem"), "cert": str(folder / "grading.pem"), "key": str(folder / "grading.key")}


def with_tls(root, certificates: dict[str, str]) -> None:
    """course.yaml's grading.tls naming `certificates`, relative to the course folder as an instructor writes them."""
    lines = "".join(f"    {name}: {os.path.relpath(path, root)}\n" for name, path in certificates.items())
    text = (root / "course.yaml").read_text()
    (root / "course.yaml").write_text(text.replace("grading:\n", "grading:\n  tls:\n" + lines, 1))


def tito(root, *args):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    command = [sys.executable, "-m", "tasks.cli.grade", "-C", str(root), *args]
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=600)


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
            victim = busy_with(client, "s15")
            if victim:
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


def busy_with(client, fragment: str) -> int | None:
    """The pid of a worker process running a task whose key holds `fragment`, or None."""
    for worker, keys in client.processing().items():
        if any(fragment in str(k) for k in keys):
            pid = client.run(os.getpid, workers=[worker], on_error="return").get(worker)
            if isinstance(pid, int):
                return pid
    return None


def grade_killing(client, course, fragment: str, kills: int | None):
    """Grade `course`'s vec on `client` while SIGKILLing the worker process that runs the task of `fragment`,
    `kills` times (None: each time it runs, until the run ends); the outcome and the pids killed."""
    done, killed = {}, []
    thread = threading.Thread(
        target=lambda: done.update(outcome=grade(course, Paths(course), ["vec"], client=client)), daemon=True
    )
    thread.start()
    while thread.is_alive() and (kills is None or len(killed) < kills):
        pid = busy_with(client, fragment)
        if pid and pid not in killed:
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        time.sleep(0.05)
    thread.join(900)
    assert not thread.is_alive() and "outcome" in done
    return done["outcome"], killed


def scores(paths) -> dict[str, list[float]]:
    found = {}
    for row in gradebook.results(gradebook.open_gradebook(paths.gradebook)):
        found.setdefault(row["student"], []).append(row["points"])
    return found


def test_the_only_worker_killed_mid_grading_loses_neither_the_bundle_nor_a_score(tmp_path, one_worker):
    """SIGKILL a cluster's only worker while it grades: the module bundle scattered to it is lost with it, so
    Dask cancels every task that needed it; its nanny starts a new worker, each cancelled task is submitted
    again carrying the bundle, and every score is exactly right."""
    root = write_course(tmp_path / "course")
    expected = write_class(root, ["s15-infinite-loop", "s01-correct", "s04-stubs", "s06-partial"])
    course = load_course(root)
    with open_client(one_worker, None) as client:
        wait_for_workers(client, 1)
        outcome, killed = grade_killing(client, course, "s15", kills=1)
    assert len(killed) == 1
    assert len(outcome.graded) == 4 and not outcome.failed
    assert scores(Paths(course)) == {s: [float(p) for p in pts] for s, pts in expected.items()}


def test_a_submission_whose_workers_keep_dying_has_no_grade_and_is_graded_again(tmp_path, one_worker):
    """Each worker that runs one submission is SIGKILLed: after Dask's retries it is a grading error, stored
    under a RETRY key with no grade (an empty cell in grades.csv, the reason in grades-long.csv); the next run
    grades it, right. A submission waiting behind it on the dying worker may be counted too (Dask counts every
    task a dead worker held): then it is a grading error as well, never a score."""
    from tasks.grade.cluster import ALLOWED_FAILURES
    from tasks.grade.report import write_reports

    root = write_course(tmp_path / "course")
    expected = write_class(root, ["s15-infinite-loop", "s01-correct", "s04-stubs"])
    course = load_course(root)
    paths = Paths(course)
    with open_client(one_worker, None) as client:
        wait_for_workers(client, 1)
        outcome, killed = grade_killing(client, course, "s15", kills=None)
        assert len(killed) > ALLOWED_FAILURES
        failed = {r.student for r in outcome.failed}
        assert "s15-infinite-loop" in failed and failed | {r.student for r in outcome.graded} == set(expected)
        db = gradebook.open_gradebook(paths.gradebook)
        for row in gradebook.submissions(db):
            if row["student"] in failed:
                assert row["status"] == "error" and row["key"].startswith(RETRY), row
                assert (
                    "grading failed (KilledWorker" in row["message"] and "run `tito grade vec` again" in row["message"]
                )
            else:
                assert row["status"] == "graded" and row["student"] != "s15-infinite-loop"
        graded = {s: [float(p) for p in pts] for s, pts in expected.items() if s not in failed}
        assert {s: pts for s, pts in scores(paths).items() if s not in failed} == graded

        summary = write_reports(course, paths, gradebook.results(db))
        assert f"{len(failed)} not graded (grading failed): run `tito grade vec` again" in summary
        wide = paths.grades_csv.read_text().splitlines()
        assert all(f"{student},," in wide for student in failed)  # no grade, no total: not a 0
        long = [line for line in paths.grades_long_csv.read_text().splitlines() if line.startswith("s15-")]
        assert len(long) == 4  # test-add, test-scale, test-partial, explain
        assert all(
            line.split(",")[3] == "" and ",error," in line and "grading failed (KilledWorker" in line for line in long
        )

        again = grade(course, paths, ["vec"], client=client)
    assert {r.student for r in again.graded} == failed and again.skipped == 3 - len(failed) and not again.failed
    assert scores(paths) == {s: [float(p) for p in pts] for s, pts in expected.items()}


def listening_sockets() -> dict[str, str]:
    """The sockets this process listens on (TCP and UDP over IPv4 and IPv6, Unix): {inode: local address}."""
    mine = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            mine.add(target[8:-1])
    found = {}
    for table in ("tcp", "tcp6", "udp", "udp6"):
        with open(f"/proc/net/{table}") as handle:
            for line in list(handle)[1:]:
                fields = line.split()
                if fields[3] in ("0A", "07") and fields[9] in mine:  # LISTEN (TCP), unconnected (UDP)
                    found[fields[9]] = fields[1]
    with open("/proc/net/unix") as handle:
        for line in list(handle)[1:]:
            fields = line.split()
            if int(fields[3], 16) & 0x10000 and fields[6] in mine:  # __SO_ACCEPTCON: listening
                found[fields[6]] = "unix:" + (fields[7] if len(fields) > 7 else "")
    return found


def test_the_embedded_cluster_runs_in_this_process_and_listens_nowhere(tmp_path):
    """The embedded scheduler and workers are this process's threads, talking over inproc://: nothing can
    connect to them (no TLS needed, no port to find). The one thing Dask always opens beside each, an HTTP
    server, listens on loopback only and serves nothing (no health, metrics or task pages naming students).
    Grading through the cluster works, every score exact."""
    import urllib.error
    import urllib.request

    root = write_course(tmp_path / "course")
    expected = write_class(root, ["s01-correct", "s06-partial", "s04-stubs"])
    course = load_course(root)
    before = listening_sockets()
    with open_client(None, 2) as client:
        assert client.scheduler.address.startswith("inproc://")
        assert set(client.run(os.getpid).values()) == {os.getpid()} and worker_count(client) == 2
        outcome = grade(course, Paths(course), ["vec"], client=client)
        opened = {inode: where for inode, where in listening_sockets().items() if inode not in before}
        assert opened and all(where.startswith("0100007F:") for where in opened.values()), opened  # 127.0.0.1
        for where in opened.values():
            for page in ("health", "metrics", "json/identity.json", "info/main/workers.html", "statics/x"):
                url = f"http://127.0.0.1:{int(where.split(':')[1], 16)}/{page}"
                with pytest.raises(urllib.error.HTTPError) as refused:
                    urllib.request.urlopen(url, timeout=10)
                assert refused.value.code == 404, url
    assert len(outcome.graded) == 3 and not outcome.failed
    assert scores(Paths(course)) == {s: [float(p) for p in pts] for s, pts in expected.items()}


def test_grading_on_a_tls_cluster_with_the_certificates_of_course_yaml(tmp_path, tls_cluster):
    """`tito grade --scheduler tls://...` with course.yaml's grading.tls: graded on the external TLS cluster;
    another certificate is refused by it with a message naming grading.tls."""
    address, certificates = tls_cluster
    root = write_course(tmp_path / "course")
    expected = write_class(root, ["s01-correct", "s04-stubs", "s06-partial"])
    with_tls(root, certificates)
    result = tito(root, "vec", "--scheduler", address)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "graded 3 submission(s)" in result.stdout
    course = load_course(root)
    assert scores(Paths(course)) == {s: [float(p) for p in pts] for s, pts in expected.items()}

    impostor = make_certificates(tmp_path / "impostor")
    with pytest.raises(
        CourseError, match=r"cannot reach the Dask scheduler .*check that grading.tls names the certificates"
    ):
        with open_client(address, None, replace(course.grading.tls, **impostor)):
            pass


def test_tls_settings_that_cannot_work_are_clear_errors(tmp_path):
    """A tls:// scheduler without grading.tls; grading.tls with a tcp:// scheduler; a certificate file that is
    missing; a key that is not a key: each a CourseError naming course.yaml (and the line of grading.tls)."""
    certificates = make_certificates(tmp_path / "certs")
    root = write_course(tmp_path / "course")
    with_tls(root, {**certificates, "key": str(tmp_path / "certs" / "missing.key")})
    tls = load_course(root).grading.tls
    address = f"tls://127.0.0.1:{free_port()}"
    cases = [
        (
            address,
            None,
            r"^course.yaml: grading.tls: the scheduler tls://.* uses TLS, but course.yaml names no certificates",
        ),
        (
            f"tcp://127.0.0.1:{free_port()}",
            tls,
            r"^course.yaml:4: grading.tls: the scheduler tcp://.* is not a tls:// address",
        ),
        (address, tls, r"^course.yaml:4: grading.tls.key: .*missing.key cannot be read \(No such file or directory\)"),
        (
            address,
            replace(tls, key=certificates["cert"]),
            r"^course.yaml:4: grading.tls: the certificates cannot be used",
        ),
    ]
    for scheduler, settings, message in cases:
        with pytest.raises(CourseError, match=message):
            with open_client(scheduler, None, settings):
                pass


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
