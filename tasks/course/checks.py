"""The checks of course.yaml that need the whole course: names, weeks, dependencies, paths, grading.

Pure functions of the built Course and the YAML nodes (for line numbers); config.py runs them on load and
cache.py reruns the file-system ones (`file_system_changed`) on every use of a cached Course."""

from __future__ import annotations

import re
from pathlib import Path

from ..base.errors import Finding
from .model import NAME_RE, Course, Module
from .release_settings import check_release_settings


def line_of(node) -> int:
    return node.start_mark.line + 1


def check_course(course: Course, values: dict, filename: str) -> list[Finding]:
    """The checks that need the whole course: names, weeks, dependencies, paths."""
    findings: list[Finding] = []

    def fail(node, message):
        findings.append(Finding(filename, line_of(node) if node is not None else 1, message))

    repo_node = (values["student_repo"] or {}).get("__node__")
    repo_keys = {k.value: v for k, v in repo_node.value} if repo_node is not None else {}
    check_release_settings(course, repo_keys, repo_node, (values["execution"] or {}).get("__node__"), fail)
    problem = _student_repo_problem(course)
    if problem:
        fail(repo_keys.get("path", repo_node), f"student_repo.path: '{course.student_repo.path}' {problem}")
    init_problem = _package_init_problem(course)
    if init_problem:
        key = (
            next((k for k, _ in values["__top__"].value if k.value == "package_init"), None)
            if "__top__" in values
            else None
        )
        fail(key, f"package_init: '{course.package_init}' {init_problem}")
    seen: dict[str, int] = {}
    folders: dict[str, str] = {}
    for index, ((raw, node), module) in enumerate(zip(values["modules"], course.modules)):
        where = f"modules[{index}]"
        keys = {k.value: v for k, v in node.value}
        if not NAME_RE.match(module.name):
            fail(
                keys["name"],
                f"{where}.name: '{module.name}' must be lower case letters, digits and _ (it names tasks and files)",
            )
        if module.name in seen:
            fail(
                keys["name"],
                f"{where}.name: duplicate module name '{module.name}' (first on line {seen[module.name]}); rename one",
            )
        seen.setdefault(module.name, line_of(keys["name"]))
        if module.slug in folders:
            fail(
                keys["folder"],
                f"{where}.folder: '{module.slug}' is already the folder of module '{folders[module.slug]}'; each module needs its own folder",
            )
        folders.setdefault(module.slug, module.name)
        if module.solutions < module.release:
            fail(
                keys["solutions"],
                f"{where}.solutions: week {module.solutions} is before the release week {module.release}; solutions must come out in or after the release week",
            )
        _check_paths(course.root, module, keys, where, fail)
        _check_data_globs(raw["data"], where, fail)
    _check_dependencies(course, values["modules"], fail)
    _check_grading(course, values["grading"], fail)
    return findings


def _check_grading(course: Course, values: dict | None, fail) -> None:
    """Deadlines name modules of the course; the roster and submitted folder stay in the repository."""
    if values is None:
        return
    keys = {k.value: v for k, v in values["__node__"].value}
    names = [m.name for m in course.modules]
    seen: dict[str, int] = {}
    for name, _, node in values["deadlines"]:
        if name not in names:
            import difflib  # only for a message: not at every start

            close = difflib.get_close_matches(str(name), names, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known modules: {', '.join(names)}"
            fail(node, f"grading.deadlines: '{name}' is not a module of this course; {hint}")
        elif name in seen:
            fail(node, f"grading.deadlines: duplicate deadline for '{name}' (first on line {seen[name]}); keep one")
        seen.setdefault(name, line_of(node))
    for key in ("roster", "submitted"):
        relative = getattr(course.grading, key)
        if relative is not None and not inside(course.root, relative):
            fail(
                keys[key],
                f"grading.{key}: '{relative}' leaves the repository; use a path inside it such as 'grading/{key}'",
            )


def within(root: Path, path: Path) -> bool:
    resolved = path.resolve()
    return resolved == root or root in resolved.parents


def inside(root: Path, relative: str) -> bool:
    return not Path(relative).is_absolute() and within(root, root / relative)


def _student_repo_problem(course: Course) -> str | None:
    """Why `student_repo.path` cannot hold the student repository, or None. The release commits (and pushes)
    everything in it, and `doit prune`/`make clean` empty the output folders: so it must be its own folder,
    apart from the course repository, its module folders and the build's output folders."""
    root, raw = course.root, course.student_repo.path
    if not inside(root, raw):
        return "leaves the repository; use a path inside it such as 'student-repo'"
    return repo_folder_problem(course, (root / raw).resolve())


def repo_folder_problem(course: Course, repo: Path) -> str | None:
    """Why the folder `repo` (resolved; course.yaml's path or a `--target-repo` for one run) cannot hold the
    student repository, or None."""
    from .paths import OUTPUT_FOLDERS, PRIVATE_FOLDERS  # paths.py imports this module

    root = course.root.resolve()
    if repo == root:
        return "is the course repository itself: releasing would commit (and push) every solution; use a folder of its own such as 'student-repo'"
    if repo in root.parents:
        return "contains the course repository: releasing would commit (and push) every solution; use a folder of its own such as 'student-repo'"
    owned = [(f"module '{m.name}' folder '{m.folder}'", root / m.folder) for m in course.modules]
    owned += [(f"output folder '{name}/'", root / name) for name in OUTPUT_FOLDERS]
    owned += [(f"grading folder '{name}/'", root / name) for name in PRIVATE_FOLDERS]
    for what, folder in owned:
        folder = folder.resolve()
        if repo == folder or folder in repo.parents:
            return f"is inside the {what}: it would be shipped, rebuilt or deleted with it; use a folder of its own such as 'student-repo'"
        if repo in folder.parents:
            return f"contains the {what}: releasing would commit it; use a folder of its own such as 'student-repo'"
    return None


def _package_init_problem(course: Course) -> str | None:
    """Why `package_init` cannot be the code of the generated tinytorch/__init__.py, or None."""
    from .paths import PACKAGE_DIR

    raw = course.package_init
    if raw is None:
        return None
    if not inside(course.root, raw):
        return "leaves the repository; use a file inside it such as 'package_init.py'"
    path = (course.root / raw).resolve()
    if path.suffix != ".py":
        return "must be a .py file (its code becomes tinytorch/__init__.py)"
    if (course.root / PACKAGE_DIR).resolve() in path.parents:
        return f"is inside {PACKAGE_DIR}/, which the build writes; keep it outside, e.g. 'package_init.py'"
    if not path.is_file():
        return "does not exist; create it or fix the name"
    return None


def _check_data_globs(entries: list, where: str, fail) -> None:
    """`data:` globs name files inside the module folder: relative, without '..'."""
    for index, (glob, node) in enumerate(entries):
        if glob is None:
            continue
        parts = glob.replace("\\", "/").split("/")
        if glob.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", glob):
            fail(node, f"{where}.data[{index}]: '{glob}' must be a glob inside the module folder, such as 'data/*.csv'")


def _check_paths(root: Path, module: Module, keys: dict, where: str, fail) -> None:
    if "source" in keys and "notebooks" in keys:
        fail(keys["notebooks"], f"{where}: give `source:` (one notebook) or `notebooks:` (several), not both")
    for key, problem in path_problems(root, module):
        fail(keys.get(key, keys.get("name")), f"{where}.{key}: {problem}")


def path_problems(root: Path, module: Module) -> list[tuple[str, str]]:
    """(key, problem) for a module's folder, notebooks (`source:` or each of `notebooks:`) and header/footer:
    they must stay in the repository and exist."""
    folder = None if Path(module.folder).is_absolute() else (root / module.folder).resolve()  # once: every start
    if folder is None or not (folder == root or root in folder.parents):  # inside(root, module.folder)
        return [("folder", f"'{module.folder}' leaves the repository; use a relative path such as 'modules/01_tensor'")]
    if folder == root.resolve():
        return [
            (
                "folder",
                f"'{module.folder}' is the repository root; give the module its own folder such as 'modules/01_tensor'",
            )
        ]
    if not module.source:
        return [("source", "give the module's notebook as `source: NAME.py` or its notebooks as `notebooks: [...]`")]
    key = "notebooks" if module.notebooks else "source"
    found = []
    for name in module.notebooks or (module.source,):
        problem = _notebook_problem(root, module, name)
        if problem is None and module.notebooks and not PART_RE.match(Path(name).stem):
            problem = (
                f"'{name}': a notebook's name may have letters, digits, _ and - only (it names its files and tasks)"
            )
        if problem:
            found.append((key, problem))
    stems = [Path(name).stem for name in module.notebooks]
    found += [(key, f"two notebooks named '{s}' (.py and .ipynb?); keep one") for s in set(stems) if stems.count(s) > 1]
    for what, relative in (("header", module.header), ("footer", module.footer)):
        if relative is None:
            continue
        path = root / relative
        if not inside(root, relative) or path.suffix not in (".py", ".ipynb"):
            found.append((what, f"'{relative}' must be a .py or .ipynb notebook inside the repository"))
        elif not path.is_file():
            found.append(
                (
                    what,
                    f"'{relative}' does not exist (a module's own {what} is relative to its folder, the course's to course.yaml); create it or fix the name",
                )
            )
        elif relative in {f"{module.folder}/{n}" for n in module.notebooks}:
            found.append((what, f"'{relative}' is also one of the module's notebooks; list only the others"))
    return found


PART_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")


def _notebook_problem(root: Path, module: Module, name: str) -> str | None:
    if "/" in name or "\\" in name or name in (".", ".."):
        return f"'{name}' must be a file name inside the module folder '{module.folder}'"
    path = root / module.folder / name
    if path.suffix not in (".py", ".ipynb"):
        return f"'{name}' must be a .py (jupytext percent) or .ipynb file"
    if path.is_symlink() and not within(root, path):
        return f"'{module.folder}/{name}' is a symlink out of the repository; copy the file in instead"
    if not path.exists():
        return f"'{module.folder}/{name}' does not exist; create it or fix the name"
    if not path.is_file():
        return f"'{module.folder}/{name}' is not a file (a directory?); point source at the module's .py or .ipynb file"
    return None


def file_system_changed(course: Course) -> bool:
    """Would loading course.yaml now find a problem in the file system that it did not find before?
    (A cached Course is only used when not: course_cache.py.)"""
    return (
        _student_repo_problem(course) is not None
        or _package_init_problem(course) is not None
        or any(path_problems(course.root, m) for m in course.modules)
    )


def _check_dependencies(course: Course, entries: list, fail) -> None:
    order = {m.name: i for i, m in enumerate(course.modules)}
    names = [m.name for m in course.modules]
    if len(set(names)) != len(names):
        return  # duplicate names are reported; dependencies on them cannot be judged until they are fixed
    cycle = _find_cycle(course)
    for index, ((raw, node), module) in enumerate(zip(entries, course.modules)):
        for dep, dep_node in raw["depends_on"]:
            where = f"modules[{index}].depends_on"
            if dep not in order:
                import difflib  # only for a message: not at every start

                close = difflib.get_close_matches(dep, list(order), n=1)
                hint = f" did you mean '{close[0]}'?" if close else f" Known modules: {', '.join(order)}."
                fail(dep_node, f"{where}: '{dep}' is not a module of this course.{hint}")
            elif cycle and module.name in cycle and dep in cycle:
                fail(
                    dep_node,
                    f"{where}: dependency cycle {' -> '.join(cycle)}; a module can only depend on earlier ones",
                )
            elif order[dep] >= order[module.name]:
                fail(
                    dep_node,
                    f"{where}: '{dep}' comes later in the course than '{module.name}'; a module can only depend on earlier modules (reorder the list)",
                )
            elif course.module(dep).release > module.release:
                fail(
                    dep_node,
                    f"{where}: '{dep}' is released in week {course.module(dep).release}, after '{module.name}' (week {module.release}); students would lack it: release '{dep}' in week {module.release} or earlier, or '{module.name}' later",
                )


def _find_cycle(course: Course) -> list[str] | None:
    known = {m.name: m for m in course.modules}
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]):
        state[name] = 1
        for dep in known[name].depends_on:
            if dep not in known:
                continue
            if state.get(dep) == 1:
                return trail[trail.index(dep) :] + [dep] if dep in trail else [name, dep]
            if dep not in state:
                found = visit(dep, trail + [dep])
                if found:
                    return found
        state[name] = 2
        return None

    for module in course.modules:
        if module.name not in state:
            found = visit(module.name, [module.name])
            if found:
                return found
    return None
