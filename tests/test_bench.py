"""The benchmark's pure helpers: the verdict of a ratio, the suites' ratio tables and their targets, the synthetic
class's mix and answers, the old engine's pins, the comparison of two gradebooks, the house's measure. (The whole
harness runs in tests/test_bench_smoke.py; timings are never asserted.)"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

import gradebench  # noqa: E402
import house  # noqa: E402
import oldengine  # noqa: E402
import run  # noqa: E402
import synth  # noqa: E402
import synthclass  # noqa: E402
from runner import verdict  # noqa: E402
from targets import TARGETS, WHY_MISSED  # noqa: E402


def test_verdict_says_met_or_by_how_much_the_target_is_missed():
    assert verdict(0.4, ("<=", 0.5)) == "met"
    assert verdict(0.75, ("<=", 0.5)) == "MISSED by 50% (0.75 vs <= 0.5)"
    assert verdict(12.0, (">=", 10.0)) == "met"
    assert verdict(8.0, (">=", 10.0)) == "MISSED by 20% (8 vs >= 10)"
    assert verdict(0.5004, ("<=", 0.5)) == "MISSED by 0.1% (0.5004 vs <= 0.5)"
    assert verdict(None, ("<=", 1.0)) == "not measured"
    assert verdict(3.0, None) == ""


def test_every_why_missed_names_a_ratio_with_a_target_and_every_target_is_used():
    rows = [row.row() for ratios in run.RATIOS for row in ratios({})]
    whats = [row["what"] for row in rows]
    assert len(whats) == len(set(whats)) == 22
    assert all(row["value"] is None for row in rows)  # nothing measured: no figure is made up
    with_target = {row["what"] for row in rows if row["verdict"] == "not measured"}
    assert set(WHY_MISSED) <= with_target, set(WHY_MISSED) - with_target
    suites = "".join((REPO / "bench" / f"{name}.py").read_text() for name in ("build", "execution", "grading", "leaks"))
    assert [key for key in TARGETS if f"['{key}']" not in suites and f'["{key}"]' not in suites] == []


def test_the_class_mix_is_mostly_correct_with_every_kind_and_loops_only_in_module_one():
    kinds = [synthclass.kind_of(s, m) for m in (1, 2, 3, 4, 5) for s in range(30)]
    assert kinds.count("loop") == 2 and all(synthclass.kind_of(s, 2) != "loop" for s in range(30))
    assert {"correct", "partial", "stubs", "broken", "wrong"} <= set(kinds)
    assert kinds.count("correct") > len(kinds) / 3


def test_answers_are_the_solution_cells_without_markers():
    found = synthclass.answers(synth.module_text(2))
    assert sorted(found) == [f"m02-op{k}" for k in range(synth.REGIONS)]
    assert "### BEGIN SOLUTION" not in found["m02-op0"] and "result = previous_op0(arr) + arr" in found["m02-op0"]
    assert found["m02-op1"].startswith("#| export\nclass Op1:")


def student_nb() -> dict:
    cells = [
        {"cell_type": "code", "source": "stub", "metadata": {"nbgrader": {"grade_id": f"m01-op{k}", "solution": True}}}
        for k in range(8)
    ]
    return {"cells": [{"cell_type": "markdown", "source": "intro", "metadata": {}}] + cells}


def test_a_submission_writes_the_answers_its_kind_says_and_leaves_the_input_alone():
    nb, solutions = student_nb(), {f"m01-op{k}": f"answer {k}" for k in range(8)}
    sources = lambda kind: [c["source"] for c in synthclass.submission(nb, solutions, kind)["cells"][1:]]  # noqa: E731
    assert sources("correct") == [f"answer {k}" for k in range(8)]
    assert sources("stubs") == ["stub"] * 8
    assert sources("partial") == [f"answer {k}" for k in range(4)] + ["stub"] * 4
    assert "def op2(x, factor=3)\n" in sources("broken")[2]  # no colon: a syntax error
    assert "while True" in sources("loop")[7] and sources("loop")[:7] == [f"answer {k}" for k in range(7)]
    assert nb == student_nb()


def test_write_class_lays_out_submissions_and_returns_each_kind(tmp_path):
    source = tmp_path / "m01.py"
    source.write_text(synth.module_text(1))
    built = tmp_path / "m01.ipynb"
    nb = student_nb()
    built.write_text(json.dumps(nb))
    kinds = synthclass.write_class(tmp_path / "submissions", [("m01", source, built)], students=3, loops=1)
    assert kinds == {"s001/m01": "loop", "s002/m01": "partial", "s003/m01": "correct"}
    written = json.loads((tmp_path / "submissions/s003/m01/m01.ipynb").read_text())
    assert "### BEGIN SOLUTION" not in written["cells"][1]["source"] and "def op0" in written["cells"][1]["source"]


def test_old_pins_missing_from_today_are_named():
    old = "# pins\ndoit==0.37.0\nnumpy==2.4.6\nfoo==1.0\n"
    new = "doit==0.37.0\nnumpy==2.4.6\nbar==2.0\n"
    assert oldengine.missing_pins(old, new) == ["foo==1.0"]
    assert oldengine.missing_pins(new.replace("bar==2.0\n", ""), new) == []


def test_disagreements_and_implausible_scores_are_listed():
    ours = {"s001/m01": 50.0, "s002/m01": 20.0}
    assert gradebench.disagreements(ours, dict(ours)) == []
    assert gradebench.disagreements(ours, {"s001/m01": 50.0, "s002/m01": 25.0}) == [
        "s002/m01: tito grade 20.0, nbgrader 25.0"
    ]
    assert gradebench.disagreements(ours, {"s001/m01": 50.0}) == ["s002/m01: tito grade 20.0, nbgrader missing"]
    kinds = {"s001/m01": "correct", "s002/m01": "stubs"}
    assert gradebench.implausible(ours, kinds) == ["s002/m01 (stubs): tito grade 20.0, expected 0"]


def test_house_counts_files_lines_classes_private_functions_and_call_sites(tmp_path):
    (tmp_path / "tasks" / "sub").mkdir(parents=True)
    (tmp_path / "tasks" / "a.py").write_text(
        "class Cell:\n    pass\n\n\ndef read_source(p):\n    return p\n\n\ndef _helper():\n"
        "    return read_source(1) + _read_source(2)\n"
    )
    (tmp_path / "tasks" / "sub" / "b.py").write_text(
        "from .. import a\n\n\nclass Cell:\n    def build_variant(self):\n        return a.read_source(3)\n"
    )
    figures = house.measure(tmp_path)
    assert figures["files"] == 2 and figures["lines"] == 16
    assert figures["classes"] == 2 and figures["class names defined more than once"] == "Cell"
    assert figures["top-level functions"] == 2 and figures["top-level functions named `_x`"] == "1 (50%)"
    assert figures["call sites of `read_source(`"] == 2 and figures["call sites of `build_variant(`"] == 0
    table = house.table(figures).splitlines()
    assert table[:2] == ["| tasks/ | value |", "|---|---|"] and "| lines | 16 |" in table
