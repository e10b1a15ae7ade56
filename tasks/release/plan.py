"""What a release adds to the student repository: pure planning, no git.

Student files are append-only: once released, a path is never rewritten (students edit them, and
`git pull` would conflict). A changed source is reported; with errata it is added beside the old file
as `name.v2.ipynb`. Solutions live in their own folder and are replaced when they change.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

TRAILER = "Released-by: coursebuild"  # marks the commits a release made (hand edits are the others)
VERSION_RE = re.compile(r"^(?P<stem>.+?)\.v(?P<n>\d+)$")


def blob_sha(data: bytes) -> str:
    """The id git gives a file with this content (so planning needs no git)."""
    return hashlib.sha1(b"blob %d\x00" % len(data) + data).hexdigest()


@dataclass(frozen=True)
class Offer:
    """Files a module offers to the repo: `kind` is 'exercises' (append-only) or 'solutions' (replaceable)."""

    module: str
    kind: str
    files: dict[str, bytes]


@dataclass
class Plan:
    writes: dict[str, bytes] = field(default_factory=dict)
    added: dict[str, list[str]] = field(default_factory=dict)  # headline part -> modules
    errata: list[str] = field(default_factory=list)  # paths of new versions
    corrects: dict[str, str] = field(default_factory=dict)  # errata path -> the released path it corrects
    stale: list[str] = field(default_factory=list)  # messages: released files whose source changed

    def note(self, part: str, module: str) -> None:
        names = self.added.setdefault(part, [])
        if module not in names:
            names.append(module)

    @property
    def empty(self) -> bool:
        return not self.writes


def errata_copy_name(path: str, n: int) -> str:
    """`modules/01_tensor/tensor.ipynb`, 2 -> `modules/01_tensor/tensor.v2.ipynb`."""
    p = PurePosixPath(path)
    suffix = "".join(p.suffixes[-1:])
    return str(p.with_name(f"{p.name[: len(p.name) - len(suffix)]}.v{n}{suffix}"))


def _plan_exercise_file(
    plan: Plan, existing: dict[str, str], module: str, path: str, data: bytes, errata: bool
) -> None:
    sha = blob_sha(data)
    if path not in existing:
        plan.writes[path] = data
        plan.note("exercises for", module)
        return
    versions = [path] + [errata_copy_name(path, n) for n in range(2, 1000) if errata_copy_name(path, n) in existing]
    if any(existing[v] == sha for v in versions):
        return
    if errata:
        new = errata_copy_name(path, len(versions) + 1)
        plan.writes[new] = data
        plan.errata.append(new)
        plan.corrects[new] = versions[-1]
    else:
        plan.stale.append(
            f"{path} ({module}) changed since it was released; students keep their copy. Run the release again with errata=1 to add {PurePosixPath(errata_copy_name(path, len(versions) + 1)).name} beside it."
        )


def _plan_solution_file(plan: Plan, existing: dict[str, str], module: str, path: str, data: bytes) -> None:
    if existing.get(path) == blob_sha(data):
        return
    plan.note("updated solutions for" if path in existing else "solutions for", module)
    plan.writes[path] = data


def plan_release(existing: dict[str, str], offers: list[Offer], extras: dict[str, bytes], errata: bool) -> Plan:
    """`existing`: path -> blob sha of the repo's current tree; `extras`: README etc. (always replaceable)."""
    plan = Plan()
    for offer in offers:
        for path, data in sorted(offer.files.items()):
            if offer.kind == "exercises":
                _plan_exercise_file(plan, existing, offer.module, path, data, errata)
            else:
                _plan_solution_file(plan, existing, offer.module, path, data)
    content_changed = not plan.empty
    for path, data in extras.items():
        if existing.get(path) != blob_sha(data):
            plan.writes[path] = data
    if not content_changed and plan.writes and not existing:
        plan.note("course repository set up", "")
    return plan


def commit_message(title: str, plan: Plan) -> str:
    parts = [f"{part} {', '.join(m for m in modules if m)}".strip() for part, modules in plan.added.items()]
    if plan.errata:
        parts.append("errata: " + ", ".join(PurePosixPath(p).name for p in plan.errata))
    headline = f"{title}: {'; '.join(parts)}" if parts else f"{title}: course files updated"
    body = "\n".join(f"- {path}" for path in sorted(plan.writes))
    return f"{headline}\n\n{body}\n\n{TRAILER}\n"
