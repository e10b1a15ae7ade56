"""The course at a root: parsed once per version of its course.yaml (and per process), handed out as
immutable values. There is no current course: callers pass the root (actions) or (course, paths) (creators)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .model import COURSE_FILE, Course
from .cache import load_course_cached
from .paths import Paths


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
