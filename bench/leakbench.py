"""The leak guard on a large module: time and peak memory of guarding one built student notebook.

    python bench/leakbench.py DIR MB [ENGINE]   prints {"inner_s", "inner_peak_mb", "source_mb", "notebook_mb"}

The source is the bench course's module 1 grown until its built student notebook is about MB megabytes (more solution regions and tests, each
with its own grade id); the student notebook is built from it as the build does (tasks/variants/pipeline.py),
then tasks/variants/leakguard.guard is timed on it alone (best of five, each with the guard's per-text caches
emptied first: the first guard of a source in a process is timed), and run once more under tracemalloc for its
peak of Python memory.
"""

from __future__ import annotations

import json
import re
import sys
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402


NAMES_RE = re.compile(r"\b(arr|result|total|factor|weights|got|before|op\d|Op\d)\b")


def big_source(megabytes: float) -> str:
    """Module 1's intro and imports, then regions of further (numbered) operations until the size is reached.
    Each copy's names carry its number (`arr_12`, `op3_12`), so its secret lines are new ones, as in a real
    module, and not the same few lines again."""
    cells, size, index = [synth.intro(1), synth.imports(1)], 0, 1
    limit = int(megabytes * 1024 * 1024)
    while size < limit:
        for k in range(synth.REGIONS):
            code = [synth.solution(index, k), synth.test(index, k)]
            group = [synth.explain(1, k)] + [NAMES_RE.sub(rf"\1_{index}", c) for c in code]
            cells += group
            size += sum(len(c) for c in group)
        index += 1
    return "\n".join(cells)


def main() -> None:
    folder, megabytes = Path(sys.argv[1]), float(sys.argv[2])
    sys.path.insert(0, str(Path(sys.argv[3]) if len(sys.argv) > 3 else HERE.parent))
    from tasks.notebook.render import render_ipynb
    from tasks.notebook.source import read_source
    from tasks.variants import leakguard
    from tasks.variants.leakguard import guard
    from tasks.variants.pipeline import build_variant

    folder.mkdir(parents=True, exist_ok=True)
    source_mb = megabytes
    for attempt in range(2):  # size the source so that the built notebook is about MB megabytes
        path = folder / f"big_{megabytes:g}_{attempt}.py"
        path.write_text(big_source(source_mb), encoding="utf-8")
        source = read_source(path, path.name)
        built = render_ipynb(build_variant(source.nb, "student", "m01"), "python3").encode("utf-8")
        source_mb *= megabytes / (len(built) / 1024 / 1024)
    times = []
    caches = [f for f in vars(leakguard).values() if callable(getattr(f, "cache_clear", None))]
    for _ in range(5):
        for cached in caches:
            cached.cache_clear()
        start = time.perf_counter()
        guard(source, {"big.ipynb": built})
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    guard(source, {"big.ipynb": built})
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    mb = 1024 * 1024
    print(
        json.dumps(
            {
                "inner_s": min(times),
                "inner_peak_mb": peak / mb,
                "source_mb": path.stat().st_size / mb,
                "notebook_mb": len(built) / mb,
            }
        )
    )


if __name__ == "__main__":
    main()
