# %% [markdown]
"""
# Module 01: A Small Tensor

We build a tiny `Tensor` that wraps a NumPy array and supports the
operations every later module needs: element-wise arithmetic, matrix
multiplication and a reduction.

$$y = xW + b$$
"""

# %%
# Lets "Run All" go on past the exercises you have not written yet: a test that reaches one prints
# "not implemented yet: ..." instead of stopping the notebook. It still counts as not passed
# (tito module complete, grading). How it works: tito/runall.py in your repository.
try:
    import tito.runall
except ImportError:  # not set up yet (python3 -m tito setup): Run All stops at the first exercise
    pass
else:  # this notebook's exercises as the course made them (what, where, the message of its stub)
    tito.runall.exercises(
        ('Tensor.__init__', 'Tensor.__init__', 'Tensor.__init__ (module 01_tensor) is not implemented yet: replace this line with your code. See the TODO and HINT in its docstring.'),
        ('Tensor.__add__', 'Tensor.__add__', 'Tensor.__add__ (module 01_tensor) is not implemented yet: replace this line with your code. See the TODO and HINT in its docstring.'),
        ('Tensor.__mul__', 'Tensor.__mul__', 'Tensor.__mul__ (module 01_tensor) is not implemented yet: replace this line with your code. See the TODO in its docstring.'),
        ('Tensor.matmul', 'Tensor.matmul', 'Tensor.matmul (module 01_tensor) is not implemented yet: replace this line with your code. See the TODO and HINT in its docstring.'),
        ('Tensor.sum', 'Tensor.sum', 'Tensor.sum (module 01_tensor) is not implemented yet: replace this line with your code. See the HINT in its docstring.'),
    )

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
        raise NotImplementedError("Tensor.__init__ (module 01_tensor) is not implemented yet: replace this line with your code. See the TODO and HINT in its docstring.")

    @property
    def shape(self):
        return self.data.shape

    def __add__(self, other):
        """Element-wise sum with broadcasting.

        TODO: Return a new Tensor holding self.data + other's data.

        HINT: unwrap `other` with `_data_of(other)` first.
        """
        raise NotImplementedError("Tensor.__add__ (module 01_tensor) is not implemented yet: replace this line with your code. See the TODO and HINT in its docstring.")

    def __mul__(self, other):
        """Element-wise product.

        TODO: Return a new Tensor holding the element-wise product.
        """
        raise NotImplementedError("Tensor.__mul__ (module 01_tensor) is not implemented yet: replace this line with your code. See the TODO in its docstring.")

    def matmul(self, other):
        """Matrix product `self @ other`.

        TODO: Check the inner dimensions, then multiply.

        HINT: raise ValueError naming both shapes when they do not match.
        """
        raise NotImplementedError("Tensor.matmul (module 01_tensor) is not implemented yet: replace this line with your code. See the TODO and HINT in its docstring.")

    def sum(self, axis=None):
        """Sum of the elements, over `axis` or all of them.

        HINT: np.sum takes the same `axis` argument.
        """
        raise NotImplementedError("Tensor.sum (module 01_tensor) is not implemented yet: replace this line with your code. See the HINT in its docstring.")


# %% [markdown]
# ## 3. Tests
# The tests below check values against NumPy.

# %% nbgrader={"grade": true, "grade_id": "test-tensor-arith", "locked": true, "points": 5, "schema_version": 3, "solution": false}
def test_unit_arith():
    a = Tensor([1, 2, 3])
    assert (a + 1).data.tolist() == [2, 3, 4]
    assert (a * a).data.tolist() == [1, 4, 9]
    print("arith OK")

if __name__ == "__main__":
    test_unit_arith()


# %% nbgrader={"grade": true, "grade_id": "test-tensor-matmul", "locked": true, "points": 5, "schema_version": 3, "solution": false}
def test_unit_matmul():
    x = Tensor(np.ones((2, 3)))
    w = Tensor(np.ones((3, 4)))
    assert x.matmul(w).shape == (2, 4)
    print("matmul OK")

if __name__ == "__main__":
    test_unit_matmul()


# %% nbgrader={"grade": true, "grade_id": "test-module", "locked": true, "points": 2, "schema_version": 3, "solution": false}
def test_module():
    test_unit_arith()
    test_unit_matmul()
    print("Module 01 OK")

if __name__ == "__main__":
    test_module()
