"""tasks/course/release_settings.py: the installed-kernel check of course.yaml's execution.kernel (the tag and
branch rules are held by tests/test_bad_input.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tasks.course.release_settings import kernel_problem, kernelspec_on_disk

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def kernel_path(tmp_path, monkeypatch):
    """A Jupyter kernel folder on JUPYTER_PATH with a kernel `mine`, a folder `Mixed` (listed as `mixed`), a
    folder without kernel.json and one whose name jupyter_client refuses."""
    kernels = tmp_path / "share" / "kernels"
    for name in ("mine", "Mixed", "bad name"):
        (kernels / name).mkdir(parents=True)
        (kernels / name / "kernel.json").write_text(json.dumps({"argv": ["python"], "display_name": name}))
    (kernels / "empty").mkdir()
    (kernels / "kernel.json").write_text("{}")  # a stray kernel.json: the folder itself is no kernel `.`
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "share"))
    return kernels


@pytest.mark.filterwarnings("ignore:Invalid kernelspec directory name")
@pytest.mark.parametrize(
    "name", ["mine", "Mixed", "mixed", "MINE", "bad name", "empty", "nosuch", "python3", ".", ".."]
)
def test_the_quick_check_agrees_with_jupyter_client(kernel_path, name):
    """A kernel the quick look at the kernel folders accepts is one jupyter_client lists; every verdict is
    the same as jupyter_client's."""
    from jupyter_client.kernelspec import KernelSpecManager

    listed = name in KernelSpecManager().find_kernel_specs()
    assert not kernelspec_on_disk(name) or listed
    assert (kernel_problem(name) is None) == listed


@pytest.mark.filterwarnings("ignore:Invalid kernelspec directory name")
def test_a_kernel_on_disk_is_accepted_without_importing_jupyter_client(kernel_path):
    code = (
        "import sys; from tasks.course.release_settings import kernel_problem; "
        "print(kernel_problem('mine'), 'jupyter_client' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["None", "False"]
    assert "not an installed Jupyter kernel" in kernel_problem("nosuch")
