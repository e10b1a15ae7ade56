"""tasks/percent.py: the fast percent-format reader gives jupytext's cells exactly, or declines.

Every expectation here is jupytext itself: the real course's sources, the golden inputs and the benchmark's
synthetic modules must take the fast path and read the same; generated sources full of the things that
make jupytext's reader subtle must read the same or be declined.
"""

from __future__ import annotations

import sys
from pathlib import Path

import jupytext
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks.notebook.percent import reads_cells, scan_quotes
from tasks.notebook.source import reads_source

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
import synth  # noqa: E402

COURSE_SOURCES = sorted(REPO.glob("modules/*/*.py"))
GOLDEN_SOURCES = sorted(p for p in (REPO / "tests/golden").rglob("*.py") if p.name != "regenerate.py")


def jupytext_cells(text: str) -> list[tuple[str, str, dict]]:
    nb = jupytext.reads(text, fmt="py:percent")
    return [
        (c.cell_type, c.source, {k: v for k, v in c.metadata.items() if k != "lines_to_next_cell"}) for c in nb.cells
    ]


def same_as_jupytext_or_declined(text: str) -> bool:
    """True when the fast path was taken (and then it must equal jupytext)."""
    fast = reads_cells(text)
    if fast is not None:
        assert fast == jupytext_cells(text)
    return fast is not None


@pytest.mark.parametrize("path", COURSE_SOURCES + GOLDEN_SOURCES, ids=lambda p: str(p.relative_to(REPO)))
def test_course_and_golden_sources_take_the_fast_path_and_read_as_jupytext_does(path):
    assert same_as_jupytext_or_declined(path.read_text(encoding="utf-8")), "declined: the build would pay for jupytext"


def test_there_are_sources_to_check():
    assert len(COURSE_SOURCES) >= 8 and GOLDEN_SOURCES


@pytest.mark.parametrize("index", [1, 2, 7])
def test_benchmark_modules_take_the_fast_path(index):
    assert same_as_jupytext_or_declined(synth.module_text(index))


# --- what it declines, and what the build then reads --------------------------------------------------------

DECLINED = {
    "a cell magic": "# %%\n%%time\nx = 1\n",
    "a commented line magic": "# %%\n# %matplotlib inline\nx = 1\n",
    "a shell command": "# %%\n!pip install numpy\n",
    "a help query": "# %%\nnp.sum?\n",
    "a commented shell word": "# %%\n# ls -la\nx = 1\n",
    "an escaped light marker": "# %%\n# # +\nx = 1\n",
    "a raw cell": "# %% [raw]\nraw text\n",
    "an md cell": "# %% [md]\n# text\n",
    "a cell title": "# %% Imports\nimport numpy\n",
    "tags metadata": '# %% tags=["x"]\nx = 1\n',
    "an indented header": "# %%\nx = 1\n  # %%\ny = 2\n",
    "a header inside a string": '# %%\ns = """\n# %%\n"""\n',
    "a header inside a fenced block": "# %% [markdown]\n# ```\n# %%\n# ```\n",
    "an equals sign in nbgrader JSON": '# %% nbgrader={"grade_id": "a=b"}\nx = 1\n',
    "invalid nbgrader JSON": "# %% nbgrader={grade: 1}\nx = 1\n",
    "text before the first header": "import numpy\n\n# %%\nx = 1\n",
    "a jupytext front matter": "# ---\n# jupyter:\n#   jupytext:\n#     formats: py:percent\n# ---\n\n# %%\nx = 1\n",
    "a form feed": "# %%\nx = 1\x0c\n",
    "an empty file": "",
    "a spyder sub-cell": "# %%%\nx = 1\n",
    "a codecell marker": "# %%\nx = 1\n# <codecell>\ny = 2\n",
}


@pytest.mark.parametrize("name", sorted(DECLINED))
def test_declines_what_it_does_not_read_exactly_and_the_build_asks_jupytext(name):
    text = DECLINED[name]
    assert reads_cells(text) is None
    if text:
        source = reads_source(text, "modules/01_x/x.py", "py")
        assert [(c.cell_type, c.source) for c in source.nb.cells] == [(t, s) for t, s, _ in jupytext_cells(text)]


def test_reads_the_markup_the_course_uses():
    text = (
        '# %% [markdown]\n"""\n# Title\n\nProse.\n"""\n\n'
        '# %% nbgrader={"grade": false, "grade_id": "impl", "solution": true}\n#| export\ndef f():\n'
        '    """Doc."""\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n\n\n'
        "# %% [markdown]\n# ## Comments\n#\n# as markdown\n\n# %%\nf()\n"
    )
    assert reads_cells(text) == [
        ("markdown", "# Title\n\nProse.", {"cell_marker": '"""'}),
        (
            "code",
            '#| export\ndef f():\n    """Doc."""\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION',
            {"nbgrader": {"grade": False, "grade_id": "impl", "solution": True}},
        ),
        ("markdown", "## Comments\n\nas markdown", {}),
        ("code", "f()", {}),
    ]
    assert same_as_jupytext_or_declined(text)


def test_scan_quotes_follows_open_and_closed_triple_quotes():
    assert scan_quotes('x = """abc', None) == '"'
    assert scan_quotes('x = """abc"""', None) is None
    assert scan_quotes("end'''", "'") is None
    assert scan_quotes("s = \"'''\"  # a triple quote in a string", None) is None
    assert scan_quotes('# """ in a comment', None) is None


# --- generated sources --------------------------------------------------------------------------------------

HEADERS = [
    "# %%",
    "# %% [markdown]",
    '# %% nbgrader={"grade": true, "grade_id": "t", "points": 2}',
    '# %% [markdown] nbgrader={"grade": false}',
    "# %% ",
    "#%%",
    "  # %%",
    "# %%%",
    "# %% [raw]",
    '# %% nbgrader={"a": "x=1"}',
    "# %% title",
    "# In[3]:",
]
LINES = [
    "",
    " ",
    "  ",
    "x = 1",
    "    return x",
    "def f():",
    "class A:",
    "# a comment",
    "#| export",
    "#| hide",
    "### BEGIN SOLUTION",
    "### END SOLUTION",
    '"""',
    "'''",
    'r"""',
    '"""Docstring."""',
    "s = '''",
    "t = \"'''\"",
    'u = \'"""\'',
    'x = "a # b"',
    "# don't",
    "It's prose",
    "# %%",
    "# # %%",
    "```",
    "```python",
    "~~~",
    "# ```",
    "# ~~~",
    "#",
    "# # Title",
    "##",
    "# %time",
    "%time x",
    "!ls",
    "# ls",
    "ls = 3",
    "cd",
    "x?",
    "# Why?",
    "a = !pwd",
    "# +",
    "# -",
    "\\",
    'x = "\\"',
    "café ☕",
    "\t# tab",
    "if x:  # %%",
]


QUOTES = ['"""', "'''", 'r"""', 'R"""', "r'''"]
TRICKY_QUOTE_LINES = [
    's = """ \\""" still open',
    'x = "\\""""',
    "y = ''' \\' '''",
    'z = "\'"  """',
    '"""a""" """',
    'f(""" # not a comment',
    '# """ a comment',
    'x = "\\"""',
    "c = '\\''''",
    'q = "\\\\"""',
]


@st.composite
def blocks(draw, lines):
    """A few lines: random ones, or a whole quoted block (how markdown and docstrings are written)."""
    kind = draw(st.sampled_from(["lines", "lines", "quoted", "tricky"]))
    if kind == "lines":
        return draw(st.lists(st.sampled_from(lines), max_size=5))
    if kind == "tricky":
        return draw(st.lists(st.sampled_from(TRICKY_QUOTE_LINES + lines), min_size=1, max_size=4))
    quote = draw(st.sampled_from(QUOTES))
    close = quote.lstrip("rR")
    inner = draw(st.lists(st.sampled_from(lines), max_size=4))
    around = st.lists(st.sampled_from(["", " "]), max_size=2)
    opening = draw(st.sampled_from([quote, quote + "Text", "    " + quote]))
    ending = draw(st.sampled_from([close, "end" + close, close + " ", "    " + close]))
    return draw(around) + [opening] + inner + [ending] + draw(around)


@st.composite
def percent_sources(draw, lines=LINES, headers=HEADERS):
    cells = draw(
        st.lists(st.tuples(st.sampled_from(headers), st.lists(blocks(lines), max_size=3)), min_size=1, max_size=6)
    )
    text = "\n".join(header + "".join("\n" + line for block in body for line in block) for header, body in cells)
    return text + draw(st.sampled_from(["", "\n", "\n\n"]))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(percent_sources())
def test_generated_sources_read_as_jupytext_reads_them_or_are_declined(text):
    same_as_jupytext_or_declined(text)


PLAIN_HEADERS = HEADERS[:4]
PLAIN_LINES = [
    line
    for line in LINES
    if line
    not in (
        "# %%",
        "# # %%",
        "# %time",
        "%time x",
        "!ls",
        "# ls",
        "cd",
        "x?",
        "# Why?",
        "a = !pwd",
        "# +",
        "if x:  # %%",
    )
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(percent_sources(PLAIN_LINES, PLAIN_HEADERS))
def test_generated_plain_sources_mostly_take_the_fast_path(text):
    # Quotes and fences may still open a string or block before a header (declined); otherwise the
    # fast path must be taken, or the build would pay for jupytext on ordinary sources.
    taken = same_as_jupytext_or_declined(text)
    if not any(mark in text for mark in ('"""', "'''", "```", "~~~")):
        assert taken
