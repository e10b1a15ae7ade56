"""A scratch folder for one execution: exactly the files given, in a fresh folder, removed afterwards.

Executions never run in the instructor's module folder: whatever a notebook writes lands in the scratch
copy and is gone when the run ends, so it can neither ship nor change an archive.
"""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

from ..base.errors import CourseError
from ..base.fsutil import os_error_hint, shown


@contextmanager
def scratch_tree(folder: Path, files: dict[str, Path], levels: int = 2):
    """`folder`, emptied, holding a copy of each file of `files` (relative POSIX name -> file); removed after,
    with its `levels` parent folders when that leaves them empty (a build leaves no trace of its scratch)."""
    shutil.rmtree(folder, ignore_errors=True)
    try:
        try:
            folder.mkdir(parents=True)
            for name, original in sorted(files.items()):
                target = folder / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(original, target)
        except OSError as error:
            raise CourseError.at(
                shown(folder),
                None,
                f"the scratch copy to run the notebook in could not be made: "
                f"{os_error_hint(error)}. Nothing else was written; free space or fix permissions and run again",
            )
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        for parent in list(folder.parents)[:levels]:
            try:
                parent.rmdir()
            except OSError:  # not empty: another execution is using it
                break
