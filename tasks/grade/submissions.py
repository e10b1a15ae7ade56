"""Collected submissions (`submissions/<student>/<module>/<module>.ipynb`) found and read, never fatal.

`parse_submission` is pure: the file's bytes in, a Submission out. Whatever is wrong with the file (empty,
not UTF-8, not JSON, not a notebook, another nbformat version, too large: intake.py's rule, the one
`tito collect` applies, in its words), the Submission carries the problem, naming the student and the file;
grading then records every graded cell of it as 0 with that reason, and the run goes on.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from .bundle import Bundle
from .intake import Rejected, check_notebook, check_size
from .rehydrate import extract_answers
from .task import Submission


def find_submissions(paths, module) -> list[tuple[str, Path]]:
    """(student, notebook) for each student folder holding a notebook for `module`, by student id."""
    found = []
    if not paths.submissions.is_dir():
        return found
    for folder in sorted(p for p in paths.submissions.iterdir() if p.is_dir() and not p.name.startswith(".")):
        notebook = pick_notebook(folder / module.name, module.name)
        if notebook is not None:
            found.append((folder.name, notebook))
    return found


def pick_notebook(folder: Path, name: str) -> Path | None:
    """`<name>.ipynb` in the folder, else its only notebook, else any file (read to say what is wrong)."""
    if not folder.is_dir():
        return None
    preferred = folder / f"{name}.ipynb"
    if preferred.is_file():
        return preferred
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    notebooks = [p for p in files if p.suffix == ".ipynb"]
    return (notebooks or files or [None])[0]


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
