"""The one error type of the engine: every problem a user can cause names a file and, where there is one, a line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """Where something is, formatted one way everywhere: `file:line` in a text source, `file (cell N, line M)`
    in a notebook source (`cell` set), or just `file`."""

    file: str
    line: int | None = None
    cell: int | None = None

    def __str__(self) -> str:
        if self.cell is not None:
            return (
                f"{self.file} (cell {self.cell}, line {self.line})" if self.line else f"{self.file} (cell {self.cell})"
            )
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class Finding:
    """One problem at one place: `file:line: message`, or `file (cell N, line M): message` for notebooks."""

    file: str
    line: int | None
    message: str
    severity: str = "error"
    cell: int | None = None

    @property
    def where(self) -> str:
        return str(Location(self.file, self.line, self.cell))

    def __str__(self) -> str:
        label = "" if self.severity == "error" else f"{self.severity}: "
        return f"{self.where}: {label}{self.message}"


class CourseError(Exception):
    """A problem the user can fix; carries one or more findings, each naming file and line."""

    def __init__(self, findings: Finding | list[Finding]):
        self.findings = [findings] if isinstance(findings, Finding) else list(findings)
        super().__init__("\n".join(str(f) for f in self.findings))

    @classmethod
    def at(cls, file, line: int | None, message: str, cell: int | None = None) -> "CourseError":
        return cls(Finding(str(file), line, message, cell=cell))
