"""Export your finished notebooks into the `tinytorch` package, so later modules can import them.

    python tools/export.py 01_tensor          # your work on module 01 -> tinytorch/core/tensor.py
    python tools/export.py                    # every module you have
    python tools/export.py --solution 01_tensor   # catch up: export the released solution instead
    python tools/export.py modules/01_tensor/tensor.v2.ipynb   # a particular notebook (e.g. an errata copy)

It copies the code cells marked `#| export`, in order, into the module named by `#| default_exp`.
Standard library only. Written by coursebuild; the course staff keep it up to date.
"""
import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIRECTIVE = re.compile(r"^#\|\s*(\w[\w-]*)(?:\s+(\S+))?\s*$")
VERSION = re.compile(r"\.v(\d+)\.(ipynb|py)$")
CELL = re.compile(r"^# %%(.*)$")


def original_notebook(folder: Path) -> Path | None:
    """The notebook first released in a folder: the .ipynb, else the percent .py when the course ships
    only those (errata copies are named name.v2.ipynb / name.v2.py and are skipped)."""
    for pattern in ("*.ipynb", "*.py"):
        notebooks = sorted(p for p in folder.glob(pattern) if not VERSION.search(p.name))
        if notebooks:
            return notebooks[0]
    return None


def code_cells(notebook: Path) -> list[str]:
    """The source of each code cell of a notebook (.ipynb) or a jupytext percent script (.py)."""
    text = notebook.read_text(encoding="utf-8")
    if notebook.suffix != ".py":
        return ["".join(c.get("source", "")) for c in json.loads(text)["cells"] if c.get("cell_type") == "code"]
    cells, current, is_code = [], [], False
    for line in text.split("\n") + ["# %% end"]:
        header = CELL.match(line)
        if header:
            if is_code and current:
                cells.append("\n".join(current))
            current, is_code = [], "[markdown]" not in header[1] and "[raw]" not in header[1]
        else:
            current.append(line)
    return cells


def export(notebook: Path) -> Path:
    target, chunks = None, []
    for source in code_cells(notebook):
        lines = source.split("\n")
        found = [(i, DIRECTIVE.match(l)) for i, l in enumerate(lines) if DIRECTIVE.match(l)]
        for _, match in found:
            if match[1] == "default_exp":
                target = match[2]
        if any(match[1] == "export" for _, match in found):
            keep = [l for i, l in enumerate(lines) if i not in {j for j, _ in found}]
            chunks.append("\n".join(keep).strip("\n"))
    if not target:
        sys.exit(f"{notebook}: no '#| default_exp' line; is this a course notebook?")
    path = ROOT.joinpath("tinytorch", *target.split(".")).with_suffix(".py")
    folder = path.parent
    while folder != ROOT:
        folder.mkdir(exist_ok=True)
        (folder / "__init__.py").touch()
        folder = folder.parent
    header = f"# Exported from {notebook.relative_to(ROOT)} by tools/export.py; edit the notebook, not this file.\n"
    path.write_text(header + "".join(f"\n{chunk}\n" for chunk in chunks), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("modules", nargs="*", help="module folders such as 01_tensor, or notebook paths (default: all)")
    parser.add_argument("--solution", action="store_true", help="export the released solution instead of your work")
    args = parser.parse_args()
    base = ROOT / ("solutions" if args.solution else "modules")
    wanted = args.modules or sorted(p.name for p in base.glob("*") if p.is_dir())
    for item in wanted:
        if item.endswith((".ipynb", ".py")):
            notebook = (ROOT / item).resolve()
        else:
            notebook = original_notebook(base / item)
        if notebook is None or not notebook.exists():
            sys.exit(f"{item}: no notebook found under {base.relative_to(ROOT)}/ (released yet?)")
        print(f"{notebook.relative_to(ROOT)} -> {export(notebook).relative_to(ROOT)}")


if __name__ == "__main__":
    main()
