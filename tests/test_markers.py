"""tasks/markers.py: solution/hidden-test regions and `#|` directives, on plain lists of lines."""

from __future__ import annotations

import pytest

from tasks.variants.markers import (
    MarkerError,
    Region,
    directive_near_miss,
    directive_near_miss_message,
    directives,
    find_regions,
    has_directive,
    has_marker_text,
    literal_lines,
    marker,
    near_miss,
    without_directive,
)


def lines(text: str) -> list[str]:
    return text.split("\n")


# --- single lines -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, expected",
    [
        ("### BEGIN SOLUTION", ("BEGIN", "solution", "")),
        ("    ### END SOLUTION", ("END", "solution", "    ")),
        ("\t### BEGIN HIDDEN TESTS", ("BEGIN", "hidden", "\t")),
        ("        ### END HIDDEN TESTS   ", ("END", "hidden", "        ")),
        ("# BEGIN SOLUTION", ("BEGIN", "solution", "")),
        ("##BEGIN SOLUTION", ("BEGIN", "solution", "")),
    ],
)
def test_marker_lines(line, expected):
    assert marker(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "x = 1",
        "### BEGIN SOLUTON",
        "### begin solution",
        "### BEGIN SOLUTION here",
        "x = 1  ### BEGIN SOLUTION",
        "### BEGIN  SOLUTION",
        "",
    ],
)
def test_not_marker_lines(line):
    assert marker(line) is None


@pytest.mark.parametrize(
    "line, meant",
    [
        ("### BEGIN SOLUTON", "### BEGIN SOLUTION"),
        ("    ### begin solution", "### BEGIN SOLUTION"),
        ("### End Solution", "### END SOLUTION"),
        ("### END SOLUTIONS", "### END SOLUTION"),
        ("### BEGIN HIDDEN TEST", "### BEGIN HIDDEN TESTS"),
        ("### begin hidden tests", "### BEGIN HIDDEN TESTS"),
        ("### BEGIN  SOLUTION", "### BEGIN SOLUTION"),
    ],
)
def test_near_misses_say_what_was_meant(line, meant):
    assert near_miss(line) == meant
    assert has_marker_text(line)


@pytest.mark.parametrize(
    "line",
    [
        "### BEGIN SOLUTION",  # an exact marker is not a near miss
        "# Begin with the simplest case",
        "# end of the loop",
        "x = begin_solution()",
        "# BEGIN",
    ],
)
def test_not_near_misses(line):
    assert near_miss(line) is None


def test_has_marker_text_for_exact_markers():
    assert has_marker_text("### END HIDDEN TESTS")
    assert not has_marker_text("## Solutions are released in week 3")


# --- regions ---------------------------------------------------------------------------------------------


def test_find_regions_of_both_kinds_in_order():
    cell = lines("""def f():
    ### BEGIN SOLUTION
    return 1
    ### END SOLUTION

def test_f():
    assert f() == 1
    ### BEGIN HIDDEN TESTS
    assert f() + 1 == 2
    ### END HIDDEN TESTS""")
    regions = find_regions(cell)
    assert regions == [Region("solution", 1, 3, "    "), Region("hidden", 7, 9, "    ")]
    assert regions[0].inner(cell) == ["    return 1"]
    assert regions[1].inner(cell) == ["    assert f() + 1 == 2"]


def test_several_regions_in_one_cell():
    cell = lines("### BEGIN SOLUTION\na = 1\n### END SOLUTION\n### BEGIN SOLUTION\nb = 2\n### END SOLUTION")
    assert [(r.begin, r.end) for r in find_regions(cell)] == [(0, 2), (3, 5)]


def test_no_regions():
    assert find_regions(lines("x = 1\ny = 2")) == []
    assert find_regions([""]) == []


def test_region_keeps_tab_indentation():
    assert find_regions(["def f():", "\t### BEGIN SOLUTION", "\treturn 1", "\t### END SOLUTION"])[0].indent == "\t"


def raised(text: str) -> MarkerError:
    with pytest.raises(MarkerError) as caught:
        find_regions(lines(text))
    return caught.value


def test_nested_regions_raise_at_the_inner_begin():
    error = raised("""def f():
    ### BEGIN SOLUTION
    x = 1
    ### BEGIN SOLUTION
    return x
    ### END SOLUTION
    ### END SOLUTION""")
    assert error.line_index == 3
    assert "nested marker" in str(error)
    assert "close that one first with '### END SOLUTION'" in str(error)


def test_hidden_tests_nested_in_solution_raise():
    error = raised("### BEGIN SOLUTION\n### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS\n### END SOLUTION")
    assert error.line_index == 1
    assert "hidden-tests region begins inside the solution region" in str(error)


def test_unclosed_begin_raises_at_the_begin():
    error = raised("def f():\n    ### BEGIN SOLUTION\n    return 1\n")
    assert error.line_index == 1
    assert "never closed" in str(error)
    assert "regions cannot span cells" in str(error)


def test_end_without_begin_raises_at_the_end():
    error = raised("def f():\n    return 1\n    ### END SOLUTION")
    assert error.line_index == 2
    assert "'### END SOLUTION' without a matching '### BEGIN SOLUTION'" in str(error)


def test_mismatched_end_raises_at_the_end():
    error = raised("def t():\n    ### BEGIN HIDDEN TESTS\n    assert 1\n    ### END SOLUTION")
    assert error.line_index == 3
    assert "use '### END HIDDEN TESTS'" in str(error)


def test_misspelled_marker_raises_at_its_line():
    error = raised("def f():\n    ### BEGIN SOLUTON\n    return 1\n    ### END SOLUTION")
    assert error.line_index == 1
    assert "'### BEGIN SOLUTON' looks like a marker but is not one" in str(error)
    assert "write exactly '### BEGIN SOLUTION'" in str(error)


def test_lowercase_marker_raises_at_its_line():
    error = raised("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### end solution")
    assert error.line_index == 3
    assert "write exactly '### END SOLUTION'" in str(error)


# --- directives ---------------------------------------------------------------------------------------------


def test_directives_with_and_without_arguments():
    cell = lines(
        "#| default_exp core.tensor\n#| export\n#|hide\nimport numpy as np\n# | not a directive\nx = 1  #| nor this"
    )
    assert directives(cell) == [(0, "default_exp", "core.tensor"), (1, "export", None), (2, "hide", None)]


def test_has_directive():
    cell = lines("#| export\nx = 1")
    assert has_directive(cell, "export")
    assert not has_directive(cell, "hide")
    assert not has_directive(lines("# export\nx = 1"), "export")


def test_without_directive_removes_only_that_directive():
    cell = lines("#| hide\n#| export\nx = 1\n#| hide")
    assert without_directive(cell, "hide") == ["#| export", "x = 1"]
    assert without_directive(cell, "nothing") == cell


# --- look-alikes: Unicode spaces, directives, markup shown in strings -----------------------------------------


@pytest.mark.parametrize(
    "line, odd",
    [
        ("###\u00a0BEGIN SOLUTION", "U+00A0 (NO-BREAK SPACE)"),
        ("    ### END\u2003SOLUTION", "U+2003 (EM SPACE)"),
        ("### BEGIN\u200b SOLUTION", "U+200B (ZERO WIDTH SPACE)"),
        ("### BEGIN HIDDEN\u00a0TESTS", "U+00A0 (NO-BREAK SPACE)"),
        ("### END SOLUTION\r", "U+000D (control character)"),
    ],
)
def test_a_marker_with_an_odd_space_is_an_error_naming_the_character(line, odd):
    assert marker(line) is None
    with pytest.raises(MarkerError) as error:
        find_regions(["def f():", line, "    return 1"])
    assert odd in str(error.value) and "not plain spaces" in str(error.value)
    assert "write exactly '### " in str(error.value)


@pytest.mark.parametrize(
    "line, meant",
    [
        ("#hide", "#| hide"),
        ("# | hide", "#| hide"),
        ("#| Hide", "#| hide"),
        ("# hide", "#| hide"),
        ("#| HIDE", "#| hide"),
        ("  #| hide", "#| hide"),
        ("\t#| hide", "#| hide"),
        ("#|\u00a0hide", "#| hide"),
        ("#| hide\r", "#| hide"),
        ("#export", "#| export"),
        ("# | export", "#| export"),
        ("#| Export", "#| export"),
        ("#| expor", "#| export"),
        ("# default_exp core.tensor", "#| default_exp core.tensor"),
        ("#| default-exp core.tensor", "#| default_exp core.tensor"),
    ],
)
def test_directive_look_alikes_say_what_to_write(line, meant):
    assert directive_near_miss(line) == meant


@pytest.mark.parametrize(
    "line",
    [
        "#| hide",
        "#|hide",
        "#| export",
        "#| export   ",
        "#| default_exp core.tensor",
        "#|default_exp core.tensor",
        "# hide the answer from view",
        "# exports",
        "# hidden layer",
        "# Export the weights below",
        "x = 1  # hide",
        "#| eval: false",
        "# Hide and seek: a game",
    ],
)
def test_directives_and_ordinary_comments_are_not_look_alikes(line):
    assert directive_near_miss(line) is None


def test_directive_look_alike_messages_name_the_cause():
    assert "must start at the beginning of the line" in directive_near_miss_message("    #| hide", "#| hide")
    assert "U+00A0 (NO-BREAK SPACE)" in directive_near_miss_message("#|\u00a0hide", "#| hide")
    assert "only reads '#|' directives, lower case" in directive_near_miss_message("#hide", "#| hide")


def test_marker_lines_inside_a_docstring_are_text_not_a_region():
    cell = lines(
        'def explain():\n    """Mark the answer like this:\n\n    ### BEGIN SOLUTION\n    x = 1\n    ### END SOLUTION\n    """\n    return 1'
    )
    assert find_regions(cell) == []
    assert literal_lines(cell) == frozenset(range(1, 7))


def test_a_look_alike_inside_a_string_is_text_too():
    assert find_regions(lines('NOTE = """\n### begin solution (sic)\n"""')) == []


def test_a_real_region_after_a_docstring_showing_markup_is_found():
    cell = lines(
        'def f():\n    """Shows:\n    ### BEGIN SOLUTION\n    """\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION'
    )
    assert find_regions(cell) == [Region("solution", 4, 6, "    ")]


def test_markdown_regions_skip_the_string_check():
    assert find_regions(lines("Answer:\n### BEGIN SOLUTION\nIt's \"quoted\n### END SOLUTION"), code=False) == [
        Region("solution", 1, 3, "")
    ]
