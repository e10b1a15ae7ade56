"""tasks/grade/bundle.py: the module bundle from the course: cell kinds, hidden tests kept, reference package."""

from __future__ import annotations

import pickle

from tasks.course.config import load_course
from tasks.course.paths import Paths
from tasks.grade.bundle import load_bundle

from gradeclass import write_course


def test_bundle_of_a_module_with_a_dependency(tmp_path):
    root = write_course(tmp_path / "course")
    course = load_course(root)
    paths = Paths(course)
    vec = load_bundle(course, paths, course.module("vec"))
    kinds = {c.grade_id: c.kind for c in vec.cells if c.grade_id}
    assert kinds == {
        "vec-imports": "fixed",
        "vec-add": "answer",
        "vec-scale": "answer",
        "test-add": "test",
        "test-scale": "test",
        "test-partial": "test",
        "explain": "hand",
    }  # vec-staff (#| hide) is not run
    test_add = next(c for c in vec.cells if c.grade_id == "test-add")
    assert "VEC_HIDDEN_CHECK" in test_add.source and "VEC_HIDDEN_CHECK" not in test_add.released
    assert "is not implemented yet" in next(c for c in vec.cells if c.grade_id == "vec-add").released
    assert vec.max_score() == 10 and [k for k, _ in vec.package] == ["tinytorch/__init__.py"]

    stats = load_bundle(course, paths, course.module("stats"))
    files = dict(stats.package)
    assert sorted(files) == ["tinytorch/__init__.py", "tinytorch/core/__init__.py", "tinytorch/core/vec.py"]
    assert (
        b"def add(a, b):" in files["tinytorch/core/vec.py"]
        and b"np.asarray(a) + np.asarray(b)" in files["tinytorch/core/vec.py"]
    )
    assert pickle.loads(pickle.dumps(stats)) == stats  # travels to workers as plain data


def test_graded_hash_follows_the_graded_source_only(tmp_path):
    root = write_course(tmp_path / "course")
    course = load_course(root)
    paths = Paths(course)
    before = load_bundle(course, paths, course.module("vec")).graded_hash
    source = root / "modules/01_vec/vec.py"
    source.write_text(
        source.read_text().replace(
            "# # Vec: adding and scaling vectors", "# # Vec: adding and scaling vectors\n# (reworded)"
        )
    )
    assert load_bundle(course, paths, course.module("vec")).graded_hash == before  # markdown outside graded cells
    source.write_text(source.read_text().replace("[3, 6]", "[3, 6]\nassert True"))
    assert load_bundle(course, paths, course.module("vec")).graded_hash != before
