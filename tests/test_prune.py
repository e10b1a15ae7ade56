"""tasks/task_prune.py: `doit prune` removes exactly the outputs no task produces any more."""

from __future__ import annotations

import re

from conftest import run_doit, write_mini_course


def removed(result) -> list[str]:
    return sorted(
        line.split("prune: removed ", 1)[1] for line in result.stdout.splitlines() if "prune: removed " in line
    )


def files(root, *folders) -> set[str]:
    return {
        str(p.relative_to(root))
        for f in folders
        for p in (root / f).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_dropped_outputs_and_a_changed_archive_format_are_pruned_and_nothing_else(tmp_path):
    root = write_mini_course(tmp_path / "mini")
    assert run_doit(root, "student", "solution", "export", "archive").returncode == 0
    course_yaml = root / "course.yaml"
    course_yaml.write_text(
        course_yaml.read_text().replace("outputs: [notebook, python]", "outputs: [notebook]\narchive: tar.gz")
    )
    assert run_doit(root, "student", "solution", "export", "archive").returncode == 0
    (root / "tinytorch" / "notes.py").write_text("# written by hand: not the export's\n")
    before = files(root, "build", "tinytorch")

    result = run_doit(root, "prune")
    assert result.returncode == 0, result.output
    stale = [
        f"build/{kind}/{n:02d}_{name}/{name}.py"
        for kind in ("public-solution", "solution", "student")
        for n, name in ((1, "alpha"), (2, "beta"))
    ] + ["build/archives/01_alpha-student.zip", "build/archives/02_beta-student.zip"]
    assert removed(result) == sorted(stale)
    assert files(root, "build", "tinytorch") == before - set(stale)
    assert (root / "tinytorch/notes.py").exists() and (root / "build/archives/01_alpha-student.tar.gz").exists()
    assert run_doit(root, "student", "solution", "export", "archive").ran == set()
    assert "prune: nothing to remove" in run_doit(root, "prune").stdout


def test_a_moved_export_and_a_removed_module_leave_nothing_behind(tmp_path):
    root = write_mini_course(tmp_path / "mini")
    assert run_doit(root, "student", "solution", "export").returncode == 0
    beta = root / "modules/02_beta/beta.py"
    beta.write_text(beta.read_text().replace("#| default_exp core.beta", "#| default_exp extra.beta"))
    assert run_doit(root, "export").returncode == 0
    assert (root / "tinytorch/extra/beta.py").exists() and (root / "tinytorch/core/beta.py").exists()

    result = run_doit(root, "prune")
    assert result.returncode == 0, result.output
    assert removed(result) == ["tinytorch/core/beta.py"]
    assert (root / "tinytorch/core/alpha.py").exists() and (root / "tinytorch/extra/__init__.py").exists()

    course_yaml = root / "course.yaml"
    text = course_yaml.read_text()
    course_yaml.write_text(text[: text.index("  - name: beta")])
    result = run_doit(root, "prune")
    assert result.returncode == 0, result.output
    assert "tinytorch/extra/beta.py" in removed(result) and "build/student/02_beta/beta.ipynb" in removed(result)
    assert not (root / "tinytorch/extra").exists() and not (root / "build/student/02_beta").exists(), (
        "empty folders go too"
    )


def test_prune_refuses_while_an_export_target_is_unknown(tmp_path):
    root = write_mini_course(tmp_path / "mini")
    assert run_doit(root, "student", "solution", "export").returncode == 0
    course_yaml = root / "course.yaml"
    course_yaml.write_text(course_yaml.read_text().replace("outputs: [notebook, python]", "outputs: [notebook]"))
    beta = root / "modules/02_beta/beta.py"
    beta.write_text(re.sub(r"#\| default_exp core\.beta\n", "", beta.read_text()))
    before = files(root, "build", "tinytorch")
    result = run_doit(root, "prune")
    assert result.returncode != 0
    assert "nothing was pruned" in result.output and "modules/02_beta/beta.py" in result.output
    assert files(root, "build", "tinytorch") == before
