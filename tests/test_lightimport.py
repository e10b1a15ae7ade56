"""tasks/notebook/lightimport.py: nbformat, jupytext and nbclient without jsonschema's IRI grammar (2.5 s of
CPU at import), every notebook check kept; and each engine path that imports them goes through it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def python(code: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r})\n{code}"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_nbformat_and_jupytext_skip_the_grammar_and_still_validate():
    out = python(
        "from tasks.notebook.lightimport import light_jsonschema\n"
        "light_jsonschema()\n"
        "import jupytext, nbformat\n"
        "print('rfc3987_syntax' in sys.modules)\n"
        "nbformat.validate(nbformat.v4.new_notebook())\n"
        "bad = nbformat.v4.new_notebook(); bad.cells.append({'cell_type': 'code'})\n"
        "try:\n    nbformat.validate(bad)\nexcept nbformat.ValidationError:\n    print('refused')\n"
        "import rfc3987_syntax\nprint('later-import-works')"
    )
    assert out == ["False", "refused", "later-import-works"]


def test_without_it_the_grammar_is_imported():
    """The test above can fail: on this machine, a plain `import nbformat` does import it."""
    pytest.importorskip("rfc3987_syntax")
    assert python("import nbformat\nprint('rfc3987_syntax' in sys.modules)") == ["True"]


@pytest.mark.parametrize(
    "code",
    [
        "from tasks.notebook.render import render_py\n"
        "from tasks.notebook.nbnode import new_notebook\nrender_py(new_notebook([]))",
        "from tasks.notebook.source import reads_percent_with_jupytext\n"
        "reads_percent_with_jupytext('%%time\\n# %%\\nx = 1\\n', 'x.py')",
        "from tasks.notebook.source import reads_ipynb\nimport json\n"
        "reads_ipynb(json.dumps({'cells': [], 'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}), 'x.ipynb')",
        "from tasks.kernel.execute import nbclient_class\nnbclient_class()",
    ],
    ids=["render_py", "jupytext-reader", "ipynb-reader", "nbclient"],
)
def test_every_engine_path_to_nbformat_is_light(code):
    assert python(code + "\nprint('rfc3987_syntax' in sys.modules)")[-1] == "False"
