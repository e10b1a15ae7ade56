"""tasks/kernel/scratch.py: a fresh folder with exactly the given files, gone afterwards."""

from __future__ import annotations

from tasks.kernel.scratch import scratch_tree


def test_scratch_holds_exactly_the_files_and_leaves_no_trace(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src/a.txt").write_text("a")
    build = tmp_path / "build"
    (build / "scratch/01_x/student/stale").mkdir(parents=True)  # left by an interrupted run
    folder = build / "scratch/01_x/student"
    with scratch_tree(
        folder, {"modules/01_x/a.txt": tmp_path / "src/a.txt", "tinytorch/__init__.py": tmp_path / "src/a.txt"}
    ) as top:
        assert top == folder
        assert sorted(p.relative_to(top).as_posix() for p in top.rglob("*") if p.is_file()) == [
            "modules/01_x/a.txt",
            "tinytorch/__init__.py",
        ]
        (top / "modules/01_x/written.txt").write_text("a run wrote this")
    assert not (build / "scratch").exists() and build.is_dir()
    assert (tmp_path / "src/a.txt").read_text() == "a" and sorted(p.name for p in (tmp_path / "src").iterdir()) == [
        "a.txt"
    ]


def test_a_busy_parent_is_kept(tmp_path):
    other = tmp_path / "scratch/01_x/solution"
    other.mkdir(parents=True)
    with scratch_tree(tmp_path / "scratch/01_x/student", {}):
        pass
    assert other.is_dir()


def test_a_copy_that_cannot_be_made_is_a_course_error_and_leaves_nothing(tmp_path):
    import pytest

    from tasks.base.errors import CourseError

    with pytest.raises(CourseError, match="the scratch copy to run the notebook in could not be made"):
        with scratch_tree(tmp_path / "scratch/01_x/student", {"a.txt": tmp_path / "missing.txt"}):
            raise AssertionError("never reached")
    assert not (tmp_path / "scratch").exists()
