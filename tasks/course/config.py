"""course.yaml: the only description of the course, validated on load with `course.yaml:LINE` errors.

The file is composed into YAML nodes (which keep their line numbers), checked against a small schema,
then turned into frozen dataclasses. Every problem found is reported, not just the first. PyYAML is
imported only to do that: a doit start with an unchanged course.yaml gets its Course from
course_cache.py and never imports it.
"""
from __future__ import annotations

import difflib
import re
from datetime import datetime, timezone
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..base.errors import CourseError, Finding
from .release_settings import check_release_settings

COURSE_FILE = "course.yaml"
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
OUTPUTS = ("notebook", "python")
ARCHIVES = ("zip", "tar.gz")


@dataclass(frozen=True)
class Module:
    name: str
    folder: str
    source: str
    release: int
    solutions: int
    depends_on: tuple[str, ...]
    line: int = field(default=0, compare=False)

    @property
    def slug(self) -> str:
        """The folder's own name, e.g. `01_tensor`: names every build directory of the module."""
        return Path(self.folder).name

    def as_dict(self) -> dict:
        data = asdict(self)
        data.pop("line")
        data["depends_on"] = list(self.depends_on)
        return data


@dataclass(frozen=True)
class Author:
    name: str
    email: str


@dataclass(frozen=True)
class StudentRepo:
    path: str
    branch: str
    tag: str
    remote: str | None
    author: Author


@dataclass(frozen=True)
class Execution:
    kernel: str
    timeout: int


@dataclass(frozen=True)
class Grading:
    """course.yaml `grading:`: where and how submissions are graded, who the students are, and when each
    module is due (deadlines are timezone-aware; a deadline written without a zone is UTC)."""

    scheduler: str | None = None        # tcp://HOST:8786: an existing Dask cluster; None: an embedded one
    workers: int | None = None          # workers of the embedded cluster (None: one per core)
    timeout: int = 30                   # seconds per cell of a submission
    memory: int = 1024                  # MB a submission's process may allocate
    roster: str | None = None           # CSV: id, name, repository (path or URL), relative to the root
    submitted: str | None = None        # a folder in nbgrader's submitted/<student>/<module>/ layout
    deadlines: tuple[tuple[str, datetime], ...] = ()

    def deadline(self, module: str) -> datetime | None:
        return dict(self.deadlines).get(module)


@dataclass(frozen=True)
class Course:
    name: str
    outputs: tuple[str, ...]
    archive: str
    execution: Execution
    student_repo: StudentRepo
    modules: tuple[Module, ...]
    root: Path = field(compare=False)
    grading: Grading = Grading()

    def module(self, name: str) -> Module:
        for module in self.modules:
            if module.name == name:
                return module
        raise KeyError(name)

    def dependencies(self, module: Module) -> list[Module]:
        """Every module `module` depends on, directly or through others, in course order."""
        wanted: set[str] = set()
        stack = list(module.depends_on)
        while stack:
            name = stack.pop()
            if name not in wanted:
                wanted.add(name)
                stack.extend(self.module(name).depends_on)
        return [m for m in self.modules if m.name in wanted]


# --- the schema -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Key:
    """One key of a mapping: how to check its node, whether it is required, and its default."""

    check: Callable
    required: bool = False
    default: Any = None


class Reader:
    """Walks YAML nodes against the schema, collecting findings instead of stopping at the first."""

    def __init__(self, file: str):
        self.file = file
        self.findings: list[Finding] = []

    def fail(self, node, path: str, message: str):
        line = node.start_mark.line + 1 if node is not None else None
        self.findings.append(Finding(self.file, line, f"{path}: {message}" if path else message))

    def mapping(self, node, path: str, keys: dict[str, Key]) -> dict | None:
        import yaml
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, path, f"expected a mapping of keys ({', '.join(keys)}), found {describe(node)}")
            return None
        values, seen, meant = {}, {}, set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            where = f"{path}.{key}" if path else str(key)
            if key in seen:
                self.fail(key_node, where, f"duplicate key (first given on line {seen[key]}); keep one of them")
                continue
            seen[key] = key_node.start_mark.line + 1
            if key not in keys:
                close = difflib.get_close_matches(str(key), list(keys), n=1)
                hint = f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(keys)}"
                self.fail(key_node, where, f"unknown key '{key}'; {hint}")
                meant.update(close)  # its 'missing' twin below would only repeat this
                continue
            values[key] = keys[key].check(self, value_node, where)
        for key, spec in keys.items():
            if key not in seen:
                if spec.required and key not in meant:
                    where = f"{path}.{key}" if path else key
                    self.fail(node, where, f"missing required key '{key}'; add it to this mapping")
                else:
                    values[key] = spec.default
        return values


def describe(node) -> str:
    import yaml
    if node is None:
        return "nothing"
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    value = yaml.SafeLoader.construct_scalar(yaml.SafeLoader(""), node)
    return f"{scalar_type(node)} {value!r}"


def scalar_type(node) -> str:
    tag = node.tag.rsplit(":", 1)[-1]
    return {"str": "text", "int": "a whole number", "bool": "true/false", "null": "null", "float": "a number"}.get(
        tag, tag
    )


def text(reader: Reader, node, path: str):
    import yaml
    if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":str") and node.value.strip():
        return node.value
    reader.fail(node, path, f"expected non-empty text, found {describe(node)}")
    return None


def optional_text(reader: Reader, node, path: str):
    import yaml
    if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"):
        return None
    return text(reader, node, path)


def whole_number(minimum: int) -> Callable:
    def check(reader: Reader, node, path: str):
        import yaml
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":int"):
            value = yaml.SafeLoader("").construct_yaml_int(node)  # YAML's own reading: `01`, `1_000`, `0x10`
            if value >= minimum:
                return value
            reader.fail(node, path, f"must be at least {minimum}, found {value}")
            return None
        reader.fail(node, path, f"expected a whole number, found {describe(node)}")
        return None

    return check


def one_of(choices: tuple[str, ...]) -> Callable:
    def check(reader: Reader, node, path: str):
        value = text(reader, node, path)
        if value is not None and value not in choices:
            reader.fail(node, path, f"'{value}' is not one of: {', '.join(choices)}")
            return None
        return value

    return check


def list_of(item: Callable, allow_empty: bool = True) -> Callable:
    def check(reader: Reader, node, path: str):
        import yaml
        if not isinstance(node, yaml.SequenceNode):
            reader.fail(node, path, f"expected a list, found {describe(node)}")
            return None
        if not node.value and not allow_empty:
            reader.fail(node, path, "the list is empty; add at least one entry")
            return None
        return [(item(reader, child, f"{path}[{i}]"), child) for i, child in enumerate(node.value)]

    return check


def section(keys: dict[str, Key]) -> Callable:
    def check(reader: Reader, node, path: str):
        values = reader.mapping(node, path, keys)
        if values is not None:
            values["__node__"] = node
        return values

    return check


def moment(reader: Reader, node, path: str):
    """A deadline: a YAML timestamp or ISO 8601 text (`2026-12-07 23:59`, `2026-12-07T23:59:00+01:00`)."""
    import yaml
    if isinstance(node, yaml.ScalarNode) and (node.tag.endswith(":timestamp") or node.tag.endswith(":str")):
        try:
            value = datetime.fromisoformat(node.value.strip().replace("Z", "+00:00"))
        except ValueError:
            value = None
        if value is not None:
            return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    reader.fail(node, path, f"expected a date and time such as 2026-12-07 23:59 or 2026-12-07T23:59:00+01:00, found {describe(node)}")
    return None


def mapping_of(value: Callable) -> Callable:
    """A mapping of names to values, e.g. grading.deadlines: {tensor: 2026-12-07 23:59}: [(name, value, node)]."""
    def check(reader: Reader, node, path: str):
        import yaml
        if not isinstance(node, yaml.MappingNode):
            reader.fail(node, path, f"expected a mapping of module names to values, found {describe(node)}")
            return None
        return [(key.value, value(reader, child, f"{path}.{key.value}"), key) for key, child in node.value]

    return check


def scheduler_address(reader: Reader, node, path: str):
    value = optional_text(reader, node, path)
    if value is not None and not re.match(r"^(tcp|tls|inproc|ucx|ws|wss)://\S+$", value):
        reader.fail(node, path, f"'{value}' is not a Dask scheduler address; write it as tcp://HOST:8786, or null for an embedded cluster")
        return None
    return value


def optional_number(minimum: int) -> Callable:
    def check(reader: Reader, node, path: str):
        import yaml
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"):
            return None
        return whole_number(minimum)(reader, node, path)

    return check


AUTHOR = {"name": Key(text, required=True), "email": Key(text, required=True)}
DEFAULT_AUTHOR = {"name": "TinyTorch Staff", "email": "staff@tinytorch.invalid"}
STUDENT_REPO = {
    "path": Key(text, default="student-repo"),
    "branch": Key(text, default="main"),
    "tag": Key(text, default="week{week}"),
    "remote": Key(optional_text),
    "author": Key(section(AUTHOR), default=DEFAULT_AUTHOR),
}
EXECUTION = {"kernel": Key(text, default="python3"), "timeout": Key(whole_number(1), default=120)}
GRADING = {
    "scheduler": Key(scheduler_address),
    "workers": Key(optional_number(1)),
    "timeout": Key(whole_number(1), default=Grading.timeout),
    "memory": Key(whole_number(64), default=Grading.memory),
    "roster": Key(optional_text),
    "submitted": Key(optional_text),
    "deadlines": Key(mapping_of(moment), default=[]),
}
MODULE = {
    "name": Key(text, required=True),
    "folder": Key(text, required=True),
    "source": Key(text, required=True),
    "release": Key(whole_number(1), required=True),
    "solutions": Key(whole_number(1), required=True),
    "depends_on": Key(list_of(text), default=[]),
}
COURSE = {
    "course": Key(text, required=True),
    "outputs": Key(list_of(one_of(OUTPUTS), allow_empty=False), default=[("notebook", None)]),
    "archive": Key(one_of(ARCHIVES), default="zip"),
    "execution": Key(section(EXECUTION), default={"kernel": "python3", "timeout": 120}),
    "student_repo": Key(section(STUDENT_REPO), default=None),
    "grading": Key(section(GRADING), default=None),
    "modules": Key(list_of(section(MODULE), allow_empty=False), required=True),
}


# --- loading ------------------------------------------------------------------------------------------

def load_course(root: Path, filename: str = COURSE_FILE) -> Course:
    """Read and validate `root/course.yaml`; raise CourseError naming every problem with its line."""
    root = Path(root).resolve()
    path = root / filename
    node = compose(path, filename)
    reader = Reader(filename)
    values = reader.mapping(node, "", COURSE)
    if values is None or reader.findings:
        raise CourseError(sorted(reader.findings, key=lambda f: f.line or 0))
    course = build_course(values, root)
    findings = check_course(course, values, filename)
    if findings:
        raise CourseError(sorted(findings, key=lambda f: f.line or 0))
    return course


def compose(path: Path, filename: str):
    import yaml
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CourseError.at(filename, None, "not found; create course.yaml at the repository root (see README.md)")
    try:
        content = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CourseError.at(filename, line, "is not valid UTF-8 text; save the file as UTF-8")
    try:
        node = yaml.compose(content, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml: 10x faster, keeps line marks
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(error, "problem", None) or str(error)
        raise CourseError.at(filename, line, f"is not valid YAML ({problem}); fix the syntax at this line")
    if node is None:
        raise CourseError.at(filename, 1, "is empty; it must describe the course (course:, modules:, ...)")
    return node


def build_course(values: dict, root: Path) -> Course:
    repo = values["student_repo"] or {key: spec.default for key, spec in STUDENT_REPO.items()}
    author = repo["author"]
    execution = values["execution"]
    modules = tuple(
        Module(
            name=m["name"],
            folder=m["folder"],
            source=m["source"],
            release=m["release"],
            solutions=m["solutions"],
            depends_on=tuple(dep for dep, _ in m["depends_on"]),
            line=m["__node__"].start_mark.line + 1,
        )
        for m, _ in values["modules"]
    )
    return Course(
        name=values["course"],
        outputs=tuple(dict.fromkeys(o for o, _ in values["outputs"])),
        archive=values["archive"],
        execution=Execution(kernel=execution["kernel"], timeout=execution["timeout"]),
        student_repo=StudentRepo(
            path=repo["path"],
            branch=repo["branch"],
            tag=repo["tag"],
            remote=repo["remote"],
            author=Author(name=author["name"], email=author["email"]),
        ),
        modules=modules,
        root=root,
        grading=build_grading(values["grading"]),
    )


def build_grading(values: dict | None) -> Grading:
    if values is None:
        return Grading()
    deadlines = tuple((name, when) for name, when, _ in values["deadlines"] if when is not None)
    keys = ("scheduler", "workers", "timeout", "memory", "roster", "submitted")
    return Grading(**{key: values[key] for key in keys}, deadlines=deadlines)


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
    if not inside(course.root, course.student_repo.path):
        fail(repo_keys.get("path", repo_node), f"student_repo.path: '{course.student_repo.path}' leaves the repository; use a path inside it such as 'student-repo'")
    seen: dict[str, int] = {}
    folders: dict[str, str] = {}
    for index, ((raw, node), module) in enumerate(zip(values["modules"], course.modules)):
        where = f"modules[{index}]"
        keys = {k.value: v for k, v in node.value}
        if not NAME_RE.match(module.name):
            fail(keys["name"], f"{where}.name: '{module.name}' must be lower case letters, digits and _ (it names tasks and files)")
        if module.name in seen:
            fail(keys["name"], f"{where}.name: duplicate module name '{module.name}' (first on line {seen[module.name]}); rename one")
        seen.setdefault(module.name, line_of(keys["name"]))
        if module.slug in folders:
            fail(keys["folder"], f"{where}.folder: '{module.slug}' is already the folder of module '{folders[module.slug]}'; each module needs its own folder")
        folders.setdefault(module.slug, module.name)
        if module.solutions < module.release:
            fail(keys["solutions"], f"{where}.solutions: week {module.solutions} is before the release week {module.release}; solutions must come out in or after the release week")
        check_paths(course.root, module, keys, where, fail)
    check_dependencies(course, values["modules"], fail)
    check_grading(course, values["grading"], fail)
    return findings


def check_grading(course: Course, values: dict | None, fail) -> None:
    """Deadlines name modules of the course; the roster and submitted folder stay in the repository."""
    if values is None:
        return
    keys = {k.value: v for k, v in values["__node__"].value}
    names = [m.name for m in course.modules]
    seen: dict[str, int] = {}
    for name, _, node in values["deadlines"]:
        if name not in names:
            close = difflib.get_close_matches(str(name), names, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known modules: {', '.join(names)}"
            fail(node, f"grading.deadlines: '{name}' is not a module of this course; {hint}")
        elif name in seen:
            fail(node, f"grading.deadlines: duplicate deadline for '{name}' (first on line {seen[name]}); keep one")
        seen.setdefault(name, line_of(node))
    for key in ("roster", "submitted"):
        relative = getattr(course.grading, key)
        if relative is not None and not inside(course.root, relative):
            fail(keys[key], f"grading.{key}: '{relative}' leaves the repository; use a path inside it such as 'grading/{key}'")


def within(root: Path, path: Path) -> bool:
    resolved = path.resolve()
    return resolved == root or root in resolved.parents


def inside(root: Path, relative: str) -> bool:
    return not Path(relative).is_absolute() and within(root, root / relative)


def check_paths(root: Path, module: Module, keys: dict, where: str, fail) -> None:
    for key, problem in path_problems(root, module):
        fail(keys[key], f"{where}.{key}: {problem}")


def path_problems(root: Path, module: Module) -> list[tuple[str, str]]:
    """(key, problem) for a module's folder and source: they must stay in the repository and exist."""
    if not inside(root, module.folder):
        return [("folder", f"'{module.folder}' leaves the repository; use a relative path such as 'modules/01_tensor'")]
    if (root / module.folder).resolve() == root.resolve():
        return [("folder", f"'{module.folder}' is the repository root; give the module its own folder such as 'modules/01_tensor'")]
    if "/" in module.source or "\\" in module.source or module.source in (".", ".."):
        return [("source", f"'{module.source}' must be a file name inside the module folder '{module.folder}'")]
    path = root / module.folder / module.source
    if path.suffix not in (".py", ".ipynb"):
        return [("source", f"'{module.source}' must be a .py (jupytext percent) or .ipynb file")]
    if path.is_symlink() and not within(root, path):
        return [("source", f"'{module.folder}/{module.source}' is a symlink out of the repository; copy the file in instead")]
    if not path.exists():
        return [("source", f"'{module.folder}/{module.source}' does not exist; create it or fix the name")]
    if not path.is_file():
        return [("source", f"'{module.folder}/{module.source}' is not a file (a directory?); point source at the module's .py or .ipynb file")]
    return []


def file_system_changed(course: Course) -> bool:
    """Would loading course.yaml now find a problem in the file system that it did not find before?
    (A cached Course is only used when not: course_cache.py.)"""
    return not inside(course.root, course.student_repo.path) or any(path_problems(course.root, m) for m in course.modules)


def check_dependencies(course: Course, entries: list, fail) -> None:
    order = {m.name: i for i, m in enumerate(course.modules)}
    names = [m.name for m in course.modules]
    if len(set(names)) != len(names):
        return  # duplicate names are reported; dependencies on them cannot be judged until they are fixed
    cycle = find_cycle(course)
    for index, ((raw, node), module) in enumerate(zip(entries, course.modules)):
        for (dep, dep_node) in raw["depends_on"]:
            where = f"modules[{index}].depends_on"
            if dep not in order:
                close = difflib.get_close_matches(dep, list(order), n=1)
                hint = f" did you mean '{close[0]}'?" if close else f" Known modules: {', '.join(order)}."
                fail(dep_node, f"{where}: '{dep}' is not a module of this course.{hint}")
            elif cycle and module.name in cycle and dep in cycle:
                fail(dep_node, f"{where}: dependency cycle {' -> '.join(cycle)}; a module can only depend on earlier ones")
            elif order[dep] >= order[module.name]:
                fail(dep_node, f"{where}: '{dep}' comes later in the course than '{module.name}'; a module can only depend on earlier modules (reorder the list)")
            elif course.module(dep).release > module.release:
                fail(dep_node, f"{where}: '{dep}' is released in week {course.module(dep).release}, after '{module.name}' (week {module.release}); students would lack it: release '{dep}' in week {module.release} or earlier, or '{module.name}' later")


def find_cycle(course: Course) -> list[str] | None:
    known = {m.name: m for m in course.modules}
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]):
        state[name] = 1
        for dep in known[name].depends_on:
            if dep not in known:
                continue
            if state.get(dep) == 1:
                return trail[trail.index(dep):] + [dep] if dep in trail else [name, dep]
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
