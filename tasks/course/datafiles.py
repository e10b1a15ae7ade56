"""What a module folder contributes to students, besides the built versions of its source: the policy.

Only files matched by the module's `data:` globs in course.yaml ship (nothing by default). Editor, VCS and
temp leftovers never ship even when a glob matches them, nor does the source itself (its built versions take
its place). Symlinks are refused when they leave the repository or lead to the source. Pure functions on
relative POSIX paths; the file walk is Paths.data_files.
"""

from __future__ import annotations

import fnmatch
import re
from functools import lru_cache
from pathlib import Path

from ..base.errors import CourseError, Finding

# never shipped, whatever `data:` says: editor backups and swap files, merge leftovers, OS and tool caches,
# and every hidden file or folder (VCS metadata, .env files, editor lock files `.#name`)
LEFTOVERS = (
    "*~",
    "*.bak",
    "*.orig",
    "*.rej",
    "#*#",
    ".*",
    "*.swp",
    "*.swo",
    "*.tmp",
    "*.pyc",
    "__pycache__",
    ".ipynb_checkpoints",
    ".DS_Store",
    "Thumbs.db",
    "desktop.ini",
)


def is_leftover(name: str) -> bool:
    """Is this file or folder name an editor/VCS/temp leftover (never shipped)?"""
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in LEFTOVERS)


@lru_cache(maxsize=256)
def glob_regex(glob: str) -> re.Pattern:
    """A `data:` glob as a regex on a relative POSIX path: `*` and `?` stay within one folder, `**/` spans
    any number of folders, `[...]` is a class; a glob naming a folder matches every file under it."""
    out, i = [], 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:[^/]+/)*")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        elif glob[i] == "[" and "]" in glob[i + 2 :]:
            end = glob.index("]", i + 2)
            body = glob[i + 1 : end]
            out.append("[" + ("^" + re.escape(body[1:]) if body.startswith("!") else re.escape(body)) + "]")
            i = end + 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return re.compile("".join(out).rstrip("/") + "(?:/.*)?", re.S)


def listed(relative: str, globs: tuple[str, ...]) -> bool:
    """Is the file at `relative` (POSIX, inside the module folder) matched by one of the `data:` globs?"""
    return any(glob_regex(_normal_glob(g)).fullmatch(relative) for g in globs)


def _normal_glob(glob: str) -> str:
    glob = glob.replace("\\", "/")
    while glob.startswith("./"):
        glob = glob[2:]
    return glob


def ships(relative: str, globs: tuple[str, ...], source_name: str) -> bool:
    """Does the file at `relative` ship to students? Listed, not a leftover anywhere on its path, not the source."""
    parts = relative.split("/")
    return relative != source_name and not any(is_leftover(p) for p in parts) and listed(relative, globs)


def file_problem(path: Path, root: Path, source: Path) -> str | None:
    """Why a file matched by `data:` cannot ship, or None: symlinks must lead to another file of the
    repository, and only regular files ship (a pipe or socket would hang the reader)."""
    if not path.is_symlink():
        return None if path.is_file() else "is not a regular file (a pipe, socket or device?); remove it or fix `data:`"
    target = path.resolve()
    if target != root and root not in target.parents:
        return "is a symlink to a file outside the repository; copy the file into the module folder instead"
    if target == source.resolve():
        return "is a symlink to the module's source (the solution): remove it; students get the built student version"
    if not target.is_file():
        return "is a symlink that leads to no file (or to a folder); link each file, or copy it into the module folder"
    return None


def refuse_unshippable(paths, module) -> None:
    """CourseError naming each file `data:` matches that cannot ship (a symlink out of the repository, ...)."""
    problems = paths.data_problems(module)
    if problems:
        raise CourseError(
            [
                Finding(paths.rel(path), None, f"{why} (listed by `data:` of module '{module.name}' in course.yaml)")
                for path, why in problems
            ]
        )


def shipped_data(paths, module) -> dict[str, bytes]:
    """The module's `data:` files (relative POSIX name -> bytes); CourseError naming any that cannot ship."""
    refuse_unshippable(paths, module)
    folder = paths.root / module.folder
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in paths.data_files(module)}
