"""Which file of a folder is a module's (or a part's) notebook: the ONE rule of the engine, for collect (a
student's submitted folder, a student's repository), `tito grade` (submissions/) and the nbgrader export. The
student's `tito` (standard library only, shipped to students, so it cannot import this) reads its own released
folder: `tito/repo.py` `StudentModule.parts` (each released notebook of the folder)."""

from __future__ import annotations

from .model import Module


def notebook_name(module: Module) -> str:
    """The name its notebook has everywhere outside the build: `<module>.ipynb`, or a part's own
    `<notebook>.ipynb` (nbgrader's `submitted/<student>/<assignment>/<notebook>.ipynb`)."""
    return f"{module.stem}.ipynb"


def assignment_notebook_name(module: Module) -> str:
    """A notebook of an nbgrader assignment (course.yaml `assignment:`): its source's own name, `.ipynb`."""
    return f"{module.source.rsplit('.', 1)[0]}.ipynb"


def pick_notebook(names: list[str], module: Module) -> str | None:
    """Of the file names of a folder, the notebook of `module`: its own name (`notebook_name`); for a part or a
    notebook of an nbgrader assignment (course.yaml `assignment:`), sharing the folder with others, only that;
    else the first notebook, else the first other file (read to say what is wrong), else None."""
    if notebook_name(module) in names:
        return notebook_name(module)
    if module.part_of:
        return None
    if module.assignment:
        own = assignment_notebook_name(module)
        return own if own in names else None
    visible = [n for n in names if not n.startswith(".")]
    notebooks = [n for n in visible if n.endswith(".ipynb")]
    return (notebooks or [n for n in visible if n != "timestamp.txt"] or [None])[0]
