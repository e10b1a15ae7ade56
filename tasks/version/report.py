"""The release check's report: every gate, its result, its time and each finding at its file:line, as markdown
and as a self-contained HTML page (no script, no external style or image). Pure: a Report in, text out."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime

from ..base.errors import Finding

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"


@dataclass
class Gate:
    name: str  # short, e.g. "lint"
    title: str  # what it asks of the course, e.g. "every module lints"
    status: str = PASSED  # PASSED, FAILED or SKIPPED
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what it looked at, or why it was skipped


@dataclass
class Report:
    course: str
    version: str  # the version checked (`v0.2.0`), or what it would follow (`unreleased, after v0.1.0`)
    level: str  # quick or comprehensive
    commit: str  # the course repository's commit, or why there is none
    started: datetime
    gates: list[Gate] = field(default_factory=list)
    seconds: float = 0.0  # the whole check, wall clock (gates that share a doit run share its time)

    @property
    def passed(self) -> bool:
        return all(g.status != FAILED for g in self.gates)

    @property
    def failed(self) -> list[Gate]:
        return [g for g in self.gates if g.status == FAILED]

    def summary(self) -> str:
        """One line: the level, how many gates passed, failed and were skipped, and the time."""
        ran = [g for g in self.gates if g.status != SKIPPED]
        skipped = len(self.gates) - len(ran)
        failed = f", {len(self.failed)} failed ({', '.join(g.name for g in self.failed)})" if self.failed else ""
        return (
            f"{self.level}, {len(ran) - len(self.failed)} of {len(ran)} gates passed{failed}"
            + (f", {skipped} skipped" if skipped else "")
            + f" in {self.seconds:.1f} s"
        )


def markdown(report: Report) -> str:
    lines = [
        f"# Release check: {report.course} {report.version}",
        "",
        f"**{'PASSED' if report.passed else 'FAILED'}**: {report.summary()}.",
        "",
        f"Commit {report.commit}; checked {report.started:%Y-%m-%d %H:%M} UTC.",
        "",
        "| gate | result | time | findings | what it checked |",
        "|---|---|---|---|---|",
    ]
    for gate in report.gates:
        lines.append(
            f"| {gate.name}: {gate.title} | {gate.status} | {gate.seconds:.1f} s | {len(gate.findings)} | "
            + "; ".join(gate.notes).replace("|", "\\|")
            + " |"
        )
    for gate in report.gates:
        if gate.findings:
            lines += ["", f"## {gate.name}: {gate.status}", ""]
            for finding in gate.findings:
                first, *rest = finding.message.split("\n")
                lines.append(f"- `{finding.where}`: {first}")
                if rest:
                    lines += ["", "  ```text", *[f"  {line}" for line in rest], "  ```"]
    return "\n".join(lines) + "\n"


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid #ccc; padding: .3em .6em; text-align: left; }
.passed { color: #176317; } .failed { color: #b00020; font-weight: bold; } .skipped { color: #777; }
code, pre { background: #f4f4f4; } pre { padding: .5em; white-space: pre-wrap; }
"""


def _anchor(name: str) -> str:
    return "gate-" + "-".join(name.split())


def html_page(report: Report) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><td><a href='#{_anchor(g.name)}'>{e(g.name)}</a>: {e(g.title)}</td><td class='{g.status}'>{g.status}</td>"
        f"<td>{g.seconds:.1f} s</td><td>{len(g.findings)}</td><td>{e('; '.join(g.notes))}</td></tr>"
        for g in report.gates
    )
    details = ""
    for gate in report.gates:
        items = (
            "".join(f"<li><code>{e(f.where)}</code>: <pre>{e(f.message)}</pre></li>" for f in gate.findings)
            or "<li>no findings</li>"
        )
        details += f"<h2 id='{_anchor(gate.name)}'>{e(gate.name)}: <span class='{gate.status}'>{gate.status}</span></h2><ul>{items}</ul>"
    verdict = "passed" if report.passed else "failed"
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>Release check: {e(report.course)} {e(report.version)}</title><style>{STYLE}</style></head><body>"
        f"<h1>Release check: {e(report.course)} {e(report.version)}</h1>"
        f"<p class='{verdict}'>{verdict.upper()}: {e(report.summary())}.</p>"
        f"<p>Commit {e(report.commit)}; checked {report.started:%Y-%m-%d %H:%M} UTC.</p>"
        f"<table><tr><th>gate</th><th>result</th><th>time</th><th>findings</th><th>what it checked</th></tr>{rows}</table>"
        f"{details}</body></html>\n"
    )
