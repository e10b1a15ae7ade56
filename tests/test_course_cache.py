"""tasks/course_cache.py: course.yaml parsed once per version, and never trusted when a fresh load would differ."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from conftest import write_mini_course
from tasks.course.config import load_course
from tasks.course.cache import load_course_cached
from tasks.base.errors import CourseError
from tasks.course.paths import course_cache_file


@pytest.fixture
def course_root(tmp_path):
    return write_mini_course(tmp_path / "mini")


def test_the_first_load_writes_the_cache_and_gives_what_load_course_gives(course_root):
    course = load_course_cached(course_root)
    assert course_cache_file(course_root).is_file()
    assert course == load_course(course_root) and course.root == course_root.resolve()
    assert load_course_cached(course_root) == course


def test_a_cached_load_imports_neither_yaml_nor_the_yaml_reader(course_root):
    load_course_cached(course_root)
    code = (
        "import sys\nfrom tasks.course.cache import load_course_cached\n"
        f"course = load_course_cached({str(course_root)!r})\n"
        "print(course.name, [m.name for m in course.modules], 'yaml' in sys.modules, 'tasks.course.config' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(course_root))
    assert proc.stdout.split() == ["Mini", "['alpha',", "'beta']", "False", "False"], proc.stderr


def test_an_edited_course_yaml_is_read_again(course_root):
    load_course_cached(course_root)
    course_yaml = course_root / "course.yaml"
    course_yaml.write_text(course_yaml.read_text().replace("course: Mini", "course: Renamed"))
    assert load_course_cached(course_root).name == "Renamed"


def test_an_edited_course_yaml_with_an_error_reports_it(course_root):
    load_course_cached(course_root)
    course_yaml = course_root / "course.yaml"
    course_yaml.write_text(course_yaml.read_text().replace("release: 2", "release: two"))
    with pytest.raises(CourseError, match=r"course.yaml:\d+: modules\[1\].release: expected a whole number"):
        load_course_cached(course_root)


def test_a_source_deleted_after_caching_is_reported_with_its_course_yaml_line(course_root):
    load_course_cached(course_root)
    (course_root / "modules/02_beta/beta.py").unlink()
    with pytest.raises(
        CourseError, match=r"course.yaml:\d+: modules\[1\].source: 'modules/02_beta/beta.py' does not exist"
    ):
        load_course_cached(course_root)


def test_a_corrupt_cache_is_ignored_and_replaced(course_root):
    expected = load_course_cached(course_root)
    course_cache_file(course_root).write_bytes(b"\x80\x05 not a pickle")
    assert load_course_cached(course_root) == expected
    assert load_course_cached(course_root) == expected  # rewritten: loads again


def test_a_copied_course_does_not_use_the_cache_of_its_original(course_root, tmp_path):
    load_course_cached(course_root)
    copy = tmp_path / "copy"
    shutil.copytree(course_root, copy)
    assert load_course_cached(copy).root == copy.resolve()


def test_an_unwritable_cache_only_costs_the_parse(course_root):
    course_cache_file(course_root).parent.parent.mkdir(parents=True, exist_ok=True)
    course_cache_file(course_root).parent.write_text("a file where the cache folder would be")
    assert load_course_cached(course_root).name == "Mini"
    assert course_cache_file(course_root).parent.is_file()


def test_a_missing_course_yaml_is_reported_as_load_course_reports_it(course_root):
    (course_root / "course.yaml").unlink()
    with pytest.raises(CourseError, match="course.yaml: not found"):
        load_course_cached(course_root)
