"""tasks/graph/kinds.py: one registry of task kinds read by dodo.py, boot, prune and the output folders; and
the build variants (variants/registry.VARIANTS) as the variant tasks, the leak guard and releases see them."""

from __future__ import annotations

from pathlib import Path

from doit.loader import load_tasks

from conftest import write_mini_course
from tasks.course.context import load
from tasks.graph import kinds
from tasks.graph.boot import doit_config
from tasks.variants.pipeline import STEPS
from tasks.variants.registry import VARIANTS, variants_of_task


def loaded(root: Path):
    course, paths = load(str(root.resolve()))
    return course, paths, load_tasks(kinds.doit_creators(course, paths), allow_delayed=True)


def test_every_target_lies_in_an_output_folder_of_its_own_kind(tmp_path):
    """What prune keeps and the temp-file sweep visits is exactly what each kind declares."""
    course, paths, tasks = loaded(write_mini_course(tmp_path / "mini"))
    by_name = {kind.name: kind for kind in kinds.KINDS}
    checked = 0
    for task in tasks:
        kind = by_name[task.name.split(":")[0]]
        folders = paths.output_dirs(kind.outputs)
        for target in task.targets:
            assert any(folder in (paths.root / target).parents for folder in folders), (task.name, target, kind.outputs)
            checked += 1
    assert checked > 0


def test_dodo_defines_one_creator_per_kind_with_its_doc(tmp_path):
    course, paths, tasks = loaded(write_mini_course(tmp_path / "mini"))
    creators = kinds.doit_creators(course, paths)
    assert list(creators) == [f"task_{kind.name}" for kind in kinds.KINDS]
    groups = {task.name for task in tasks if ":" not in task.name}
    assert groups == {kind.name for kind in kinds.KINDS}
    assert all(creators[f"task_{k.name}"].__doc__ == k.creator.__doc__ for k in kinds.KINDS)


def test_default_tasks_are_the_default_kinds_in_order():
    assert doit_config()["default_tasks"] == [
        "lint",
        "student",
        "solution",
        "export",
        "validate",
        "check_student",
        "archive",
    ]
    assert kinds.default_tasks() == [k.name for k in kinds.KINDS if k.default]


def test_adding_a_kind_is_one_entry(tmp_path, monkeypatch):
    def task_grade(course, paths):
        """Grade every submission."""
        yield {"name": "alpha", "actions": [], "targets": [paths.rel(paths.build / "grades" / "alpha.csv")]}

    monkeypatch.setattr(kinds, "KINDS", kinds.KINDS + (kinds.TaskKind("grade", task_grade, ("grades",)),))
    course, paths, tasks = loaded(write_mini_course(tmp_path / "mini"))
    assert "grade:alpha" in {t.name for t in tasks}
    assert "grades" in kinds.output_folders() and "grade" not in kinds.default_tasks()
    assert task_grade in [k.creator for k in kinds.producers()]


def test_each_variant_is_built_by_its_task_into_a_folder_the_task_declares():
    for variant in VARIANTS.values():
        if variant.task is None:  # written by a command (tito nbgrader export), never by the build
            assert variant.folder is None and not variant.repo_dir, variant.name
            continue
        kind = next(k for k in kinds.KINDS if k.name == variant.task)
        assert variant.folder in kind.outputs
        assert variant in variants_of_task(variant.task)
    assert len({v.folder for v in VARIANTS.values()}) == len(VARIANTS)


def test_what_ships_to_students_is_guarded_and_the_rest_never_ships():
    for variant in VARIANTS.values():
        assert bool(variant.repo_dir) == variant.guarded, variant.name
    assert VARIANTS["student"].secrets >= VARIANTS["public_solution"].secrets >= {"hidden", "hide"}
    assert "solution" not in VARIANTS["public_solution"].secrets


def test_every_variant_has_its_steps():
    assert set(STEPS) == set(VARIANTS)
