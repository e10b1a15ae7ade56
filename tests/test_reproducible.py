"""Reproducibility: clean builds are byte-identical, and an incremental build equals a clean build of the final sources.

1. Two clean builds of the real course (in two different directories, `doit -n 2`) give the same bytes in
   build/ (student, solution, public-solution, digests, executed, checks, archives) and tinytorch/.
   The first build is the session's `built_real_course` (conftest.py, shared with test_course.py); the second
   build is this file's own.
   Executed notebooks are compared too. Five modules print wall-clock timings in their "systems" cells
   (TIMING_CELLS): those numbers cannot repeat, so the executed notebooks are compared with the numbers of
   timing lines masked, and every other byte must be equal.
2. The promise Bazel makes: a randomized sequence of edits (markdown, solution region, visible code, new
   markdown/code cells, course.yaml outputs/archive, touching a file), with `doit` after each, ends in the
   same build/ and tinytorch/ as a clean build of the final sources in a fresh directory. Files the final
   configuration no longer produces (a `.py` version once `python` left `outputs`, the archive of the
   previous format) linger in the incremental directory until `doit prune`: they are the only extra files
   allowed, they are listed, and after `doit prune` (which removes exactly them) the trees are equal.
"""

from __future__ import annotations

import filecmp
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DoitRun, copy_course, run_doit, write_mini_course

COMPARED = ("build", "tinytorch")
# module folder -> the function whose cell prints wall-clock timings (why executed notebooks cannot repeat exactly)
TIMING_CELLS = {
    "01_tensor": "analyze_tensor_costs (matmul ms and GFLOP/s)",
    "02_activations": "analyze_activation_costs (ms per activation)",
    "04_losses": "analyze_loss_numerics (ms of a cross-entropy batch)",
    "07_training": "analyze_batch_size_cost (ms per epoch, us per example)",
    "08_dataloader": "analyze_loader_overhead (ms, and the 'x faster' ratio)",
}
TIMING_RE = re.compile(r"\d *(ms|us|GFLOP/s)\b|\dx faster")  # a number and a time unit: printed output, not code
NUMBER_RE = re.compile(r" *\d+(\.\d+)?")  # with its padding: `{t:8.1f}` pads 6.8 and 14.9 differently


# --- comparing trees -----------------------------------------------------------------------------------------


def tree_files(root: Path) -> dict[str, Path]:
    """Build outputs: not caches (__pycache__, build/.cache, which holds the course's own root path)."""
    return {
        str(p.relative_to(root)): p
        for folder in COMPARED
        if (root / folder).exists()
        for p in sorted((root / folder).rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and ".cache" not in p.parts
    }


def tree_diff(left: Path, right: Path) -> tuple[list[str], list[str], list[str]]:
    """(only in left, only in right, different bytes) over build/ and tinytorch/, as relative paths."""
    a, b = tree_files(left), tree_files(right)
    differing = [name for name in sorted(a.keys() & b.keys()) if not filecmp.cmp(a[name], b[name], shallow=False)]
    return sorted(a.keys() - b.keys()), sorted(b.keys() - a.keys()), differing


def masked_timings(text: str) -> str:
    """The notebook text with the numbers of wall-clock timing lines replaced by ' #'."""
    return "\n".join(NUMBER_RE.sub(" #", line) if TIMING_RE.search(line) else line for line in text.split("\n"))


# --- two clean builds of the real course ---------------------------------------------------------------------


def start_doit(root: Path, *args: str) -> subprocess.Popen:
    """`doit` in the background, with conftest.run_doit's environment: builds overlap (kernels mostly wait)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "DOIT_"))}
    return subprocess.Popen(
        [sys.executable, "-m", "doit", *args],
        cwd=root,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def finish(proc: subprocess.Popen, timeout: int = 600) -> DoitRun:
    stdout, stderr = proc.communicate(timeout=timeout)
    return DoitRun(proc.returncode, stdout, stderr)


@pytest.fixture(scope="session")
def two_real_builds(request, tmp_path_factory) -> tuple[Path, Path]:
    """(first, second) clean builds of the real course in two directories: the session's `built_real_course`
    (conftest.py; shared with test_course.py when both run in one process) and this file's own, which runs in
    the background while the first is built or looked up."""
    second = copy_course(tmp_path_factory.mktemp("second-build") / "course")
    running = start_doit(second, "-n", "2")
    try:
        first = Path(request.getfixturevalue("built_real_course"))
    finally:
        result = finish(running)
    assert result.returncode == 0, result.output[-4000:]
    assert first.resolve() != second.resolve()
    return first, second


def test_two_clean_builds_of_the_real_course_are_byte_identical(two_real_builds):
    first, second = two_real_builds
    only_first, only_second, differing = tree_diff(first, second)
    assert (only_first, only_second) == ([], []), "the two builds made different files"
    for kind in ("student", "solution", "public-solution", "digests", "executed", "checks", "archives"):
        assert any(name.startswith(f"build/{kind}/") for name in tree_files(first)), kind
    assert any(name.startswith("tinytorch/core/") for name in tree_files(first))
    executed = [name for name in differing if name.startswith("build/executed/")]
    assert [name for name in differing if name not in executed] == [], "differ between two clean builds"


def test_executed_notebooks_of_two_clean_builds_differ_only_in_printed_timings(two_real_builds):
    """Every byte of the executed notebooks repeats, except the numbers on the timing lines of TIMING_CELLS.

    The kernel sends stdout in chunks (flushed on a timer) and nbclient keeps each chunk as its own stream
    output, so where the chunks split depends on timing. tasks/kernel/execute.py `coalesce_streams` merges
    consecutive stream outputs of the same name before writing; without it the same cell gives 1, 2 or 3
    `"output_type": "stream"` entries from one build to the next, and this test fails."""
    first, second = two_real_builds
    executed = [name for name in sorted(tree_files(first)) if name.startswith("build/executed/")]
    timed = {name.split("/")[2] for name in executed if TIMING_RE.search((first / name).read_text())}
    assert timed <= set(TIMING_CELLS), (
        f"new timing output in {sorted(timed - set(TIMING_CELLS))}: add it to TIMING_CELLS"
    )
    problems = []
    for name in executed:
        a, b = (first / name).read_text(), (second / name).read_text()
        if a == b:
            continue
        if masked_timings(a) != masked_timings(b):
            module = name.split("/")[2]
            chunks = (a.count('"output_type": "stream"'), b.count('"output_type": "stream"'))
            problems.append(
                f"{name}: differs beyond timing numbers (stream outputs: {chunks[0]} vs {chunks[1]}; "
                f"timing cell: {TIMING_CELLS.get(module, 'none')})"
            )
    assert problems == [], "\n".join(problems)


# --- an incremental build after random edits == a clean build of the final sources --------------------------

NAMES = ("alpha", "beta")
SOLUTION_VARIANTS = [
    "np.asarray(x) * 2",
    "np.asarray(x) + np.asarray(x)",
    "2 * np.asarray(x)",
    "np.multiply(np.asarray(x), 2)",
]


def source_of(root: Path, name: str) -> Path:
    return root / "modules" / f"{NAMES.index(name) + 1:02d}_{name}" / f"{name}.py"


def replace(path: Path, pattern: str, new: str) -> None:
    text = path.read_text()
    changed, count = re.subn(pattern, new, text, count=1)
    assert count == 1, f"{pattern!r} not in {path}"
    path.write_text(changed)


def insert_cell(path: Path, cell: str, rng: random.Random) -> str:
    """Insert `cell` before the test cell, or at the end of the file."""
    text = path.read_text()
    test_header = '# %% nbgrader={"grade": true'
    if rng.random() < 0.5:
        text = text.replace(test_header, cell + "\n" + test_header, 1)
        where = "before the test cell"
    else:
        text = text.rstrip("\n") + "\n\n" + cell
        where = "at the end"
    path.write_text(text)
    return where


def edit_markdown(root: Path, rng: random.Random, step: int) -> str:
    name = rng.choice(NAMES)
    replace(source_of(root, name), r"(?<=# Mini\n)[^\n]*", f"Prose rewritten at step {step}: {rng.randrange(10**6)}.")
    return f"markdown text of {name}"


def edit_solution(root: Path, rng: random.Random, step: int) -> str:
    name = rng.choice(NAMES)
    path = source_of(root, name)
    current = re.search(r"_doubled = (.*)", path.read_text())[1]
    variant = rng.choice([v for v in SOLUTION_VARIANTS if v != current])
    replace(path, r"(?<=_doubled = ).*", variant.replace("\\", "\\\\"))
    return f"solution region of {name} -> {variant}"


def edit_visible(root: Path, rng: random.Random, step: int) -> str:
    name = rng.choice(NAMES)
    if rng.random() < 0.5:
        k = rng.randrange(1, 50)
        replace(source_of(root, name), r"assert double\(\d+\) == \d+", f"assert double({k}) == {2 * k}")
        return f"visible test of {name}: double({k})"
    replace(source_of(root, name), r"(?<=TODO: )[^\n]*", f"multiply x by two (step {step}).")
    return f"visible docstring of {name}"


def add_markdown_cell(root: Path, rng: random.Random, step: int) -> str:
    name = rng.choice(NAMES)
    if rng.random() < 0.5:
        cell = f'# %% [markdown]\n"""\n## Note {step}\nAdded at step {step}.\n"""\n'
    else:
        cell = f"# %% [markdown]\n# ## Note {step}\n# Added at step {step}.\n"
    return f"new markdown cell in {name}, {insert_cell(source_of(root, name), cell, rng)}"


def add_code_cell(root: Path, rng: random.Random, step: int) -> str:
    name = rng.choice(NAMES)
    meta = f'{{"grade": false, "grade_id": "extra-{step}", "locked": false, "schema_version": 3, "solution": false}}'
    export = rng.random() < 0.5
    body = (
        f"#| export\nextra_{step} = {step} * 2\n"
        if export
        else f'extra_{step} = {step} * 3\nprint("extra", extra_{step})\n'
    )
    cell = f"# %% nbgrader={meta}\n{body}"
    return f"new {'exported ' if export else ''}code cell in {name}, {insert_cell(source_of(root, name), cell, rng)}"


def toggle_outputs(root: Path, rng: random.Random, step: int) -> str:
    path = root / "course.yaml"
    text = path.read_text()
    if "outputs: [notebook, python]" in text:
        path.write_text(text.replace("outputs: [notebook, python]", "outputs: [notebook]"))
        return "course.yaml outputs -> [notebook]"
    path.write_text(text.replace("outputs: [notebook]", "outputs: [notebook, python]"))
    return "course.yaml outputs -> [notebook, python]"


def toggle_archive(root: Path, rng: random.Random, step: int) -> str:
    path = root / "course.yaml"
    text = path.read_text()
    if "archive: tar.gz" in text:
        path.write_text(text.replace("archive: tar.gz", "archive: zip"))
        return "course.yaml archive -> zip"
    if "archive: zip" in text:
        path.write_text(text.replace("archive: zip", "archive: tar.gz"))
    else:
        path.write_text(text.replace("course: Mini\n", "course: Mini\narchive: tar.gz\n"))
    return "course.yaml archive -> tar.gz"


def touch(root: Path, rng: random.Random, step: int) -> str:
    path = rng.choice([root / "course.yaml", *(source_of(root, n) for n in NAMES)])
    later = path.stat().st_mtime + 100 + step
    os.utime(path, (later, later))
    return f"touch {path.relative_to(root)}"


EDITS = (
    edit_markdown,
    edit_solution,
    edit_visible,
    add_markdown_cell,
    add_code_cell,
    toggle_outputs,
    toggle_archive,
    touch,
)


def no_longer_produced(name: str, final_yaml: str) -> bool:
    """A build file the final course.yaml does not produce: a .py version once `python` left the outputs,
    or the archive in the format not chosen."""
    if re.fullmatch(r"build/(student|solution|public-solution)/[^/]+/[^/]+\.py", name):
        return "python" not in re.search(r"^outputs: (.*)$", final_yaml, re.M)[1]
    archive = "tar.gz" if "archive: tar.gz" in final_yaml else "zip"
    return bool(re.fullmatch(r"build/archives/[^/]+-student\.(zip|tar\.gz)", name)) and not name.endswith(archive)


@pytest.fixture(scope="module")
def built_mini(tmp_path_factory) -> Path:
    """The mini course, built once: each seed starts from a copy of it, doit state included (as a CI cache would
    restore it; tests/test_graph.py checks such a copy is up to date)."""
    root = write_mini_course(tmp_path_factory.mktemp("mini") / "course", names=NAMES)
    result = run_doit(root, "-n", "2")
    assert result.returncode == 0, result.output
    return root


def play(root: Path, seed: int):
    """The edits of `seed`, one at a time: yields (edit, description) after applying each to `root`."""
    rng = random.Random(seed)
    for step in range(1, 5):
        edit = rng.choice(EDITS)
        yield edit, edit(root, rng, step)


def sources(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted([root / "course.yaml", *(root / "modules").rglob("*.py")])
    }


@pytest.mark.parametrize("seed", [41, 43])  # together: every kind of edit in EDITS
def test_an_incremental_build_after_random_edits_equals_a_clean_build(built_mini, tmp_path, seed):
    # the clean build of the final sources runs in the background while the incremental one goes step by step
    clean = write_mini_course(tmp_path / "clean", names=NAMES)
    for _ in play(clean, seed):
        pass
    clean_run = start_doit(clean, "-n", "2")
    root = tmp_path / "incremental"
    shutil.copytree(built_mini, root)
    log = []
    try:
        for edit, what in play(root, seed):
            result = run_doit(root, "-n", "2")
            log.append(f"{len(log) + 1}. {what}: ran {sorted(result.ran)}")
            assert result.returncode == 0, "\n".join(log) + "\n" + result.output[-3000:]
            if edit is touch:  # same bytes: doit's md5 check reruns nothing
                assert result.ran == set(), "\n".join(log)
    finally:
        result = finish(clean_run)
    assert result.returncode == 0, result.output
    assert sources(root) == sources(clean), "the two directories were edited differently"

    only_incremental, only_clean, differing = tree_diff(root, clean)
    final_yaml = (root / "course.yaml").read_text()
    lingering = [name for name in only_incremental if no_longer_produced(name, final_yaml)]
    history = "\n".join(log)
    extra = [n for n in only_incremental if n not in lingering]
    assert extra == [], f"files only the incremental build has: {extra}\nafter:\n{history}"
    assert only_clean == [], f"files the incremental build misses: {only_clean}\nafter:\n{history}"
    assert differing == [], f"incremental != clean build in {differing}\nafter:\n{history}"
    pruned = run_doit(root, "prune")
    assert pruned.returncode == 0, pruned.output
    assert (
        sorted(out.split("prune: removed ", 1)[1] for out in pruned.stdout.splitlines() if "prune: removed " in out)
        == lingering
    )
    assert tree_diff(root, clean) == ([], [], []), "after `doit prune` the incremental build is the clean build"
    assert run_doit(root).ran == set(), "pruning removed nothing a task needs"


def test_a_markdown_only_edit_leaves_no_stale_output(built_mini, tmp_path):
    """A markdown-only edit (new prose, a new markdown cell) executes nothing (validate, check_student and
    export are keyed on the code cells' digest, tests/test_graph.py), so none of their outputs may hold what
    the digest leaves out (build/executed/NN/x.ipynb, build/checks/NN/student-check.json, tinytorch/<target>.py
    must not hold markdown text or count markdown cells). Were any of them to, the incremental build would
    differ from a clean build of the same sources, and this fails."""

    def edit(root: Path) -> None:
        path = source_of(root, "alpha")
        replace(path, r"(?<=# Mini\n)[^\n]*", "Prose rewritten, code untouched.")
        imports = '# %% nbgrader={"grade": false, "grade_id": "mini-imports"'
        path.write_text(
            path.read_text().replace(imports, "# %% [markdown]\n# A new note before the code.\n\n" + imports, 1)
        )

    clean = write_mini_course(tmp_path / "clean", names=NAMES)
    edit(clean)
    clean_run = start_doit(clean, "-n", "2")
    root = tmp_path / "incremental"
    shutil.copytree(built_mini, root)
    edit(root)
    result = run_doit(root, "-n", "2")
    assert finish(clean_run).returncode == 0
    assert result.returncode == 0 and result.ran == {
        "lint:alpha",
        "student:alpha",
        "solution:alpha",
        "archive:alpha",
    }, result.output
    assert tree_diff(root, clean) == ([], [], [])
