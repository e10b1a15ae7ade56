"""tasks/grade/sandbox.py + sandboxed.py: what a hostile submission cannot do, next to an honest one.

Each attack runs in a real sandbox (bubblewrap, real namespaces, real cgroups where this machine has them);
the honest notebook graded after it on the same warm parent must keep exactly its result, and nothing of the
attack may be alive afterwards. `test_the_sandbox_holds_for_an_unprivileged_user` runs the same attacks as
uid 65534, where per-process limits stand in for the cgroup.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from procfs import none_left_with, processes_with
from tasks.grade.rehydrate import RunCell
from tasks.grade.runner import run_cells
from tasks.grade.sandbox import cgroups_available, children, runtime_paths

ROOT = Path(__file__).resolve().parents[1]
HONEST = ("x = 20", "x + 22", "import numpy as np\nfloat(np.arange(4).sum())")
HONEST_VALUES = [None, "42", "6.0"]


def cells(*sources):
    return [
        RunCell(id=f"c{i}", grade_id=f"g{i}", kind="test", cell_type="code", source=s) for i, s in enumerate(sources)
    ]


def run(*sources, timeout=2.0, memory_mb=256):
    return run_cells(cells(*sources), (), timeout=timeout, memory_mb=memory_mb)


def honest_still_scores() -> None:
    assert [r.value for r in run(*HONEST)] == HONEST_VALUES


def value(source: str, **kw):
    runs = run(source, **kw)
    assert runs[0].status == "ok", runs[0]
    return eval(runs[0].value)  # noqa: S307 — the repr of a literal the test's own cell built


def test_no_network_at_all_not_even_the_hosts_loopback():
    """A submission probing every port of the host's loopback (the Dask scheduler, a worker, any service)
    reaches nothing: the sandbox has its own network namespace."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    port = server.getsockname()[1]
    try:
        probe = f"""
import socket
reached = []
for port in [{port}, 8786, 8787, 22, 80, 443] + list(range(30000, 30050)):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        reached.append(port)
    except OSError:
        pass
try:
    socket.create_connection(("8.8.8.8", 53), timeout=0.5)
    reached.append("internet")
except OSError:
    pass
reached, sorted(name for _, name in socket.if_nameindex())
"""
        reached, interfaces = value(probe, timeout=20)
        assert reached == [] and interfaces == ["lo"]
        with pytest.raises(socket.timeout):
            server.accept()
    finally:
        server.close()
    honest_still_scores()


def runtime_under_home() -> list[str]:
    """What of the grader's home the sandbox holds: only the folders leading to the Python runtime."""
    home = Path.home()
    return sorted({Path(p).relative_to(home).parts[0] for p in runtime_paths() if Path(p).is_relative_to(home)})


def test_nothing_of_the_host_is_in_view_and_nothing_is_writable_but_its_scratch(tmp_path):
    secret = tmp_path / "gradebook.sqlite"
    secret.write_text("secret")
    secret.chmod(0o644)
    look = f"""
import os
seen = {{p: os.path.exists(p) for p in [{str(secret)!r}, {str(ROOT / "modules")!r}, {str(ROOT / "course.yaml")!r}, {str(ROOT / "grades")!r}, "/home", "/etc/passwd", "/etc/hostname", "/var", "/run/user", "/sys"]}}
home = {str(Path.home())!r}
seen.update({{os.path.join(home, name): True for name in (os.listdir(home) if os.path.isdir(home) else []) if name not in {runtime_under_home()!r}}})
writable = []
for folder in ["/", "/usr", "/etc", "/dev", "/proc", {str(Path(sys.prefix))!r}]:
    try:
        open(os.path.join(folder, "planted"), "w").close()
        writable.append(folder)
    except OSError:
        pass
open("here", "w").write("scratch is writable")
[p for p, there in seen.items() if there], writable, os.getcwd(), os.getuid(), os.getgid()
"""
    seen, writable, cwd, uid, gid = value(look)
    assert seen == [] and writable == [] and cwd == "/tmp" and (uid, gid) == (65534, 65534)
    assert secret.read_text() == "secret"
    honest_still_scores()


def test_the_graders_environment_never_reaches_the_submission(monkeypatch):
    from tasks.grade import sandbox

    monkeypatch.setenv("TITO_COLLECT_TOKEN", "ghp_not_for_students")
    sandbox.close_all()  # a fresh warm parent, started with the token in this process's environment
    environment = value("import os\ndict(os.environ)")
    assert "TITO_COLLECT_TOKEN" not in environment and "ghp_not_for_students" not in repr(environment)
    assert set(environment) <= {
        *sandbox.environment(),
        "PWD",
        "OPENBLAS_NUM_THREADS",
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
    }


def test_no_privilege_to_regain():
    attempt = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
results = {}
try:
    os.setuid(0)
    results["setuid"] = True
except OSError:
    results["setuid"] = False
results["mount"] = libc.mount(b"none", b"/tmp", b"tmpfs", 0, None) == 0
results["userns"] = libc.unshare(0x10000000) == 0
results["pidns"] = libc.unshare(0x20000000) == 0
results["netns"] = libc.unshare(0x40000000) == 0
results["chroot"] = libc.chroot(b"/tmp") == 0
results
"""
    assert value(attempt) == dict.fromkeys(["setuid", "mount", "userns", "pidns", "netns", "chroot"], False)


def test_the_warm_parent_and_other_submissions_are_out_of_sight():
    """The submission's PID namespace holds only its own processes: the warm parent it was forked from (whose
    memory a later submission is forked from) cannot be seen, signalled or read."""
    look = """
import os, signal
pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
killed = []
for pid in range(2, 200):
    if pid == os.getpid():
        continue
    try:
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)
    except OSError:
        pass
pids, os.getppid(), killed
"""
    pids, ppid, killed = value(look)
    # itself, its namespace's init, only (an empty /proc where the kernel refuses a fresh one); its parent, the
    # warm parent, is outside the namespace (0)
    assert set(pids) <= {1} and ppid == 0 and killed == []
    honest_still_scores()


def test_a_double_forked_daemon_dies_with_its_submission():
    marker = f"tito-escape-{uuid.uuid4().hex}"
    escape = f"""
import os, subprocess, sys
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", {marker!r}], start_new_session=True)
        subprocess.Popen(["nohup", sys.executable, "-c", "import time; time.sleep(60)", {marker!r}], start_new_session=True)
    os._exit(0)
import time
time.sleep(0.5)
"""
    run(escape)
    assert none_left_with(marker)
    honest_still_scores()


def test_a_fork_bomb_is_held_and_leaves_nothing():
    marker = f"tito-bomb-{uuid.uuid4().hex}"
    bomb = f"""
import os, subprocess, sys
started = 0
for _ in range(2000):
    try:
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", {marker!r}])
        started += 1
    except OSError:
        break
started
"""
    runs = run(bomb, timeout=20)
    assert runs[0].status in ("ok", "error", "died") and (runs[0].value is None or int(runs[0].value) < 200)
    assert none_left_with(marker)
    honest_still_scores()


@pytest.mark.skipif(not cgroups_available(), reason="no cgroup this process may make: per-process limits only")
def test_memory_spread_over_processes_is_capped_for_the_whole_submission():
    """Twelve processes of 200 MB each under a 256 MB cap: the cgroup holds their sum, not each one."""
    spread = """
import os, time
read, write = os.pipe()
children = []
for _ in range(12):
    pid = os.fork()
    if pid == 0:
        block = bytearray(200 * 1024 * 1024)
        for i in range(0, len(block), 4096):
            block[i] = 1
        os.write(write, b"%d," % os.getpid())
        time.sleep(30)
        os._exit(0)
    children.append(pid)
os.close(write)
time.sleep(3)
os.set_blocking(read, False)
try:
    reported = {int(p) for p in os.read(read, 10000).decode().split(",") if p}
except BlockingIOError:
    reported = set()
running = {pid for pid in children if os.waitpid(pid, os.WNOHANG) == (0, 0)}
len(reported & running)  # holding their 200 MB at once
"""
    runs = run(spread, timeout=10, memory_mb=256)
    assert runs[0].status != "ok" or int(runs[0].value) <= 1
    honest_still_scores()


def test_the_scratch_is_size_capped():
    fill = """
written = 0
try:
    with open("big", "wb") as handle:
        for _ in range(1024):
            handle.write(b"x" * 1024 * 1024)
            written += 1
except OSError as error:
    written = (written, error.errno)
written
"""
    written, errno = value(fill)
    assert written <= 64 and errno == 28  # ENOSPC
    honest_still_scores()


def test_nothing_is_left_for_the_next_submission():
    plant = """
import os
for folder in ["/tmp", "/dev/shm", os.getcwd()]:
    try:
        open(os.path.join(folder, "planted"), "w").write("from an earlier submission")
    except OSError:
        pass
import builtins, numpy
builtins.len = lambda *a: 0
numpy.arange = None
"""
    run(plant)
    look = """
import os, numpy
[f for d in ["/tmp", "/dev/shm"] for f in os.listdir(d)], len([1, 2]), numpy.arange(3).tolist()
"""
    assert value(look) == ([], 2, [0, 1, 2])
    honest_still_scores()


def test_killing_its_parents_ends_only_its_own_run():
    attack = "import os, signal\nfor pid in (0, 1, os.getppid(), -1):\n    try:\n        os.kill(pid, signal.SIGKILL)\n    except OSError:\n        pass\n'alive'"
    runs = run(attack, "1")
    assert runs[1].status in ("ok", "not_run")
    honest_still_scores()


WORKER = """
import sys
sys.path.insert(0, {root!r})
from tasks.grade.rehydrate import RunCell
from tasks.grade.runner import run_cells
from tasks.grade.sandbox import cgroups_available, runtime_paths
source = "import subprocess, sys\\nsubprocess.Popen([sys.executable, '-c', 'while True: pass', {marker!r}])\\nwhile True:\\n    pass"
run_cells([RunCell(id="c", grade_id="g", kind="fixed", cell_type="code", source=source)], (), timeout=600, memory_mb=256)
"""


def test_a_submission_dies_with_its_grading_worker():
    """SIGKILL of the worker (Dask losing a worker, the OOM killer): the sandbox and every process of the
    submission die with it, none runs on, orphaned."""
    marker = f"tito-orphan-{uuid.uuid4().hex}"
    worker = subprocess.Popen([sys.executable, "-c", WORKER.format(root=str(ROOT), marker=marker)])
    try:
        for _ in range(600):
            if processes_with(marker)[1:]:  # the worker's own command line names it too
                break
            time.sleep(0.05)
        assert processes_with(marker), "the submission never started"
        worker.kill()
        worker.wait()
        for _ in range(200):
            if not processes_with(marker):
                break
            time.sleep(0.05)
        assert processes_with(marker) == []
    finally:
        worker.kill()
        for pid in processes_with(marker):
            os.kill(pid, 9)


UNPRIVILEGED = """
import json, sys
sys.path.insert(0, {root!r})
from tasks.grade.rehydrate import RunCell
from tasks.grade.runner import run_cells
from tasks.grade.sandbox import cgroups_available, runtime_paths

def run(*sources, timeout=3.0, memory_mb=256):
    cells = [RunCell(id=str(i), grade_id=str(i), kind="test", cell_type="code", source=s) for i, s in enumerate(sources)]
    return [[r.status, r.ename, r.value] for r in run_cells(cells, (), timeout=timeout, memory_mb=memory_mb)]

bomb = "import os\\nn = 0\\ntry:\\n    for _ in range(5000):\\n        if os.fork() == 0:\\n            import time\\n            time.sleep(30)\\n            os._exit(0)\\n        n += 1\\nexcept OSError:\\n    pass\\nn"
report = dict(
    honest=run("x = 20", "x + 22"),
    who=run("import os, socket\\nos.getuid(), socket.if_nameindex()[0][1], os.path.exists({course!r})"),
    bomb=run(bomb, timeout=20),
    memory=run("import numpy as np\\nhog = np.ones(10 ** 9)", "'after'", memory_mb=128),
    honest_after=run("x = 20", "x + 22"),
)
print(json.dumps(report))
"""


def unprivileged_command(script: str) -> list[str]:
    """As uid 65534: in a mount namespace of the test's own, where the interpreter and this checkout are
    reachable for that user (a root-only home or a private temp folder would hide them)."""
    binds = []
    for path in (Path(sys.base_prefix).resolve(), ROOT):
        blocked = next((p for p in reversed(path.parents) if p != Path("/") and not os.stat(p).st_mode & 0o001), None)
        if blocked is not None:
            rest = path.relative_to(blocked).parts[0]
            binds.append(
                f"mkdir -p /run/tito-hold && mount --bind {blocked} /run/tito-hold && "
                f"mount -t tmpfs -o mode=755 tmpfs {blocked} && mkdir -p {blocked / rest} && "
                f"mount --bind /run/tito-hold/{rest} {blocked / rest} && umount /run/tito-hold"
            )
    steps = " && ".join([*binds, f'exec setpriv --reuid 65534 --regid 65534 --clear-groups {sys.executable} -c "$0"'])
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", steps, script]


@pytest.mark.skipif(os.geteuid() != 0, reason="the suite runs as an unprivileged user already")
def test_the_sandbox_holds_for_an_unprivileged_user():
    """Without root and without a cgroup: the same sandbox, with RLIMIT_NPROC and RLIMIT_AS as its limits."""
    proc = subprocess.run(
        unprivileged_command(UNPRIVILEGED.format(root=str(ROOT), course=str(ROOT / "course.yaml"))),
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": os.environ["PATH"], "HOME": "/tmp", "LANG": "C.UTF-8"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["honest"] == report["honest_after"] == [["ok", "", None], ["ok", "", "42"]]
    assert report["who"] == [["ok", "", "(65534, 'lo', False)"]]
    bomb = report["bomb"][0]
    assert bomb[0] == "ok" and int(bomb[2]) < 100  # RLIMIT_NPROC: at most the sandbox's process budget
    assert report["memory"] == [["error", "MemoryError", None], ["ok", "", "'after'"]]


def test_scratch_of_a_killed_unsandboxed_run_is_swept_by_the_next(tmp_path):
    """--no-sandbox grading keeps a scratch folder per process; one killed before it could remove it is
    removed by the next grading process, and a live one's is left alone."""
    import tempfile

    from tasks.grade.sandbox import Zygote

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = Path(tempfile.gettempdir()) / f"tito-grade-{int(dead.stdout)}-home-x"
    live = Path(tempfile.gettempdir()) / f"tito-grade-{os.getpid()}-keep"
    for folder in (stale, live):
        folder.mkdir()
    try:
        parent = Zygote(isolate=False)
        parent.start()
        parent.close()
        assert not stale.exists() and live.exists()
    finally:
        for folder in (stale, live):
            if folder.exists():
                folder.rmdir()


@pytest.mark.parametrize("bwrap", ["", "/nonexistent/bwrap"], ids=["works", "missing"])
def test_system_health_says_whether_the_sandbox_works_here(bwrap):
    env = {k: v for k, v in os.environ.items() if k != "TITO_BWRAP"} | ({"TITO_BWRAP": bwrap} if bwrap else {})
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-m", "tasks.cli.main", "-C", str(ROOT), "system", "health"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    line = next(line for line in done.stdout.splitlines() if "grading sandbox" in line)
    if bwrap:
        assert line.startswith("FAIL") and "is not an executable file" in line and done.returncode == 1
        assert "--no-sandbox" in done.stdout
    else:
        assert line.startswith("ok") and "bubblewrap" in line, done.stdout


def test_a_runtime_under_tmp_is_mounted_where_the_sandboxs_own_tmp_does_not_hide_it(monkeypatch):
    """A checkout in a temp folder (as CI makes) has its .venv under /tmp, which the sandbox's /tmp covers."""
    from tasks.grade import sandbox

    monkeypatch.setattr(sandbox, "runtime_paths", lambda: ["/opt/python", "/tmp/tmp.abc/fresh/.venv"])
    mounts = sandbox.runtime_mounts()
    assert mounts == [("/opt/python", "/opt/python"), ("/tmp/tmp.abc/fresh/.venv", "/run/tito-runtime/1")]
    assert sandbox.inside("/tmp/tmp.abc/fresh/.venv/bin/python", mounts) == "/run/tito-runtime/1/bin/python"
    assert sandbox.inside("/opt/python/lib", mounts) == "/opt/python/lib"


def _driven(parent, cells_sources=("x = 1",)):
    """A submission spawned from `parent` and brought to its first cell as the runner does (package sent,
    ready awaited, attached), with `cells_sources` run; returns (the Running, their reports)."""
    from tasks.grade.runner import _Reports

    running = parent.spawn(256)
    reports = _Reports(running.reports)
    assert running.send({"files": []})
    assert reports.next(lambda: None).get("event") == "ready"
    running.attach()
    done = []
    for index, source in enumerate(cells_sources):
        assert running.send({"cell": index, "source": source, "name": "c", "restore": True})
        done.append(reports.next(lambda: None))
    return running, done


def test_the_submission_before_is_gone_before_the_next_ones_first_cell():
    """The grader does not wait for a killed submission to be gone (its SIGKILL is sent); the warm parent
    waits for that before it forks the next, so nothing of the one before runs beside it, nor is counted in
    the cgroup they share."""
    from tasks.grade.sandbox import warm_parent

    marker = f"tito-before-{uuid.uuid4().hex}"
    daemon = f"import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', 'while True: pass', {marker!r}])\nimport time\ntime.sleep(0.3)"
    with warm_parent(True) as parent:
        first, _ = _driven(parent, [daemon])
        assert processes_with(marker)
        first.kill()
        second, reports = _driven(parent, ["1 + 1"])
        try:
            assert first.gone and processes_with(marker) == [] and reports[0]["value"] == "2"
        finally:
            second.kill()
            second.finish()
    assert none_left_with(marker)


@pytest.mark.skipif(not cgroups_available(), reason="no cgroup this process may make: per-process limits only")
def test_a_submission_is_born_in_its_cgroup_with_the_same_process_budget():
    """The warm parent sits in its submissions' cgroup (moved in once), so each submission's every process is
    born in it; the cgroup's process cap leaves the submission its PROCESSES, the warm parent
    aside; the warm parent is not the one the kernel kills when the submission runs out of memory."""
    from tasks.grade.sandbox import PROCESSES, warm_parent

    count = "import os\nn = 0\ntry:\n    for _ in range(500):\n        if os.fork() == 0:\n            import time\n            time.sleep(30)\n            os._exit(0)\n        n += 1\nexcept OSError:\n    pass\nn"
    with warm_parent(True) as parent:
        running, reports = _driven(parent, ["import os\nos.getpid()"])
        try:
            for pid in (running.init, *children(running.init)):
                with open(f"/proc/{pid}/cgroup") as handle:
                    held = handle.read()
                assert all(os.path.basename(folder) in held for folder in running.cgroup.dirs.values()), held
                with open(f"/proc/{pid}/oom_score_adj") as handle:
                    assert handle.read().strip() == "1000"
        finally:
            running.kill()
        warm = parent.pid
    assert int(run(count, timeout=20)[0].value) == PROCESSES - 1  # the notebook's process is 1 of them
    hog = "import os, time\nfor _ in range(6):\n    if os.fork() == 0:\n        block = bytearray(200 * 1024 * 1024)\n        for i in range(0, len(block), 4096):\n            block[i] = 1\n        time.sleep(30)\ntime.sleep(3)"
    run(hog, timeout=10)
    with warm_parent(True) as parent:
        assert parent.pid == warm and parent.alive()
    honest_still_scores()


def test_a_launched_warm_parent_is_the_one_the_first_submission_uses():
    """`tito grade` launches its warm parent before reading the submissions (`prestart(wait=False)`); the
    probe or first submission waits for that one to be ready, starting no other."""
    from tasks.grade import sandbox

    sandbox.close_all()
    sandbox.prestart(wait=False)
    launched = list(sandbox._PARENTS[True])
    assert len(launched) == 1 and launched[0].pid == 0 and launched[0].process is not None
    sandbox.probe()
    assert sandbox._PARENTS[True] == launched and launched[0].alive()
    honest_still_scores()


@pytest.mark.skipif(not cgroups_available(), reason="no cgroup this process may make: per-process limits only")
def test_cgroups_left_by_grading_processes_that_are_gone_are_removed_when_the_next_is_made():
    """A grading process killed before it removed its cgroups (or whose last process was reaped after it
    stopped waiting) leaves empty `tito-grade-<pid>-*` cgroups: the next warm parent's cgroup sweeps those of
    dead pids, never one of a live process."""
    import os
    import subprocess

    from tasks.grade.sandbox import Cgroup

    gone = subprocess.Popen(["true"])
    gone.wait()
    first = Cgroup.make(64 * 1024 * 1024, 16)
    parents = {os.path.dirname(folder) for folder in first.dirs.values()}
    stale = [os.path.join(parent, f"tito-grade-{gone.pid}-deadbeef") for parent in parents]
    live = [os.path.join(parent, f"tito-grade-{os.getpid()}-livelive") for parent in parents]
    for folder in stale + live:
        os.mkdir(folder)
    try:
        second = Cgroup.make(64 * 1024 * 1024, 16)
        assert not any(os.path.exists(folder) for folder in stale)
        assert all(os.path.isdir(folder) for folder in live)
        second.remove()
    finally:
        first.remove()
        for folder in stale + live:
            if os.path.isdir(folder):
                os.rmdir(folder)
