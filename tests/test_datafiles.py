"""tasks/course/datafiles.py: the policy for what a module folder contributes to students."""

from __future__ import annotations

import os

import pytest

from tasks.course.datafiles import file_problem, glob_regex, is_leftover, listed, ships


@pytest.mark.parametrize(
    "name",
    [
        "tensor.py~",
        "tensor.py.bak",
        "tensor.py.orig",
        "x.rej",
        "#tensor.py#",
        ".#tensor.py",
        ".tensor.py.swp",
        "tensor.swp",
        "x.swo",
        "x.tmp",
        "x.pyc",
        "__pycache__",
        ".ipynb_checkpoints",
        ".DS_Store",
        ".git",
        ".env",
        "Thumbs.db",
    ],
)
def test_editor_vcs_and_temp_leftovers_are_recognised(name):
    assert is_leftover(name)


@pytest.mark.parametrize("name", ["tensor.py", "weights.csv", "README.md", "data", "image.png", "notes~old.txt"])
def test_ordinary_names_are_not_leftovers(name):
    assert not is_leftover(name)


@pytest.mark.parametrize(
    "glob, path, expected",
    [
        ("*.csv", "x.csv", True),
        ("*.csv", "data/x.csv", False),
        ("**/*.csv", "data/deep/x.csv", True),
        ("**/*.csv", "x.csv", True),
        ("data", "data/x.csv", True),
        ("data/", "data/deep/x.csv", True),
        ("data", "database.csv", False),
        ("d?ta/*", "data/x", True),
        ("[ab].txt", "a.txt", True),
        ("[!ab].txt", "a.txt", False),
        ("[!ab].txt", "c.txt", True),
        ("./README.md", "README.md", True),
        ("a.b", "axb", False),
    ],
)
def test_glob_semantics(glob, path, expected):
    assert listed(path, (glob,)) is expected, glob_regex(glob).pattern


def test_leftovers_and_the_source_never_ship_even_when_listed():
    assert ships("data/x.csv", ("*", "**"), "tensor.py")
    assert not ships("tensor.py", ("*",), "tensor.py")
    assert not ships("tensor.py~", ("*",), "tensor.py")
    assert not ships(".git/config", ("**",), "tensor.py")
    assert not ships("data/__pycache__/x.txt", ("**",), "tensor.py")
    assert not ships("unlisted.txt", ("data/*",), "tensor.py")


def test_file_problems(tmp_path):
    root = tmp_path / "repo"
    folder = root / "modules/01_x"
    folder.mkdir(parents=True)
    source = folder / "x.py"
    source.write_text("x = 1\n")
    (folder / "plain.txt").write_text("fine")
    (tmp_path / "outside.txt").write_text("outside")
    os.symlink(tmp_path / "outside.txt", folder / "out.txt")
    os.symlink(source, folder / "again.py")
    os.symlink(folder / "plain.txt", folder / "same.txt")
    os.symlink(folder / "missing.txt", folder / "dangling.txt")
    os.mkfifo(folder / "pipe")
    assert file_problem(folder / "plain.txt", root, source) is None
    assert file_problem(folder / "same.txt", root, source) is None
    assert "outside the repository" in file_problem(folder / "out.txt", root, source)
    assert "module's source" in file_problem(folder / "again.py", root, source)
    assert "leads to no file" in file_problem(folder / "dangling.txt", root, source)
    assert "not a regular file" in file_problem(folder / "pipe", root, source)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

PLAIN = st.text(alphabet="abcxyz0123_-.", min_size=1, max_size=8).filter(
    lambda s: s not in (".", "..") and not is_leftover(s)
)
LEFTOVER = st.sampled_from(
    [
        "x.py~",
        "x.bak",
        "x.orig",
        "#x.py#",
        ".#x.py",
        ".x.py.swp",
        "__pycache__",
        ".ipynb_checkpoints",
        ".DS_Store",
        ".git",
        "x.pyc",
        "y.tmp",
    ]
)
GLOBS = st.lists(
    st.sampled_from(["*", "**", "**/*", "data", "*.csv", "**/*.py~", ".*", "**/.*", "#*#", "x.py", "*/*"]), max_size=4
)


@settings(max_examples=300, deadline=None)
@given(st.lists(PLAIN, max_size=3), LEFTOVER, st.lists(PLAIN, max_size=2), GLOBS)
def test_no_glob_ships_a_leftover_anywhere_on_the_path_nor_the_source(before, leftover, after, globs):
    """Generated folder layouts: whatever `data:` says, a path through a leftover never ships, nor does the source."""
    relative = "/".join([*before, leftover, *after])
    assert not ships(relative, tuple(globs), "x.py")
    assert not ships("x.py", tuple(globs), "x.py")
