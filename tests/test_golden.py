"""Golden tests: each tests/golden/<case>/ source builds to its checked-in outputs, byte for byte.

The expected files are written only by `python tests/golden/regenerate.py` (by hand, then reviewed);
this test never writes them, and a missing expected file is a failure.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import pytest

from tasks.course.model import Markup
from tasks.variants.leakguard import scan_artifact, secret_lines
from tasks.variants.pipeline import build_variant
from tasks.notebook.render import render_ipynb, render_py
from tasks.notebook.source import reads_source

GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = ("01_tensor_py", "02_edge_cases", "03_tensor_ipynb")
OUTPUTS = ("student.ipynb", "student.py", "solution.ipynb", "solution.py")
MODULE_LABEL = "01_tensor"  # the module name students see in stub messages, the same for every case
KERNEL = "python3"
# The golden sources are written the TinyTorch way (a complete helper flagged "solution": true without markers):
# built with the setting that keeps TinyTorch's behaviour, byte for byte. The default is tests/test_roles.py's.
MARKUP = Markup(unmarked_answers="keep")


def source_file(case_dir: Path) -> Path:
    found = [p for p in (case_dir / "source.py", case_dir / "source.ipynb") if p.exists()]
    assert len(found) == 1, f"{case_dir} needs exactly one of source.py / source.ipynb, found {found}"
    return found[0]


def build_case(case_dir: Path) -> dict[str, str]:
    """Expected-file name -> text, built from the case's source with the engine's own functions."""
    path = source_file(case_dir)
    text = path.read_bytes().decode("utf-8")
    src = reads_source(text, f"{case_dir.name}/{path.name}", path.suffix.lstrip("."))
    built = {}
    for version in ("student", "solution"):
        nb = build_variant(src.nb, version, MODULE_LABEL, MARKUP)
        built[f"{version}.ipynb"] = render_ipynb(nb, KERNEL)
        built[f"{version}.py"] = render_py(nb)
    return built


@pytest.fixture(scope="module")
def builds():
    return {}


def built(builds: dict, case: str) -> dict[str, str]:
    if case not in builds:
        builds[case] = build_case(GOLDEN / case)
    return builds[case]


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("case", CASES)
def test_golden_output(builds, case, output):
    expected_path = GOLDEN / case / output
    if not expected_path.is_file():
        pytest.fail(
            f"missing expected file {expected_path.relative_to(GOLDEN.parent.parent)}; "
            "run `python tests/golden/regenerate.py`, review what it wrote, and check it in"
        )
    expected = expected_path.read_bytes()
    actual = built(builds, case)[output].encode("utf-8")
    assert actual == expected, f"{case}/{output} differs from the checked-in expected file"


def test_every_case_directory_is_tested():
    on_disk = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
    assert on_disk == sorted(CASES)


def test_ipynb_case_is_the_py_case_converted():
    py = jupytext.reads((GOLDEN / "01_tensor_py/source.py").read_text(encoding="utf-8"), fmt="py:percent")
    ipynb = jupytext.reads((GOLDEN / "03_tensor_ipynb/source.ipynb").read_text(encoding="utf-8"), fmt="ipynb")
    assert [(c.cell_type, c.source, c.metadata) for c in ipynb.cells] == [
        (c.cell_type, c.source, c.metadata) for c in py.cells
    ]


@pytest.mark.parametrize("output", OUTPUTS)
def test_ipynb_source_gives_byte_identical_outputs(builds, output):
    assert built(builds, "03_tensor_ipynb")[output] == built(builds, "01_tensor_py")[output]
    assert (GOLDEN / "03_tensor_ipynb" / output).read_bytes() == (GOLDEN / "01_tensor_py" / output).read_bytes()


@pytest.mark.parametrize("case", CASES)
def test_expected_student_files_pass_the_leak_guard(case):
    path = source_file(GOLDEN / case)
    src = reads_source(path.read_bytes().decode("utf-8"), path.name, path.suffix.lstrip("."))
    secrets = secret_lines(src.nb, markup=MARKUP)
    assert secrets, "a golden case without solution lines proves nothing"
    for name in ("student.ipynb", "student.py"):
        assert scan_artifact(secrets, name, (GOLDEN / case / name).read_bytes(), src.location) == []


@pytest.mark.parametrize("case", CASES)
def test_built_python_files_compile(builds, case):
    """What the engine builds (not the checked-in files: a regenerated golden file could enshrine a stub that
    breaks the syntax) is valid Python, student and solution, .py and every code cell of the .ipynb."""
    import json

    outputs = built(builds, case)
    for name in ("student.py", "solution.py"):
        compile(outputs[name], f"{case}/{name}", "exec")
    for name in ("student.ipynb", "solution.ipynb"):
        for number, cell in enumerate(json.loads(outputs[name])["cells"], 1):
            code = "".join(cell["source"])
            if cell["cell_type"] == "code" and not code.lstrip().startswith(("%", "!")):
                compile(code, f"{case}/{name} (cell {number})", "exec")
