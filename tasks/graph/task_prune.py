"""doit task `prune`: remove build outputs that no task produces any more (after a course.yaml change).

Dropping `python` from `outputs`, switching the archive format, renaming or removing a module, or moving a
module's `#| default_exp` leaves the old outputs behind: doit only knows the current targets. They are
never used (archives, releases and imports name their files), but they confuse whoever looks in build/.
What is kept is exactly the targets the task creators declare now, so this file never restates a path.
In tinytorch/, only files the export wrote (its header, or its package marker) are ever removed.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..course.context import load
from .doitutil import reports_user_errors
from ..base.errors import CourseError
from ..package.exports import package_inits
from .task_export import export_targets, written_by_export


def _produced_files(course, paths, targets: dict[str, str]) -> set[Path]:
    """Every file the build makes now: the targets of the task kinds with outputs, and the export's package markers."""
    from .kinds import producers  # the registry imports this module

    files = {
        paths.root / target
        for kind in producers()
        for task in kind.creator(course, paths)
        for target in task.get("targets", [])
    }
    for target in targets.values():
        files.update(package_inits(paths.package, paths.export_file(target)))
    return files | {paths.package / "__init__.py"}


def output_dirs(paths) -> list[Path]:
    from .kinds import output_folders

    return paths.output_dirs(output_folders())


def _stale_files(paths, produced: set[Path]) -> list[Path]:
    found = []
    for folder in output_dirs(paths):
        for directory, folders, names in os.walk(folder):
            folders[:] = [f for f in folders if f != "__pycache__"]
            for name in names:
                path = Path(directory, name)
                if path in produced or (folder == paths.package and not written_by_export(path)):
                    continue
                found.append(path)
    return sorted(found)


def _remove_empty_folders(paths) -> None:
    for folder in output_dirs(paths):
        for directory, _, _ in sorted(os.walk(folder), key=lambda entry: -len(entry[0])):
            if Path(directory) != folder and not os.listdir(directory):
                os.rmdir(directory)


@reports_user_errors
def _prune_action(root: str) -> None:
    course, paths = load(root)
    targets, problems = export_targets(course, paths)
    if problems:
        raise CourseError.at(
            paths.rel(paths.build),
            None,
            "nothing was pruned: which exports are stale cannot be told while "
            "a module's export target is unknown. Fix these, then prune again:\n" + "\n".join(problems.values()),
        )
    stale = _stale_files(paths, _produced_files(course, paths, targets))
    for path in stale:
        path.unlink()
        print(f"prune: removed {paths.rel(path)}")
    _remove_empty_folders(paths)
    print(f"prune: {len(stale)} file(s) no task produces any more" if stale else "prune: nothing to remove")


def task_prune(course, paths):
    """Remove build outputs no task produces any more (after dropping an output, a module or an export)."""
    return {"actions": [(_prune_action, [str(course.root)])], "uptodate": [False], "verbosity": 2}
