"""tasks/course/datafiles.py: the policy for what a module folder contributes to students."""
from __future__ import annotations

import os

import pytest

from tasks.course.datafiles import file_problem, glob_regex, is_leftover, listed, ships


@pytest.mark.parametrize("name", ["tensor.py~", "tensor.py.bak", "tensor.py.orig", "x.rej", "#tensor.py#", ".#tensor.py",
                                  ".tensor.py.swp", "tensor.swp", "x.swo", "x.tmp", "x.pyc", "__pycache__",
                                  ".ipynb_checkpoints", ".DS_Store", ".git", ".env", "Thumbs.db"])
def test_editor_vcs_and_temp_leftovers_are_recognised(name):
    assert is_leftover(name)


@pytest.mark.parametrize("name", ["tensor.py", "weights.csv", "README.md", "data", "image.png", "notes~old.txt"])
def test_ordinary_names_are_not_leftovers(name):
    assert not is_leftover(name)


@pytest.mark.parametrize("glob, path, expected", [
    ("*.csv", "x.csv", True), ("*.csv", "data/x.csv", False), ("**/*.csv", "data/deep/x.csv", True),
    ("**/*.csv", "x.csv", True), ("data", "data/x.csv", True), ("data/", "data/deep/x.csv", True),
    ("data", "database.csv", False), ("d?ta/*", "data/x", True), ("[ab].txt", "a.txt", True),
    ("[!ab].txt", "a.txt", False), ("[!ab].txt", "c.txt", True), ("./README.md", "README.md", True),
    ("a.b", "axb", False),
])
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
