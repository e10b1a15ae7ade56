"""The machine's own parallel ceiling: a fixed CPU-bound work done by 1 process, or by N processes at once.

    python bench/cpuscaling.py N

Forks N children that each do the same work (pure-Python arithmetic, no I/O, no memory to speak of) and
prints {"inner_s": seconds until the last one ended}. On an idle machine with N real cores, N at once take as
long as 1; `2 x t(1) / t(2)` is the throughput 2 processes get against 1, the ceiling of any "2 workers
against 1" ratio measured here (virtual CPUs sharing a physical core, or a busy host, give less than 2).
"""

from __future__ import annotations

import json
import os
import sys
import time

WORK = 6_000_000  # iterations: about half a second of one core


def work() -> int:
    total = 0
    for i in range(WORK):
        total += i * i % 7
    return total


def main() -> int:
    n = int(sys.argv[1])
    start = time.perf_counter()
    children = []
    for _ in range(n):
        pid = os.fork()
        if pid == 0:
            work()
            os._exit(0)
        children.append(pid)
    failed = [pid for pid in children if os.waitpid(pid, 0)[1] != 0]
    print(json.dumps({"inner_s": time.perf_counter() - start}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
