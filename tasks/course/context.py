"""The course being built: loaded once per process, shared by task creators and actions."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .config import COURSE_FILE, Course
from .cache import load_course_cached
from .paths import Paths

_root: list[Path] = []


def set_root(root: Path) -> None:
    _root[:] = [Path(root).resolve()]


def root() -> Path:
    if not _root:
        raise RuntimeError("coursebuild: set_root() was not called (dodo.py does it)")
    return _root[0]


def load(root_dir: str) -> tuple[Course, Paths]:
    """The course at `root_dir`, parsed once per version of its course.yaml."""
    try:
        stat = (Path(root_dir) / COURSE_FILE).stat()
        version = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        version = None
    return _load(root_dir, version)


@lru_cache(maxsize=8)
def _load(root_dir: str, version) -> tuple[Course, Paths]:
    course = load_course_cached(Path(root_dir))
    return course, Paths(course)


def current() -> tuple[Course, Paths]:
    return load(str(root()))
