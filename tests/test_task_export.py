"""tasks/graph/task_export.py: the export action writes the package module read-only, and replaces it again."""

from __future__ import annotations

import stat

from conftest import write_mini_course
from tasks.graph.task_export import INIT_TEXT, READ_ONLY, export_action


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_exported_files_are_read_only_and_replaced_on_the_next_export(tmp_path):
    root = write_mini_course(tmp_path / "mini").resolve()
    assert export_action(str(root), "alpha") is None
    exported = root / "tinytorch/core/alpha.py"
    assert mode(exported) == READ_ONLY == 0o444
    assert (root / "tinytorch/core/__init__.py").read_text() == INIT_TEXT
    source = root / "modules/01_alpha/alpha.py"
    source.write_text(
        source.read_text().replace("alpha_doubled = np.asarray(x) * 2", "alpha_doubled = np.asarray(x) + x")
    )
    assert export_action(str(root), "alpha") is None
    assert "np.asarray(x) + x" in exported.read_text() and mode(exported) == 0o444
