"""`tito nbgrader export`: the course as an nbgrader course directory, for instructors who keep nbgrader's
formgrader (hand grading) or want nbgrader's own `autograde` beside `tito grade`.

What it writes (each file atomically; nbgrader's own state there, gradebook.db and autograded/, is kept):
- `source/<module>/<module>.ipynb`: the instructor version nbgrader expects: solution regions and hidden tests
  with their `### BEGIN/END` markers, instructor-only (`#| hide`) cells left out, nbgrader metadata complete;
- `release/<module>/<module>.ipynb`: our built, leak-guarded student notebook (test cells locked);
- the module's data files beside both; `submitted/<student>/<module>/` from `tito collect`'s submissions;
- `tinytorch/`: the REFERENCE package exports, so module N is graded against the reference modules it
  depends on (as `tito grade` does);
- `nbgrader_config.py`: course id, this folder as the root, the gradebook, the per-cell timeout, and the
  reference package on the kernel's PYTHONPATH; only options nbgrader 0.9.6 knows (it warns about any other:
  `nbgrader generate_assignment` registers each assignment in its gradebook).
Same cells, same tests, same rule (a test cell earns its points when it runs without error): nbgrader's
autograde gives the scores `tito grade` gives (tests/test_grade_nbgrader_export.py runs both).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ..base.errors import CourseError
from ..base.fsutil import TooLarge, read_capped, write_atomic
from ..course.config import Course, Module
from ..course.paths import Paths
from ..compile.compiled import compiled
from ..notebook.render import render_ipynb
from ..course.notebookfile import assignment_notebook_name, notebook_name

CONFIG = '''"""nbgrader configuration written by `tito nbgrader export` (coursebuild); regenerated on each export."""
import os

c = get_config()  # noqa: F821 (nbgrader provides it)
ROOT = {root!r}
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.root = ROOT
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(ROOT, "gradebook.db")
c.ExecutePreprocessor.timeout = {timeout!r}  # seconds per cell (course.yaml grading.timeout)
# module N imports the modules before it from the reference package exported beside this file
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH", "")) if p)
'''


def _config_text(course: Course, root: Path) -> str:
    return CONFIG.format(root=str(root), course_id=course.name, timeout=course.grading.timeout)


def _built_student(paths: Paths, module: Module) -> bytes:
    path = paths.student_notebook(module)
    if not path.is_file():
        raise CourseError.at(
            paths.rel(path),
            None,
            f"the student notebook of '{module.name}' is not built; run `doit student:{module.name}` (or `make build`) first",
        )
    return path.read_bytes()


def placed(module: Module) -> tuple[str, str]:
    """(nbgrader assignment, notebook file) of a module or part: `<module>/<module>.ipynb`, a part's
    `<module>/<notebook>.ipynb`, or for a notebook of an nbgrader assignment (course.yaml `assignment:`) that
    assignment and the notebook's own name."""
    if module.assignment:
        return module.assignment, assignment_notebook_name(module)
    return module.module_name, notebook_name(module)


def _export_module(course: Course, paths: Paths, module: Module, target: Path) -> None:
    assignment, name = placed(module)
    write_atomic(  # the registry's nbgrader_source variant: markers and hidden tests kept, instructor cells out
        target / "source" / assignment / name,
        render_ipynb(compiled(paths, module, course.markup).variant("nbgrader_source"), course.execution.kernel),
    )
    write_atomic(target / "release" / assignment / name, _built_student(paths, module))
    folder = course.root / module.folder
    for data in paths.data_files(module):
        relative = data.relative_to(folder)
        for kind in ("source", "release"):
            write_atomic(target / kind / assignment / relative, data.read_bytes())


def _export_package(paths: Paths, target: Path) -> int:
    """Copy the reference package (its .py files) to target/tinytorch; the number of files."""
    files = (
        sorted(p for p in paths.package.rglob("*.py") if "__pycache__" not in p.parts) if paths.package.is_dir() else []
    )
    for path in files:
        write_atomic(target / "tinytorch" / path.relative_to(paths.package), path.read_bytes())
    return len(files)


def _export_submissions(paths: Paths, module: Module, target: Path) -> int:
    """Copy `tito collect`'s submissions of `module` into nbgrader's submitted/ layout (with timestamp.txt)."""
    count = 0
    for student_dir in (
        sorted(p for p in paths.submissions.iterdir() if p.is_dir()) if paths.submissions.is_dir() else []
    ):
        notebook = paths.submission_file(student_dir.name, module)
        if not notebook.is_file():
            continue
        assignment, name = placed(module)
        folder = target / "submitted" / student_dir.name / assignment
        write_atomic(folder / name, notebook.read_bytes())
        when = submitted_time(paths.submission_origin(student_dir.name, module))
        if when:
            write_atomic(folder / "timestamp.txt", when + "\n")
        count += 1
    return count


def submitted_time(origin: Path) -> str | None:
    """When the submission was made, from its origin.json (None if it cannot be read, or is over 64 KB)."""
    try:
        data = json.loads(read_capped(origin, 64 * 1024))
    except (OSError, ValueError, TooLarge):
        return None
    when = data.get("committed") or data.get("submitted") or data.get("modified") if isinstance(data, dict) else None
    return when if isinstance(when, str) else None


def export(course: Course, paths: Paths, modules: list[Module], target: Path | None = None) -> str:
    """Write the nbgrader course directory for `modules`; a line saying what was written."""
    target = Path(target) if target else paths.nbgrader_course
    if target.exists() and not target.is_dir():
        raise CourseError.at(str(target), None, "exists and is not a folder; give another --to folder")
    modules = [part for module in modules for part in module.parts]  # each notebook of a module on its own
    for module in modules:
        _built_student(paths, module)  # every module is built, or nothing is written
    submitted = 0
    for module in modules:
        _export_module(course, paths, module, target)
        submitted += _export_submissions(paths, module, target)
    packaged = _export_package(paths, target)
    write_atomic(target / "nbgrader_config.py", _config_text(course, target.resolve()))
    shutil.rmtree(target / "__pycache__", ignore_errors=True)
    return (
        f"wrote the nbgrader course {paths.rel(target)}: {len(modules)} module(s) in source/ and release/, "
        f"{submitted} submission(s) in submitted/, {packaged} file(s) of the reference package; then, in that folder: "
        f"nbgrader generate_assignment MODULE --force (registers its cells), nbgrader autograde MODULE --create"
    )
