"""What the leak guard costs: the guard alone on built student notebooks of 0.25, 0.5 and 1 MB
(bench/leakbench.py), and whether its time grows linearly with the notebook's size."""

from __future__ import annotations

import sys

from report import seconds_text
from runner import HERE, Ratio, Scenario, exit_zero, median_of
from targets import TARGETS

SIZES = (0.25, 0.5, 1.0)  # MB


def scenarios(args, setup: dict) -> list[Scenario]:
    """11: the leak guard on each size."""
    course, found = setup["course"], []
    for size in SIZES:
        leak = Scenario(
            f"leak_{size:g}",
            f"11. leak guard on a {size:g} MB built student notebook (guard only, best of 5)",
            f"python bench/leakbench.py DIR {size:g}",
            [sys.executable, str(HERE / "leakbench.py"), str(args.work.resolve() / "leak"), f"{size:g}", str(course)],
            course,
            "leak",
            verify=exit_zero("the leak guard benchmark"),
            inner=True,
        )
        leak.skipped = "not run (--skip-leak)" if args.skip_leak else None
        found.append(leak)
    return found


def _seconds_per_mb(results: dict, size: float) -> float | None:
    item = results.get(f"leak_{size:g}")
    seconds = median_of(results, f"leak_{size:g}")
    if seconds is None or not item["runs"] or not item["runs"][-1].get("notebook_mb"):
        return None
    return seconds / item["runs"][-1]["notebook_mb"]


def ratios(results: dict) -> list[Ratio]:
    small, middle, large = (_seconds_per_mb(results, size) for size in SIZES)
    return [
        Ratio(
            "linearity",
            f"leak guard: time per MB at {SIZES[-1]:g} MB / at {SIZES[0]:g} MB",
            None if small is None or large is None or small == 0 else large / small,
            f"about 1 (<= {TARGETS['leak_linearity']:.1f})",
            ("<=", TARGETS["leak_linearity"]),
        ),
        Ratio(
            "linearity",
            f"leak guard: time per MB at {SIZES[1]:g} MB / at {SIZES[0]:g} MB",
            None if small is None or middle is None else middle / small,
        ),
    ]


def detail_lines(results: dict) -> list[str]:
    """The report's line on the leak guard: each size's time and memory."""
    shown = []
    for size in SIZES:
        item, seconds = results.get(f"leak_{size:g}"), median_of(results, f"leak_{size:g}")
        if item and item["runs"] and seconds is not None:
            shown.append(
                f"{item['runs'][-1]['notebook_mb']:.2f} MB notebook: {seconds_text(seconds)} s, "
                f"peak {max(r['inner_peak_mb'] for r in item['runs']):.0f} MB (tracemalloc)"
            )
    return ["- Leak guard (guard only, the notebook already built): " + ("; ".join(shown) or "not run") + "."]
