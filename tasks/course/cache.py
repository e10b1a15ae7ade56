"""course.yaml parsed once per version of it: a pickle under build/.cache spares each doit start the YAML.

Importing PyYAML and validating course.yaml was a quarter of what a no-op `doit` adds to doit's own cost.
The cache is used only when loading course.yaml again would give the same Course: it is keyed by
course.yaml's bytes, the code that reads it (config.py, model.py, checks.py, release_settings.py), the root and the Python version; the checks
that look at the file system (sources exist, paths stay in the repository) run again on every use, and
if one fails, course.yaml is loaded afresh, which reports the problem with its line. A missing,
unreadable or stale cache is only a slower start; failing to write it is ignored.
"""

from __future__ import annotations

import hashlib
import pickle
import sys
from pathlib import Path

from . import checks
from .model import COURSE_FILE, Course
from ..base.errors import CourseError
from ..base.fsutil import write_atomic
from .paths import course_cache_file

# The files whose code decides what a course.yaml becomes. config.py (the YAML reader and its schema) is
# imported only when course.yaml is parsed: a start with a valid cache never runs it.
READERS = tuple(
    Path(__file__).with_name(name) for name in ("config.py", "model.py", "checks.py", "release_settings.py")
)


def load_course_cached(root: Path) -> Course:
    root = Path(root).resolve()
    key = _cache_key(root)
    course = _read_cache(course_cache_file(root), key) if key else None
    if course is None or checks.file_system_changed(course):
        from .config import load_course

        course = load_course(root)
        if key:
            _write_cache(course_cache_file(root), key, course)
    return course


def _cache_key(root: Path) -> str | None:
    try:
        digest = hashlib.sha256((root / COURSE_FILE).read_bytes())
        for reader in READERS:
            digest.update(reader.read_bytes())
    except OSError:
        return None  # load_course says what is wrong with course.yaml
    digest.update(f"{root}\0{sys.version}\0{pickle.HIGHEST_PROTOCOL}".encode())
    return digest.hexdigest()


def _read_cache(path: Path, key: str) -> Course | None:
    try:
        stored_key, course = pickle.loads(path.read_bytes())
    except Exception:  # missing, truncated, or from other code: load course.yaml instead
        return None
    return course if stored_key == key and isinstance(course, Course) else None


def _write_cache(path: Path, key: str, course: Course) -> None:
    try:
        write_atomic(path, pickle.dumps((key, course), protocol=pickle.HIGHEST_PROTOCOL))
    except CourseError:
        pass  # a read-only or full build/ only costs the next start the YAML parse
