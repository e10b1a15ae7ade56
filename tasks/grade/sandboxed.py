"""The program inside the grading sandbox: a warm Python that forks one separate process per submission.

It is not imported by the grader: sandbox.py runs this file's text as `python -I -S -c TEXT SETTINGS`, under
bubblewrap (no network, a read-only file system of the Python runtime only, an unprivileged user, no
environment) or, with `--no-sandbox`, as a plain process. Standard library only (numpy and IPython are
imported to warm the parent, never required).

The *zygote* (this program's main loop) imports what submissions import, once, and then waits on its
control socket (a descriptor it inherits) for requests: one JSON line per submission with two descriptors
attached, the submission's cells pipe (read) and its reports pipe (write). For each it makes a new PID
namespace for its children (`unshare`), forks the notebook's process into it, PID 1 there, and puts its
children back in its own (`setns`): every process the submission starts lives in that namespace and dies
with it. The notebook's process makes its own mount, IPC and UTS namespaces, mounts a fresh /proc (or an
empty one) and its own size-capped scratch at /tmp, drops every capability, sets its limits, and reads the
grader's messages; the zygote waits for it and says how it ended. Nothing of another submission, and
nothing of the grader, is ever in it: the grader sends the package files, then one cell at a time (a test
cell's source only when it is that cell's turn), and reads one report per cell. The zygote is not dumpable
and is outside the submission's PID namespace, so a submission can neither see, signal nor read it.

The notebook's process is its namespace's init (a process between them, only to be init, cost each
submission ~10% of its grading; one forked to make its namespaces and wait for it, ~2.5 ms more): as for any
init, a signal with its default action that a process of the submission sends it (`os.kill(os.getpid(),
signal.SIGTERM)`) is ignored, while the kernel's (a fault, the memory limit) and the grader's kill it;
processes orphaned in the namespace are not reaped before it ends (they count against its process limit).
The zygote itself runs as the init of a PID namespace of its own, below bubblewrap's (`_own_namespace`).

Frames from the grader: 4-byte big-endian length + JSON. Reports to the grader: one JSON line each.
"""

import ctypes
import json
import os
import select
import signal
import socket
import struct
import sys

CAPTURED_OUTPUT = 4000  # characters of a cell's printed output kept
MESSAGE_LIMIT = 2000  # characters of an error message or a value's repr
WARM_MODULES = ("numpy", "numpy.random", "numpy.linalg", "math", "time")  # what TinyTorch modules import
WARM_CELLS = (  # what a notebook's cells do: statements, a definition, a test, a value, an error, a magic
    "import numpy as np\n_warm = np.arange(3)\n\ndef _double(a):\n    return a * 2\n",
    "assert _double(_warm).sum() == 6, 'doubles'\nassert _warm.shape == (3,)\n_double(_warm)",
    "class _Warm:\n    def __init__(self):\n        self.x = 1\n_Warm().x",
    "raise ValueError('warm')",
    "%time _warm.sum()",
)

_CLONE_NEWNS, _CLONE_NEWUTS, _CLONE_NEWIPC, _CLONE_NEWPID = 0x00020000, 0x04000000, 0x08000000, 0x20000000
_MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_RDONLY, _MS_REMOUNT, _MS_BIND = 2, 4, 8, 1, 32, 4096
_MS_REC, _MS_PRIVATE = 16384, 1 << 18
_PR_SET_PDEATHSIG, _PR_SET_DUMPABLE, _PR_CAPBSET_DROP, _PR_SET_NO_NEW_PRIVS, _PR_CAP_AMBIENT = 1, 4, 24, 38, 47
_LIBC = ctypes.CDLL(None, use_errno=True)


# --- the zygote -------------------------------------------------------------------------------------


def main(settings: dict) -> None:
    sys.path[:0] = settings.get("path", [])
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")  # one thread: a fork copies none, and the CPU counted is the cell's
    warm()
    for text in settings.get("startup", []):  # the grader's additions to the shell (its AST transformers)
        exec(compile(text, "<startup>", "exec"), {"__name__": "__startup__"})
    import gc

    gc.freeze()  # the warm objects out of the collector's reach: a submission's collections copy none of them
    _LIBC.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)  # neither readable nor traceable by what it forks
    own = _own_namespace() if settings.get("isolate") else -1
    control = socket.socket(fileno=int(settings["control"]))
    pid = int(os.readlink("/proc/self")) if own >= 0 else os.getpid()  # as bubblewrap's namespace sees it
    control.sendall(json.dumps({"ready": True, "pid": pid}).encode() + b"\n")
    running = None  # (pid, pidfd, reports fd) of the notebook's process this zygote waits for
    while True:
        ready, _, _ = select.select([control] + ([running[1]] if running else []), [], [])
        if running and running[1] in ready:
            _reap(*running)
            running = None
            continue
        request, fds = receive(control)
        if request is None:
            os._exit(0)  # the grader closed the socket
        if running:  # the grader waits until a submission is gone before it asks for the next one
            _reap(*running)
        running = start(request, fds, own)


def _own_namespace() -> int:
    """Go on in a PID namespace of this program's own, as its PID 1, and return it (a descriptor; -1 where it
    cannot be made). Giving each submission a namespace of its own (`unshare`) and then this process's
    children back their parent's (`setns`) takes the capability in the user namespace that owns the parent's
    namespace: bubblewrap's is owned by the user namespace above the one this program runs in
    (`--disable-userns` nests one), a namespace made here by this one. The process that makes it stays
    outside, waiting, and ends as the program does; the program dies with it."""
    if _LIBC.unshare(_CLONE_NEWPID) != 0:
        return -1
    pid = os.fork()
    if pid:
        _, status = os.waitpid(pid, 0)
        os._exit(os.waitstatus_to_exitcode(status) % 256)
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    try:
        return os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return -1


def start(request: dict, fds: list, own: int):
    """Fork the notebook's process for one request, in a PID namespace of its own where it is PID 1 (made with
    `unshare` here, then this process's children are put back in its own namespace with `setns`); (pid,
    pidfd, reports fd) to wait for, or None when no process could be made (its pipes close: it died)."""
    cells_fd, reports_fd = fds
    isolate = bool(request.get("isolate"))
    if isolate and (own < 0 or _LIBC.unshare(_CLONE_NEWPID) != 0):
        why = f"errno {ctypes.get_errno()}" if own >= 0 else "the warm parent has no namespace of its own"
        broken(reports_fd, f"cannot make a PID namespace ({why})", leave=False)
        pid = -1
    else:
        try:
            pid = os.fork()
        except OSError:  # no memory or process left in the cgroup: that submission dies (its pipes close), not this
            pid = -1
        if pid == 0:
            try:
                submission(request, cells_fd, reports_fd)
            finally:
                os._exit(70)
        if isolate and _LIBC.setns(own, _CLONE_NEWPID) != 0:  # the next submission's namespace is new again
            os._exit(72)  # cannot happen (its own namespace); the grader starts a new warm parent
    os.close(cells_fd)
    if pid <= 0:
        os.close(reports_fd)
        return None
    return pid, os.pidfd_open(pid), reports_fd


def _reap(pid: int, pidfd: int, reports_fd: int) -> None:
    """Wait for the notebook's process and say how it ended, on a report line of its own (it may have died in
    the middle of one); the grader may have stopped reading."""
    _, status = os.waitpid(pid, 0)
    try:
        os.write(reports_fd, ("\n" + json.dumps({"event": "exit", "status": status}) + "\n").encode())
    except OSError:
        pass
    os.close(reports_fd)
    os.close(pidfd)


def warm() -> None:
    """Import what submissions import (numpy.random alone is ~25 ms a submission when each imports it), and
    make the IPython shell every submission's cells run in."""
    import importlib

    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    Cells.make_shell()


def receive(control):
    """(request dict, [fd, fd]) from the grader, or (None, []) when it has gone."""
    data, fds = b"", []
    while not data.endswith(b"\n"):
        message, ancillary, _, _ = control.recvmsg(65536, socket.CMSG_SPACE(2 * 4))
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.extend(struct.unpack(f"{len(payload) // 4}i", payload[: len(payload) // 4 * 4]))
        if not message:
            return None, []
        data += message
    return json.loads(data), fds


def _prefer_killing_me() -> None:
    """The first victim when the submission's cgroup runs out of memory, before the warm parent the cgroup
    also holds (which sandbox.py moves in once, so that each submission is born there): the notebook's
    process, and everything it forks, take the highest OOM score. A submission that lowers its own again risks
    only its own run (the warm parent, killed, is started again)."""
    _LIBC.prctl(_PR_SET_DUMPABLE, 1, 0, 0, 0)  # its /proc files are its own again, not root's outside its namespace
    try:
        with open("/proc/self/oom_score_adj", "w") as handle:
            handle.write("1000")
    except OSError:
        pass
    finally:
        _LIBC.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)


def broken(fd: int, why: str, leave: bool = True) -> None:
    try:
        os.write(fd, (json.dumps({"event": "broken", "why": why}) + "\n").encode())
    except OSError:
        pass
    if leave:
        os._exit(71)


# --- one submission's process ----------------------------------------------------------------------


def submission(request: dict, cells_fd: int, reports_fd: int) -> None:
    """The notebook's process, PID 1 of its namespace: its other namespaces, mounts, limits and privileges set
    up, then the notebook (`notebook`)."""
    keep = {cells_fd, reports_fd}
    low = 3  # every other descriptor, the control socket above all: a submission must not ask for processes
    for fd in sorted(keep):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 65536)
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # the warm parent gone (killed): so is everything here
    if request.get("isolate"):
        _prefer_killing_me()
        if _LIBC.unshare(_CLONE_NEWNS | _CLONE_NEWIPC | _CLONE_NEWUTS) != 0:
            broken(reports_fd, f"unshare failed (errno {ctypes.get_errno()})")
    baseline = (_mapped_bytes(), _tasks_of_this_user())  # read while the sandbox's /proc is still in view
    if request.get("isolate"):
        _private_mounts(request, reports_fd)
    else:
        os.setsid()  # its own process group, which the grader kills
        os.chdir(request["scratch"])
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE, signal.SIGCHLD):
        signal.signal(number, signal.SIG_DFL)
    devnull = os.open(os.devnull, os.O_RDWR)
    for std in (0, 1, 2):
        os.dup2(devnull, std)
    os.close(devnull)
    _set_limits(request, *baseline)
    if request.get("isolate"):
        _drop_privileges(reports_fd)
    notebook(cells_fd, reports_fd)


def notebook(cells_fd: int, reports_fd: int) -> None:
    """The notebook: the package files, then each cell as it comes, a report for each."""
    report = reporter(reports_fd)
    read = frames(cells_fd)
    first = next(read, None)
    if not isinstance(first, dict) or "files" not in first:
        return
    write_files(first["files"])
    if "tinytorch" in sys.modules:  # a package the warm parent imported (going through every module name
        for name in [n for n in sys.modules if n == "tinytorch" or n.startswith("tinytorch.")]:  # costs ~0.7 ms)
            del sys.modules[name]
    sys.path.insert(0, os.getcwd())
    sys.stdin = open(os.devnull)
    sys.argv = ["notebook"]
    shell = Cells()
    report({"event": "ready"})
    for message in read:
        if not isinstance(message, dict) or "source" not in message:
            return
        report({"cell": message.get("cell"), **shell.run(message)})


def _private_mounts(request: dict, reports_fd: int) -> None:
    """/proc of this PID namespace only (an empty one where the kernel refuses that), and scratch of its own."""

    def mount(source, target, kind, flags, data=None) -> bool:
        return _LIBC.mount(source, target, kind, flags, data) == 0

    if not mount(None, b"/", None, _MS_REC | _MS_PRIVATE):
        broken(reports_fd, f"cannot make mounts private (errno {ctypes.get_errno()})")
    hidden = _MS_NOSUID | _MS_NODEV | _MS_NOEXEC
    if not mount(b"proc", b"/proc", b"proc", hidden) and not mount(b"none", b"/proc", b"tmpfs", hidden | _MS_RDONLY):
        broken(reports_fd, f"cannot hide the sandbox's /proc (errno {ctypes.get_errno()})")
    size = f"size={int(request['scratch_mb'])}m,nr_inodes=4096,mode=0700".encode()
    for target in (b"/tmp", b"/dev/shm"):
        if os.path.isdir(target) and not mount(b"scratch", target, b"tmpfs", _MS_NOSUID | _MS_NODEV, size):
            broken(reports_fd, f"cannot mount the scratch at {target.decode()} (errno {ctypes.get_errno()})")
    if not mount(b"/dev", b"/dev", None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | hidden):
        broken(reports_fd, f"cannot make /dev read-only (errno {ctypes.get_errno()})")
    os.chdir("/tmp")
    os.setsid()


def _set_limits(request: dict, mapped: int, tasks: int) -> None:
    """Per-process limits: the address space always (a single huge allocation is a MemoryError of its cell;
    where the grader holds the submission in a cgroup, that caps the sum), processes where there is no cgroup."""
    import resource

    limits = [(resource.RLIMIT_CORE, 0), (resource.RLIMIT_NOFILE, 256)]
    # the cap is on what the submission adds to the warm parent it was forked from
    limits.append((resource.RLIMIT_AS, mapped + int(request["memory_mb"]) * 1024 * 1024))
    if request.get("nproc_rlimit"):
        limits.append((resource.RLIMIT_NPROC, tasks + int(request["processes"])))
    for kind, value in limits:
        resource.setrlimit(kind, (value, value))


def _mapped_bytes() -> int:
    """This process's virtual memory size (VmSize), which RLIMIT_AS counts; 0 where unknown."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _tasks_of_this_user() -> int:
    """Threads running as this user in the sandbox (RLIMIT_NPROC counts them all: the zygote too)."""
    try:
        return sum(len(os.listdir(f"/proc/{p}/task")) for p in os.listdir("/proc") if p.isdigit())
    except OSError:
        return 8


def _drop_privileges(reports_fd: int) -> None:
    """No capability left, none to gain (the zygote needed CAP_SYS_ADMIN for the namespaces above)."""
    for cap in range(64):
        _LIBC.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)
    _LIBC.prctl(_PR_CAP_AMBIENT, 4, 0, 0, 0)  # PR_CAP_AMBIENT_CLEAR_ALL
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()
    if _LIBC.capset(header, data) != 0 or _LIBC.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        broken(reports_fd, f"cannot drop capabilities (errno {ctypes.get_errno()})")


def frames(fd: int):
    """The grader's messages: a 4-byte length, then that much JSON."""
    while True:
        head = _read_exactly(fd, 4)
        if head is None:
            return
        body = _read_exactly(fd, struct.unpack(">I", head)[0])
        if body is None:
            return
        yield json.loads(body)


def _read_exactly(fd: int, size: int):
    data = b""
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def write_files(files) -> None:
    """The package it is graded against: [relative path, latin-1 text of the bytes] pairs."""
    for relative, text in files:
        target = os.path.join(os.getcwd(), *str(relative).split("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(text.encode("latin-1"))


def reporter(fd: int):
    def report(message: dict) -> None:
        data = (json.dumps(message, default=str) + "\n").encode("utf-8", "replace")
        while data:
            data = data[os.write(fd, data) :]

    return report


# --- running cells ---------------------------------------------------------------------------------


class Capped:
    """A text stream that keeps the first CAPTURED_OUTPUT characters and counts the rest."""

    def __init__(self):
        self.parts, self.kept, self.dropped = [], 0, 0

    def __setattr__(self, name, value):
        # IPython's run_cell tees the streams into its output history by patching `write`: that would keep
        # every printed byte in memory and make each print ten times slower; what a cell printed is kept here
        if name != "write":
            object.__setattr__(self, name, value)

    def write(self, text) -> int:
        text = str(text)
        room = CAPTURED_OUTPUT - self.kept
        if room > 0:
            self.parts.append(text[:room])
            self.kept += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def text(self) -> str:
        extra = f"\n... ({self.dropped} more characters not kept)" if self.dropped else ""
        return "".join(self.parts) + extra


class Cells:
    """The notebook's cells as Jupyter runs them: IPython's own InteractiveShell (magics, `display`,
    `get_ipython`, the value of a last expression), made once in the warm parent, so a notebook that
    validates in a kernel scores the same here. Nothing is printed for a value or a traceback: the value
    is reported as its repr (nbgrader's partial credit), an error as its type and message."""

    shell = None  # made by warm(), copied into every submission's process by fork

    @classmethod
    def make_shell(cls) -> None:
        from IPython.core import interactiveshell
        from IPython.core.displayhook import DisplayHook
        from IPython.core.inputtransformer2 import TransformerManager
        from traitlets.config import Config

        class QuietDisplayHook(DisplayHook):
            def write_output_prompt(self):
                pass

            def write_format_data(self, format_dict, md_dict=None):
                pass

        class Transformer(TransformerManager):
            """IPython's input transformations, its token pass skipped where it cannot change anything: every
            piece of syntax that pass rewrites (`%magic`, `!cmd`, `a = %x`, `a = !cmd`, `obj?`, `,f a`, `;f a`,
            `/f a`) is outside Python's grammar, so a text that parses as Python holds none of it. The pass
            tokenizes the cell in pure Python: ~30% of what IPython adds to a short cell."""

            def do_token_transforms(self, lines):
                return lines if _parses("".join(lines)) else super().do_token_transforms(lines)

        class InteractiveShell(interactiveshell.InteractiveShell):  # its name as a cell sees it: IPython's
            def should_run_async(self, raw_cell, *, transformed_cell=None, preprocessing_exc_tuple=None):
                """IPython's answer, without its compiling the whole cell to find out where the answer
                cannot be yes: top-level code is a coroutine only through `await` or `async`."""
                if (
                    isinstance(transformed_cell, str)
                    and "await" not in transformed_cell
                    and "async" not in transformed_cell
                ):
                    return False
                return super().should_run_async(
                    raw_cell, transformed_cell=transformed_cell, preprocessing_exc_tuple=preprocessing_exc_tuple
                )

        config = Config()
        config.HistoryManager.enabled = False  # no history file, no thread: nothing a fork would share
        config.InteractiveShell.colors = "nocolor"
        shell = InteractiveShell.instance(config=config, displayhook_class=QuietDisplayHook)
        shell.input_transformer_manager = Transformer()
        shell.showtraceback = lambda *args, **kwargs: None
        shell.showsyntaxerror = lambda *args, **kwargs: None
        cls.shell = shell
        cls._warm_shell()

    @classmethod
    def _warm_shell(cls) -> None:
        """Run a few cells once here, then start afresh: what IPython does the first time (its lazy imports,
        compiled patterns, the caches of its compiler and tokenizer) is then done in the warm parent, not again
        in every submission's process (~40% of a TinyTorch module's cells' time)."""
        saved, sys.stdout = sys.stdout, Capped()
        try:
            for source in WARM_CELLS:
                cls.shell.run_cell(source, store_history=True)
        finally:
            sys.stdout = saved
        cls.shell.reset(new_session=False)
        history = cls.shell.history_manager
        del history.input_hist_parsed[1:], history.input_hist_raw[1:]  # In and _ih: as a fresh kernel has them
        cls.shell.execution_count = 1

    def __init__(self):
        namespace = self.shell.user_ns
        self.dunders = {k: v for k, v in namespace.items() if k.startswith("__") and k.endswith("__") and k.strip("_")}

    def run(self, message: dict) -> dict:
        if message.get("restore"):  # what the course's cells rely on: `if __name__ == "__main__":` runs
            self.shell.user_ns.update(self.dunders)
        out = Capped()
        sys.stdout = sys.stderr = out
        result = self.shell.run_cell(str(message["source"]), store_history=True)
        error = result.error_before_exec or result.error_in_exec
        if isinstance(error, SystemExit):
            text = f"the cell called sys.exit({_safe_repr(error.code)}); do not exit in a notebook"
            return {"status": "error", "ename": "SystemExit", "evalue": clip(text), "output": out.text()}
        if error is not None:
            return {
                "status": "error",
                "ename": type(error).__name__,
                "evalue": clip(_safe_str(error)),
                "output": out.text(),
            }
        shown = None if result.result is None else clip(_safe_repr(result.result))
        return {"status": "ok", "value": shown, "output": out.text()}


def _parses(text: str) -> bool:
    """Whether `text` parses as Python (its syntax tree only, warnings silenced: compiling it later warns)."""
    import ast
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<cell>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
        return True
    except (SyntaxError, ValueError, MemoryError, RecursionError, OverflowError):
        return False


def _safe_repr(value) -> str:
    try:
        return repr(value)
    except BaseException:  # noqa: BLE001
        return f"<{type(value).__name__} whose repr failed>"


def _safe_str(error: BaseException) -> str:
    try:
        return str(error)
    except BaseException:  # noqa: BLE001
        return f"<{type(error).__name__} whose message failed>"


def clip(text: str) -> str:
    return text if len(text) <= MESSAGE_LIMIT else text[:MESSAGE_LIMIT] + " ..."


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
