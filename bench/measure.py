"""Measure one command as a whole process tree: wall time and peak memory. Run as a fresh child per measurement.

    python bench/measure.py --result R.json --stdout OUT --stderr ERR [--cwd DIR] [--tree] -- CMD ARGS...

Wall time is taken around the command alone (not this wrapper's start-up). `maxrss_kb` is
getrusage(RUSAGE_CHILDREN).ru_maxrss after the command ended: the peak resident size of the largest single
process of the tree that was waited for (doit, its `-n` workers, the kernels nbclient starts). With --tree the
wrapper also samples the summed PSS of the whole tree every 50 ms (`tree_peak_kb`): what was resident at once, with
pages shared between processes (forked doit workers) split between them instead of counted in each.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import threading
import time
from pathlib import Path


def tree_sampler(pid: int, stop: threading.Event, peak: list[int]) -> None:
    import psutil

    try:  # the sampler only takes CPU the measured tree leaves idle (Linux: a thread's own nice value)
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except (AttributeError, OSError):
        pass
    try:
        root = psutil.Process(pid)
    except psutil.Error:
        return
    while not stop.is_set():
        total = 0
        try:
            for proc in [root] + root.children(recursive=True):
                try:
                    total += proc.memory_full_info().pss
                except (psutil.Error, AttributeError):
                    try:
                        total += proc.memory_info().rss
                    except psutil.Error:
                        pass
        except psutil.Error:
            pass
        peak[0] = max(peak[0], total // 1024)
        stop.wait(0.05)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--result", type=Path, required=True)
    parser.add_argument("--stdout", type=Path, required=True)
    parser.add_argument("--stderr", type=Path, required=True)
    parser.add_argument("--cwd", type=Path, default=None)
    parser.add_argument("--tree", action="store_true", help="also sample the summed RSS of the process tree")
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    stop, peak = threading.Event(), [0]
    with open(args.stdout, "wb") as out, open(args.stderr, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(command, cwd=args.cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        sampler = None
        if args.tree:
            sampler = threading.Thread(target=tree_sampler, args=(proc.pid, stop, peak), daemon=True)
            sampler.start()
        # A blocking wait: Popen.wait(timeout=...) polls with sleeps of up to 50 ms, which would round every
        # figure up by as much; the time limit is a timer that kills the command instead.
        limit = threading.Timer(args.timeout, proc.kill)
        limit.start()
        returncode = proc.wait()
        wall = time.perf_counter() - start
        limit.cancel()
        stop.set()
        if sampler is not None:
            sampler.join()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = {
        "wall_s": wall,
        "maxrss_kb": usage.ru_maxrss,
        "user_s": usage.ru_utime,
        "sys_s": usage.ru_stime,
        "returncode": returncode,
        "tree_peak_kb": peak[0] if args.tree else None,
    }
    args.result.write_text(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
