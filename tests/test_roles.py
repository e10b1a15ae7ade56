"""tasks/variants/roles.py and course.yaml `markup:`: nbgrader's semantics by default, TinyTorch's by choice.

An answer cell without markers is stubbed whole (nbgrader's ClearSolutions), unless it holds only imports and
directives; `markup: {unmarked_answers: keep}` gives it unchanged; `markup: {stubs: nbgrader}` gives nbgrader's
bare stub text. The leak guard agrees with the transform in every case."""

from __future__ import annotations

import pytest

from tasks.base.errors import CourseError
from tasks.course.model import Markup
from tasks.notebook.render import render_ipynb
from tasks.notebook.source import reads_source
from tasks.variants.leakguard import guard, secret_lines
from tasks.variants.pipeline import build_variant
from tasks.variants.roles import grading_kind, only_imports, stubbed_whole
from tasks.variants.stubs import stub_failure, stubs

FILE = "modules/01_ps1/problem1.py"
ANSWER = '# %% nbgrader={"grade": false, "grade_id": "squares", "locked": false, "schema_version": 3, "solution": true}'
HAND = '# %% nbgrader={"grade": true, "grade_id": "application", "locked": false, "points": 2, "schema_version": 3, "solution": true}'
IMPORTS = (
    '# %% nbgrader={"grade": false, "grade_id": "imports", "locked": false, "schema_version": 3, "solution": true}'
)
TEST = '# %% nbgrader={"grade": true, "grade_id": "test-squares", "locked": false, "points": 1, "schema_version": 3, "solution": false}'
TASK = '# %% [markdown] nbgrader={"grade": false, "grade_id": "part-e", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": true}'

SOURCE = f'''\
{IMPORTS}
#| export
import math
try:
    import scipy
except ImportError:
    scipy = None

{ANSWER}
#| export
def squares(n):
    """Squares of 1..n."""
    return [i_value ** 2 for i_value in range(1, n + 1)]

{TEST}
assert squares(3) == [1, 4, 9]

{HAND}
def pyramidal_number(n):
    return sum(squares(n)) + int(math.sqrt(0))

{TASK}
# ## Part E (4 points)
# State the formulae for an arithmetic and a geometric sum.

# %% [markdown] nbgrader={{"grade": true, "grade_id": "part-c", "locked": false, "points": 1, "schema_version": 3, "solution": true}}
# $\\sum_{{i=1}}^n i^2$ is the sum of the squares.
'''.replace("{{", "{").replace("}}", "}")


def source():
    return reads_source(SOURCE, FILE, "py")


def cells(nb):
    return [c.source for c in nb.cells if c.cell_type == "code" and c.id != "tito-run-all"]


def test_a_markerless_answer_cell_is_nbgraders_stub_and_keeps_only_its_directives():
    student = build_variant(source().nb, "student", "01_ps1")
    imports, answer, test, hand = cells(student)
    assert imports == source().nb.cells[0].source  # only imports and directives: kept
    assert answer.split("\n")[:2] == ["#| export", "# YOUR CODE HERE"]
    assert answer.split("\n")[2].startswith("raise NotImplementedError(\"The code in cell 'squares' (module 01_ps1)")
    assert "squares(n)" not in answer and "pyramidal" not in hand and "return" not in hand
    assert hand.split("\n")[0] == "# YOUR CODE HERE"
    assert [s.what for s in stubs(student)] == ["The code in cell 'squares'", "The code in cell 'application'"]
    message = stubs(student)[0].message
    assert stub_failure(student, "NotImplementedError", message) is not None


def test_the_leak_guard_agrees_every_solution_byte_of_a_stubbed_cell_is_secret():
    src = source()
    secrets = secret_lines(src.nb, frozenset({"solution", "hidden", "hide"}))
    assert "return sum(squares(n)) + int(math.sqrt(0))" in secrets
    assert "return [i_value ** 2 for i_value in range(1, n + 1)]" in secrets
    assert "import math" not in secrets  # the imports cell ships
    student = build_variant(src.nb, "student", "01_ps1")
    guard(src, {"problem1.ipynb": render_ipynb(student, "python3").encode()})
    kept = build_variant(src.nb, "student", "01_ps1", Markup(unmarked_answers="keep"))
    with pytest.raises(CourseError, match="LEAK"):  # what `keep` ships is a leak under the default
        guard(src, {"problem1.ipynb": render_ipynb(kept, "python3").encode()})


def test_keep_gives_markerless_answer_cells_unchanged_and_the_guard_allows_it():
    src = source()
    markup = Markup(unmarked_answers="keep")
    student = build_variant(src.nb, "student", "01_ps1", markup)
    assert cells(student)[1] == src.nb.cells[1].source
    guard(src, {"problem1.ipynb": render_ipynb(student, "python3").encode()}, markup=markup)


def test_nbgrader_stubs_are_nbgraders_text_and_still_known_as_stubs():
    text = SOURCE.replace(
        '    """Squares of 1..n."""\n    return',
        '    """Squares of 1..n."""\n    ### BEGIN SOLUTION\n    return',
    ).replace("range(1, n + 1)]\n", "range(1, n + 1)]\n    ### END SOLUTION\n", 1)
    student = build_variant(reads_source(text, FILE, "py").nb, "student", "01_ps1", Markup(stubs="nbgrader"))
    answer, hand = cells(student)[1], cells(student)[3]
    assert answer.split("\n")[-2:] == ["    # YOUR CODE HERE", "    raise NotImplementedError()"]
    assert hand == "# YOUR CODE HERE\nraise NotImplementedError()"
    assert stub_failure(student, "NotImplementedError", "") is not None


def test_only_imports_and_roles():
    assert only_imports("#| default_exp core.tensor")
    assert only_imports("# the imports\nimport numpy as np\nfrom math import pi")
    assert not only_imports("")
    assert not only_imports("# a comment")
    assert not only_imports("import numpy as np\nX = np.zeros(3)")
    assert not only_imports("%matplotlib inline\nimport numpy")
    nb = source().nb
    assert [stubbed_whole(c, Markup()) for c in nb.cells] == [False, True, False, True, False, False]
    assert [grading_kind(c) for c in nb.cells] == ["answer", "answer", "test", "hand", "hand", "hand"]


def test_course_yaml_markup_is_checked(tmp_path):
    from tasks.course.config import load_course

    module = tmp_path / "modules" / "01_ps1"
    module.mkdir(parents=True)
    (module / "problem1.py").write_text(SOURCE)
    modules = "modules:\n  - {name: ps1, folder: modules/01_ps1, source: problem1.py, release: 1, solutions: 2}\n"
    (tmp_path / "course.yaml").write_text("course: C\nmarkup: {unmarked_answers: keep, stubs: nbgrader}\n" + modules)
    assert load_course(tmp_path).markup == Markup("keep", "nbgrader")
    (tmp_path / "course.yaml").write_text("course: C\n" + modules)
    assert load_course(tmp_path).markup == Markup("stub", "named")
    (tmp_path / "course.yaml").write_text("course: C\nmarkup: {unmarked_answers: leave}\n" + modules)
    with pytest.raises(CourseError) as error:
        load_course(tmp_path)
    assert "course.yaml:2: markup.unmarked_answers: 'leave' is not one of: stub, keep" in str(error.value)


def test_unlocked_test_cells_are_locked_in_what_students_get_and_task_cells_too():
    student = build_variant(source().nb, "student", "01_ps1")
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in student.cells}
    for grade_id in ("test-squares", "part-e"):
        assert (by_id[grade_id].metadata["editable"], by_id[grade_id].metadata["deletable"]) == (False, False)
    assert "editable" not in by_id["application"].metadata  # an answer graded by hand is the student's to edit


def test_a_task_cell_is_graded_by_hand_with_its_points():
    from tasks.grade.bundle import make_bundle

    nb = source().nb
    student, solution = build_variant(nb, "student", "01_ps1"), build_variant(nb, "solution", "01_ps1")
    bundle = make_bundle(nb, student, solution, "ps1", "01_ps1", {})
    assert {c.grade_id: (c.kind, c.points) for c in bundle.graded()} == {
        "test-squares": ("test", 1.0),
        "application": ("hand", 2.0),
        "part-e": ("hand", 4.0),
        "part-c": ("hand", 1.0),
    }
    assert bundle.max_score() == 8


def test_a_name_only_a_stubbed_cell_defined_stops_at_that_stub():
    """nbgrader's stub defines nothing: a later cell's NameError for `squares` is "not attempted", not broken."""
    student = build_variant(source().nb, "student", "01_ps1")
    assert stub_failure(student, "NameError", "name 'squares' is not defined").what == "The code in cell 'squares'"
    assert stub_failure(student, "NameError", "name 'pyramidal_number' is not defined") is not None
    assert stub_failure(student, "NameError", "name 'math' is not defined") is None
