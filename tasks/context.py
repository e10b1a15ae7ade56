"""The course being built: loaded once per process, shared by task creators and actions."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .config import Course, load_course
from .paths import Paths

_root: list[Path] = []


def set_root(root: Path) -> None:
    _root[:] = [Path(root).resolve()]


def root() -> Path:
    if not _root:
        raise RuntimeError("coursebuild: set_root() was not called (dodo.py does it)")
    return _root[0]


@lru_cache(maxsize=8)
def load(root_dir: str) -> tuple[Course, Paths]:
    course = load_course(Path(root_dir))
    return course, Paths(course)


def current() -> tuple[Course, Paths]:
    return load(str(root()))
