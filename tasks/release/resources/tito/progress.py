"""`.tito/progress.json`: what `tito module complete` found, per module (tests, answers graded by hand), with the hash of
what it tested."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from .repo import Stop


def progress_file(root: Path) -> Path:
    return root / ".tito" / "progress.json"


def load(root: Path) -> dict:
    path = progress_file(root)
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        raise Stop(
            f"{path.relative_to(root)} is damaged (not JSON); delete it and run `tito module complete` again for your modules"
        ) from None
    return data.get("modules", {}) if isinstance(data, dict) else {}


def save(root: Path, modules: dict) -> None:
    path = progress_file(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"modules": modules}, handle, indent=2, sort_keys=True)
        handle.write("\n")
    os.replace(temp, path)


def record(root: Path, slug: str, entry: dict) -> None:
    modules = load(root)
    modules[slug] = {**entry, "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
    save(root, modules)


def forget(root: Path, slug: str) -> bool:
    modules = load(root)
    if slug not in modules:
        return False
    del modules[slug]
    save(root, modules)
    return True
