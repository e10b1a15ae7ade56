"""Write the expected outputs of every golden case. Run by hand only, then READ what it wrote:

    .venv/bin/python tests/golden/regenerate.py            # every case
    .venv/bin/python tests/golden/regenerate.py 02_edge_cases

It also (re)creates 03_tensor_ipynb/source.ipynb from 01_tensor_py/source.py with jupytext.
tests/test_golden.py never writes these files; it only compares against them.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent
REPO = GOLDEN.parent.parent
sys.path.insert(0, str(REPO))


def load_test_module():
    spec = importlib.util.spec_from_file_location("test_golden", GOLDEN.parent / "test_golden.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write(path: Path, text: str) -> None:
    old = path.read_bytes() if path.exists() else None
    new = text.encode("utf-8")
    if old == new:
        print(f"unchanged {path.relative_to(REPO)}")
        return
    path.write_bytes(new)
    print(f"wrote {path.relative_to(REPO)} ({len(new)} bytes, {'new' if old is None else 'CHANGED: review the diff'})")


def cells(nb) -> list:
    return [(c.cell_type, c.source, c.metadata) for c in nb.cells]


def convert_ipynb_case() -> None:
    """03_tensor_ipynb/source.ipynb = 01_tensor_py/source.py through jupytext (kept if its cells already match:
    jupytext gives new random cell ids on every conversion)."""
    import jupytext

    converted = jupytext.reads((GOLDEN / "01_tensor_py" / "source.py").read_text(encoding="utf-8"), fmt="py:percent")
    target = GOLDEN / "03_tensor_ipynb" / "source.ipynb"
    if target.exists() and cells(jupytext.reads(target.read_text(encoding="utf-8"), fmt="ipynb")) == cells(converted):
        print(f"kept {target.relative_to(REPO)} (same cells as 01_tensor_py/source.py)")
        return
    write(target, jupytext.writes(converted, fmt="ipynb"))


def main(names: list[str]) -> None:
    golden = load_test_module()
    cases = names or list(golden.CASES)
    if "03_tensor_ipynb" in cases:
        convert_ipynb_case()
    for case in cases:
        for name, text in golden.build_case(GOLDEN / case).items():
            write(GOLDEN / case / name, text)


if __name__ == "__main__":
    main(sys.argv[1:])
