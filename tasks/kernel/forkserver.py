"""A warm template that forks Jupyter kernels: run by tasks/kernel/forking.py in the kernel's own Python.

It imports ipykernel (and numpy, when installed) once, then waits on a socket. For each request it forks a
child that becomes exactly the kernel `python -m ipykernel_launcher -f CONNECTION_FILE ...` would have
started: a new session, the request's working folder, environment, sys.argv and stderr, sys.path as
the launcher leaves it, its own numpy random seed, then IPKernelApp initialised from the request's arguments. What a
child does not pay is the interpreter's and ipykernel's imports (about half a second of CPU per kernel).

Self-contained (standard library only, nothing of coursebuild): the kernel's Python may be another one.
The template holds no threads and creates no ZeroMQ context before forking. It exits when its socket is
closed (the build that started it ended, however it ended); its kernels then see their parent gone and
exit too (ipykernel's parent poller). It reaps its children, and a child restores SIGCHLD's default.

Protocol (a SOCK_SEQPACKET socket): request = JSON {"argv", "env", "cwd"} with the kernel's stderr as a
passed descriptor; reply = JSON {"pid"} with a pidfd of the child passed back, or {"error"}.
"""

import json
import os
import signal
import socket
import sys

PRELOAD = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell")
WARM = ("numpy", "numpy.random", "numpy.linalg")  # imported when installed: TinyTorch modules import them


def preload() -> None:
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    for name in WARM:
        try:
            importlib.import_module(name)
        except Exception:
            pass


def reap(signum=None, frame=None) -> None:
    """Collect every child that has exited (the template is their parent; nobody else waits for them)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _reseed() -> None:
    """Each kernel draws its own random numbers: numpy's global generator was seeded in the template."""
    module = sys.modules.get("numpy.random")
    if module is not None:
        module.seed()


def _launcher_argv(argv: list) -> list:
    """sys.argv of `python -m ipykernel_launcher ARGS`: the launcher's file, then ARGS."""
    import importlib.util

    spec = importlib.util.find_spec("ipykernel_launcher")
    return [spec.origin if spec is not None else "ipykernel_launcher", *argv[3:]]


def _become_kernel(request: dict, stderr: int) -> int:
    """In the child (a new session already): take on the request's process state, then run the kernel to
    its end; its exit code."""
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.dup2(stderr, 2)
    os.close(stderr)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    os.environ["JPY_PARENT_PID"] = str(os.getppid())
    sys.argv = _launcher_argv(request["argv"])
    _reseed()
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.parent_handle = os.getppid()  # the kernel ends when the template does
    try:
        app.initialize(sys.argv[1:])
        app.start()
    except SystemExit as end:
        return end.code if isinstance(end.code, int) else 1
    return 0


def _fork_kernel(request: dict, stderr: int, channel: socket.socket) -> None:
    """Fork a kernel for `request`; answer with its pid and a pidfd (opened before it can be reaped)."""
    if "threading" in sys.modules and sys.modules["threading"].active_count() > 1:
        raise RuntimeError("the template started a thread while importing: forking it is not safe")
    sys.stdout.flush()
    sys.stderr.flush()
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
    try:
        session, started = os.pipe()
        pid = os.fork()
        if pid == 0:
            channel.close()
            os.setsid()  # before the reply: the kernel's process group is its own when its pid is known
            os.close(session)
            os.close(started)
            os._exit(_run_child(request, stderr))
        os.close(started)
        os.read(session, 1)  # returns once the child has made its session (or died)
        os.close(session)
        pidfd = os.pidfd_open(pid)
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
    os.close(stderr)
    socket.send_fds(channel, [json.dumps({"pid": pid}).encode()], [pidfd])
    os.close(pidfd)


def _run_child(request: dict, stderr: int) -> int:
    """The child's whole life: the kernel, then the interpreter's own exit (atexit handlers, flushed files)."""
    try:
        code = _become_kernel(request, stderr)
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    try:
        run_exit_hooks()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        return code


def run_exit_hooks() -> None:
    """The interpreter's exit hooks (atexit), run in a child that ends with os._exit (a normal exit would wait
    for the kernel's threads). The standard library has no public call for it: `atexit._run_exitfuncs`, this
    file's one private use (it is self-contained, so not in kernel/adapters.py); tests/test_adapters.py fails
    if a Python upgrade changes it."""
    import atexit

    atexit._run_exitfuncs()


def _serve(channel: socket.socket) -> None:
    """Answer requests until the socket closes."""
    while True:
        message, fds, _, _ = socket.recv_fds(channel, 1 << 20, 1)
        if not message:
            return
        try:
            _fork_kernel(json.loads(message), fds[0], channel)
        except Exception as error:
            for fd in fds:
                try:
                    os.close(fd)
                except OSError:
                    pass
            channel.send(json.dumps({"error": f"{type(error).__name__}: {error}"}).encode())


def main(fd: int) -> None:
    channel = socket.socket(fileno=fd)
    if sys.path and sys.path[0] == "":  # what ipykernel_launcher does before its imports (IPython adds it back)
        del sys.path[0]
    preload()
    signal.signal(signal.SIGCHLD, reap)
    _serve(channel)


if __name__ == "__main__":
    main(int(sys.argv[-1]))
