"""tasks/source.py: .py (jupytext percent) and .ipynb sources read into notebooks, with a map back to file lines."""

from __future__ import annotations

import json

import jupytext
import pytest

from tasks.base.errors import CourseError
from tasks.notebook.source import read_source, reads_source

# Line numbers of this text are asserted below.
TEXT = '''\
# %% [markdown]
"""
# Title
Some prose.
"""

# %% nbgrader={"grade": false, "grade_id": "imports", "locked": false, "schema_version": 3, "solution": false}
#| default_exp core.x
import numpy as np

# %% [markdown]
# ## Comment-style markdown
# with a second line

# %% nbgrader={"grade": false, "grade_id": "impl", "locked": false, "schema_version": 3, "solution": true}
def f(x):
    """TODO: double it."""
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION
'''


def file_line(text: str, line: str) -> int:
    """1-based number of the only line of `text` equal to `line`."""
    numbers = [n for n, each in enumerate(text.split("\n"), 1) if each == line]
    assert len(numbers) == 1, (line, numbers)
    return numbers[0]


@pytest.fixture
def src():
    return reads_source(TEXT, "modules/01_x/x.py", "py")


def test_py_source_cells(src):
    assert [c.cell_type for c in src.nb.cells] == ["markdown", "code", "markdown", "code"]
    assert src.nb.cells[0].source == "# Title\nSome prose."
    assert src.nb.cells[1].source == "#| default_exp core.x\nimport numpy as np"
    assert src.nb.cells[2].source == "## Comment-style markdown\nwith a second line"
    assert src.nb.cells[1].metadata["nbgrader"]["grade_id"] == "imports"


def test_cells_get_deterministic_ids_and_no_jupytext_noise(src):
    assert [c.id for c in src.nb.cells] == ["cell-000", "cell-001", "cell-002", "cell-003"]
    assert src.nb.metadata == {}
    for cell in src.nb.cells:
        assert "lines_to_next_cell" not in cell.metadata
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_cell_header_lines(src):
    assert src.cell_lines == [1, 7, 11, 15]


def test_location_of_code_lines(src):
    assert src.location(1, 0) == ("modules/01_x/x.py", 8, None)
    assert src.location(1, 1) == ("modules/01_x/x.py", 9, None)
    assert src.location(3, 2) == ("modules/01_x/x.py", file_line(TEXT, "    ### BEGIN SOLUTION"), None)
    assert src.location(3, 4) == ("modules/01_x/x.py", file_line(TEXT, "    ### END SOLUTION"), None)


def test_location_in_a_triple_quoted_markdown_cell(src):
    assert src.location(0, 0) == ("modules/01_x/x.py", 3, None)
    assert src.location(0, 1) == ("modules/01_x/x.py", 4, None)


def test_location_in_a_comment_markdown_cell(src):
    assert src.location(2, 0) == ("modules/01_x/x.py", 12, None)
    assert src.location(2, 1) == ("modules/01_x/x.py", 13, None)


def test_location_of_a_cell_is_its_header_line(src):
    assert [src.location(i, None)[1] for i in range(4)] == [1, 7, 11, 15]


def test_location_when_lines_repeat_in_a_cell():
    text = "# %%\nx = 1\nx = 1\nx = 1\n"
    src = reads_source(text, "r.py", "py")
    assert [src.location(0, i)[1] for i in range(3)] == [2, 3, 4]


def test_location_prefers_the_exact_line_in_markdown():
    text = '# %% [markdown]\n"""\nAdd a and b\nb\n"""\n'
    src = reads_source(text, "m.py", "py")
    assert src.nb.cells[0].source == "Add a and b\nb"
    assert src.location(0, 1)[1] == 4


def test_location_of_blank_lines():
    src = reads_source("# %%\nx = 1\n\ny = 2\n\n# %% [markdown]\n# one\n#\n# two\n", "b.py", "py")
    assert src.location(0, 1)[1] == 3
    assert src.location(1, 1)[1] == 8


def test_cell_before_the_first_header_starts_at_line_1():
    text = "import os\n\n# %%\nx = 1\n"
    src = reads_source(text, "p.py", "py")
    assert [c.source for c in src.nb.cells] == ["import os", "x = 1"]
    assert src.cell_lines == [1, 3]
    assert src.location(0, 0)[1] == 1
    assert src.location(1, 0)[1] == 4


def test_percent_magic_comment_is_not_a_cell_header():
    # jupytext reads '# %%time' as the (commented) cell magic '%%time', not as a cell header.
    text = "# %%\nx = 1\n# %%time\ny = 2\n\n# %%\nz = 3\n"
    src = reads_source(text, "m.py", "py")
    assert [c.source for c in src.nb.cells] == ["x = 1\n%%time\ny = 2", "z = 3"]
    assert src.cell_lines == [1, 6]
    assert src.location(0, 2)[1] == 4
    assert src.location(1, 0)[1] == 7


def test_cell_header_quoted_inside_markdown_is_not_a_header():
    text = '# %% [markdown]\n"""\nA code cell starts with:\n# %% nbgrader={...}\n"""\n\n# %%\nx = 1\n'
    src = reads_source(text, "q.py", "py")
    assert [c.cell_type for c in src.nb.cells] == ["markdown", "code"]
    assert src.cell_lines == [1, 7]
    assert src.location(0, 0)[1] == 3
    assert src.location(1, 0)[1] == 8


# --- .ipynb sources ------------------------------------------------------------------------------------


def ipynb_text() -> str:
    return jupytext.writes(jupytext.reads(TEXT, fmt="py:percent"), fmt="ipynb")


def test_ipynb_source_gives_the_same_cells_as_the_py_source(src):
    nb = reads_source(ipynb_text(), "x.ipynb", "ipynb").nb
    assert [(c.cell_type, c.source, c.id) for c in nb.cells] == [(c.cell_type, c.source, c.id) for c in src.nb.cells]
    assert [c.metadata for c in nb.cells] == [c.metadata for c in src.nb.cells]
    assert nb.metadata == {}


def test_ipynb_location_reports_cell_numbers():
    src = reads_source(ipynb_text(), "x.ipynb", "ipynb")
    assert src.cell_lines == [None, None, None, None]
    assert src.location(3, 2) == ("x.ipynb", 3, 4)
    assert src.location(0, 0) == ("x.ipynb", 1, 1)


def test_ipynb_outputs_are_dropped():
    data = json.loads(ipynb_text())
    data["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["secret\n"]}]
    data["cells"][1]["execution_count"] = 3
    nb = reads_source(json.dumps(data), "x.ipynb", "ipynb").nb
    assert nb.cells[1].outputs == [] and nb.cells[1].execution_count is None


def test_invalid_ipynb_json_names_file_and_line():
    with pytest.raises(CourseError) as caught:
        reads_source('{\n "cells": [\n }', "bad.ipynb", "ipynb")
    finding = caught.value.findings[0]
    assert finding.file == "bad.ipynb"
    assert finding.line == 3
    assert "is not a valid Jupyter notebook" in finding.message
    assert "re-save it in Jupyter" in finding.message


def test_ipynb_that_is_not_a_notebook():
    with pytest.raises(CourseError, match=r"^bad\.ipynb.*is not a valid Jupyter notebook"):
        reads_source('{"cells": "nope", "nbformat": 4, "nbformat_minor": 5, "metadata": {}}', "bad.ipynb", "ipynb")


# --- files ----------------------------------------------------------------------------------------------


def test_read_source_py_file(tmp_path):
    path = tmp_path / "x.py"
    path.write_text(TEXT)
    src = read_source(path, "modules/01_x/x.py")
    assert src.file == "modules/01_x/x.py"
    assert src.crlf is False
    assert src.location(3, 3)[1] == file_line(TEXT, "    return 2 * x")


def test_read_source_ipynb_file(tmp_path):
    path = tmp_path / "x.ipynb"
    path.write_text(ipynb_text())
    src = read_source(path, "x.ipynb")
    assert src.cell_lines == [None] * 4
    assert src.nb.cells[3].source.startswith("def f(x):")


def test_crlf_is_read_as_lf_and_flagged(tmp_path):
    path = tmp_path / "x.py"
    path.write_bytes(TEXT.replace("\n", "\r\n").encode())
    src = read_source(path, "x.py")
    assert src.crlf is True
    assert all("\r" not in c.source for c in src.nb.cells)
    lf = reads_source(TEXT, "x.py", "py")
    assert [c.source for c in src.nb.cells] == [c.source for c in lf.nb.cells]
    assert src.cell_lines == lf.cell_lines
    assert src.location(3, 2) == lf.location(3, 2)


def test_utf8_bom_is_ignored(tmp_path):
    path = tmp_path / "x.py"
    path.write_bytes(b"\xef\xbb\xbf" + TEXT.encode())
    src = read_source(path, "x.py")
    assert src.nb.cells[0].source == "# Title\nSome prose."
    assert src.cell_lines[0] == 1


def test_non_utf8_source_names_the_line(tmp_path):
    path = tmp_path / "x.py"
    path.write_bytes(TEXT.encode() + b'# %%\nname = "caf\xe9"\n')
    with pytest.raises(CourseError) as caught:
        read_source(path, "modules/01_x/x.py")
    assert str(caught.value) == (
        f"modules/01_x/x.py:{TEXT.count(chr(10)) + 2}: contains bytes that are not UTF-8 (byte 0xe9); save the file as UTF-8"
    )


def test_huge_source_is_refused(tmp_path):
    path = tmp_path / "x.py"
    with open(path, "wb") as handle:
        handle.truncate(20 * 1024 * 1024 + 1)
    with pytest.raises(CourseError, match=r"^x\.py: is larger than 20 MB"):
        read_source(path, "x.py")
