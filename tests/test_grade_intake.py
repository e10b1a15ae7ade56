"""Submitted files: each kind of bad file is rejected with what it is and what the student must do."""

import json

import pytest

from tasks.grade.intake import MAX_BYTES, Rejected, check_module, check_notebook, check_size


def notebook(*grade_ids, version=4) -> bytes:
    cells = [
        {
            "cell_type": "code",
            "id": f"c{i}",
            "metadata": {"nbgrader": {"grade_id": g}},
            "source": "",
            "outputs": [],
            "execution_count": None,
        }
        for i, g in enumerate(grade_ids)
    ]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": version, "nbformat_minor": 5}).encode()


GRADE_IDS = {"tensor": frozenset({"tensor-class", "test-tensor"}), "losses": frozenset({"mse", "test-mse"})}


def test_a_good_notebook_is_accepted_with_its_bytes():
    data = notebook("tensor-class", "test-tensor")
    accepted = check_notebook("tensor.ipynb", data)
    assert accepted.data == data and accepted.grade_ids == {"tensor-class", "test-tensor"}
    check_module(accepted, "tensor", GRADE_IDS)


@pytest.mark.parametrize(
    "name, data, says",
    [
        ("tensor.ipynb", b"", "is empty"),
        ("tensor.ipynb", b'{"cells": [', "is not valid JSON (line 1"),
        ("tensor.py", b"# %%\nimport numpy\n", "is a Python file"),
        ("tensor.ipynb", b"import numpy as np\n", "is a Python file"),
        ("tensor.ipynb", notebook("x", version=3), "nbformat version 3"),
        ("tensor.ipynb", b"[1, 2]", "not a notebook"),
        ("tensor.ipynb", b"\xff\xfe\x00", "not UTF-8"),
    ],
)
def test_bad_files_are_rejected_with_the_reason(name, data, says):
    with pytest.raises(Rejected, match=None) as error:
        check_notebook(name, data)
    assert says in str(error.value)


def test_a_submission_over_the_size_limit_is_rejected_before_reading():
    with pytest.raises(Rejected, match="MB, more than"):
        check_size(50 * 1024 * 1024)
    check_size(MAX_BYTES)


def test_a_notebook_of_another_module_is_named():
    with pytest.raises(Rejected, match="notebook of module 'losses', not of 'tensor'"):
        check_module(check_notebook("tensor.ipynb", notebook("mse", "test-mse")), "tensor", GRADE_IDS)
    with pytest.raises(Rejected, match="none of module 'tensor'"):
        check_module(check_notebook("tensor.ipynb", notebook("other")), "tensor", GRADE_IDS)
