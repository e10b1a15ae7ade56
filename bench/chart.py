"""Draw docs/benchmarks.png from bench/run.py's results.json. Run with the bench venv's python (matplotlib).

build/bench/venv/bin/python bench/chart.py RESULTS.json OUT.png
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

OURS, OTHER = "#2b7bba", "#d95f02"
PANELS = [
    (
        "Generate student + solution versions",
        [
            ("cold", "ours\nserial"),
            ("cold_parallel", "ours\n-n 2"),
            ("nbgrader_fresh", "nbgrader\nfresh"),
            ("nbgrader_force", "nbgrader\n--force"),
        ],
    ),
    (
        "Nothing to do (no-op)",
        [("noop", "ours"), ("floor", "doit floor\nsame graph"), ("nbgrader_noop", "nbgrader\nskips all")],
    ),
    ("Incremental rebuild", [("edit_code", "code edit\n(1 module)"), ("edit_markdown", "markdown edit\n(1 module)")]),
    (
        "Execution vs its floor",
        [
            ("script_floor", "solutions as\nscripts"),
            ("kernel_start", "one kernel\nstart"),
            ("validate_serial", "validate\nserial"),
            ("validate_parallel", "validate\n-n 2"),
        ],
    ),
    ("Full build from scratch", [("full", "ours"), ("full_old", "pre-issue\nengine")]),
    (
        "Grade the class",
        [
            ("grade_1", "tito grade\n1 worker"),
            ("grade_2", "tito grade\n2 workers"),
            ("nbgrader_autograde", "nbgrader\nautograde"),
        ],
    ),
    (
        "Big course (100 modules by default)",
        [("noop_big", "no-op"), ("floor_big", "doit floor"), ("edit_big", "code edit\n(1 module)")],
    ),
]


def main() -> None:
    data = json.loads(Path(sys.argv[1]).read_text())
    results, meta = data["results"], data["meta"]
    fig, axes = plt.subplots(2, (len(PANELS) + 2) // 2, figsize=(20, 9))
    axes = list(axes.flat)
    for ax, (title, bars) in zip(axes, PANELS):
        shown = [(key, label) for key, label in bars if results.get(key) and results[key]["wall_s"]]
        medians = [results[k]["wall_s"]["median"] for k, _ in shown]
        low = [m - results[k]["wall_s"]["min"] for (k, _), m in zip(shown, medians)]
        high = [results[k]["wall_s"]["max"] - m for (k, _), m in zip(shown, medians)]
        colors = [
            OTHER if k.startswith(("nbgrader", "floor", "full_old", "script", "kernel")) else OURS for k, _ in shown
        ]
        ax.bar(range(len(shown)), medians, yerr=[low, high], color=colors, capsize=4)
        ax.set_xticks(range(len(shown)), [label for _, label in shown], fontsize=8)
        ax.set_title(title, fontsize=10)
        ax.set_ylabel("wall time, s (median, min-max)" if ax in (axes[0], axes[(len(PANELS) + 2) // 2]) else "s")
        for x, (value, up) in enumerate(zip(medians, high)):
            ax.annotate(
                f"{value:.2f} s" if value < 10 else f"{value:.1f} s",
                (x, value + up),
                ha="center",
                va="bottom",
                fontsize=8,
                xytext=(0, 3),
                textcoords="offset points",
            )
        ax.margins(y=0.15)
    for ax in axes[len(PANELS) + 1 :]:
        ax.set_visible(False)
    ax = axes[len(PANELS)]
    keys = [
        ("full", "full build"),
        ("validate_parallel", "validate -n 2"),
        ("grade_2", "grade\n2 workers"),
        ("nbgrader_fresh", "nbgrader fresh"),
        ("nbgrader_autograde", "nbgrader\nautograde"),
    ]
    shown = [(k, label) for k, label in keys if results.get(k) and results[k]["maxrss_mb"]]
    largest = [results[k]["maxrss_mb"]["max"] for k, _ in shown]
    tree = [(results[k]["tree_peak_mb"] or {}).get("max", 0) for k, _ in shown]
    xs = range(len(shown))
    ax.bar([x - 0.2 for x in xs], largest, width=0.4, color=OURS, label="largest process")
    ax.bar([x + 0.2 for x in xs], tree, width=0.4, color="#7fb3d5", label="all processes at once")
    ax.axhline(300, color="grey", linestyle="--", linewidth=1)
    ax.text(-0.4, 303, "target 300 MB", ha="left", va="bottom", fontsize=8, color="grey")
    ax.set_xticks(list(xs), [label for _, label in shown], fontsize=8)
    ax.set_title("Peak memory", fontsize=10)
    ax.set_ylabel("MB")
    ax.legend(fontsize=8, loc="upper right")
    ax.set_ylim(0, 360)
    ax.margins(y=0.15)
    fig.suptitle(
        f"coursebuild (blue) vs nbgrader, doit's floor, the pre-issue engine and the script floor (orange): {meta['modules']} modules, "
        f"{meta['machine']['cores']} cores, median of {meta['repeat']} runs after {meta['warmup']} warm-up",
        fontsize=11,
    )
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=110)


if __name__ == "__main__":
    main()
