"""The gates of `tito version check`: every quality gate of a release, each timed, each problem a Finding at
its file:line (the report: tasks/version/report.py).

The build's own tasks run through doit, once (`doit --reporter json lint student ...`: its JSON says each task's
result, time and message); the other gates reuse what exists: nbgrader's rules (nbgrader_rules.py), the leak
guard over everything a release ships (release/offers.py, course_files.py), the wheel (version/wheel.py), the
docs' links and the module metadata. quick runs no kernel; comprehensive adds validation, the student check
(no free points), the archives and the wheel.
"""

from __future__ import annotations

import ast
import json
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..base.errors import CourseError, Finding
from ..version.report import FAILED, PASSED, SKIPPED, Gate, Report
from .common import run_doit

LEVELS = ("quick", "comprehensive")


@dataclass(frozen=True)
class DoitGate:
    name: str
    title: str
    kinds: tuple[str, ...]  # the doit task kinds whose results it reports
    comprehensive: bool = False  # run only at the comprehensive level


DOIT_GATES = (
    DoitGate("lint", "every module lints (markers, nbgrader metadata, imports vs depends_on)", ("lint",)),
    DoitGate("build", "every module builds: student and solution versions, exports", ("student", "solution", "export")),
    DoitGate("validate", "every solution passes its own tests in a real kernel", ("validate",), True),
    DoitGate("student check", "every student version stops only at its stubs", ("check_student",), True),
    DoitGate("no free points", "no graded test passes on the untouched student version", ("check_student",), True),
    DoitGate("archive", "every module's student archive builds, leak-guarded", ("archive",), True),
)
LOCATION_RE = re.compile(
    r"^(?P<file>[^\s:][^:]*?)(?::(?P<line>\d+)| \(cell (?P<cell>\d+)(?:, line (?P<cline>\d+))?\))?: (?P<message>.*)$"
)


def run_gates(root: Path, course, paths, level: str, version: str, version_pep440: str, commit: str, tell) -> Report:
    """Run every gate at `level` and write the report (markdown and HTML); `tell(gate)` as each one ends."""
    from ..base.fsutil import write_atomic
    from ..version.report import html_page, markdown

    report, start = Report(course.name, version, level, commit, datetime.now(timezone.utc)), time.perf_counter()
    comprehensive = level == "comprehensive"
    kinds = [k for gate in DOIT_GATES if comprehensive or not gate.comprehensive for k in gate.kinds]
    tasks = _doit_results(root, list(dict.fromkeys(kinds)))
    for gate in DOIT_GATES:
        _add(
            report,
            _doit_gate(gate, tasks, course, paths)
            if comprehensive or not gate.comprehensive
            else _skipped(gate.name, gate.title),
            tell,
        )
    unbuilt = {
        t.split(":", 1)[1]
        for t, r in tasks.items()
        if r["result"] == "fail" and t.split(":")[0] in ("student", "solution")
    }
    _add(
        report,
        _timed(
            "nbgrader",
            "built notebooks follow nbgrader's schema and rules",
            lambda g: _nbgrader(g, paths, course, unbuilt),
        ),
        tell,
    )
    _add(
        report,
        _timed(
            "leak guard",
            "no instructor-only line in anything a release ships",
            lambda g: _leaks(g, course, paths, unbuilt),
        ),
        tell,
    )
    wheel = "the tinytorch package builds as a wheel and imports from a fresh virtual environment"
    if comprehensive:
        _add(report, _timed("wheel", wheel, lambda g: _wheel(g, course, paths, version_pep440, tasks)), tell)
    else:
        _add(report, _skipped("wheel", wheel), tell)
    _add(report, _timed("docs", "the docs' relative links and anchors resolve", lambda g: _docs(g, course)), tell)
    meta = "modules declare the metadata course.yaml's release_check.meta asks for"
    if course.release_check.meta:
        _add(report, _timed("metadata", meta, lambda g: _metadata(g, course)), tell)
    else:
        _add(report, _skipped("metadata", meta, "not configured (course.yaml release_check.meta)"), tell)
    report.seconds = time.perf_counter() - start
    markdown_file, html_file = paths.report_files
    write_atomic(markdown_file, markdown(report))
    write_atomic(html_file, html_page(report))
    return report


def _add(report: Report, gate: Gate, tell) -> None:
    report.gates.append(gate)
    tell(gate)


def _skipped(name: str, title: str, why: str = "comprehensive level only") -> Gate:
    return Gate(name, title, SKIPPED, notes=[why])


def _timed(name: str, title: str, check) -> Gate:
    """A gate whose `check(gate)` fills in findings and notes; a CourseError it raises is its finding."""
    gate, start = Gate(name, title), time.perf_counter()
    try:
        check(gate)
    except CourseError as error:
        gate.findings += error.findings
    gate.seconds = time.perf_counter() - start
    gate.status = FAILED if gate.findings else PASSED
    return gate


# --- the build's tasks, through doit ------------------------------------------------------------------


def _doit_results(root: Path, kinds: list[str]) -> dict[str, dict]:
    """task name -> doit's JSON record (result, started, elapsed, error) for every subtask of `kinds`."""
    done = run_doit(root, ["--reporter", "json", *kinds], capture=True)
    start = done.stdout.find('{"tasks"')
    try:
        data, _ = json.JSONDecoder().raw_decode(done.stdout[start:]) if start >= 0 else (None, 0)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        problem = (done.stderr or done.stdout).strip()[-1500:] or f"exit status {done.returncode}"
        raise CourseError.at("doit", None, f"the build could not run: {problem}")
    return {t["name"]: t for t in data["tasks"] if ":" in t["name"]}


def parsed_findings(text: str, fallback: str) -> list[Finding]:
    """The findings of a task's failure message (CourseError's `file:line: message` lines; indented lines
    continue the one before)."""
    findings: list[Finding] = []
    for line in text.rstrip("\n").split("\n"):
        if findings and line[:1] in (" ", "\t"):
            last = findings[-1]
            findings[-1] = Finding(last.file, last.line, f"{last.message}\n{line}", last.severity, last.cell)
            continue
        match = LOCATION_RE.match(line)
        if not match:
            findings.append(Finding(fallback, None, line))
        elif match["cell"]:
            findings.append(Finding(match["file"], _int(match["cline"]), match["message"], cell=int(match["cell"])))
        else:
            findings.append(Finding(match["file"], _int(match["line"]), match["message"]))
    return findings


def _int(text: str | None) -> int | None:
    return int(text) if text else None


def _doit_gate(gate: DoitGate, tasks: dict[str, dict], course, paths) -> Gate:
    from ..graph.task_execute import FREE_POINTS

    result = Gate(gate.name, gate.title)
    mine = {name: t for name, t in tasks.items() if name.split(":", 1)[0] in gate.kinds}
    for name, task in mine.items():
        module = name.split(":", 1)[1]
        source = _source_of(course, paths, module)
        if task["result"] != "fail":
            continue
        if task["started"] is None:  # doit never ran it: a task it needs failed
            needs = ", ".join((task["error"] or "").split())
            if gate.name != "no free points":
                result.findings.append(Finding(source, None, f"{name} did not run: it needs {needs}, which failed"))
            continue
        findings = parsed_findings(task["error"] or f"{name} failed", source)
        free = bool(findings) and all(FREE_POINTS in f.message for f in findings)
        if gate.kinds != ("check_student",) or free == (gate.name == "no free points"):
            result.findings += findings
    result.seconds = sum(t["elapsed"] or 0 for t in mine.values())
    ran = sum(t["started"] is not None for t in mine.values())
    result.notes.append(f"{len(mine)} task(s), {ran} run, {len(mine) - ran} up to date or blocked")
    result.status = FAILED if result.findings else PASSED
    return result


def _source_of(course, paths, module: str) -> str:
    try:
        return paths.rel(paths.source(course.module(module)))
    except CourseError:
        return module  # export:__init__ and the like


# --- the other gates ---------------------------------------------------------------------------------


def _nbgrader(gate: Gate, paths, course, unbuilt: set[str]) -> None:
    """nbgrader's rules on each built notebook, each finding at the source line of the cell."""
    from ..compile.compiled import compiled
    from ..notebook.source import cell_index
    from .nbgrader_rules import notebook_findings

    checked = 0
    for module in course.parts:  # each notebook of a module of several
        if module.module_name in unbuilt:
            continue
        source = compiled(paths, module, course.markup).source
        for notebook in (paths.solution_notebook(module), paths.student_notebook(module)):
            if not notebook.exists():
                continue
            nb = json.loads(notebook.read_text(encoding="utf-8"))
            checked += 1
            for finding in notebook_findings(nb, paths.rel(notebook)):
                try:
                    file, line, cell = source.location(cell_index(nb["cells"][finding.cell - 1]), None)
                except (KeyError, ValueError, IndexError):
                    gate.findings.append(finding)
                    continue
                gate.findings.append(Finding(file, line, f"{finding.message} (in {finding.where})", cell=cell))
    gate.notes.append(f"{checked} built notebook(s)")


def _leaks(gate: Gate, course, paths, unbuilt: set[str]) -> None:
    """The leak guard over every file a release could ship: exercises with their data, public solutions,
    archives, and the course files that carry course text."""
    from ..compile.compiled import compiled
    from ..course.datafiles import shipped_data
    from ..release.course_files import course_files
    from ..release.offers import module_offer
    from ..variants.leakguard import guard

    shipped = 0
    for module in course.modules:
        if module.name in unbuilt:
            gate.notes.append(f"{module.name} not built")
            continue
        for kind in ("exercises", "solutions"):
            try:
                shipped += len(module_offer(paths, module, kind, course.markup).files)
            except CourseError as error:
                gate.findings += error.findings
        archive = paths.archive(module)
        if archive.exists():
            data = {f"{module.slug}/{name}" for name in shipped_data(paths, module)}
            try:
                for part in module.parts:
                    guard(
                        compiled(paths, part, course.markup).source,
                        {paths.rel(archive): archive.read_bytes()},
                        "student",
                        binary_ok=data,
                        markup=course.markup,
                    )
                shipped += 1
            except CourseError as error:
                gate.findings += error.findings
    shipped += len(course_files(course, paths, set()))
    gate.notes.insert(0, f"{shipped} file(s)")


def _wheel(gate: Gate, course, paths, version: str, tasks: dict[str, dict]) -> None:
    from importlib import metadata

    from ..graph.task_export import export_targets
    from ..package.exports import declared_targets, package_inits
    from ..version.wheel import build_wheel, import_findings, install_fresh

    targets, problems = export_targets(course, paths)
    failed = {t.split(":", 1)[1] for t, r in tasks.items() if t.startswith("export:") and r["result"] == "fail"}
    files, expected = {}, {}
    init = paths.package / "__init__.py"
    if init.is_file():
        files[paths.rel(init)] = init
    for module in course.modules:
        target = targets.get(module.name)
        file = paths.export_file(target) if target else None
        if target is None or module.name in failed or not file.is_file():
            gate.findings.append(
                Finding(paths.rel(paths.source(module)), None, "not exported, so not in the wheel (see the build gate)")
            )
            continue
        for path in package_inits(paths.package, file) + [file]:
            files[paths.rel(path)] = path
        line = next((n for n, t in declared_targets(paths.source(module)) if t == target), None)
        where = Finding(paths.rel(paths.source(module)), line, "")
        expected[f"{paths.package.name}.{target}"] = (_exported_names(file), where)
    wheel = build_wheel(files, version, course.name, [f"numpy=={metadata.version('numpy')}"], paths.version_dir)
    home = paths.version_dir / "venv"
    python = install_fresh(wheel, home)
    gate.findings += import_findings(python, home, expected)
    gate.notes.append(
        f"{paths.rel(wheel)}: {len(files)} file(s), {len(expected)} module(s) imported in {paths.rel(home)}"
    )


def _exported_names(file: Path) -> list[str]:
    """The `__all__` the export wrote at the top of a package module."""
    for node in ast.parse(file.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            return list(ast.literal_eval(node.value))
    return []


def _docs(gate: Gate, course) -> None:
    from ..version.links import broken_links, links, markdown_files

    files, missing = markdown_files(course.root, course.release_check.docs)
    gate.findings += broken_links(course.root, files)
    count = sum(len(links(f.read_text(encoding="utf-8", errors="replace"))) for f in files)
    gate.notes.append(
        f"{len(files)} markdown file(s), {count} link(s)" + (f"; not found: {', '.join(missing)}" if missing else "")
    )


def _metadata(gate: Gate, course) -> None:
    from ..version.metadata import metadata_findings

    gate.findings += metadata_findings(course)
    gate.notes.append(f"{', '.join(g.key for g in course.release_check.meta)} of {len(course.modules)} module(s)")
