"""Collected submissions (`submissions/<student>/<module>/<module>.ipynb`) found and read, never fatal.

`parse_submission` is pure: the file's bytes in, a Submission out. Whatever is wrong with the file (empty,
not UTF-8, not JSON, not a notebook, another nbformat version, too large: intake.py's rule, the one
`tito collect` applies, in its words), the Submission carries the problem, naming the student and the file;
grading then records every graded cell of it as 0 with that reason, and the run goes on.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..course.notebookfile import pick_notebook
from .bundle import Bundle
from .intake import Rejected, check_notebook, check_size
from .rehydrate import extract_answers
from .task import Submission


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
    """The submission at `path`; its size judged before it is read (intake.check_size)."""
    try:
        size = path.stat().st_size
        check_size(size)
        data = path.read_bytes()
    except Rejected as why:
        return failed(student, module, shown, f"{shown}: {why}", str(size).encode())
    except OSError as error:
        return failed(student, module, shown, f"{shown}: cannot be read ({error.strerror}); collect it again", b"")
    return parse_submission(data, shown, student, module, bundle)


def parse_submission(data: bytes, shown: str, student: str, module: str, bundle: Bundle) -> Submission:
    """The answers of a notebook that passes `tito collect`'s own rule (intake.check_notebook), else the
    verdict of that rule, in its words."""
    try:
        notebook = check_notebook(shown, data).nb
    except Rejected as why:
        return failed(student, module, shown, f"{shown}: {why}", data)
    return Submission(student=student, module=module, path=shown, answers=extract_answers(notebook, bundle))


def failed(student: str, module: str, shown: str, problem: str, data: bytes) -> Submission:
    return Submission(
        student=student,
        module=module,
        path=shown,
        problem=problem,
        digest=hashlib.sha256(problem.encode("utf-8") + b"\0" + data).hexdigest(),
    )
