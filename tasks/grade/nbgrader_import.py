"""`tito nbgrader import DIR`: an nbgrader course directory into modules and course.yaml entries, with no hand
edit, reporting every cell it had to change and why.

What it reads (nothing of DIR is written):
- `source/<assignment>/*.ipynb`: each assignment becomes ONE module `modules/NN_<assignment>/` holding its
  notebooks (course.yaml `notebooks:`, each built and graded on its own); every other file of the assignment
  folder (an image, data) is copied beside them and listed in the module's `data:`;
- `nbgrader_config.py`: `CourseDirectory.course_id` and `IncludeHeaderFooter.header`/`footer` (read as text,
  never run): the header (footer) notebook is copied into each module's folder and named by its `header:`
  (`footer:`), so the build puts its cells before (after) each notebook's, as nbgrader's `generate_assignment`
  does (notebook/frame.py);
- `gradebook.db` (read-only): the assignments' order and due dates, which become release weeks (in due-date
  order) and `grading.deadlines`.
Cells change only where this project reads nbgrader's markup differently: nbgrader takes any line containing
`BEGIN SOLUTION` (or `END SOLUTION`, `BEGIN HIDDEN TESTS`, `END HIDDEN TESTS`) as a marker, this project only
`### BEGIN SOLUTION` lines, so such a line is rewritten to that (the line goes in nbgrader too).
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..base.errors import CourseError
from ..base.fsutil import write_atomic
from ..course.datafiles import is_leftover
from ..course.model import COURSE_FILE
from ..variants.markers import marker

NBGRADER_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
CONFIG_VALUE_RE = r"^\s*c\.{key}\s*=\s*(?P<q>['\"])(?P<value>[^'\"]*)(?P=q)"


@dataclass
class Imported:
    """One notebook as a module: where it came from, where it goes, and what was changed in it."""

    assignment: str
    notebook: Path
    name: str
    folder: str
    due: datetime | None
    release: int
    number: int = 1  # of the notebook in the source folder's order (its cells are numbered from 1)
    data: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    cells: list = field(default_factory=list)
    metadata: dict = field(default_factory=dict)


def import_course(root: Path, folder: Path) -> str:
    """Import the nbgrader course directory `folder` into the course at `root`; what was done, as text."""
    root, folder = Path(root).resolve(), Path(folder).resolve()
    source = folder / "source"
    if not source.is_dir():
        raise CourseError.at(
            str(folder),
            None,
            "has no source/ folder, so it is not an nbgrader course directory (source/<assignment>/<notebook>.ipynb); give the folder that holds nbgrader_config.py and source/",
        )
    config = _config_text(folder)
    course_id = _config_value(config, "CourseDirectory.course_id") or folder.name
    timeout = re.search(
        r"^\s*c\.(?:Execute|ExecutePreprocessor)\.timeout\s*=\s*(?P<seconds>\d+)\s*(?:#.*)?$", config, re.M
    )
    frames = {part: _frame(folder, config, part) for part in ("header", "footer")}
    existing = _existing_course(root)
    modules = _plan(source, _due_dates(folder / "gradebook.db"), existing)
    if not modules:
        raise CourseError.at(str(source), None, "holds no assignment folder with a notebook; nothing to import")
    for module in modules:
        _read_notebook(module)
    framing = {part: _framing(folder, *found) for part, found in frames.items() if found}
    yaml_text = _course_yaml(root, course_id, folder, modules, existing, timeout and int(timeout["seconds"]), framing)
    for module in modules:
        _write_module(root, source, module, framing)
    write_atomic(root / COURSE_FILE, yaml_text)
    return _report(folder, modules, framing)


# --- reading the nbgrader course -------------------------------------------------------------------


def _config_text(folder: Path) -> str:
    path = folder / "nbgrader_config.py"
    try:
        return path.read_text(encoding="utf-8") if path.is_file() else ""
    except (OSError, UnicodeDecodeError) as error:
        raise CourseError.at(str(path), None, f"cannot be read ({error}); fix its permissions or encoding")


def _config_value(config: str, key: str) -> str | None:
    """A string option of nbgrader_config.py (`c.Key.option = "value"`), read as text."""
    found = re.search(CONFIG_VALUE_RE.format(key=re.escape(key)), config, re.M)
    return found["value"] if found else None


def _frame(folder: Path, config: str, part: str) -> tuple[Path, list] | None:
    """The header or footer notebook nbgrader_config.py names (relative to the course directory): (path, cells)."""
    name = _config_value(config, f"IncludeHeaderFooter.{part}")
    if not name:
        return None
    path = folder / name
    return path, _notebook_json(path)["cells"]


def _framing(folder: Path, path: Path, cells: list) -> Imported:
    """The header or footer notebook as it is copied into each module (its markers read as this project does)."""
    frame = Imported("", path, "", "", None, 0, cells=[json.loads(json.dumps(c)) for c in cells])
    frame.metadata = _notebook_json(path).get("metadata") or {}
    _fix_markers(frame)
    frame.changes = [f"{path.relative_to(folder)} {change}" for change in frame.changes]
    return frame


def _notebook_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CourseError.at(str(path), None, "is named in nbgrader_config.py but does not exist; fix the path")
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise CourseError.at(str(path), None, f"is not a readable notebook ({error}); fix or remove it")
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list) or data.get("nbformat") != 4:
        raise CourseError.at(str(path), None, "is not a notebook of nbformat 4; open and save it in Jupyter first")
    return data


def _due_dates(gradebook: Path) -> dict[str, datetime | None]:
    """Each assignment of nbgrader's gradebook and its due date (UTC), read-only; {} without a gradebook."""
    if not gradebook.is_file():
        return {}
    try:
        db = sqlite3.connect(f"{gradebook.as_uri()}?mode=ro", uri=True)
        try:
            rows = db.execute("SELECT name, duedate FROM assignment").fetchall()
        finally:
            db.close()
    except sqlite3.Error as error:
        raise CourseError.at(
            str(gradebook),
            None,
            f"cannot be read as nbgrader's gradebook ({error}); move it aside to import without due dates",
        )
    return {str(name): _utc(due) for name, due in rows}


def _utc(value) -> datetime | None:
    """nbgrader stores due dates as naive UTC text."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)


def _existing_course(root: Path) -> dict:
    """The names and folders course.yaml already has, and its module count ({} without a course.yaml)."""
    path = root / COURSE_FILE
    if not path.is_file():
        return {}
    from ..course.config import load_course

    course = load_course(root)
    return {
        "names": {m.name for m in course.modules},
        "folders": {m.folder for m in course.modules},
        "count": len(course.modules),
        "weeks": max(m.release for m in course.modules),
    }


def _plan(source: Path, due: dict, existing: dict) -> list[Imported]:
    """Each notebook of each assignment (one module per assignment), assignments in due-date order (then by
    name), numbered after the course's own."""
    folders = sorted(
        p for p in source.iterdir() if p.is_dir() and not p.name.startswith(".") and not is_leftover(p.name)
    )
    assignments = [(p, sorted(n for n in p.glob("*.ipynb") if not n.name.startswith("."))) for p in folders]
    assignments = [(p, notebooks) for p, notebooks in assignments if notebooks]
    far = datetime.max.replace(tzinfo=timezone.utc)
    assignments.sort(key=lambda a: (due.get(a[0].name) or far, a[0].name))
    planned, number, week = [], existing.get("count", 0), existing.get("weeks", 0)
    taken = set(existing.get("names", ()))
    for folder, notebooks in assignments:
        week += 1
        number += 1
        name = _name(folder.name)
        while name in taken:
            name += "_2"
        taken.add(name)
        target = f"modules/{number:02d}_{name}"
        if target in existing.get("folders", ()):
            raise CourseError.at(COURSE_FILE, None, f"already has a module in {target}; import into another course")
        for index, notebook in enumerate(notebooks, 1):
            module = Imported(folder.name, notebook, name, target, due.get(folder.name), week, number=index)
            module.data = _data_files(folder)
            planned.append(module)
    return planned


def _name(text: str) -> str:
    """A module name (lower case letters, digits and _, starting with a letter) for an assignment or notebook."""
    name = re.sub(r"[^a-z0-9_]+", "_", text.lower()).strip("_")
    return name if name[:1].isalpha() else f"m_{name}".rstrip("_")


def _data_files(folder: Path) -> list[str]:
    """Every file of an assignment folder but its notebooks and leftovers, relative to it (what nbgrader releases)."""
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part.startswith(".") or is_leftover(part) for part in relative.parts) or not path.is_file():
            continue
        if path.suffix == ".ipynb" and len(relative.parts) == 1:
            continue
        found.append(relative.as_posix())
    return found


# --- the notebook, as this project reads it ----------------------------------------------------------


def _read_notebook(module: Imported) -> None:
    data = _notebook_json(module.notebook)
    module.cells = data["cells"]
    module.metadata = data.get("metadata") or {}
    _fix_markers(module)


def _fix_markers(module: Imported) -> None:
    """A line nbgrader reads as a marker and this project would not, rewritten (and reported)."""
    for number, cell in enumerate(module.cells, 1):
        lines = _text(cell.get("source")).split("\n")
        for index, line in enumerate(lines):
            meant = _nbgrader_marker(line)
            if meant and marker(line) is None:
                lines[index] = line[: len(line) - len(line.lstrip())] + meant
                module.changes.append(
                    f"cell {number}, line {index + 1}: {line.strip()!r} -> {lines[index].strip()!r} (nbgrader takes any line containing '{meant[4:]}' as a marker, this project only '{meant}' lines)"
                )
        cell["source"] = "\n".join(lines)


def _nbgrader_marker(line: str) -> str | None:
    """The marker nbgrader reads in a line (any line containing its delimiter), as this project writes it."""
    return next((f"### {m}" for m in NBGRADER_MARKERS if m in line), None)


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else source if isinstance(source, str) else ""


def _write_module(root: Path, source: Path, module: Imported, framing: dict[str, Imported]) -> None:
    """A notebook into its module's folder; with the module's first notebook, its data and header/footer."""
    target = root / module.folder
    if module.number == 1:
        if target.exists():
            raise CourseError.at(str(target), None, "already exists; move it aside or import into another course")
        for name in module.data:
            write_atomic(target / name, (source / module.assignment / name).read_bytes())
        for part, frame in framing.items():
            _write_notebook(target / _frame_name(part, frame), frame)
    _write_notebook(target / module.notebook.name, module)


def _write_notebook(path: Path, module: Imported) -> None:
    notebook = {"cells": module.cells, "metadata": module.metadata, "nbformat": 4, "nbformat_minor": 4}
    for cell in notebook["cells"]:
        cell.pop("id", None)  # nbformat 4.4: the build gives each cell its own id
    write_atomic(path, json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")


def _frame_name(part: str, frame: Imported) -> str:
    """The header's (footer's) file in a module folder."""
    return f"{part}.ipynb"


# --- course.yaml ---------------------------------------------------------------------------------


def _course_yaml(
    root: Path,
    course_id: str,
    folder: Path,
    modules: list[Imported],
    existing: dict,
    timeout: int | None,
    framing: dict[str, Imported],
) -> str:
    """course.yaml with the imported modules and deadlines: a new file (with nbgrader's per-cell timeout as
    grading.timeout), or the current one with them added."""
    entries = "".join(_entry([n for n in modules if n.name == m.name], framing) for m in modules if m.number == 1)
    deadlines = {m.name: m.due for m in modules if m.due}
    path = root / COURSE_FILE
    if not existing:
        grading = "grading:\n" if deadlines or timeout else ""
        grading += f"  timeout: {timeout}  # seconds per cell (nbgrader_config.py)\n" if timeout else ""
        grading += "  deadlines:\n" if deadlines else ""
        grading += "".join(f"    {name}: {when.isoformat()}\n" for name, when in deadlines.items())
        return (
            f"# Imported from the nbgrader course {folder} by `tito nbgrader import` (docs/grading.md).\n"
            f"course: {json.dumps(course_id)}\n{grading}modules:\n{entries}"
        )
    return _added(path, path.read_text(encoding="utf-8"), entries, deadlines)


def _entry(notebooks: list[Imported], framing: dict[str, Imported]) -> str:
    """One module: the assignment's notebooks, data files and the header/footer copied into its folder."""
    module = notebooks[0]
    data = f"    data: [{', '.join(json.dumps(d) for d in module.data)}]\n" if module.data else ""
    frames = "".join(f"    {part}: {json.dumps(_frame_name(part, f))}\n" for part, f in framing.items())
    names = ", ".join(json.dumps(n.notebook.name) for n in notebooks)
    return (
        f"  - name: {module.name}\n    folder: {module.folder}\n    notebooks: [{names}]\n{frames}"
        f"    release: {module.release}\n    solutions: {module.release + 1}\n{data}"
    )


def _added(path: Path, text: str, entries: str, deadlines: dict) -> str:
    """The current course.yaml with `entries` at the end of `modules:` (which must be its last key) and the
    deadlines added to `grading.deadlines`."""
    import yaml

    top = yaml.compose(text)
    keys = [k.value for k, _ in top.value]
    if keys[-1] != "modules":
        raise CourseError.at(
            COURSE_FILE,
            top.value[keys.index("modules")][0].start_mark.line + 1,
            "modules: is not the last key of course.yaml, so the imported modules cannot be added after it; move modules: to the end of the file and import again",
        )
    lines = text.rstrip("\n").split("\n") + [entries.rstrip("\n")]
    if not deadlines:
        return "\n".join(lines) + "\n"
    wanted = [f"{name}: {when.isoformat()}" for name, when in deadlines.items()]
    grading = dict((k.value, v) for k, v in top.value).get("grading")
    if grading is None:
        return "\n".join(lines) + "\ngrading:\n  deadlines:\n" + "".join(f"    {w}\n" for w in wanted)
    found = {k.value: (k, v) for k, v in grading.value}
    if "deadlines" not in found:
        at = grading.start_mark.line
        indent = " " * grading.value[0][0].start_mark.column
        lines[at:at] = [f"{indent}deadlines:"] + [f"{indent}  {w}" for w in wanted]
        return "\n".join(lines) + "\n"
    key, value = found["deadlines"]
    if getattr(value, "flow_style", False) and not value.value:  # `deadlines: {}`
        line = lines[key.start_mark.line]
        lines[key.start_mark.line : key.start_mark.line + 1] = [line[: value.start_mark.column].rstrip()] + [
            " " * (key.start_mark.column + 2) + w for w in wanted
        ]
        return "\n".join(lines) + "\n"
    if getattr(value, "flow_style", False):
        raise CourseError.at(
            COURSE_FILE,
            key.start_mark.line + 1,
            f"grading.deadlines is written on one line; write it as a block (one 'module: date' per line) and import again, or add these yourself: {', '.join(wanted)}",
        )
    column = value.value[0][0].start_mark.column
    at = key.start_mark.line + 1
    lines[at:at] = [" " * column + w for w in wanted]
    return "\n".join(lines) + "\n"


def _report(folder: Path, modules: list[Imported], framing: dict[str, Imported]) -> str:
    assignments = len({m.assignment for m in modules})
    out = [
        f"imported the nbgrader course {folder}: {assignments} assignment(s), {len(modules)} notebook(s) -> {assignments} module(s) in course.yaml"
    ]
    for part, frame in framing.items():
        out.append(
            f"  {frame.notebook.relative_to(folder)} -> {_frame_name(part, frame)} in each module's folder, its `{part}:` (nbgrader's IncludeHeaderFooter.{part})"
        )
        out += [f"    {change}" for change in frame.changes]
    for m in modules:
        due = f", due {m.due:%Y-%m-%d %H:%M} UTC" if m.due else ""
        data = f", data: {', '.join(m.data)}" if m.data else ""
        out.append(
            f"  source/{m.assignment}/{m.notebook.name} -> {m.folder}/{m.notebook.name} (module {m.name}, week {m.release}{due}{data})"
        )
        out += [f"    {change}" for change in m.changes] or ["    no cell changed"]
    out.append(
        "next: doit lint student (the differences from nbgrader: docs/authoring.md), then tito module validate --all"
    )
    return "\n".join(out)
