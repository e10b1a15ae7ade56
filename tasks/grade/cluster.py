"""Dask distributed: an embedded LocalCluster by default, or an existing cluster by its scheduler address.

The embedded cluster has one single-threaded worker process per core (or `grading.workers`), on
loopback, forked from a server process that imported Dask once; it starts in the background while the
submissions are read (`EarlyClient`), and not at all for a run small enough to grade in this process
(`grade_in_process`). Its traffic is TLS with a temporary certificate made for the run, so nothing else on
the machine can talk to its scheduler; an existing cluster at a tls:// address is reached with the
certificates of course.yaml `grading.tls`. A task carries everything it needs (the submission's answers and
the module bundle, scattered once per module); with an existing cluster the grading code itself is uploaded
to the workers too (a zip of the `tasks` package), so they need no shared file system, only the same Python
and numpy. A worker that dies mid-task: the scheduler retries the task on other workers (ALLOWED_FAILURES
times), then the submission is recorded as a grading error (and graded again by the next run). Dask is
imported only here and in run.py's cluster path, lazily.
"""

from __future__ import annotations

import io
import logging
import os
import threading
import zipfile
from contextlib import contextmanager
from pathlib import Path

from ..base.errors import CourseError
from ..course.model import COURSE_FILE, TlsFiles

PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # the `tasks` package
ALLOWED_FAILURES = 3  # workers that may die running one task before it is a grading error (Dask's default: 3)
SMALL_RUN = 2  # submissions per worker that this process grades itself rather than wait for a cluster's start


def grade_in_process(count: int, scheduler: str | None, workers: int | None) -> bool:
    """Whether `tito grade` grades `count` submissions in its own process, starting no Dask at all: on this
    machine (no scheduler) and at most SMALL_RUN per worker. It is done before a cluster would have started,
    but a submission that kills its grading process ends the whole run there (on a cluster: one worker, which
    is replaced), so only a run that short, quick to redo, skips the cluster (docs/performance.md)."""
    return not scheduler and count <= SMALL_RUN * (workers or os.cpu_count() or 1)


@contextmanager
def open_client(scheduler: str | None, workers: int | None, tls: TlsFiles | None = None):
    """A distributed Client: on the cluster at `scheduler` (over TLS with `tls`, course.yaml's grading.tls,
    for a tls:// address), or on an embedded LocalCluster over TLS with a temporary certificate."""
    import dask
    from distributed import Client, LocalCluster

    settings = {
        "distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
        "distributed.admin.tick.limit": "1h",
        "distributed.logging.distributed": "error",
        # workers forked from one server that imported Dask once, not each a new interpreter importing it:
        # on 2 cores the second worker's start no longer competes with the first one's and with grading
        "distributed.worker.multiprocessing-method": "forkserver",
        # what grading never uses costs CPU on every worker and in the scheduler, for every task and tick: the
        # workers' statistical profiler (100 samples a second), work stealing (queued tasks go to the first free
        # worker anyway), and frequent system, memory and event-loop polls (children are held by RLIMIT_AS)
        "distributed.worker.profile.enabled": False,
        "distributed.scheduler.work-stealing": False,
        "distributed.admin.system-monitor.interval": "2s",
        "distributed.admin.tick.interval": "500ms",
        "distributed.worker.memory.monitor-interval": "1s",
    }
    with dask.config.set(settings):
        if scheduler:
            client = connect(Client, scheduler, _security(scheduler, tls))
            try:
                _upload_code(client)
                yield client
            finally:
                client.close()
            return
        n = workers or os.cpu_count() or 1
        security = _temporary_security()  # a key and certificate made now, in memory: only this run holds them
        with (
            LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                protocol="tls://",
                security=security,
                dashboard_address=":0",
                silence_logs=logging.ERROR,
            ) as cluster,
            Client(cluster, security=security) as client,
        ):
            yield client


def _temporary_security():
    """Dask's `Security.temporary()` (a self-signed certificate for every role of the cluster, in memory only,
    encryption required), made with an elliptic-curve key: RSA's 2048-bit key took 50-300 ms to make, on the
    way to the cluster's start, and every TLS handshake signs with it; P-256 takes ~1 ms."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from distributed.security import Security

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dask-internal")])
    now = datetime.datetime.now(tz=datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("dask-internal")]), critical=False)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=7))
        .sign(key, hashes.SHA256())
    )
    pem_cert = cert.public_bytes(serialization.Encoding.PEM).decode()
    pem_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    roles = {
        f"tls_{role}_{kind}": pem
        for role in ("client", "scheduler", "worker")
        for kind, pem in (("key", pem_key), ("cert", pem_cert))
    }
    return Security(require_encryption=True, tls_ca_file=pem_cert, **roles)


def _security(scheduler: str, tls: TlsFiles | None):
    """The Security to reach `scheduler` with: grading.tls's certificates for a tls:// address (required
    there, and only there), none for a plain one. Unreadable or invalid files are named with their line."""
    from distributed.security import Security

    if not scheduler.startswith("tls://"):
        if tls is not None:
            raise CourseError.at(
                COURSE_FILE,
                tls.line,
                f"grading.tls: the scheduler {scheduler} is not a tls:// address, so its traffic would not be encrypted; write it as tls://{scheduler.split('://', 1)[-1]}",
            )
        return None
    if tls is None:
        raise CourseError.at(
            COURSE_FILE,
            None,
            f"grading.tls: the scheduler {scheduler} uses TLS, but course.yaml names no certificates for it; add grading.tls: {{ca: FILE, cert: FILE, key: FILE}} (docs/grading.md, Grading on a cluster)",
        )
    for name in ("ca", "cert", "key"):
        path = getattr(tls, name)
        try:
            Path(path).read_bytes()
        except OSError as error:
            raise CourseError.at(
                COURSE_FILE,
                tls.line,
                f"grading.tls.{name}: {path} cannot be read ({error.strerror or error}); give the PEM file the cluster's certificates were made with",
            ) from None
    security = Security(tls_ca_file=tls.ca, tls_client_cert=tls.cert, tls_client_key=tls.key, require_encryption=True)
    try:
        security.get_connection_args("client")  # loads the files: a key that is not the certificate's fails here
    except (OSError, ValueError) as error:
        raise CourseError.at(
            COURSE_FILE,
            tls.line,
            f"grading.tls: the certificates cannot be used ({error}); ca and cert must be PEM certificates and key the certificate's PEM private key",
        ) from None
    return security


def start_forkserver() -> None:
    """Start the process the embedded cluster's workers are forked from, now: it imports Dask and the grading
    code on another core while this process imports Dask itself (Dask would start it only after,
    from its first worker). Its workers then start with all of it imported."""
    import multiprocessing
    from multiprocessing import forkserver

    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")  # Dask imports numpy; no worker computes: BLAS threads would only spin
    preload = ["distributed", f"{__package__}.task", f"{__package__}.runner"]
    multiprocessing.get_context("forkserver").set_forkserver_preload(preload)
    forkserver.ensure_running()


class EarlyClient:
    """A client opened in a background thread from `start(count)` on, while the caller goes on reading
    submissions: the embedded cluster's workers (each a new interpreter importing Dask, ~1 s) start during
    that work instead of after it; not while `count` submissions are few enough to grade in this process
    (`grade_in_process`). `get(count)` waits for it (raising what opening raised), or is None when this
    process grades the `count` submissions itself; `close()` closes it, in the thread that opened it (Dask's
    client is bound to that thread's context). With `client` given (tests sharing a cluster) it is that
    client, always used, neither opened nor closed here."""

    def __init__(
        self, scheduler: str | None, workers: int | None, client=None, tls: TlsFiles | None = None, probe=False
    ):
        self.scheduler, self.workers, self.client, self.tls = scheduler, workers, client, tls
        self.probe = probe  # the embedded cluster's workers must each grade a cell in the sandbox before any task
        self.thread, self.error = None, None
        self.ready, self.closing = threading.Event(), threading.Event()

    @property
    def started(self) -> bool:
        """Whether a cluster is being opened (not this process grading the submissions itself)."""
        return self.thread is not None

    def start(self, count: int) -> None:
        if self.client is None and self.thread is None and not grade_in_process(count, self.scheduler, self.workers):
            if not self.scheduler:
                from .sandbox import close_all

                close_all()  # the warm parent started in case this process graded them: the workers will
                start_forkserver()
            self.thread = threading.Thread(target=self.hold, name="tito-grade-cluster", daemon=True)
            self.thread.start()

    def hold(self) -> None:
        """The thread: open the client, hand it over, keep it open until close()."""
        try:
            with open_client(self.scheduler, self.workers, self.tls) as client:
                why = _warm_workers(client, self.probe)
                if why is not None:
                    raise CourseError.at("tito grade", None, why)
                self.client = client
                self.ready.set()
                self.closing.wait()
        except BaseException as error:  # noqa: BLE001 — handed to the caller's thread by get() or close()
            self.error = error
        finally:
            self.ready.set()

    def get(self, count: int):
        self.start(count)
        if self.thread is not None:
            self.ready.wait()
        if self.error is not None:
            raise self.error
        return self.client

    def close(self) -> None:
        if self.thread is not None:
            self.closing.set()
            self.thread.join()
            self.thread = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _warm_workers(client, probe: bool) -> str | None:
    """Each worker's sandboxed warm parent started now, while submissions are still being read, not at its
    first task; with `probe`, a cell graded in it too (sandbox.probe: what `tito grade` checks on this machine
    before grading in its own process). What to tell the instructor when a worker cannot sandbox, or None (a
    worker that fails otherwise says why at its first task)."""
    from .sandbox import SANDBOX_HELP, SandboxError, prestart
    from .sandbox import probe as graded_cell

    try:
        client.run(graded_cell if probe else prestart)
    except SandboxError as error:
        return SANDBOX_HELP.format(why=error) if probe else None
    except Exception:  # noqa: BLE001 — nothing is lost: the first task starts it, or fails saying why
        pass
    return None


def connect(Client, scheduler: str, security=None):
    """A client of the cluster at `scheduler`; a scheduler nothing listens at fails at once (a plain TCP
    connect first), not after Dask's 30 s of retries, and so does one that refuses the certificates."""
    try:
        reachable(scheduler)
        return Client(scheduler, security=security, timeout="30s")
    except (OSError, TimeoutError) as error:
        fix = (
            "check that grading.tls names the certificates the scheduler and workers were started with"
            if security is not None
            else f"start it with `dask scheduler` and workers with `dask worker {scheduler}`"
        )
        raise CourseError.at(
            COURSE_FILE,
            None,
            f"grading.scheduler: cannot reach the Dask scheduler at {scheduler} ({error}); {fix}, or grade on this machine without --scheduler",
        )


def reachable(scheduler: str) -> None:
    """Raise OSError when nothing accepts a TCP connection at a tcp:// or tls:// scheduler address (others:
    no check)."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(scheduler)
    if parts.scheme in ("tcp", "tls") and parts.hostname and parts.port:
        socket.create_connection((parts.hostname, parts.port), timeout=10).close()


def code_zip() -> bytes:
    """The `tasks` package as a zip the workers import from (sources only)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(PACKAGE_ROOT.rglob("*.py")):
            if "__pycache__" not in path.parts:
                archive.write(path, path.relative_to(PACKAGE_ROOT.parent).as_posix())
    return buffer.getvalue()


def _upload_code(client) -> None:
    """Send the grading code to every worker (and to workers that join later)."""
    import hashlib
    import tempfile

    data = code_zip()
    name = f"coursebuild-{hashlib.sha256(data).hexdigest()[:12]}.zip"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        client.upload_file(str(path), load=True)  # puts the zip on sys.path and imports `tasks` from it


def worker_count(client) -> int:
    return len(client.scheduler_info().get("workers", {}))
