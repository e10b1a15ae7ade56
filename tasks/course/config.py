"""course.yaml: the only description of the course, validated on load with `course.yaml:LINE` errors.

The file is composed into YAML nodes (which keep their line numbers), checked against a small schema,
then turned into the frozen dataclasses of model.py and checked as a whole (checks.py). Every problem found is reported, not just the first. PyYAML is
imported only to do that: a doit start with an unchanged course.yaml gets its Course from
course_cache.py and never imports it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any, Callable

from ..base.errors import CourseError, Finding
from .checks import check_course, file_system_changed, inside, line_of, path_problems, within  # noqa: F401 (re-exported)
from .model import (  # noqa: F401 (re-exported: callers name the model through config)
    ARCHIVES,
    COURSE_FILE,
    NAME_RE,
    OUTPUTS,
    Author,
    Course,
    Execution,
    Grading,
    MetaGate,
    MetaValue,
    ReleaseCheck,
    Markup,
    Module,
    STUB_STYLES,
    UNMARKED_ANSWERS,
    StudentRepoSettings,
    TlsFiles,
    UnknownModule,
)


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
    return f"{_scalar_type(node)} {value!r}"


def _scalar_type(node) -> str:
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


def _optional_text(reader: Reader, node, path: str):
    import yaml

    if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"):
        return None
    return text(reader, node, path)


def _whole_number(minimum: int) -> Callable:
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


def _one_of(choices: tuple[str, ...]) -> Callable:
    def check(reader: Reader, node, path: str):
        value = text(reader, node, path)
        if value is not None and value not in choices:
            reader.fail(node, path, f"'{value}' is not one of: {', '.join(choices)}")
            return None
        return value

    return check


def _list_of(item: Callable, allow_empty: bool = True) -> Callable:
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


def parse_moment(text: str) -> datetime | None:
    """ISO 8601 text (`2026-12-07 23:59`, `2026-12-07T23:59:00+01:00`, `Z` for UTC) as a time; UTC without an
    offset. None if it is not one. The one rule for deadlines, `--before` and nbgrader's timestamp.txt."""
    try:
        value = datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _optional_section(keys: dict[str, Key]) -> Callable:
    """A mapping of `keys`, or null (the same as leaving the key out)."""

    def check(reader: Reader, node, path: str):
        import yaml

        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"):
            return None
        return section(keys)(reader, node, path)

    return check


def moment(reader: Reader, node, path: str):
    """A deadline: a YAML timestamp or ISO 8601 text (`2026-12-07 23:59`, `2026-12-07T23:59:00+01:00`)."""
    import yaml

    if isinstance(node, yaml.ScalarNode) and (node.tag.endswith(":timestamp") or node.tag.endswith(":str")):
        value = parse_moment(node.value)
        if value is not None:
            return value
    reader.fail(
        node,
        path,
        f"expected a date and time such as 2026-12-07 23:59 or 2026-12-07T23:59:00+01:00, found {describe(node)}",
    )
    return None


def _mapping_of(value: Callable) -> Callable:
    """A mapping of names to values, e.g. grading.deadlines: {tensor: 2026-12-07 23:59}: [(name, value, node)]."""

    def check(reader: Reader, node, path: str):
        import yaml

        if not isinstance(node, yaml.MappingNode):
            reader.fail(node, path, f"expected a mapping of module names to values, found {describe(node)}")
            return None
        return [(key.value, value(reader, child, f"{path}.{key.value}"), key) for key, child in node.value]

    return check


def _scheduler_address(reader: Reader, node, path: str):
    value = _optional_text(reader, node, path)
    if value is not None and not re.match(r"^(tcp|tls|inproc|ucx|ws|wss)://\S+$", value):
        reader.fail(
            node,
            path,
            f"'{value}' is not a Dask scheduler address; write it as tls://HOST:8786 (or tcp://), or null for an embedded cluster",
        )
        return None
    return value


def _optional_number(minimum: int) -> Callable:
    def check(reader: Reader, node, path: str):
        import yaml

        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"):
            return None
        return _whole_number(minimum)(reader, node, path)

    return check


def number(reader: Reader, node, path: str):
    """A number (whole or not), as YAML reads it."""
    import yaml

    if isinstance(node, yaml.ScalarNode) and (node.tag.endswith(":int") or node.tag.endswith(":float")):
        return yaml.SafeLoader("").construct_object(node)
    reader.fail(node, path, f"expected a number, found {describe(node)}")
    return None


def _meta_values(reader: Reader, node, path: str):
    """A module's `meta:` mapping: each key a number, text or a list of texts (MetaValue, with its line)."""
    import yaml

    if not isinstance(node, yaml.MappingNode):
        reader.fail(node, path, f"expected a mapping such as {{hours: 4, difficulty: 2}}, found {describe(node)}")
        return None
    found = []
    for key_node, value_node in node.value:
        where = f"{path}.{key_node.value}"
        if isinstance(value_node, yaml.SequenceNode):
            items = [text(reader, child, f"{where}[{i}]") for i, child in enumerate(value_node.value)]
            value = tuple(items) if None not in items else None
        elif isinstance(value_node, yaml.ScalarNode) and value_node.tag.rsplit(":", 1)[-1] in ("int", "float"):
            value = yaml.SafeLoader("").construct_object(value_node)
        elif isinstance(value_node, yaml.ScalarNode) and value_node.tag.endswith(":str"):
            value = text(reader, value_node, where)
        else:
            reader.fail(value_node, where, f"expected a number, text or a list of texts, found {describe(value_node)}")
            value = None
        if value is not None:
            found.append(MetaValue(str(key_node.value), value, line=key_node.start_mark.line + 1))
    return found


def _meta_gates(reader: Reader, node, path: str):
    """`release_check.meta`: KEY: null (declared) or KEY: {min: N, max: N} (and within range)."""
    import yaml

    if not isinstance(node, yaml.MappingNode):
        reader.fail(
            node, path, f"expected a mapping such as {{difficulty: {{min: 1, max: 5}}}}, found {describe(node)}"
        )
        return None
    gates = []
    for key_node, value_node in node.value:
        where, line = f"{path}.{key_node.value}", key_node.start_mark.line + 1
        if isinstance(value_node, yaml.ScalarNode) and value_node.tag.endswith(":null"):
            gates.append(MetaGate(str(key_node.value), line=line))
            continue
        bounds = reader.mapping(value_node, where, RANGE)
        if bounds is None:
            continue
        low, high = bounds["min"], bounds["max"]
        if low is not None and high is not None and low > high:
            reader.fail(value_node, where, f"min {low} is more than max {high}")
            continue
        gates.append(MetaGate(str(key_node.value), low, high, line=line))
    return gates


def _inside_path(reader: Reader, node, path: str):
    """A path relative to the course root that stays inside it."""
    value = text(reader, node, path)
    if value is not None and (Path(value).is_absolute() or ".." in Path(value).parts):
        reader.fail(node, path, f"'{value}' must be a path inside the repository, such as 'docs'")
        return None
    return value


RANGE = {"min": Key(number), "max": Key(number)}
RELEASE_CHECK = {
    "docs": Key(_list_of(_inside_path), default=[(p, None) for p in ReleaseCheck.docs]),
    "meta": Key(_meta_gates, default=[]),
}
AUTHOR = {"name": Key(text, required=True), "email": Key(text, required=True)}
DEFAULT_AUTHOR = {"name": "TinyTorch Staff", "email": "staff@tinytorch.invalid"}
STUDENT_REPO = {
    "path": Key(text, default="student-repo"),
    "branch": Key(text, default="main"),
    "tag": Key(text, default="week{week}"),
    "remote": Key(_optional_text),
    "author": Key(section(AUTHOR), default=DEFAULT_AUTHOR),
}
EXECUTION = {"kernel": Key(text, default="python3"), "timeout": Key(_whole_number(1), default=120)}
TLS = {"ca": Key(text, required=True), "cert": Key(text, required=True), "key": Key(text, required=True)}
GRADING = {
    "scheduler": Key(_scheduler_address),
    "tls": Key(_optional_section(TLS)),
    "workers": Key(_optional_number(1)),
    "timeout": Key(_whole_number(1), default=Grading.timeout),
    "memory": Key(_whole_number(64), default=Grading.memory),
    "roster": Key(_optional_text),
    "submitted": Key(_optional_text),
    "deadlines": Key(_mapping_of(moment), default=[]),
}
MARKUP = {
    "unmarked_answers": Key(_one_of(UNMARKED_ANSWERS), default=Markup.unmarked_answers),
    "stubs": Key(_one_of(STUB_STYLES), default=Markup.stubs),
}
INHERITED = "\0course"  # a module's header/footer not given: the course's (null: none)
MODULE = {
    "name": Key(text, required=True),
    "folder": Key(text, required=True),
    "source": Key(text),  # or `notebooks:` (checks.py: exactly one of them)
    "notebooks": Key(_list_of(text, allow_empty=False)),
    "header": Key(_optional_text, default=INHERITED),
    "footer": Key(_optional_text, default=INHERITED),
    "release": Key(_whole_number(1), required=True),
    "solutions": Key(_whole_number(1), required=True),
    "depends_on": Key(_list_of(text), default=[]),
    "data": Key(_list_of(text), default=[]),
    "meta": Key(_meta_values, default=[]),
    "assignment": Key(_optional_text),
}
COURSE = {
    "course": Key(text, required=True),
    "outputs": Key(_list_of(_one_of(OUTPUTS), allow_empty=False), default=[("notebook", None)]),
    "archive": Key(_one_of(ARCHIVES), default="zip"),
    "execution": Key(section(EXECUTION), default={key: spec.default for key, spec in EXECUTION.items()}),
    "student_repo": Key(section(STUDENT_REPO), default=None),
    "grading": Key(section(GRADING), default=None),
    "modules": Key(_list_of(section(MODULE), allow_empty=False), required=True),
    "package_init": Key(_optional_text),
    "header": Key(_optional_text),
    "footer": Key(_optional_text),
    "release_check": Key(section(RELEASE_CHECK), default=None),
    "markup": Key(section(MARKUP), default=None),
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
    course = _build_course(values, root)
    values["__top__"] = node
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
        node = yaml.compose(
            content, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        )  # libyaml: 10x faster, keeps line marks
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(error, "problem", None) or str(error)
        raise CourseError.at(filename, line, f"is not valid YAML ({problem}); fix the syntax at this line")
    if node is None:
        raise CourseError.at(filename, 1, "is empty; it must describe the course (course:, modules:, ...)")
    return node


def _build_course(values: dict, root: Path) -> Course:
    repo = values["student_repo"] or {key: spec.default for key, spec in STUDENT_REPO.items()}
    author = repo["author"]
    execution = values["execution"]
    modules = tuple(
        Module(
            name=m["name"],
            folder=m["folder"],
            source=m["source"] or (m["notebooks"][0][0] if m["notebooks"] else None) or "",
            notebooks=tuple(nb for nb, _ in m["notebooks"] or ()),
            header=_framing_file(m, "header", values),
            footer=_framing_file(m, "footer", values),
            release=m["release"],
            solutions=m["solutions"],
            depends_on=tuple(dep for dep, _ in m["depends_on"]),
            data=tuple(glob for glob, _ in m["data"]),
            assignment=m["assignment"],
            line=m["__node__"].start_mark.line + 1,
            meta=tuple(m["meta"]),
        )
        for m, _ in values["modules"]
    )
    return Course(
        name=values["course"],
        outputs=tuple(dict.fromkeys(o for o, _ in values["outputs"])),
        archive=values["archive"],
        execution=Execution(kernel=execution["kernel"], timeout=execution["timeout"]),
        student_repo=StudentRepoSettings(
            path=repo["path"],
            branch=repo["branch"],
            tag=repo["tag"],
            remote=repo["remote"],
            author=Author(name=author["name"], email=author["email"]),
        ),
        modules=modules,
        root=root,
        grading=_build_grading(values["grading"], root),
        package_init=values["package_init"],
        release_check=_build_release_check(values["release_check"]),
        markup=Markup(**{key: (values["markup"] or {}).get(key, spec.default) for key, spec in MARKUP.items()}),
    )


def _framing_file(module: dict, key: str, values: dict) -> str | None:
    """A module's header or footer as a path from the course root: its own (from its folder), else the
    course's (from the root); null in the module: none."""
    own = module[key]
    if own == INHERITED:
        return values[key]
    return None if own is None else (PurePosixPath(module["folder"]) / own).as_posix()


def _build_release_check(values: dict | None) -> ReleaseCheck:
    if values is None:
        return ReleaseCheck()
    return ReleaseCheck(docs=tuple(p for p, _ in values["docs"] if p is not None), meta=tuple(values["meta"]))


def _build_grading(values: dict | None, root: Path) -> Grading:
    if values is None:
        return Grading()
    deadlines = tuple((name, when) for name, when, _ in values["deadlines"] if when is not None)
    keys = ("scheduler", "workers", "timeout", "memory", "roster", "submitted")
    tls = values["tls"]
    if tls is not None:
        files = {name: str(root / Path(tls[name]).expanduser()) for name in ("ca", "cert", "key")}
        key = next(k for k, _ in values["__node__"].value if k.value == "tls")
        tls = TlsFiles(**files, line=key.start_mark.line + 1)
    return Grading(**{key: values[key] for key in keys}, tls=tls, deadlines=deadlines)
