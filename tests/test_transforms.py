"""tasks/transforms.py: each notebook step on its own, on small inline cells."""

from __future__ import annotations

import json
import textwrap

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tasks.variants import stubs as s
from tasks.variants import transforms as t
from tasks.variants.stubs import RUN_ALL_ID, run_all_source

CTX = t.StepContext(module="01_tensor")
SOLUTION_META = {"grade": False, "grade_id": "impl", "locked": False, "schema_version": 3, "solution": True}


def code(text: str, **meta):
    return new_code_cell(textwrap.dedent(text).strip("\n"), metadata={"nbgrader": meta} if meta else {})


def notebook(*cells):
    return new_notebook(cells=list(cells))


def stubbed(text: str, meta=SOLUTION_META) -> str:
    nb = s.stub_solutions(notebook(new_code_cell(textwrap.dedent(text).strip("\n"), metadata={"nbgrader": meta})), CTX)
    result = nb.cells[0].source
    compile(result, "<student cell>", "exec")  # a stub always leaves valid Python
    return result


def stub_message(line: str) -> str:
    """The message inside `raise NotImplementedError("...")`."""
    return json.loads(line.strip()[len("raise NotImplementedError(") : -1])


# --- stub_solutions ----------------------------------------------------------------------------------


def test_stub_in_a_method_names_class_method_module_and_todo_hint():
    result = stubbed('''
        class Tensor:
            def __add__(self, other):
                """Add element-wise.

                TODO: return a new Tensor.

                HINT: unwrap `other` first.
                """
                ### BEGIN SOLUTION
                data = self.data + other
                return Tensor(data)
                ### END SOLUTION
    ''')
    last = result.split("\n")[-1]
    assert last.startswith("        raise NotImplementedError(")  # the BEGIN line's indentation
    assert stub_message(last) == (
        "Tensor.__add__ (module 01_tensor) is not implemented yet: replace this line with your code. "
        "See the TODO and HINT in its docstring."
    )
    assert "self.data + other" not in result
    assert "BEGIN SOLUTION" not in result and "END SOLUTION" not in result
    assert result.split("\n")[:-1] == textwrap.dedent('''
        class Tensor:
            def __add__(self, other):
                """Add element-wise.

                TODO: return a new Tensor.

                HINT: unwrap `other` first.
                """
    ''').strip("\n").split("\n")


def test_stub_in_a_function_with_only_a_todo():
    result = stubbed('''
        def relu(x):
            """TODO: clip negatives to zero."""
            ### BEGIN SOLUTION
            return np.maximum(0, x)
            ### END SOLUTION
    ''')
    assert result.split("\n") == [
        "def relu(x):",
        '    """TODO: clip negatives to zero."""',
        '    raise NotImplementedError("relu (module 01_tensor) is not implemented yet: replace this line with '
        'your code. See the TODO in its docstring.")',
    ]


def test_stub_without_todo_or_hint_points_at_the_docstring():
    result = stubbed("""
        def f(x):
            ### BEGIN SOLUTION
            return x
            ### END SOLUTION
    """)
    assert stub_message(result.split("\n")[-1]).endswith("See its docstring and the explanation above.")


def test_todo_of_another_function_is_not_used():
    result = stubbed('''
        def helper():
            """TODO: not this one."""
            return 1

        def f(x):
            """Plain docstring."""
            ### BEGIN SOLUTION
            return x
            ### END SOLUTION
    ''')
    message = stub_message(result.split("\n")[-1])
    assert message.startswith("f (module 01_tensor)")
    assert message.endswith("See its docstring and the explanation above.")


def test_region_as_whole_body_of_an_if_block_inside_a_function():
    result = stubbed('''
        def clip(x, low):
            """TODO: clip x at low."""
            if low is not None:
                ### BEGIN SOLUTION
                x = max(x, low)
                ### END SOLUTION
            return x
    ''')
    lines = result.split("\n")
    assert lines[3].startswith("        raise NotImplementedError(")
    assert stub_message(lines[3]).startswith("clip (module 01_tensor)")
    assert lines[4] == "    return x"


def test_region_in_a_nested_function_names_the_whole_path():
    result = stubbed('''
        class Model:
            def build(self):
                def inner(x):
                    """HINT: square it."""
                    ### BEGIN SOLUTION
                    return x * x
                    ### END SOLUTION
                return inner
    ''')
    line = result.split("\n")[4]
    assert line.startswith("            raise NotImplementedError(")
    assert stub_message(line).startswith("Model.build.inner (module 01_tensor)")
    assert stub_message(line).endswith("See the HINT in its docstring.")


def test_region_after_a_nested_function_names_the_outer_method():
    result = stubbed('''
        class Model:
            def forward(self, x):
                """TODO: apply the helper to every row."""
                def helper(row):
                    return row + 1
                if x is not None:
                    ### BEGIN SOLUTION
                    return [helper(r) for r in x]
                    ### END SOLUTION
    ''')
    message = stub_message(result.split("\n")[-1])
    assert message.startswith("Model.forward (module 01_tensor)"), message
    assert message.endswith("See the TODO in its docstring.")


def test_top_level_region_names_the_cell():
    result = stubbed("""
        import numpy as np
        ### BEGIN SOLUTION
        weights = np.zeros(3)
        ### END SOLUTION
    """)
    assert result.split("\n") == [
        "import numpy as np",
        "raise NotImplementedError(\"The code in cell 'impl' (module 01_tensor) is not implemented yet: replace this "
        'line with your code. See the instructions above this cell.")',
    ]


def test_top_level_region_after_an_unrelated_function_names_the_cell():
    result = stubbed('''
        def helper():
            """TODO: not this one."""
            return 1

        if True:
            ### BEGIN SOLUTION
            weights = helper()
            ### END SOLUTION
    ''')
    message = stub_message(result.split("\n")[-1])
    assert message.startswith("The code in cell 'impl' (module 01_tensor)"), message


def test_top_level_region_in_a_cell_without_grade_id():
    nb = s.stub_solutions(notebook(new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION")), CTX)
    assert stub_message(nb.cells[0].source).startswith("This cell's code (module 01_tensor)")


def test_tab_indented_region_keeps_its_tab():
    result = stubbed('def f(x):\n\t"""TODO: return x."""\n\t### BEGIN SOLUTION\n\treturn x\n\t### END SOLUTION')
    last = result.split("\n")[-1]
    assert last.startswith("\traise NotImplementedError(")
    assert stub_message(last).startswith("f (module 01_tensor)")


def test_docstring_text_at_column_zero_does_not_hide_the_function():
    result = stubbed('''
def area(w, h):
    """Area of a rectangle.

TODO: multiply (this docstring line is not indented).
    """
    ### BEGIN SOLUTION
    return w * h
    ### END SOLUTION
''')
    message = stub_message(result.split("\n")[-1])
    assert message.startswith("area (module 01_tensor)")
    assert message.endswith("See the TODO in its docstring.")


def test_two_regions_in_one_cell_get_their_own_stubs():
    result = stubbed("""
        def a():
            ### BEGIN SOLUTION
            return 1
            ### END SOLUTION

        def b():
            ### BEGIN SOLUTION
            return 2
            ### END SOLUTION
    """)
    stubs = [stub_message(line) for line in result.split("\n") if "NotImplementedError" in line]
    assert [s.split(" ")[0] for s in stubs] == ["a", "b"]
    assert result.split("\n")[2:4] == ["", "def b():"]


def test_stub_solutions_leaves_hidden_tests_and_markdown_alone():
    md = new_markdown_cell("### BEGIN SOLUTION is how a region starts")
    cell = code("def t():\n    assert 1\n    ### BEGIN HIDDEN TESTS\n    assert 2\n    ### END HIDDEN TESTS")
    nb = s.stub_solutions(notebook(md, cell), CTX)
    assert nb.cells[0].source == md.source
    assert nb.cells[1].source == cell.source


def test_async_def_is_a_scope():
    result = stubbed("""
        async def fetch():
            ### BEGIN SOLUTION
            return 1
            ### END SOLUTION
    """)
    assert stub_message(result.split("\n")[-1]).startswith("fetch (module 01_tensor)")


# --- hidden cells and hidden tests ------------------------------------------------------------------------


def test_drop_hidden_cells_removes_only_hide_code_cells():
    keep = code("x = 1")
    hidden = code("#| hide\nassert reference == 3")
    md = new_markdown_cell("#| hide is a directive (in markdown it means nothing)")
    nb = t.drop_hidden_cells(notebook(keep, hidden, md), CTX)
    assert [c.source for c in nb.cells] == [keep.source, md.source]


def test_drop_hidden_tests_removes_region_and_markers():
    cell = code(
        """
        def test_unit_add():
            assert add(1, 2) == 3
            ### BEGIN HIDDEN TESTS
            assert add(-1, 1) == 0
            ### END HIDDEN TESTS
            print("ok")
    """,
        grade=True,
        grade_id="t",
        locked=True,
        points=2,
        schema_version=3,
        solution=False,
    )
    nb = t.drop_hidden_tests(notebook(cell), CTX)
    assert nb.cells[0].source == 'def test_unit_add():\n    assert add(1, 2) == 3\n    print("ok")'


def test_drop_hidden_tests_leaves_solution_regions():
    cell = code("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION")
    assert t.drop_hidden_tests(notebook(cell), CTX).cells[0].source == cell.source


def test_drop_several_hidden_test_regions():
    cell = code(
        "a = 1\n### BEGIN HIDDEN TESTS\nb = 2\n### END HIDDEN TESTS\nc = 3\n### BEGIN HIDDEN TESTS\nd = 4\n### END HIDDEN TESTS"
    )
    assert t.drop_hidden_tests(notebook(cell), CTX).cells[0].source == "a = 1\nc = 3"


# --- solution steps ----------------------------------------------------------------------------------------


def test_strip_markers_keeps_the_code_between_them():
    cell = code('''
        def f():
            """TODO: x"""
            ### BEGIN SOLUTION
            return 1
            ### END SOLUTION

        def test_f():
            assert f() == 1
            ### BEGIN HIDDEN TESTS
            assert f() != 2
            ### END HIDDEN TESTS
    ''')
    nb = t.strip_markers(notebook(cell), CTX)
    assert nb.cells[0].source == textwrap.dedent('''
        def f():
            """TODO: x"""
            return 1

        def test_f():
            assert f() == 1
            assert f() != 2
    ''').strip("\n")


def test_strip_markers_keeps_the_written_answer_of_a_markdown_region():
    md = new_markdown_cell("Why?\n### BEGIN SOLUTION\nBecause the gradient vanishes.\n### END SOLUTION")
    assert t.strip_markers(notebook(md), CTX).cells[0].source == "Why?\nBecause the gradient vanishes."


def test_strip_hide_directives_keeps_the_cell():
    cell = code("#| hide\nreference = 3\nassert reference == 3")
    nb = t.strip_hide_directives(notebook(cell, code("#| export\nx = 1")), CTX)
    assert [c.source for c in nb.cells] == ["reference = 3\nassert reference == 3", "#| export\nx = 1"]


# --- both versions -------------------------------------------------------------------------------------------


def test_clear_outputs_and_execution_counts():
    cell = code("print(1)")
    cell.outputs = [new_output("stream", name="stdout", text="1\n")]
    cell.execution_count = 7
    md = new_markdown_cell("text")
    nb = t.clear_outputs(notebook(cell, md), CTX)
    assert nb.cells[0].outputs == [] and nb.cells[0].execution_count is None
    assert nb.cells[1] == md


def test_normalize_nbgrader_fills_schema_3_defaults():
    partial = new_code_cell("x = 1", metadata={"nbgrader": {"grade_id": "a", "solution": True}})
    test = new_code_cell(
        "assert 1",
        metadata={"nbgrader": {"grade": True, "grade_id": "t", "locked": True, "points": 5, "schema_version": 2}},
    )
    plain = new_code_cell("y = 2", metadata={"tags": ["x"]})
    md = new_markdown_cell("text", metadata={"nbgrader": {"grade_id": "m"}})
    nb = t.normalize_nbgrader(notebook(partial, test, plain, md), CTX)
    assert nb.cells[0].metadata["nbgrader"] == {
        "grade": False,
        "grade_id": "a",
        "locked": False,
        "schema_version": 3,
        "solution": True,
    }
    assert nb.cells[1].metadata["nbgrader"] == {
        "grade": True,
        "grade_id": "t",
        "locked": True,
        "points": 5,
        "schema_version": 3,
        "solution": False,
    }
    assert list(nb.cells[1].metadata["nbgrader"]) == sorted(nb.cells[1].metadata["nbgrader"])
    assert nb.cells[2].metadata == {"tags": ["x"]}
    assert nb.cells[3].metadata["nbgrader"]["schema_version"] == 3


def test_normalize_nbgrader_ignores_metadata_that_is_not_a_mapping():
    cell = new_code_cell("x = 1", metadata={"nbgrader": "broken"})
    assert t.normalize_nbgrader(notebook(cell), CTX).cells[0].metadata == {"nbgrader": "broken"}


def magic_cell_stub(text: str) -> str:
    """Stub a cell that does not parse as Python (it has a magic), so scopes come from indentation."""
    nb = s.stub_solutions(
        notebook(new_code_cell(textwrap.dedent(text).strip("\n"), metadata={"nbgrader": SOLUTION_META})), CTX
    )
    return stub_message(next(line for line in nb.cells[0].source.split("\n") if "NotImplementedError" in line))


def test_scope_of_a_cell_that_does_not_parse_comes_from_indentation():
    assert magic_cell_stub('''
        %matplotlib inline
        class Tensor:
            def sum(self):
                """TODO: add up."""
                def helper():
                    return 0
                if True:
                    ### BEGIN SOLUTION
                    return self.data.sum()
                    ### END SOLUTION
    ''').startswith("Tensor.sum (module 01_tensor)")


def test_top_level_block_in_a_cell_that_does_not_parse_names_the_cell():
    assert magic_cell_stub("""
        %time
        def helper():
            return 1
        for i in range(3):
            ### BEGIN SOLUTION
            total = helper()
            ### END SOLUTION
    """).startswith("The code in cell 'impl'")


def test_empty_region_uses_the_indentation_of_its_lines():
    result = stubbed('''
        def f():
            """TODO: write it."""
            x = 1
            ### BEGIN SOLUTION
            ### END SOLUTION
        y = 2
    ''')
    assert stub_message(result.split("\n")[3]).startswith("f (module 01_tensor)")


def test_lock_test_cells_makes_graded_and_locked_cells_read_only_and_undeletable():
    test = code("assert f() == 1", grade=True, grade_id="t", locked=True, points=2, solution=False)
    readonly = new_markdown_cell(
        "Read this", metadata={"nbgrader": {"grade": False, "grade_id": "r", "locked": True, "solution": False}}
    )
    answer = code("x = 1", grade=False, grade_id="a", locked=False, solution=True)
    written = new_markdown_cell(
        "YOUR ANSWER HERE",
        metadata={"nbgrader": {"grade": True, "grade_id": "w", "locked": False, "points": 1, "solution": True}},
    )
    plain = code("y = 2")
    nb = t.lock_test_cells(notebook(test, readonly, answer, written, plain), CTX)
    assert [(c.metadata.get("editable"), c.metadata.get("deletable")) for c in nb.cells] == [
        (False, False),
        (False, False),
        (None, None),
        (None, None),
        (None, None),
    ]


# --- regions of whole definitions (a class body, a cell's top level) -----------------------------------------


def test_a_region_of_methods_in_a_class_body_keeps_the_class_signatures_and_docstrings():
    result = stubbed('''
        class StepLR:
            """A learning-rate schedule."""

            def __init__(self, lr):
                self.lr = lr

            ### BEGIN SOLUTION
            @property
            def rate(self):
                """TODO: the current rate."""
                return self.lr * 0.5

            def step(self,
                     epoch: int) -> float:
                # halve every ten epochs
                return self.lr * 0.5 ** (epoch // 10)
            ### END SOLUTION
    ''')
    lines = result.split("\n")
    assert lines[:6] == [
        "class StepLR:",
        '    """A learning-rate schedule."""',
        "",
        "    def __init__(self, lr):",
        "        self.lr = lr",
        "",
    ]
    assert lines[6:9] == ["    @property", "    def rate(self):", '        """TODO: the current rate."""']
    assert stub_message(lines[9]) == (
        "StepLR.rate (module 01_tensor) is not implemented yet: replace this line with your "
        "code. See the TODO in its docstring."
    )
    assert lines[9].startswith("        raise NotImplementedError(")
    assert lines[10:13] == ["", "    def step(self,", "             epoch: int) -> float:"]
    assert stub_message(lines[13]).startswith("StepLR.step (module 01_tensor)")
    assert len(lines) == 14
    assert "0.5" not in result and "halve" not in result
    namespace = {}
    exec(result, namespace)  # the class exists for the cells after it
    assert namespace["StepLR"](1).lr == 1


def test_a_region_of_functions_at_a_cell_top_level_keeps_each_signature():
    result = stubbed('''
        ### BEGIN SOLUTION
        def relu(x):
            """Zero below zero. HINT: np.maximum."""
            return np.maximum(x, 0)
        ### END SOLUTION
    ''')
    lines = result.split("\n")
    assert lines[:2] == ["def relu(x):", '    """Zero below zero. HINT: np.maximum."""']
    assert stub_message(lines[2]).startswith("relu (module 01_tensor) is not implemented yet")
    assert stub_message(lines[2]).endswith("See the HINT in its docstring.")
    assert len(lines) == 3


def test_a_class_in_a_region_keeps_its_header_docstring_and_method_signatures():
    result = stubbed('''
        ### BEGIN SOLUTION
        class Box(object):
            """A box."""
            def size(self):
                return 3
        ### END SOLUTION
    ''')
    lines = result.split("\n")
    assert lines[:3] == ["class Box(object):", '    """A box."""', "    def size(self):"]
    assert stub_message(lines[3]).startswith("Box.size (module 01_tensor)")


def test_a_class_body_region_with_an_assignment_is_one_stub_as_before():
    result = stubbed("""
        class Schedule:
            ### BEGIN SOLUTION
            rate = 0.1
            ### END SOLUTION
    """)
    assert result.split("\n")[0] == "class Schedule:"
    assert "0.1" not in result


def test_a_region_of_nested_functions_inside_a_function_is_one_stub():
    result = stubbed("""
        def outer():
            ### BEGIN SOLUTION
            def inner():
                return 2
            ### END SOLUTION
    """)
    assert len(result.split("\n")) == 2 and "inner" not in result.split("\n")[1].split("(", 1)[0]


# --- written answers ---------------------------------------------------------------------------------------


def test_a_markdown_cell_flagged_solution_becomes_your_answer_here():
    md = new_markdown_cell("The gradient vanishes because sigmoid saturates.", metadata={"nbgrader": SOLUTION_META})
    nb = t.replace_written_answers(notebook(md, new_markdown_cell("Question: why?")), CTX)
    assert [c.source for c in nb.cells] == [t.WRITTEN_ANSWER, "Question: why?"]


def test_solution_regions_in_markdown_become_your_answer_here():
    md = new_markdown_cell(
        "**Why?**\n\n  ### BEGIN SOLUTION\nIt saturates.\nSo it vanishes.\n  ### END SOLUTION\n\nNext."
    )
    nb = t.replace_written_answers(notebook(md), CTX)
    assert nb.cells[0].source == f"**Why?**\n\n  {t.WRITTEN_ANSWER}\n\nNext."


def test_a_flagged_markdown_cell_with_regions_keeps_the_text_around_them():
    md = new_markdown_cell("Why?\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION", metadata={"nbgrader": SOLUTION_META})
    assert t.replace_written_answers(notebook(md), CTX).cells[0].source == f"Why?\n{t.WRITTEN_ANSWER}"


def test_markdown_not_flagged_and_without_regions_is_left_alone():
    md = new_markdown_cell("### BEGIN with this", metadata={"nbgrader": {**SOLUTION_META, "solution": False}})
    assert t.replace_written_answers(notebook(md), CTX).cells[0].source == "### BEGIN with this"


# --- add_run_all_cell --------------------------------------------------------------------------------------


def test_a_notebook_with_stubs_opens_with_the_run_all_cell_before_its_first_code_cell():
    body = "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION"
    nb = notebook(new_markdown_cell("# Title"), code("import numpy as np"), code(body, **SOLUTION_META))
    nb = s.add_run_all_cell(s.stub_solutions(nb, CTX), CTX)
    assert [c.cell_type for c in nb.cells] == ["markdown", "code", "code", "code"]
    run_all = nb.cells[1]
    assert (run_all.id, run_all.source, run_all.outputs) == (RUN_ALL_ID, run_all_source(nb), [])
    assert "tito.runall.exercises(\n        ('f', 'f', 'f (module " in run_all.source  # what, scope, message
    assert (run_all.metadata["editable"], run_all.metadata["deletable"]) == (False, False)
    assert "\nexcept ImportError:" in run_all.source  # a notebook opened without the set-up still runs
    compile(run_all.source, "<run all>", "exec")


def test_a_notebook_without_stubs_gets_no_run_all_cell():
    nb = notebook(new_markdown_cell("# Title"), code("x = 1"))
    assert [c.source for c in s.add_run_all_cell(nb, CTX).cells] == ["# Title", "x = 1"]


def test_scopes_of_lists_every_def_and_class_once_per_text():
    """The syntax tree's scopes, computed once per cell text (each region asks; lint rebuilds the student version)."""
    from tasks.variants.stubs import scopes_of

    code = "class A:\n    def f(self):\n        return 1\n\n    async def g(self):\n        pass\n\nx = 1"
    assert scopes_of(code) == ((1, 6, "A", True), (2, 3, "f", False), (5, 6, "g", False))
    assert scopes_of(code) is scopes_of("\n".join(code.split("\n")))
    assert scopes_of("%timeit f()\ndef f():\n    pass") is None
