"""tasks/leakguard.py: no solution, hidden-test or instructor line may reach a student artifact."""

from __future__ import annotations

import json

import jupytext
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tasks.package.archive import tar_gz_bytes, zip_bytes
from tasks.base.errors import CourseError
from tasks.variants.leakguard import Secret, guard, scan_artifact, secret_lines
from tasks.variants.pipeline import build_variant
from tasks.notebook.render import render_ipynb, render_py
from tasks.notebook.source import reads_source

FILE = "modules/01_tensor/tensor.py"
SOURCE = '''\
# %% [markdown]
"""
# Tensor
The reference uses `np.add(self.data, other)` under the hood.
"""

# %% nbgrader={"grade": false, "grade_id": "impl", "locked": false, "schema_version": 3, "solution": true}
class Tensor:
    def add(self, other):
        """TODO: add element-wise."""
        ### BEGIN SOLUTION
        total = np.add(self.data, other)
        return Tensor(total)
        ### END SOLUTION

    def grad(self):
        """TODO: ones like the data."""
        ### BEGIN SOLUTION
        grad = np.ones_like(self.data)
        return grad
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-add", "locked": true, "points": 2, "schema_version": 3, "solution": false}
def test_unit_add():
    expected_grad = np.ones_like(self.data)
    return grad
    ### BEGIN HIDDEN TESTS
    assert Tensor([1]).add(2).data[0] == 3
    ### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "note", "locked": false, "schema_version": 3, "solution": false}
#| hide
INSTRUCTOR_REFERENCE = [3, 5, 8]
pass
'''


def source():
    return reads_source(SOURCE, FILE, "py")


def file_line(exact: str) -> int:
    return next(n for n, text in enumerate(SOURCE.split("\n"), 1) if text == exact)


def scan(name: str, data: bytes, src=None):
    src = src or source()
    return scan_artifact(secret_lines(src.nb), name, data, src.location)


# --- which lines are secret ------------------------------------------------------------------------------


def test_secret_lines_are_region_and_hidden_cell_lines():
    secrets = secret_lines(source().nb)
    assert set(secrets) == {
        "total = np.add(self.data, other)",
        "return Tensor(total)",
        "grad = np.ones_like(self.data)",
        "assert Tensor([1]).add(2).data[0] == 3",
        "INSTRUCTOR_REFERENCE = [3, 5, 8]",
    }
    assert secrets["return Tensor(total)"] == Secret("return Tensor(total)", 1, 5)


def test_lines_that_also_appear_outside_regions_are_not_secret():
    # `return grad` is also a visible line of the test cell, so it cannot leak anything.
    assert "return grad" not in secret_lines(source().nb)


def test_trivial_lines_and_directives_are_not_secret():
    nb = new_notebook(cells=[new_code_cell("#| hide\npass\n)\n\nreturn None\nx = compute_reference()")])
    assert set(secret_lines(nb)) == {"x = compute_reference()"}


def test_markdown_lines_count_as_visible():
    nb = new_notebook(
        cells=[
            new_markdown_cell("Try `y = x * 2` first."),
            new_markdown_cell("y = x * 2"),
            new_code_cell("def f(x):\n    ### BEGIN SOLUTION\n    y = x * 2\n    return y\n    ### END SOLUTION"),
        ]
    )
    assert set(secret_lines(nb)) == {"return y"}


# --- finding leaks --------------------------------------------------------------------------------------


def test_clean_student_artifacts_have_no_leaks():
    src = source()
    student = build_variant(src.nb, "student", "01_tensor")
    assert scan("student.ipynb", render_ipynb(student, "python3").encode(), src) == []
    assert scan("student.py", render_py(student).encode(), src) == []


def test_solution_line_planted_in_a_notebook():
    src = source()
    student = build_variant(src.nb, "student", "01_tensor")
    student.cells[1].source += "\n        total = np.add(self.data, other)"
    data = render_ipynb(student, "python3").encode()
    findings = scan("build/student/01_tensor/tensor.ipynb", data, src)
    assert len(findings) == 1
    finding = findings[0]
    cell_lines = student.cells[1].source.split("\n")
    assert finding.file == "build/student/01_tensor/tensor.ipynb (cell 2)"
    assert finding.line == len(cell_lines)
    assert str(finding).startswith(f"build/student/01_tensor/tensor.ipynb (cell 2):{len(cell_lines)}: LEAK: ")
    assert f"from {FILE}:{file_line('        total = np.add(self.data, other)')}" in finding.message
    assert "'total = np.add(self.data, other)'" in finding.message


def test_solution_line_planted_in_a_python_file():
    data = b"x = 1\ny = 2\n    INSTRUCTOR_REFERENCE = [3, 5, 8]\n"
    [finding] = scan("build/student/01_tensor/tensor.py", data)
    assert (finding.file, finding.line) == ("build/student/01_tensor/tensor.py", 3)
    assert f"from {FILE}:{file_line('INSTRUCTOR_REFERENCE = [3, 5, 8]')} is in a student artifact" in finding.message
    assert "The artifact was not kept" in finding.message


def test_hidden_test_line_is_a_leak():
    [finding] = scan("s.py", b"    assert Tensor([1]).add(2).data[0] == 3\n")
    assert f"{FILE}:{file_line('    assert Tensor([1]).add(2).data[0] == 3')}" in finding.message


def test_long_secret_inside_a_longer_line_is_a_leak():
    [finding] = scan("s.py", b"result = 1; total = np.add(self.data, other)  # copied\n")
    assert finding.line == 1


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


COMPATIBLE = {  # compatibility variants (NFKC folds each back to the plain text)
    "fullwidth": fullwidth,
    "fullwidth-letters-only": lambda text: "".join(fullwidth(c) if c.isalpha() else c for c in text),
    "every-other-fullwidth": lambda text: "".join(fullwidth(c) if i % 2 else c for i, c in enumerate(text)),
    "math-bold": lambda text: "".join(chr(0x1D41A + ord(c) - 97) if "a" <= c <= "z" else c for c in text),
    "ideographic-space": lambda text: text.replace(" ", "\u3000"),
    "ligatures": lambda text: text.replace("fi", "\ufb01").replace("ff", "\ufb00"),
}


@pytest.mark.parametrize("variant", COMPATIBLE)
def test_compatibility_variants_of_a_secret_line_are_found(variant):
    """A secret line written with compatibility characters (fullwidth, mathematical letters, ligatures, other
    spaces) in an artifact, alone or inside a longer line, in a .py or a notebook; and a secret written so in
    the source, found planted plain."""
    change = COMPATIBLE[variant]
    secret = "total = np.add(self.data, other_coefficients)"
    src = reads_source(SOURCE.replace("total = np.add(self.data, other)", secret), FILE, "py")
    planted = change(secret)
    assert planted != secret
    for line in (planted, f"    {planted}", f"x = 1; {planted}  # copied"):
        [finding] = scan("s.py", f"ok = 1\n{line}\n".encode(), src)
        assert finding.line == 2 and repr(secret) in finding.message, (variant, line)
        nb = new_notebook(cells=[new_code_cell(f"ok = 1\n{line}")])
        assert len(scan("s.ipynb", json.dumps(nb).encode(), src)) == 1, (variant, line)
    for short in ("return Tensor(total)", "grad = np.ones_like(self.data)"):  # found only whole
        assert len(scan("s.py", f"{change(short)}\n".encode())) == 1, (variant, short)
    written_so = reads_source(SOURCE.replace("total = np.add(self.data, other)", planted), FILE, "py")
    assert len(scan("s.py", f"{secret}\n".encode(), written_so)) == 1


def test_visible_line_that_contains_a_secret_is_not_a_leak():
    # The visible test line `expected_grad = np.ones_like(self.data)` contains the solution line
    # `grad = np.ones_like(self.data)`; shipping the test cell unchanged must not count as a leak.
    assert scan("s.py", b"    expected_grad = np.ones_like(self.data)\n") == []
    [finding] = scan("s.py", b"    grad = np.ones_like(self.data)\n")
    assert finding.line == 1


def test_solution_line_in_a_notebook_output():
    nb = new_notebook(cells=[new_code_cell("print(x)")])
    nb.cells[0].outputs = [new_output("stream", name="stdout", text="ok\nINSTRUCTOR_REFERENCE = [3, 5, 8]\n")]
    [finding] = scan("s.ipynb", json.dumps(nb).encode())
    assert (finding.file, finding.line) == ("s.ipynb (cell 1 output)", 2)


def test_solution_line_inside_a_zip():
    entries = {"01_tensor/tensor.py": b"ok = 1\n        return Tensor(total)\n", "01_tensor/data.txt": b"fine\n"}
    [finding] = scan("build/archives/01_tensor-student.zip", zip_bytes(entries))
    assert (finding.file, finding.line) == ("01_tensor-student.zip/01_tensor/tensor.py", 2)
    assert f"{FILE}:{file_line('        return Tensor(total)')}" in finding.message


def test_solution_line_inside_a_tar_gz():
    entries = {"01_tensor/notes.md": b"# Notes\n\ntotal = np.add(self.data, other)\n"}
    [finding] = scan("01_tensor-student.tar.gz", tar_gz_bytes(entries))
    assert (finding.file, finding.line) == ("01_tensor-student.tar.gz/01_tensor/notes.md", 3)


def test_clean_archive_has_no_leaks():
    src = source()
    student = build_variant(src.nb, "student", "01_tensor")
    entries = {
        "01_tensor/tensor.ipynb": render_ipynb(student, "python3").encode(),
        "01_tensor/tensor.py": render_py(student).encode(),
    }
    assert scan("a.zip", zip_bytes(entries), src) == []
    assert scan("a.tar.gz", tar_gz_bytes(entries), src) == []


def test_leak_from_an_ipynb_source_names_its_cell():
    nb_text = jupytext.writes(jupytext.reads(SOURCE, fmt="py:percent"), fmt="ipynb")
    src = reads_source(nb_text, "modules/01_tensor/tensor.ipynb", "ipynb")
    [finding] = scan("s.py", b"grad = np.ones_like(self.data)\n", src)
    assert "from modules/01_tensor/tensor.ipynb (cell 2, line 12)" in finding.message


# --- guard: what stays secret per version ----------------------------------------------------------------


def test_secret_kinds_for_the_public_solution():
    secrets = secret_lines(source().nb, frozenset({"hidden", "hide"}))
    assert set(secrets) == {"assert Tensor([1]).add(2).data[0] == 3", "INSTRUCTOR_REFERENCE = [3, 5, 8]"}


def test_guard_keeps_nothing_when_a_student_artifact_leaks():
    with pytest.raises(CourseError) as caught:
        guard(
            source(),
            {"a.py": b"ok = 1\n", "b.py": b"total = np.add(self.data, other)\nINSTRUCTOR_REFERENCE = [3, 5, 8]\n"},
        )
    assert [(f.file, f.line) for f in caught.value.findings] == [("b.py", 1), ("b.py", 2)]


def test_guard_of_the_public_solution_allows_solutions_but_not_hidden_tests():
    src = source()
    guard(src, {"s.py": b"total = np.add(self.data, other)\n"}, "public_solution")
    with pytest.raises(CourseError, match=r"^s\.py:1: LEAK: "):
        guard(src, {"s.py": b"assert Tensor([1]).add(2).data[0] == 3\n"}, "public_solution")


def test_guard_passes_a_clean_student_build():
    src = source()
    student = build_variant(src.nb, "student", "01_tensor")
    guard(src, {"s.ipynb": render_ipynb(student, "python3").encode(), "s.py": render_py(student).encode()})


# --- the guard's own reading of the markup ------------------------------------------------------------------


def test_the_guard_does_not_use_the_recogniser_it_checks():
    import tasks.variants.leakguard as leakguard

    text = open(leakguard.__file__).read()
    assert "markers" not in text.split('"""', 2)[2].split("\n# The guard's own")[0]  # no import of markers.py
    assert not hasattr(leakguard, "marker") and not hasattr(leakguard, "has_directive")


@pytest.mark.parametrize(
    "begin, end",
    [
        ("###\u00a0BEGIN SOLUTION", "###\u00a0END SOLUTION"),
        ("### begin solution", "### end solution"),
        ("### BEGIN SOLUTON", "### END SOLUTON"),
        ("#BEGIN  SOLUTION ##", "#END SOLUTION"),
        ("### BEGIN SOLUTION\r", "### END SOLUTION\r"),
    ],
)
def test_the_guard_treats_marker_look_alikes_as_regions(begin, end):
    """The build refuses these (lint); were that check gone, the guard alone still holds the line back."""
    nb = new_notebook(cells=[new_code_cell(f"def f(x):\n    {begin}\n    secret_value = x * 42\n    {end}")])
    assert set(secret_lines(nb)) == {"secret_value = x * 42"}


NEVER_CLOSED_CONTEXTS = {  # (cell type, visible lines before the region, indentation of the region)
    "function": ("code", ["def f(x):", "    visible_setup = prepare(x)"], "    "),
    "top-level": ("code", ["visible_setup = prepare(1)"], ""),
    "class-body": ("code", ["class Model:", "    visible_attribute = prepare(1)"], "    "),
    "markdown": ("markdown", ["Some visible words about the task."], ""),
}
BEGINS = {
    "solution": ["### BEGIN SOLUTION", "### begin solution", "###\u00a0BEGIN SOLUTION", "#BEGIN SOLUTON"],
    "hidden": ["### BEGIN HIDDEN TESTS", "## Begin Hidden Test", "### BEGIN HIDDEN TESTS\r"],
}
OTHER_END = {"solution": "### END HIDDEN TESTS", "hidden": "### END SOLUTION"}


@pytest.mark.parametrize("context", NEVER_CLOSED_CONTEXTS)
@pytest.mark.parametrize("kind", BEGINS)
def test_a_region_never_closed_keeps_everything_after_its_begin_secret(context, kind):
    """Wherever it is, however its BEGIN is spelled, and whatever END of another kind follows (which closes
    nothing): every line after the BEGIN is secret for a variant that keeps that kind out, and for the others
    nothing is."""
    from tasks.variants.registry import VARIANTS

    cell_type, before, indent = NEVER_CLOSED_CONTEXTS[context]
    make = new_code_cell if cell_type == "code" else new_markdown_cell
    for begin in BEGINS[kind]:
        for wrong_end in (False, True):
            after = [f"{indent}secret_step_{i} = combine(x, {i})  # step {i}" for i in range(4)]
            if cell_type == "markdown":
                after = [f"The hidden reasoning, step {i} of four." for i in range(4)]
            if wrong_end:
                after.insert(2, indent + OTHER_END[kind])
            nb = new_notebook(cells=[make("\n".join(before + [indent + begin] + after))])
            everything_after = {line.strip() for line in after if not line.strip().startswith("###")}
            for variant in VARIANTS.values():
                wanted = everything_after if kind in variant.secrets else set()
                assert set(secret_lines(nb, variant.secrets)) == wanted, (begin, wrong_end, variant.name)


@pytest.mark.parametrize(
    "directive", ["#| hide", "#hide", "# | hide", "#| Hide", "# hide", "    #| hide", "#|\u00a0hide"]
)
def test_the_guard_treats_hide_look_alikes_as_instructor_cells(directive):
    nb = new_notebook(cells=[new_code_cell(f"{directive}\nANSWER_KEY = [1, 2, 3]")])
    assert set(secret_lines(nb)) == {"ANSWER_KEY = [1, 2, 3]"}


def test_marker_text_inside_a_docstring_is_not_a_region_for_the_guard_either():
    nb = new_notebook(
        cells=[
            new_code_cell(
                'def f():\n    """Like this:\n    ### BEGIN SOLUTION\n    shown_line = 1\n    ### END SOLUTION\n    """'
            )
        ]
    )
    assert secret_lines(nb) == {}


def test_kept_signatures_of_a_class_body_region_are_visible_and_the_bodies_secret():
    code = (
        'class StepLR:\n    ### BEGIN SOLUTION\n    def rate(self, epoch):\n        """The rate."""\n'
        "        return self.lr * 0.5 ** epoch\n    ### END SOLUTION"
    )
    nb = new_notebook(cells=[new_code_cell(code, metadata={"nbgrader": {"solution": True, "grade_id": "a"}})])
    assert set(secret_lines(nb)) == {"return self.lr * 0.5 ** epoch"}
    student = build_variant(nb, "student", "06_optimizers")
    guard(SimpleSource(nb), {"x.ipynb": render_ipynb(student, "python3").encode(), "x.py": render_py(student).encode()})


def test_the_same_region_inside_a_method_keeps_nothing():
    code = (
        "class A:\n    def f(self):\n        ### BEGIN SOLUTION\n        def rate(self, epoch):\n"
        "            return 2\n        ### END SOLUTION"
    )
    assert set(secret_lines(new_notebook(cells=[new_code_cell(code)]))) == {"def rate(self, epoch):", "return 2"}


def test_written_answers_are_secret():
    nb = new_notebook(
        cells=[
            new_markdown_cell("Why does it vanish?"),
            new_markdown_cell("Because sigmoid saturates.", metadata={"nbgrader": {"solution": True, "grade_id": "w"}}),
            new_markdown_cell("Explain:\n### BEGIN SOLUTION\nThe product of small factors.\n### END SOLUTION"),
        ]
    )
    assert set(secret_lines(nb)) == {"Because sigmoid saturates.", "The product of small factors."}
    assert set(secret_lines(nb, frozenset({"hidden", "hide"}))) == set()
    student = build_variant(nb, "student", "05_autograd")
    guard(SimpleSource(nb), {"x.ipynb": render_ipynb(student, "python3").encode(), "x.py": render_py(student).encode()})
    with pytest.raises(CourseError, match="LEAK"):
        guard(
            SimpleSource(nb),
            {"x.ipynb": render_ipynb(build_variant(nb, "solution", "05_autograd"), "python3").encode()},
        )


def test_a_commented_out_solution_line_is_a_leak_in_every_format():
    src = source()
    student = build_variant(src.nb, "student", "01_tensor")
    student.cells[1].source += "\n# total = np.add(self.data, other)"
    for rendered, name in ((render_ipynb(student, "python3"), "s.ipynb"), (render_py(student), "s.py")):
        assert scan(name, rendered.encode(), src), name


def test_a_markdown_line_quoting_a_long_solution_line_has_one_verdict_for_every_format():
    """The markdown quotes a (long) solution line: the quoting line is visible source, so it ships in both the
    .ipynb and the .py (where it is a `# ` comment); neither is a leak."""
    text = SOURCE.replace("The reference uses", "# The reference uses")
    src = reads_source(text.replace('"""\n# Tensor', '"""\n# Tensor', 1), FILE, "py")
    student = build_variant(src.nb, "student", "01_tensor")
    src2 = reads_source(
        SOURCE.replace(
            '"""\n# Tensor\nThe reference uses `np.add(self.data, other)` under the hood.\n"""',
            "# # Tensor\n# Quoted: total = np.add(self.data, other) is the whole trick.",
        ),
        FILE,
        "py",
    )
    for s in (src, src2):
        student = build_variant(s.nb, "student", "01_tensor")
        assert scan("s.ipynb", render_ipynb(student, "python3").encode(), s) == []
        assert scan("s.py", render_py(student).encode(), s) == []


def test_the_substring_finder_finds_exactly_the_contained_strings():
    from tasks.variants.leakguard import SubstringFinder

    texts = ["total = np.add(self.data, other)", "a_very_long_identifier_without_inner_words", "x.y.z(1, 2) + q"]
    finder = SubstringFinder(texts)
    assert finder.found_in("    y = total = np.add(self.data, other) * 2") == [texts[0]]
    assert finder.found_in("prefix_a_very_long_identifier_without_inner_words_suffix") == [texts[1]]
    assert finder.found_in("total = np.add(self.data, others)") == []
    assert sorted(finder.found_in("x.y.z(1, 2) + q; total = np.add(self.data, other)")) == sorted([texts[0], texts[2]])


def test_the_substring_finder_tells_apart_strings_that_differ_only_at_their_ends():
    """Strings whose inner words are all shared (filed under one word, told apart by their lengths and by the
    line's text at the right offset), a string twice in one line (reported once), an accented word."""
    from tasks.variants.leakguard import SubstringFinder

    texts = [f"arr_{i} = np.asarray(x, dtype=np.float64)" for i in range(120)]
    texts += [f"return np.asarray(x, dtype=np.float64) * total_{i}" for i in range(120)]
    texts += ["résumé = np.asarray(x, dtype=np.float64)"]
    finder = SubstringFinder(texts)
    assert finder.found_in("    arr_7 = np.asarray(x, dtype=np.float64)") == [texts[7]]
    twice = "xarr_70 = np.asarray(x, dtype=np.float64)  # arr_70 = np.asarray(x, dtype=np.float64)"
    assert finder.found_in(twice) == [texts[70]]
    assert finder.found_in("arr_120 = np.asarray(x, dtype=np.float64)") == []
    found = finder.found_in("return np.asarray(x, dtype=np.float64) * total_119 + 1")
    assert sorted(found) == [texts[120 + 1], texts[120 + 11], texts[120 + 119]]  # total_1 and total_11 are in it
    assert finder.found_in("return np.asarray(x, dtype=np.float64) * total_") == []
    assert finder.found_in("    résumé = np.asarray(x, dtype=np.float64)") == [texts[-1]]


def test_the_substring_finder_agrees_with_a_plain_search():
    """Random strings and lines over a small alphabet of words and separators: exactly the contained strings."""
    import random

    from tasks.variants.leakguard import SubstringFinder

    rnd = random.Random(14)
    pieces = ["a", "b", "x_1", "np", ".", " ", "(", ")", ", ", "=", "arr_", "1", "é", "\t"]
    for _ in range(200):
        texts = list({"".join(rnd.choices(pieces, k=rnd.randint(3, 12))) for _ in range(rnd.randint(1, 30))})
        finder = SubstringFinder(texts)
        for _ in range(30):
            line = "".join(rnd.choices(pieces, k=rnd.randint(0, 30)))
            at = rnd.randint(0, len(line))
            line = line[:at] + rnd.choice(texts) + line[at:] if rnd.random() < 0.5 else line
            assert sorted(finder.found_in(line)) == sorted(text for text in texts if text in line), (texts, line)


@pytest.mark.parametrize(
    "code, inside",
    [
        ('x = 1\ns = """a\n# BEGIN SOLUTION\nb"""\ny = 2', {1, 2, 3}),
        ('@deco("""\n### BEGIN SOLUTION\n""")\ndef f(): pass', {0, 1, 2}),
        ('def f():\n    return g(1, h("""\n    ### END SOLUTION\n    """))', {1, 2, 3}),
        ('x = ("a"\n# BEGIN SOLUTION\n"b")', {0, 1, 2}),
        ('x = f"""{1}\n# BEGIN SOLUTION\n"""', {0, 1, 2}),
        ('class A:\n    """Doc\n    more."""\n    x = [1,\n        2]', {1, 2}),
        ("x = 1\n# BEGIN SOLUTION\ny = 'one line'", set()),
        ("def broken(:\n'''\n# BEGIN SOLUTION", set()),
    ],
)
def test_the_guard_finds_every_line_inside_a_multi_line_string(code, inside):
    """in_literals skips expressions written on one line; every multi-line string is still found (the same
    lines as a walk of the whole tree)."""
    import ast

    from tasks.variants.leakguard import in_literals

    assert in_literals(code) == inside
    try:
        nodes = list(ast.walk(ast.parse(code)))
    except SyntaxError:
        return
    strings = [n for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.end_lineno > n.lineno]
    assert inside == {i for n in strings for i in range(n.lineno - 1, n.end_lineno)}


class SimpleSource:
    """What guard() needs of a Source: the notebook and where a cell line is."""

    def __init__(self, nb):
        self.nb = nb

    def location(self, cell, line):
        return "x.ipynb", (line or 0) + 1, cell + 1


# --- every byte that reaches a student: members of any type, binary files, attachments ------------------------


@pytest.mark.parametrize(
    "member", ["01_tensor/answers.csv", "01_tensor/key", "01_tensor/tensor.py~", "01_tensor/data/report.json"]
)
@pytest.mark.parametrize("pack", [zip_bytes, tar_gz_bytes])
def test_every_archive_member_is_scanned_whatever_its_name(member, pack):
    [finding] = scan(
        "a.zip" if pack is zip_bytes else "a.tar.gz", pack({member: b"id,value\n  total = np.add(self.data, other)\n"})
    )
    assert finding.file.endswith(member) and finding.line == 2 and "LEAK" in finding.message


def test_a_binary_file_ships_only_when_data_lists_it():
    blob = b"\x89PNG\r\n\x1a\n\x00\x00binary"
    with pytest.raises(CourseError, match=r"^w\.npy: is not UTF-8 text, so the leak guard cannot scan it; .*`data:`"):
        guard(source(), {"w.npy": blob})
    guard(source(), {"w.npy": blob}, binary_ok={"w.npy"})


def test_a_binary_archive_member_ships_only_when_data_lists_it():
    archive = zip_bytes({"01_tensor/w.npy": b"\x00\x01\x02", "01_tensor/tensor.py": b"ok = 1\n"})
    with pytest.raises(CourseError, match=r"a\.zip/01_tensor/w\.npy: is not UTF-8 text"):
        guard(source(), {"a.zip": archive})
    guard(source(), {"a.zip": archive}, binary_ok={"01_tensor/w.npy"})


def test_a_symlink_member_of_a_tar_gz_is_refused():
    import io
    import tarfile

    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as archive:
        info = tarfile.TarInfo("01_tensor/link")
        info.type, info.linkname = tarfile.SYMTYPE, "../../etc/passwd"
        archive.addfile(info)
    [finding] = scan("a.tar.gz", raw.getvalue())
    assert "link or special file" in finding.message


def test_notebook_attachments_are_scanned():
    import base64

    nb = new_notebook(cells=[new_markdown_cell("![x](attachment:notes.txt)")])
    secret = base64.b64encode(b"intro\nINSTRUCTOR_REFERENCE = [3, 5, 8]\n").decode()
    nb.cells[0]["attachments"] = {
        "notes.txt": {"text/plain": secret},
        "pic.png": {"image/png": base64.b64encode(b"\x89PNG\x00").decode()},
    }
    [finding] = scan("s.ipynb", json.dumps(nb).encode())
    assert (finding.file, finding.line) == ("s.ipynb (cell 1 attachment notes.txt)", 2)
    nb.cells[0]["attachments"] = {"pic.png": {"image/png": base64.b64encode(b"\x89PNG\x00").decode()}}
    assert scan("s.ipynb", json.dumps(nb).encode()) == []
