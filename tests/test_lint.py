"""tasks/lint.py: every check finds its problem at the right file:line; a clean module has no findings."""

from __future__ import annotations

import jupytext
import pytest

from tasks.variants.lint import CHECKS, LintInput, lint
from tasks.notebook.source import reads_source

FILE = "modules/02_layers/layers.py"
IMPORTS = (
    '# %% nbgrader={"grade": false, "grade_id": "imports", "locked": false, "schema_version": 3, "solution": false}'
)
IMPL = '# %% nbgrader={"grade": false, "grade_id": "impl", "locked": false, "schema_version": 3, "solution": true}'
TEST = '# %% nbgrader={"grade": true, "grade_id": "test-impl", "locked": true, "points": 5, "schema_version": 3, "solution": false}'
PLAIN = '# %% nbgrader={"grade": false, "grade_id": "demo", "locked": false, "schema_version": 3, "solution": false}'
IMPL_AGAIN = IMPL.replace('"solution": true', '"solution": false')  # same grade_id as IMPL

CLEAN = f'''\
# %% [markdown]
"""
# Layers
"""

{IMPORTS}
#| default_exp core.layers
#| export
import numpy as np
from tinytorch.core.tensor import Tensor

# %% [markdown]
# ## Linear
# A linear layer computes `x @ W + b`.

{IMPL}
#| export
class Linear:
    def forward(self, x):
        """TODO: return x @ W + b."""
        ### BEGIN SOLUTION
        return x @ self.weight + self.bias
        ### END SOLUTION

{TEST}
def test_unit_linear():
    assert Linear is not None
    ### BEGIN HIDDEN TESTS
    assert hasattr(Linear, "forward")
    ### END HIDDEN TESTS

if __name__ == "__main__":
    test_unit_linear()

# %% nbgrader={{"grade": false, "grade_id": "note", "locked": false, "schema_version": 3, "solution": false}}
#| hide
REFERENCE = 3
'''
EXPORTS = {"core.tensor": "tensor", "core.layers": "layers", "core.losses": "losses"}


def lint_text(text: str, depends_on=("tensor",), exports=EXPORTS, kind="py", file=FILE):
    return lint(LintInput(reads_source(text, file, kind), "layers", tuple(depends_on), exports))


def line(text: str, exact: str, occurrence: int = 0) -> int:
    numbers = [n for n, got in enumerate(text.split("\n"), 1) if got == exact]
    return numbers[occurrence]


def only(findings, severity="error"):
    assert len(findings) == 1, [str(f) for f in findings]
    assert findings[0].severity == severity
    return findings[0]


def test_clean_module_has_no_findings():
    assert lint_text(CLEAN) == []


def test_checks_are_listed_in_order():
    assert [c.__name__ for c in CHECKS] == [
        "check_default_exp",
        "check_metadata",
        "check_markers",
        "check_grade_ids",
        "check_test_cells",
        "check_tests_called",
        "check_unmarked_solutions",
        "check_directives",
        "check_imports",
        "check_region_placement",
        "check_student_compiles",
        "check_line_endings",
        "check_source_size",
    ]


def test_a_source_over_a_megabyte_is_a_warning_naming_its_size(tmp_path):
    from tasks.variants.lint import LintInput, lint
    from tasks.notebook.source import read_source

    path = tmp_path / "big.py"
    path.write_text(CLEAN + "\n# %% [markdown]\n# " + "x" * (1536 * 1024) + "\n")
    findings = [
        f for f in lint(LintInput(read_source(path, "modules/01_big/big.py"), "demo", (), {})) if "MB" in f.message
    ]
    assert len(findings) == 1 and findings[0].severity == "warning"
    assert str(findings[0]).startswith("modules/01_big/big.py:1: warning: is 1.5 MB")


# --- metadata --------------------------------------------------------------------------------------------


def test_invalid_json_metadata_on_the_header_line():
    bad = '# %% nbgrader={"grade": false, \'grade_id\': "demo"}'
    text = CLEAN.replace("\n" + PLAIN, "\n" + bad) + f"\n{bad}\nx = 1\n"
    finding = only(lint_text(text))
    assert finding.file == FILE
    assert finding.line == line(text, bad)
    assert "the metadata on this cell's '# %%' line is not valid JSON" in finding.message
    assert "with double quotes" in finding.message


def test_nbgrader_metadata_that_is_not_an_object():
    text = CLEAN + "\n# %% nbgrader=3\nx = 1\n"
    found = lint_text(text)
    assert any(f.line == line(text, "# %% nbgrader=3") and "must be a JSON object" in f.message for f in found), found


# --- markers ------------------------------------------------------------------------------------------------


def test_marker_in_a_triple_quoted_markdown_cell():
    text = CLEAN.replace("# Layers\n", "# Layers\n### BEGIN SOLUTION\n")
    finding = only(lint_text(text))
    assert finding.line == line(text, "### BEGIN SOLUTION")
    assert "is never closed in this cell" in finding.message


def test_near_miss_marker_in_a_comment_markdown_cell():
    text = CLEAN.replace("# A linear layer computes `x @ W + b`.", "# ### end solution")
    finding = only(lint_text(text))
    assert finding.line == line(text, "# ### end solution")
    assert "looks like a marker but is not one" in finding.message and "'### END SOLUTION'" in finding.message


def test_solution_region_in_a_cell_not_flagged_solution():
    text = CLEAN.replace(IMPL, IMPL.replace('"solution": true', '"solution": false'))
    finding = only(lint_text(text))
    assert finding.line == line(text, "        ### BEGIN SOLUTION")
    assert "solution region in a cell not flagged as a solution cell" in finding.message
    assert 'add "solution": true' in finding.message


def test_hidden_tests_outside_a_test_cell():
    text = (
        CLEAN
        + f"\n{PLAIN}\ndef demo():\n    x = 1\n    ### BEGIN HIDDEN TESTS\n    assert x\n    ### END HIDDEN TESTS\n"
    )
    finding = only(lint_text(text))
    assert finding.line == line(text, "    ### BEGIN HIDDEN TESTS", occurrence=1)
    assert "hidden-tests region outside a test cell" in finding.message


@pytest.mark.parametrize(
    "old, new, at, fragment",
    [
        (
            "        return x @ self.weight + self.bias\n",
            "        ### BEGIN SOLUTION\n        return x @ self.weight + self.bias\n",
            ("        ### BEGIN SOLUTION", 1),
            "nested marker",
        ),
        ("        ### END SOLUTION\n", "", ("        ### BEGIN SOLUTION", 0), "is never closed"),
        ("        ### BEGIN SOLUTION\n", "", ("        ### END SOLUTION", 0), "without a matching"),
        (
            "        ### BEGIN SOLUTION\n",
            "        ### BEGIN SOLUTON\n",
            ("        ### BEGIN SOLUTON", 0),
            "write exactly '### BEGIN SOLUTION'",
        ),
        (
            "        ### END SOLUTION\n",
            "        ### end solution\n",
            ("        ### end solution", 0),
            "write exactly '### END SOLUTION'",
        ),
        (
            "    ### END HIDDEN TESTS\n",
            "    ### END SOLUTION\n",
            ("    ### END SOLUTION", 0),
            "use '### END HIDDEN TESTS'",
        ),
    ],
)
def test_broken_markers_are_reported_at_their_line(old, new, at, fragment):
    text = CLEAN.replace(old, new, 1)
    # (without an exact BEGIN the cell also gets the unmarked-solution warning)
    finding = only([f for f in lint_text(text) if f.severity == "error"])
    assert finding.line == line(text, *at)
    assert fragment in finding.message


# --- grade ids and test cells ----------------------------------------------------------------------------


def test_duplicate_grade_id_names_both_header_lines():
    text = CLEAN + f"\n{IMPL_AGAIN}\nx = 1\n"
    finding = only(lint_text(text))
    assert finding.line == line(text, IMPL_AGAIN)
    assert f"duplicate grade_id 'impl' (first used at line {line(text, IMPL)})" in finding.message


def test_invalid_grade_id():
    header = PLAIN.replace('"demo"', '"has space"')
    text = CLEAN + f"\n{header}\nx = 1\n"
    finding = only(lint_text(text))
    assert finding.line == line(text, header)
    assert "grade_id 'has space' is missing or invalid" in finding.message


def test_missing_grade_id():
    header = '# %% nbgrader={"grade": false, "locked": true, "schema_version": 3, "solution": false}'
    text = CLEAN + f"\n{header}\nx = 1\n"
    assert only(lint_text(text)).line == line(text, header)


def test_a_cell_nbgrader_does_not_name_needs_no_grade_id():
    header = '# %% nbgrader={"grade": false, "locked": false, "schema_version": 3, "solution": false}'
    assert lint_text(CLEAN + f"\n{header}\nx = 1\n") == []


def test_unlocked_test_cells_and_graded_answer_cells_are_fine_as_in_nbgrader():
    """nbgrader's own example leaves its test cells unlocked (its release locks them, as ours does), and an answer
    graded by hand is the student's to edit: lint asks for neither to be locked."""
    unlocked = CLEAN.replace(TEST, TEST.replace('"locked": true', '"locked": false'))
    hand = '# %% nbgrader={"grade": true, "grade_id": "use", "locked": false, "points": 2, "schema_version": 3, "solution": true}'
    assert lint_text(unlocked) == []
    assert (
        lint_text(CLEAN + f"\n{hand}\n# ### BEGIN SOLUTION\nx = 1\n# ### END SOLUTION\n".replace("# ###", "###")) == []
    )


def test_a_task_cell_without_points_is_an_error():
    task = '# %% [markdown] nbgrader={"grade": false, "grade_id": "part-e", "locked": true, "schema_version": 3, "solution": false, "task": true}'
    finding = only(lint_text(CLEAN + f"\n{task}\n# Prove it.\n"))
    assert "task cell 'part-e' has no points" in finding.message


@pytest.mark.parametrize("points", ['"points": 0, ', "", '"points": true, ', '"points": "5", '])
def test_test_cell_without_points(points):
    header = TEST.replace('"points": 5, ', points)
    text = CLEAN.replace(TEST, header)
    finding = only(lint_text(text))
    assert finding.line == line(text, header)
    assert "test cell 'test-impl' has no points" in finding.message


@pytest.mark.parametrize(
    "points, carries",
    [("0", None), ("-1", None), ("true", None), ('"5"', None), ("null", None), ("0.5", 0.5), ("5", 5.0)],
)
def test_points_are_one_rule_for_lint_and_the_nbgrader_rules(points, carries):
    """nbgrader.cell_points: a 0-point test cell is a finding of lint and of `validate --nbgrader` alike (they
    used to disagree: `<= 0` against `< 0`), and grading counts what it says."""
    from tasks.cli.nbgrader_rules import notebook_findings
    from tasks.notebook.nbgrader import cell_points

    text = CLEAN.replace(TEST, TEST.replace('"points": 5', f'"points": {points}'))
    nb = reads_source(text, FILE, "py").nb
    test_cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test-impl")
    by_lint = any("'test-impl' has no points" in f.message for f in lint_text(text))
    by_rules = any("needs points" in f.message for f in notebook_findings(nb, "layers.ipynb"))
    assert by_lint == by_rules == (carries is None)
    assert cell_points(test_cell) == carries


CALL = 'if __name__ == "__main__":\n    test_unit_linear()\n'


def test_a_test_function_nobody_calls_is_an_error_at_its_def_saying_what_to_add():
    text = CLEAN.replace(CALL, "")
    finding = only(lint_text(text))
    assert finding.line == line(text, "def test_unit_linear():")
    assert finding.message == (
        "test cell 'test-impl' defines test_unit_linear() but neither this cell nor a later one calls it, so the "
        "cell earns its points without running a test; call test_unit_linear() at the end of the cell, or under "
        '`if __name__ == "__main__":`'
    )


@pytest.mark.parametrize(
    "call",
    [
        "test_unit_linear()\n",  # at the end of the cell
        'if __name__ == "__main__":\n    for test in (test_unit_linear,):\n        test()\n',  # named, then called
        f"\n{PLAIN}\ndef test_module():\n    test_unit_linear()\n\ntest_module()\n",  # by a later cell
    ],
)
def test_a_test_function_called_in_its_cell_or_a_later_one_is_legal(call):
    assert lint_text(CLEAN.replace(CALL, call)) == []


def test_a_helper_that_only_an_uncalled_test_uses_does_not_count_as_a_call():
    text = CLEAN.replace(
        "def test_unit_linear():\n", "def _reference():\n    return 1\n\ndef test_unit_linear():\n    _reference()\n"
    )
    text = text.replace(CALL, "")
    finding = only(lint_text(text))
    assert finding.line == line(text, "def test_unit_linear():") and "defines test_unit_linear() but" in finding.message


def test_functions_nobody_calls_in_an_ungraded_cell_or_a_cell_of_plain_asserts_are_no_finding():
    assert lint_text(CLEAN + f"\n{PLAIN}\ndef helper():\n    return 1\n") == []
    assert (
        lint_text(CLEAN.replace("def test_unit_linear():\n    assert", "if True:\n    assert").replace(CALL, "")) == []
    )


def test_no_test_cell_at_all_is_a_warning():
    text = (
        CLEAN.replace(TEST, PLAIN.replace("demo", "tests"))
        .replace("    ### BEGIN HIDDEN TESTS\n", "")
        .replace("    ### END HIDDEN TESTS\n", "")
    )
    finding = only(lint_text(text), severity="warning")
    assert (finding.file, finding.line) == (FILE, 1)
    assert "the module has no graded test cell (fine for a capstone or a demo" in finding.message


def test_unmarked_answer_cell_is_stubbed_silently_unless_later_cells_need_it():
    """nbgrader's default: a markerless answer cell is a stub for students; lint says so (and which setting keeps
    TinyTorch's behaviour) only when that costs later cells a definition, or the cell is exported."""
    header = IMPL.replace('"impl"', '"impl-2"')
    assert lint_text(CLEAN + f"\n{header}\ndef helper():\n    return 1\n") == []
    used = CLEAN + f"\n{header}\ndef helper():\n    return 1\n\n{PLAIN}\nhelper()\n"
    finding = only(lint_text(used), severity="warning")
    assert finding.line == line(used, header)
    assert "students get it as nbgrader does, `# YOUR CODE HERE` and a raise, without helper" in finding.message
    assert "`markup: {unmarked_answers: keep}` to course.yaml" in finding.message
    assert str(finding).startswith(f"{FILE}:{finding.line}: warning: ")
    exported = CLEAN + f"\n{header}\n#| export\nclass Base:\n    pass\n"
    assert "exports only the student's code" in only(lint_text(exported), severity="warning").message


def test_unmarked_imports_cell_is_no_finding():
    header = IMPL.replace('"impl"', '"impl-2"')
    text = (
        CLEAN + f"\n{header}\n#| export\nimport math\ntry:\n    import scipy\nexcept ImportError:\n    scipy = None\n"
    )
    assert lint_text(text) == []


def test_unmarked_answer_cell_kept_by_the_tinytorch_setting_is_a_warning():
    from tasks.course.model import Markup

    header = IMPL.replace('"impl"', '"impl-2"')
    text = CLEAN + f"\n{header}\ndef helper():\n    return 1\n"
    source = reads_source(text, FILE, "py")
    findings = lint(LintInput(source, "layers", ("tensor",), EXPORTS, markup=Markup(unmarked_answers="keep")))
    finding = only(findings, severity="warning")
    assert "`markup: {unmarked_answers: keep}` gives it to students unchanged" in finding.message


# --- directives --------------------------------------------------------------------------------------------


def test_hide_and_export_in_one_cell():
    text = CLEAN.replace("#| hide\n", "#| export\n#| hide\n")
    finding = only(lint_text(text))
    assert finding.line == line(text, "#| hide")
    assert "cannot also be '#| export'" in finding.message


def test_hidden_test_cell():
    text = CLEAN.replace(TEST + "\n", TEST + "\n#| hide\n").replace(
        '# %% nbgrader={"grade": false, "grade_id": "note"', '# %% nbgrader={"grade": false, "grade_id": "note2"'
    )
    finding = only(lint_text(text))
    assert finding.line == line(text, TEST)
    assert "a test cell cannot be '#| hide'" in finding.message


# --- imports -------------------------------------------------------------------------------------------------


def test_import_of_a_module_not_in_depends_on():
    finding = only(lint_text(CLEAN, depends_on=()))
    assert finding.line == line(CLEAN, "from tinytorch.core.tensor import Tensor")
    assert (
        "imports tinytorch.core.tensor from module 'tensor', which is not in depends_on of 'layers'" in finding.message
    )
    assert "add it there" in finding.message


def test_plain_import_statement_is_checked_too():
    text = CLEAN.replace("import numpy as np\n", "import numpy as np\nimport tinytorch.core.losses as L\n")
    finding = only(lint_text(text))
    assert finding.line == line(text, "import tinytorch.core.losses as L")
    assert "from module 'losses'" in finding.message


def test_import_of_an_unknown_export():
    text = CLEAN.replace("from tinytorch.core.tensor import Tensor", "from tinytorch.core.tensr import Tensor")
    finding = only(lint_text(text))
    assert finding.line == line(text, "from tinytorch.core.tensr import Tensor")
    assert "which no module of course.yaml exports (known: core.layers, core.losses, core.tensor)" in finding.message


def test_import_of_its_own_export():
    text = CLEAN.replace("from tinytorch.core.tensor import Tensor", "from tinytorch.core.layers import Linear")
    finding = only(lint_text(text))
    assert finding.line == line(text, "from tinytorch.core.layers import Linear")
    assert "imports its own export tinytorch.core.layers" in finding.message


def test_imports_in_markdown_are_not_checked():
    text = CLEAN.replace("# ## Linear", "# from tinytorch.core.nothing import X")
    assert lint_text(text) == []


# --- the student version ---------------------------------------------------------------------------------------


def test_student_cell_that_no_longer_parses():
    text = CLEAN.replace(
        """    assert Linear is not None
    ### BEGIN HIDDEN TESTS
    assert hasattr(Linear, "forward")
    ### END HIDDEN TESTS
""",
        """    assert Linear is not None
    if True:
        ### BEGIN HIDDEN TESTS
        assert hasattr(Linear, "forward")
        ### END HIDDEN TESTS
""",
    )
    finding = only(lint_text(text))
    assert finding.line == line(text, TEST)
    assert "no longer parses in the student version" in finding.message


def test_student_compile_check_skips_cells_that_never_parsed():
    text = CLEAN + f"\n{PLAIN}\n%matplotlib inline\nx = (\n"
    assert lint_text(text) == []


def test_crlf_source_gets_a_warning_only(tmp_path):
    from tasks.notebook.source import read_source

    path = tmp_path / "layers.py"
    path.write_bytes(CLEAN.replace("\n", "\r\n").encode())
    found = lint(LintInput(read_source(path, FILE), "layers", ("tensor",), EXPORTS))
    finding = only(found, severity="warning")
    assert (finding.file, finding.line) == (FILE, 1)
    assert "CRLF" in finding.message and "read as LF" in finding.message


# --- .ipynb sources report cells ---------------------------------------------------------------------------------


def test_findings_in_an_ipynb_source_name_cell_and_line():
    text = CLEAN.replace("        ### END SOLUTION\n", "        ### end solution\n")
    nb_text = jupytext.writes(jupytext.reads(text, fmt="py:percent"), fmt="ipynb")
    finding = only(lint_text(nb_text, kind="ipynb", file="modules/02_layers/layers.ipynb"))
    assert finding.cell == 4  # markdown, imports, markdown, then the implementation cell
    assert finding.line == 7
    assert str(finding).startswith("modules/02_layers/layers.ipynb (cell 4, line 7): ")


def test_duplicate_grade_id_in_an_ipynb_names_the_first_cell():
    text = CLEAN + f"\n{IMPL_AGAIN}\nx = 1\n"
    nb_text = jupytext.writes(jupytext.reads(text, fmt="py:percent"), fmt="ipynb")
    finding = only(lint_text(nb_text, kind="ipynb", file="layers.ipynb"))
    assert finding.cell == 7
    assert "(first used at cell 4)" in finding.message


# --- default_exp ----------------------------------------------------------------------------------------


def test_a_module_without_default_exp():
    text = CLEAN.replace("#| default_exp core.layers\n", "")
    finding = only(lint_text(text))
    assert (finding.file, finding.line) == (FILE, 1) and "has no '#| default_exp' line" in finding.message


def test_two_default_exp_lines_name_the_second():
    text = CLEAN.replace("#| export\nclass Linear", "#| default_exp core.other\n#| export\nclass Linear")
    finding = only(lint_text(text))
    assert (
        finding.line == line(text, "#| default_exp core.other")
        and "keep exactly one" in finding.message
        and "has 2" in finding.message
    )


def test_a_malformed_default_exp():
    text = CLEAN.replace("#| default_exp core.layers", "#| default_exp core/layers")
    finding = only(lint_text(text))
    assert finding.line == line(text, "#| default_exp core/layers") and "not a dotted module name" in finding.message


@pytest.mark.parametrize(
    "owner_target, words", [("core.layers", "as module 'losses' does"), ("core.layers.dense", "one would be a package")]
)
def test_an_export_target_another_module_uses(owner_target, words):
    exports = {"core.tensor": "tensor", owner_target: "losses"}
    finding = only(lint_text(CLEAN, exports=exports))
    assert finding.line == line(CLEAN, "#| default_exp core.layers") and words in finding.message


def test_unreadable_metadata_is_reported_once_without_follow_on_findings():
    text = CLEAN.replace(IMPL, IMPL.replace('"impl"', "'impl'"))
    finding = only(lint_text(text))
    assert "not valid JSON" in finding.message


def test_import_of_a_later_module_says_it_comes_later():
    text = CLEAN.replace(
        "from tinytorch.core.tensor import Tensor",
        "from tinytorch.core.tensor import Tensor\nfrom tinytorch.core.losses import MSELoss",
    )
    source = reads_source(text, FILE, "py")
    findings = lint(LintInput(source, "layers", ("tensor",), EXPORTS, ("tensor", "layers", "losses")))
    finding = only(findings)
    assert "comes later in the course than 'layers'" in finding.message and "add it there" not in finding.message


def test_import_of_a_module_from_its_package_is_checked():
    text = CLEAN.replace("import numpy as np\n", "import numpy as np\nfrom tinytorch.core import losses\n")
    finding = only(lint_text(text))
    assert finding.line == line(text, "from tinytorch.core import losses")
    assert "imports tinytorch.core.losses from module 'losses'" in finding.message


def test_an_import_over_several_lines_is_checked_at_its_first_line():
    text = CLEAN.replace(
        "import numpy as np\n", "import numpy as np\nfrom tinytorch.core.losses import (\n    mse,\n)\n"
    )
    finding = only(lint_text(text))
    assert finding.line == line(text, "from tinytorch.core.losses import (")
    assert "from module 'losses'" in finding.message


def test_a_name_from_the_package_that_no_module_exports_is_reported():
    text = CLEAN.replace("import numpy as np\n", "import numpy as np\nfrom tinytorch.core import nothing\n")
    finding = only(lint_text(text))
    assert "imports tinytorch.core, which no module of course.yaml exports" in finding.message


def test_imports_in_a_cell_that_does_not_parse_are_read_line_by_line():
    text = CLEAN.replace(
        "import numpy as np\n", "import numpy as np\n%load_ext autoreload\nimport tinytorch.core.losses as L\n"
    )
    finding = only(lint_text(text))
    assert finding.line == line(text, "import tinytorch.core.losses as L")


# --- look-alikes, written answers, regions outside functions ---------------------------------------------------


@pytest.mark.parametrize("look_alike", ["#hide", "# | hide", "#| Hide", "# hide", "  #| hide", "#|\u00a0hide"])
def test_a_hide_look_alike_is_an_error_saying_what_to_write(look_alike):
    text = CLEAN.replace("#| hide\nREFERENCE", f"{look_alike}\nREFERENCE")
    finding = only(lint_text(text))
    assert finding.line == line(text, look_alike)
    assert "looks like a directive but is not one" in finding.message and "write exactly '#| hide'" in finding.message


def test_look_alikes_in_an_ipynb_with_windows_line_ends_are_found():
    text = CLEAN.replace("#| hide\nREFERENCE", "#hide\nREFERENCE").replace(
        "        ### END SOLUTION", "        ###\u00a0END SOLUTION"
    )
    nb = jupytext.reads(text, fmt="py:percent")
    for cell in nb.cells:
        cell.source = cell.source.replace("\n", "\r\n")
    found = lint_text(jupytext.writes(nb, fmt="ipynb"), kind="ipynb", file="layers.ipynb")
    assert sorted(f.message.split(";")[1].strip() for f in found) == [
        "write exactly '### END SOLUTION'",
        "write exactly '#| hide'",
    ]
    assert any("U+00A0 (NO-BREAK SPACE)" in f.message for f in found)


def test_a_written_answer_in_markdown_is_legal():
    answer = '# %% [markdown] nbgrader={"grade": true, "grade_id": "why", "locked": false, "points": 2, "schema_version": 3, "solution": true}\n# Because it saturates.\n'
    region = "# %% [markdown]\n# Why?\n# ### BEGIN SOLUTION\n# Because.\n# ### END SOLUTION\n"
    assert lint_text(CLEAN + "\n" + answer + "\n" + region) == []


def test_hidden_tests_in_markdown_are_an_error():
    text = CLEAN + "\n# %% [markdown]\n# ### BEGIN HIDDEN TESTS\n# assert x\n# ### END HIDDEN TESTS\n"
    finding = only(lint_text(text))
    assert (
        finding.line == line(text, "# ### BEGIN HIDDEN TESTS")
        and "hidden-tests region in a markdown cell" in finding.message
    )


def test_marker_lines_in_a_docstring_are_text():
    text = CLEAN.replace(
        '"""TODO: return x @ W + b."""',
        '"""TODO: return x @ W + b.\n\n        ### BEGIN SOLUTION\n        marks the part you write\n        """',
    )
    assert lint_text(text) == []


def test_a_region_of_whole_methods_in_a_class_body_is_legal():
    text = CLEAN.replace(
        '''    def forward(self, x):
        """TODO: return x @ W + b."""
        ### BEGIN SOLUTION
        return x @ self.weight + self.bias
        ### END SOLUTION''',
        '''    ### BEGIN SOLUTION
    def forward(self, x):
        """TODO: return x @ W + b."""
        return x @ self.weight + self.bias
    ### END SOLUTION''',
    )
    assert lint_text(text) == []


def test_a_class_body_region_holding_an_assignment_is_an_error_naming_the_class():
    text = CLEAN.replace(
        """        ### BEGIN SOLUTION
        return x @ self.weight + self.bias
        ### END SOLUTION""",
        """        return x @ self.weight + self.bias

    ### BEGIN SOLUTION
    scale = 2.0
    ### END SOLUTION""",
    )
    finding = only(lint_text(text))
    assert finding.line == line(text, "    ### BEGIN SOLUTION")
    assert "directly in the body of class Linear" in finding.message and "keep only whole methods" in finding.message


def test_a_top_level_region_whose_name_a_later_cell_uses_is_an_error():
    text = CLEAN.replace(
        "#| export\nclass Linear:", "#| export\n### BEGIN SOLUTION\nSCALE = 2.0\n### END SOLUTION\n\nclass Linear:"
    )
    text = text.replace("    assert Linear is not None\n", "    assert Linear is not None and SCALE\n")
    finding = only(lint_text(text))
    assert finding.line == line(text, "### BEGIN SOLUTION")
    assert "assigns 'SCALE', which code after it uses" in finding.message and "NameError" in finding.message


def test_a_top_level_region_whose_names_nobody_uses_is_legal():
    text = CLEAN.replace(
        "#| export\nclass Linear:", "#| export\n### BEGIN SOLUTION\nSCALE = 2.0\n### END SOLUTION\n\nclass Linear:"
    )
    assert lint_text(text) == []


def test_an_optional_import_need_not_be_in_depends_on():
    optional = "try:\n    from tinytorch.core.losses import mse\nexcept ImportError:\n    mse = None\n"
    assert lint_text(CLEAN.replace("import numpy as np\n", "import numpy as np\n" + optional)) == []
    plain = CLEAN.replace("import numpy as np\n", "import numpy as np\nfrom tinytorch.core.losses import mse\n")
    assert "not in depends_on" in only(lint_text(plain)).message


def test_a_tab_indented_marker_among_spaces_is_named_as_the_cause():
    text = CLEAN.replace("        ### BEGIN SOLUTION", "\t\t### BEGIN SOLUTION").replace(
        "        ### END SOLUTION", "\t\t### END SOLUTION"
    )
    findings = [f for f in lint_text(text) if "no longer parses" in f.message]
    assert len(findings) == 1 and findings[0].line == line(text, "\t\t### BEGIN SOLUTION")
    assert "indented with a tab while the code in its region is indented with spaces" in findings[0].message


def test_a_region_inside_brackets_is_named_as_the_cause():
    text = CLEAN.replace(
        """        ### BEGIN SOLUTION
        return x @ self.weight + self.bias
        ### END SOLUTION""",
        """        return sum([
            ### BEGIN SOLUTION
            x @ self.weight, self.bias,
            ### END SOLUTION
        ])""",
    )
    finding = only(lint_text(text))
    assert finding.line == line(text, "            ### BEGIN SOLUTION")
    assert (
        "begins inside brackets" in finding.message and "put the whole statement inside the region" in finding.message
    )
