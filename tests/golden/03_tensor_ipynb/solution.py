# %% [markdown]
"""
# Module 01: A Small Tensor

We build a tiny `Tensor` that wraps a NumPy array and supports the
operations every later module needs: element-wise arithmetic, matrix
multiplication and a reduction.

$$y = xW + b$$
"""

# %% nbgrader={"grade": false, "grade_id": "tensor-imports", "locked": false, "schema_version": 3, "solution": false}
#| default_exp core.tensor
#| export
import numpy as np


# %% [markdown]
# ## 1. Unwrapping operands
#
# Operators accept either another `Tensor` or a plain number. The helper
# below is given to you complete: read it, you will use it everywhere.

# %% nbgrader={"grade": false, "grade_id": "tensor-helpers", "locked": false, "schema_version": 3, "solution": true}
#| export
def _data_of(value):
    """The NumPy data behind `value`: a Tensor's array, or the value as float32."""
    if isinstance(value, Tensor):
        return value.data
    return np.asarray(value, dtype=np.float32)


# %% [markdown]
"""
## 2. The `Tensor` class

Each method below has a **TODO** and a **HINT** in its docstring.
"""


# %% nbgrader={"grade": false, "grade_id": "tensor-class", "locked": false, "schema_version": 3, "solution": true}
#| export
class Tensor:
    """An n-dimensional array of float32 numbers."""

    def __init__(self, data):
        """Store `data` as a float32 NumPy array.

        TODO: Convert `data` with np.asarray and keep it in `self.data`.

        HINT: pass dtype=np.float32.
        """
        self.data = np.asarray(data, dtype=np.float32)

    @property
    def shape(self):
        return self.data.shape

    def __add__(self, other):
        """Element-wise sum with broadcasting.

        TODO: Return a new Tensor holding self.data + other's data.

        HINT: unwrap `other` with `_data_of(other)` first.
        """
        return Tensor(self.data + _data_of(other))

    def __mul__(self, other):
        """Element-wise product.

        TODO: Return a new Tensor holding the element-wise product.
        """
        product = self.data * _data_of(other)
        return Tensor(product)

    def matmul(self, other):
        """Matrix product `self @ other`.

        TODO: Check the inner dimensions, then multiply.

        HINT: raise ValueError naming both shapes when they do not match.
        """
        if self.shape[-1] != other.shape[0]:
            raise ValueError(f"cannot multiply {self.shape} by {other.shape}")
        return Tensor(self.data @ other.data)

    def sum(self, axis=None):
        """Sum of the elements, over `axis` or all of them.

        HINT: np.sum takes the same `axis` argument.
        """
        return Tensor(np.sum(self.data, axis=axis))


# %% [markdown]
# ## 3. Tests
# The tests below check values against NumPy.

# %% nbgrader={"grade": true, "grade_id": "test-tensor-arith", "locked": true, "points": 5, "schema_version": 3, "solution": false}
def test_unit_arith():
    a = Tensor([1, 2, 3])
    assert (a + 1).data.tolist() == [2, 3, 4]
    assert (a * a).data.tolist() == [1, 4, 9]
    assert (a + Tensor([[1], [2]])).shape == (2, 3)
    assert (a * 0.5).data.dtype == np.float32
    print("arith OK")

if __name__ == "__main__":
    test_unit_arith()


# %% nbgrader={"grade": true, "grade_id": "test-tensor-matmul", "locked": true, "points": 5, "schema_version": 3, "solution": false}
def test_unit_matmul():
    x = Tensor(np.ones((2, 3)))
    w = Tensor(np.ones((3, 4)))
    assert x.matmul(w).shape == (2, 4)
    try:
        w.matmul(w)
    except ValueError as error:
        assert "(3, 4)" in str(error)
    else:
        raise AssertionError("expected a ValueError for mismatched shapes")
    assert float(Tensor([[1, 2], [3, 4]]).sum().data) == 10.0
    print("matmul OK")

if __name__ == "__main__":
    test_unit_matmul()

# %% nbgrader={"grade": false, "grade_id": "instructor-note", "locked": false, "schema_version": 3, "solution": false}
# Instructor check: the reference solution gives these exact values.
REFERENCE_SUM = float(Tensor(np.arange(6).reshape(2, 3)).sum().data)
assert REFERENCE_SUM == 15.0, REFERENCE_SUM


# %% nbgrader={"grade": true, "grade_id": "test-module", "locked": true, "points": 2, "schema_version": 3, "solution": false}
def test_module():
    test_unit_arith()
    test_unit_matmul()
    print("Module 01 OK")

if __name__ == "__main__":
    test_module()
