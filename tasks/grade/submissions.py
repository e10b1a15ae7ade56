"""Collected submissions (`submissions/<student>/<module>/<module>.ipynb`) found and read, never fatal.

`parse_submission` is pure: the file's bytes in, a Submission out. Whatever is wrong with the file (empty,
not UTF-8, not JSON, not a notebook, another nbformat version, too large), the Submission carries the
problem, naming the student and the file; grading then records every graded cell of it as 0 with that
reason, and the run goes on.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..course.notebookfile import pick_notebook
from .bundle import Bundle
from .rehydrate import extract_answers
from .task import Submission

MAX_BYTES = 20 * 1024 * 1024


def find_submissions(paths, module) -> list[tuple[str, Path]]:
    """(student, notebook) for each student folder holding a notebook for `module` (or a part of one), by
    student id; which file is the notebook: course/notebookfile.pick_notebook, the one rule."""
    found = []
    if not paths.submissions.is_dir():
        return found
    for folder in sorted(p for p in paths.submissions.iterdir() if p.is_dir() and not p.name.startswith(".")):
        mine = paths.submission_dir(folder.name, module)
        names = sorted(p.name for p in mine.iterdir() if p.is_file()) if mine.is_dir() else []
        notebook = pick_notebook(names, module)
        if notebook is not None:
            found.append((folder.name, mine / notebook))
    return found


def read_submission(path: Path, shown: str, student: str, module: str, bundle: Bundle) -> Submission:
    try:
        size = path.stat().st_size
        data = b"" if size > MAX_BYTES else path.read_bytes()
    except OSError as error:
        return failed(student, module, shown, f"{shown}: cannot be read ({error.strerror}); collect it again", b"")
    if size > MAX_BYTES:
        return failed(
            student,
            module,
            shown,
            f"{shown}: is {size / 1e6:.0f} MB, more than the {MAX_BYTES // 2**20} MB a submission may be (clear its outputs and submit again)",
            str(size).encode(),
        )
    return parse_submission(data, shown, student, module, bundle)


def parse_submission(data: bytes, shown: str, student: str, module: str, bundle: Bundle) -> Submission:
    problem, notebook = notebook_problem(data, shown)
    if problem:
        return failed(student, module, shown, f"{shown}: {problem}", data)
    return Submission(student=student, module=module, path=shown, answers=extract_answers(notebook, bundle))


def notebook_problem(data: bytes, shown: str) -> tuple[str, dict | None]:
    if not data.strip():
        return "is empty; the student should submit the notebook again", None
    if not shown.endswith(".ipynb"):
        return (
            f"is not a notebook (.ipynb) but a {Path(shown).suffix or 'file without extension'}; submit the .ipynb file",
            None,
        )
    try:
        notebook = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        return "is not UTF-8 text, so not a notebook", None
    except ValueError as error:
        return (
            f"is not valid JSON (line {getattr(error, 'lineno', '?')}: {getattr(error, 'msg', error)}); the file was damaged, ask the student for it again",
            None,
        )
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells", notebook.get("worksheets")), list):
        return "is JSON but not a notebook (it has no cells)", None
    if notebook.get("nbformat") != 4:
        return (
            f"is an nbformat {notebook.get('nbformat')} notebook; open it in Jupyter and save it to convert it to nbformat 4",
            None,
        )
    return "", notebook


def failed(student: str, module: str, shown: str, problem: str, data: bytes) -> Submission:
    return Submission(
        student=student,
        module=module,
        path=shown,
        problem=problem,
        digest=hashlib.sha256(problem.encode("utf-8") + b"\0" + data).hexdigest(),
    )
