"""Versions of the course: `vX.Y.Z` and release candidates `vX.Y.Z-rcN`, what each level bumps, and the next
version a cut makes.

patch (0.1.X) for fixes, minor (0.X.0) for new modules or exercises, major (X.0.0) for what breaks students'
work (a removed module or exercise, a changed exercise signature) or a complete set. Pure: no git.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LEVELS = ("patch", "minor", "major")  # in increasing order
TAG_RE = re.compile(r"^v(?P<major>0|[1-9]\d*)\.(?P<minor>0|[1-9]\d*)\.(?P<patch>0|[1-9]\d*)(?:-rc(?P<rc>[1-9]\d*))?$")


@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int
    rc: int | None = None  # release candidate N of this version, or None for the version itself

    @property
    def tag(self) -> str:
        return f"v{self.major}.{self.minor}.{self.patch}" + (f"-rc{self.rc}" if self.rc else "")

    @property
    def pep440(self) -> str:
        """The version as Python packaging writes it (the wheel's): `0.2.0rc1`."""
        return f"{self.major}.{self.minor}.{self.patch}" + (f"rc{self.rc}" if self.rc else "")

    @property
    def final(self) -> "Version":
        return Version(self.major, self.minor, self.patch)

    @property
    def order(self) -> tuple:
        """Semantic-version precedence: 1.0.0-rc1 < 1.0.0 < 1.0.1."""
        return (self.major, self.minor, self.patch, self.rc is None, self.rc or 0)

    def __str__(self) -> str:
        return self.tag


def parse_tag(name: str) -> Version | None:
    """The version a tag names (`v1.2.3`, `v1.2.3-rc4`), or None for any other tag."""
    match = TAG_RE.match(name.strip())
    if not match:
        return None
    return Version(
        int(match["major"]), int(match["minor"]), int(match["patch"]), int(match["rc"]) if match["rc"] else None
    )


def bump(version: Version | None, level: str) -> Version:
    """The final version after `version` at `level` (from 0.0.0 when there is none yet)."""
    base = version.final if version else Version(0, 0, 0)
    if level == "major":
        return Version(base.major + 1, 0, 0)
    if level == "minor":
        return Version(base.major, base.minor + 1, 0)
    return Version(base.major, base.minor, base.patch + 1)


def latest(versions, finals_only: bool = False) -> Version | None:
    found = [v for v in versions if v.rc is None or not finals_only]
    return max(found, key=lambda v: v.order) if found else None


def next_version(versions, kind: str, level: str) -> Version:
    """The version `tito version cut KIND` makes, `level` being what changed since the last final version:
    `rc` is the next release candidate of that level's version, a level the version itself."""
    target = bump(latest(versions, finals_only=True), level)
    if kind != "rc":
        return target
    rcs = [v.rc for v in versions if v.final == target and v.rc]
    return Version(target.major, target.minor, target.patch, max(rcs, default=0) + 1)


def higher(level: str, other: str | None) -> bool:
    """Is `level` above `other` (None: below every level)?"""
    return other is None or LEVELS.index(level) > LEVELS.index(other)
