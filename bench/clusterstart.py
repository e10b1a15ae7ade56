"""The embedded grading cluster's cost to a `tito grade` run: Dask imported, started, one task, stopped.

    python bench/clusterstart.py COURSE WORKERS     prints {"inner_s": seconds}

Run in the bench's grading course (its engine on sys.path), as `tito grade` opens it: `open_client(None,
WORKERS)` (Dask imported, a scheduler and WORKERS worker threads in this process), one trivial task once the
workers are up, and the cluster closed. `inner_s` is that whole span, what a run that starts the cluster
pays before and after its grading (the engine's own import excluded; each worker's warm parent is not the
cluster's: a run grading without Dask starts one too).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def main() -> None:
    course_dir, workers = Path(sys.argv[1]).resolve(), int(sys.argv[2])
    sys.path.insert(0, str(course_dir))
    os.chdir(course_dir)
    from tasks.grade.cluster import open_client, worker_count

    start = time.perf_counter()
    with open_client(None, workers) as client:
        client.submit(int, 1, pure=False).result()
        assert worker_count(client) == workers
    print(json.dumps({"inner_s": time.perf_counter() - start}))


if __name__ == "__main__":
    main()
