"""Dask distributed: an embedded LocalCluster by default, or an existing cluster by its scheduler address.

The embedded cluster runs in this process: a scheduler and one single-threaded worker per core (or
`grading.workers`), talking in memory (Dask's inproc:// transport), so it listens on no port at all and
nothing else on the machine can reach it; each worker thread forks its submissions from a sandboxed warm
parent of its own (sandbox.py), where they run. A worker process per core bought nothing more: the sandbox,
not the worker, is what a submission cannot get out of, and each worker process cost its start (Dask
imported, a TLS handshake: ~0.7 s of a run's 2 cores) and every task's trip through a socket. It starts in
the background while the submissions are read (`EarlyClient`), and not at all for a run small enough to
grade without Dask (`grade_in_process`). An existing cluster at a tls:// address is reached with the
certificates of course.yaml `grading.tls`; a task carries everything it needs (the submission's answers and
the module bundle, scattered once per module), and the grading code itself is uploaded to its workers (a zip
of the `tasks` package), so they need no shared file system, only the same Python and numpy. A worker of an
existing cluster that dies mid-task: the scheduler retries the task on other workers (ALLOWED_FAILURES
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
SMALL_RUN = 2  # submissions per worker graded without Dask rather than wait for its import and start


def grade_in_process(count: int, scheduler: str | None, workers: int | None) -> bool:
    """Whether `tito grade` grades `count` submissions without Dask, on threads of its own (run.py): on this
    machine (no scheduler) and at most SMALL_RUN per worker, which are graded in about the time Dask takes to
    be imported and started (docs/performance.md)."""
    return not scheduler and count <= SMALL_RUN * (workers or os.cpu_count() or 1)


@contextmanager
def open_client(scheduler: str | None, workers: int | None, tls: TlsFiles | None = None):
    """A distributed Client: on the cluster at `scheduler` (over TLS with `tls`, course.yaml's grading.tls,
    for a tls:// address), or on an embedded LocalCluster in this process (`workers` threads)."""
    import dask
    from distributed import Client, LocalCluster

    settings = {
        "distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
        "distributed.admin.tick.limit": "1h",
        "distributed.logging.distributed": "error",
        # what grading never uses costs CPU on every worker and in the scheduler, for every task and tick: the
        # workers' statistical profiler (100 samples a second), work stealing (queued tasks go to the first free
        # worker anyway), and frequent system, memory and event-loop polls (children are held by RLIMIT_AS)
        "distributed.worker.profile.enabled": False,
        "distributed.scheduler.work-stealing": False,
        "distributed.admin.system-monitor.interval": "2s",
        "distributed.admin.tick.interval": "500ms",
        "distributed.worker.memory.monitor-interval": "1s",
    }
    embedded = {"distributed.scheduler.http.routes": [], "distributed.worker.http.routes": []}
    with dask.config.set({**settings, **({} if scheduler else embedded)}):
        if scheduler:
            client = connect(Client, scheduler, _security(scheduler, tls))
            try:
                _upload_code(client)
                yield client
            finally:
                client.close()
            return
        n = workers or os.cpu_count() or 1
        with (
            LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=False,  # threads of this process, over inproc://: no port, no TLS to need
                memory_limit=0,  # a submission's memory is its sandbox's to limit; this process's is small
                # the HTTP server Dask starts beside each (health, metrics, task pages naming students):
                # on loopback, serving nothing
                dashboard_address="127.0.0.1:0",
                worker_dashboard_address="127.0.0.1:0",
                scheduler_kwargs={"dashboard": False},
                silence_logs=logging.ERROR,
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client


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


class EarlyClient:
    """A client opened in a background thread from `start(count)` on, while the caller goes on reading
    submissions: Dask is imported and the cluster started (or reached) during that work instead of after it,
    and, for the embedded cluster, each worker's warm parent launched; not while `count` submissions are few
    enough to grade without Dask (`grade_in_process`). `get(count)` waits for it (raising what opening
    raised), or is None when this process grades the `count` submissions itself; `close()` closes it, in the
    thread that opened it (Dask's client is bound to that thread's context). With `client` given (tests
    sharing a cluster) it is that client, always used, neither opened nor closed here."""

    def __init__(self, scheduler: str | None, workers: int | None, client=None, tls: TlsFiles | None = None):
        self.scheduler, self.workers, self.client, self.tls = scheduler, workers, client, tls
        self.thread, self.error = None, None
        self.ready, self.closing = threading.Event(), threading.Event()

    def start(self, count: int) -> None:
        if self.client is None and self.thread is None and not grade_in_process(count, self.scheduler, self.workers):
            if not self.scheduler:  # the embedded cluster's workers are threads of this process: a warm parent each
                from .sandbox import prestart

                prestart(wait=False, count=self.workers or os.cpu_count() or 1)
            self.thread = threading.Thread(target=self.hold, name="tito-grade-cluster", daemon=True)
            self.thread.start()

    def hold(self) -> None:
        """The thread: open the client, hand it over, keep it open until close()."""
        try:
            with open_client(self.scheduler, self.workers, self.tls) as client:
                if self.scheduler:
                    _warm_workers(client)
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


def _warm_workers(client) -> None:
    """Each worker's sandboxed warm parent started now, while submissions are still being read, not at its
    first task (a worker that cannot start one says why at its first task)."""
    from .sandbox import prestart

    try:
        client.run(prestart)
    except Exception:  # noqa: BLE001 — nothing is lost: the first task starts it, or fails saying why
        pass


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
