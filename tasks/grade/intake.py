"""Is a submitted file a notebook for this module? Pure checks on a file's name, size and bytes, each problem
said in words a student (and their instructor) can act on. Nothing here reads or writes files.

The one rule for a submitted notebook: `tito collect` (collect.py) refuses a file by it, and grading
(submissions.py) records the same verdict, in the same words, for a file put under submissions/ by hand."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from ..notebook.nbgrader import grade_id

MAX_BYTES = 20 * 1024 * 1024  # a student notebook is well under 1 MB; megabytes of output freeze the grader too


class Rejected(Exception):
    """A submitted file that cannot be graded; the message says why and what to do."""


@dataclass(frozen=True)
class Accepted:
    data: bytes  # the file as submitted
    grade_ids: frozenset[str]
    nb: dict = field(compare=False, repr=False)  # the notebook those bytes hold, parsed once


def check_size(size: int) -> None:
    if size == 0:
        raise Rejected("is empty (0 bytes); the student must save the notebook in Jupyter and submit it again")
    if size > MAX_BYTES:
        raise Rejected(
            f"is {size / 1e6:.1f} MB, more than the {MAX_BYTES // 2**20} MB a submission may have (large outputs or embedded data?); "
            "the student must clear the outputs (Kernel > Restart & Clear Output), save and submit again"
        )


def check_notebook(name: str, data: bytes) -> Accepted:
    """The notebook's bytes if they are a readable nbformat-4 notebook named .ipynb; Rejected says what they
    are instead."""
    check_size(len(data))
    if not data.strip():
        raise Rejected(
            f"is empty ({len(data)} bytes of blank space); the student must save the notebook in Jupyter and submit it again"
        )
    if name.endswith(".py") or _looks_like_python(data):
        raise Rejected(
            "is a Python file, not a notebook; the student must submit the .ipynb file (File > Download in Jupyter)"
        )
    if not name.endswith(".ipynb"):
        suffix = PurePosixPath(name).suffix or "file without extension"
        raise Rejected(f"is not a notebook (.ipynb) but a {suffix}; the student must submit the .ipynb file")
    try:
        nb = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise Rejected("is not text (not UTF-8): not a notebook; the student must submit the .ipynb file") from None
    except json.JSONDecodeError as error:
        raise Rejected(
            f"is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}): the notebook is damaged, "
            "e.g. edited in a text editor or cut off; the student must open it in Jupyter, save and submit again"
        ) from None
    return Accepted(data, frozenset(_notebook_grade_ids(_check_format(nb))), nb)


def _looks_like_python(data: bytes) -> bool:
    head = data.lstrip()[:200]
    return (
        bool(head)
        and not head.startswith(b"{")
        and any(head.startswith(w) for w in (b"#", b"import ", b"from ", b"def ", b"class ", b'"""'))
    )


def _check_format(nb) -> dict:
    if not isinstance(nb, dict) or not isinstance(nb.get("cells", nb.get("worksheets")), list):
        raise Rejected("is JSON but not a notebook (no list of cells); the student must submit the .ipynb file")
    version = nb.get("nbformat")
    if version != 4:
        raise Rejected(
            f"is a notebook of nbformat version {version}, and grading reads version 4; "
            "the student must open it in a current Jupyter (which converts it), save and submit again"
        )
    for index, cell in enumerate(nb["cells"], 1):
        if not isinstance(cell, dict) or not isinstance(cell.get("source", ""), (str, list)):
            raise Rejected(
                f"is not a valid notebook (cell {index} is malformed); the student must open it in Jupyter, save and submit again"
            )
    return nb


def _notebook_grade_ids(nb: dict) -> list[str]:
    return [grade_id(cell) for cell in nb["cells"] if grade_id(cell)]


def check_module(accepted: Accepted, module: str, grade_ids: dict[str, frozenset[str]]) -> None:
    """Rejected when the notebook's cells belong to another module of the course rather than `module`."""
    mine = len(accepted.grade_ids & grade_ids[module])
    best = max(grade_ids, key=lambda name: len(accepted.grade_ids & grade_ids[name]))
    if len(accepted.grade_ids & grade_ids[best]) > mine:
        raise Rejected(
            f"is the notebook of module '{best}', not of '{module}' (its graded cells are {best}'s); "
            f"the student must submit their {module} notebook here"
        )
    if accepted.grade_ids and not mine:
        raise Rejected(f"has none of module '{module}''s graded cells (grade ids); it is not this module's notebook")
