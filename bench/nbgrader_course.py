"""The same modules as an nbgrader course: source/<module>/<module>.ipynb (jupytext percent -> ipynb, one
process, not timed) and nbgrader_config.py, so `nbgrader generate_assignment '*'` builds them all in one run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

CONFIG = """c = get_config()  # noqa: F821 (nbgrader provides it)
c.CourseDirectory.course_id = "bench"
c.CourseDirectory.root = {root!r}
c.CourseDirectory.db_url = "sqlite:///{root}/gradebook.db"
"""
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def write_nbgrader_course(modules: list[tuple[str, Path]], root: Path) -> Path:
    """`modules` is [(assignment name, percent .py source)]; the nbgrader course dir is made afresh at `root`."""
    import jupytext
    import nbformat

    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    for name, source in modules:
        nb = jupytext.read(source, fmt="py:percent")
        nb.metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
        nb.nbformat, nb.nbformat_minor = 4, 5
        for index, cell in enumerate(nb.cells):
            cell["id"] = f"cell-{index:03d}"
            cell.metadata.pop("lines_to_next_cell", None)
        folder = root / "source" / name
        folder.mkdir(parents=True)
        nbformat.write(nb, str(folder / f"{name}.ipynb"))
    (root / "nbgrader_config.py").write_text(CONFIG.format(root=str(root.resolve())))
    return root


def reset(root: Path) -> None:
    """Back to a fresh nbgrader course: no release/ output, no gradebook."""
    shutil.rmtree(root / "release", ignore_errors=True)
    for name in ("gradebook.db", ".nbgrader.log"):
        (root / name).unlink(missing_ok=True)
