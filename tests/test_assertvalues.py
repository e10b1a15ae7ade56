"""tasks/kernel/assertvalues.py: a bare two-value assert reports both values; nothing else changes."""

from __future__ import annotations

import ast
import runpy
from pathlib import Path

import pytest

import tasks.kernel.assertvalues as module

TRANSFORMER = runpy.run_path(str(Path(module.__file__)))["AssertValues"]


def run(code: str) -> dict:
    namespace: dict = {}
    tree = ast.fix_missing_locations(TRANSFORMER().visit(ast.parse(code)))
    exec(compile(tree, "<cell>", "exec"), namespace)
    return namespace


def failure(code: str) -> AssertionError:
    with pytest.raises(AssertionError) as caught:
        run(code)
    return caught.value


def test_values_and_where_they_came_from():
    assert str(failure("def double(x): return 3 * x\nassert double(2) == 4")) == "assert 6 == 4\n  where 6 = double(2)"


def test_each_side_runs_once():
    namespace = run("calls = []\ndef f():\n    calls.append(1)\n    return 1\nassert f() == 1")
    assert namespace["calls"] == [1]


def test_the_traceback_keeps_the_asserts_line():
    with pytest.raises(AssertionError) as caught:
        run("x = 1\n\ndef t():\n    assert x in [2, 3]\nt()")
    assert caught.traceback[-1].lineno + 1 == 4
    assert str(caught.value) == "assert 1 in [2, 3]\n  where 1 = x"


@pytest.mark.parametrize("code", ["assert 1 == 2, 'mine'", "assert False", "assert 1 < 2 < 0"])
def test_asserts_with_a_message_or_not_a_single_comparison_are_left_alone(code):
    tree = ast.parse(code)
    assert ast.dump(TRANSFORMER().visit(ast.parse(code))) == ast.dump(tree)


def test_class_bodies_are_left_alone_but_their_methods_are_not():
    namespace = run("class A:\n    assert 1 == 1\n    def m(self):\n        assert 1 == 2\n")
    assert not hasattr(namespace["A"], "_coursebuild_left")
    with pytest.raises(AssertionError, match="assert 1 == 2"):
        namespace["A"]().m()
