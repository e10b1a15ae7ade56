"""tasks/variants/definitions.py: what a student keeps of a region made of whole definitions (the transforms'
and the leak guard's use are tested in tests/test_transforms.py and tests/test_leakguard.py)."""

from __future__ import annotations

from tasks.variants.stubs import definition_stubs, kept_lines


def test_definition_stubs_are_computed_once_per_region_and_each_caller_gets_its_own_list():
    inner = ["def rate(self, epoch):", '    """The rate."""', "    return self.lr * 0.5 ** epoch"]
    first = definition_stubs(inner)
    assert [(stub.kept, stub.qual) for stub in first] == [((0, 1), ("rate",))]
    first.clear()
    assert definition_stubs(list(inner)) == definition_stubs(inner) != []
    assert kept_lines(inner) == {0, 1}
    assert definition_stubs(["x = 1"]) is None and definition_stubs(["def f(): return 1"]) is None
