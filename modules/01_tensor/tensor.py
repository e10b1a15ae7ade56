# %% [markdown]
"""
# Module 01: Tensor - The Data Structure Behind Every Model

Welcome to TinyTorch! Over the next modules you will build a small but real deep
learning framework, one piece at a time, using nothing but Python and NumPy.
Everything starts here, with the **tensor**: the container that holds inputs,
weights, activations, gradients and losses.

## What you will build

A `Tensor` class that:

- wraps a NumPy array of `float32` numbers,
- knows its `shape`, `size`, `ndim` and `dtype`,
- supports element-wise arithmetic (`+ - * / **` and unary `-`) with broadcasting,
- supports matrix multiplication (`a @ b`),
- can be reshaped and transposed,
- can be reduced with `sum`, `mean` and `max`.

## Why this matters

A neural network is, at its core, a long chain of tensor operations. The linear
layer in Module 03 is `x @ W + b`. The losses in Module 04 are sums and means.
Autograd in Module 05 will attach a gradient rule to each of the operations you
write today. If the tensor is wrong, everything built on top of it is wrong, so
we test it carefully.

## Learning objectives

1. Understand a tensor as "an n-dimensional array plus a shape".
2. Implement element-wise arithmetic and understand NumPy broadcasting.
3. Implement matrix multiplication with a helpful shape check.
4. Implement shape manipulation (reshape, transpose) and reductions.
5. Reason about memory and compute cost of these operations.

Build -> Use -> Understand: we implement each operation, use it in tests and a
tiny "forward pass", then look at what it costs.
"""

# %% nbgrader={"grade": false, "grade_id": "tensor-imports", "locked": false, "schema_version": 3, "solution": false}
#| default_exp core.tensor
#| export
import numpy as np

# %% [markdown]
"""
## 1. What is a tensor?

A tensor is a generalisation of familiar objects to any number of dimensions:

| rank (`ndim`) | name   | example shape | typical use in deep learning              |
|---------------|--------|---------------|-------------------------------------------|
| 0             | scalar | `()`          | a loss value                              |
| 1             | vector | `(3,)`        | a bias, one feature vector                |
| 2             | matrix | `(32, 784)`   | a batch of 32 flattened 28x28 images      |
| 3             | -      | `(32, 10, 64)`| a batch of sequences of embeddings        |
| 4             | -      | `(32, 3, 28, 28)` | a batch of colour images              |

Two numbers describe the container:

- the **shape**, a tuple with the length of each axis, and
- the **size**, the total number of elements (the product of the shape).

Under the hood the elements live in one contiguous block of memory. The shape
only tells us how to *interpret* that block. This is why `reshape` is usually
free (no data is copied) while arithmetic always allocates a new block.

### Why float32?

Deep learning almost always uses 32-bit floats. They take half the memory of
64-bit floats and are much faster on real hardware, while the extra precision of
float64 rarely helps training. Our `Tensor` therefore always stores `float32`,
whatever you hand it (Python lists, ints, float64 arrays).
"""

# %% [markdown]
"""
## 2. Design of our `Tensor`

Our class is deliberately thin. It keeps exactly three attributes:

- `data`: a `np.ndarray` of dtype `float32` holding the numbers,
- `requires_grad`: a flag saying whether gradients should be tracked,
- `grad`: the gradient, `None` for now.

`requires_grad` and `grad` are **dormant** in this module: we only store them.
Module 05 (autograd) brings them to life.

Every operation follows the same recipe:

1. get the NumPy array(s) out of the operand(s),
2. let NumPy do the computation,
3. wrap the result in a **new** `Tensor`.

We never modify a tensor in place, and we keep no other state. This makes the
operations easy to reason about, and it is exactly the shape autograd needs:
every operation produces a fresh output from its inputs.

The right-hand operand may be another `Tensor` *or* a plain number or NumPy
array, so that `t * 2` and `t + np.ones(3)` both work. A small helper,
`_data_of`, unwraps either kind into a NumPy array. It is given to you.

### Letting `2 * t` and `np_array + t` work

`t * 2` calls `t.__mul__(2)`. But `2 * t` first asks the integer to do the
work; the integer does not know about tensors, so Python then calls the
*reflected* method `t.__rmul__(2)`. That is why we implement `__radd__`,
`__rsub__`, `__rmul__` and `__rtruediv__`.

NumPy arrays are greedier: `np.ones(3) + t` would happily try to treat our
tensor as a generic Python object. Setting the class attribute
`__array_ufunc__ = None` tells NumPy to step aside, so Python falls back to
our `__radd__`.
"""

# %% [markdown]
"""
## 3. Arithmetic and broadcasting

Element-wise operations combine entries at the same position:
`[1, 2, 3] + [10, 20, 30] = [11, 22, 33]`.

When the shapes differ, NumPy **broadcasts**. Compare the shapes from the
right; two axes are compatible when they are equal or when one of them is 1
(missing axes count as 1). The size-1 axis is "stretched" without copying.

```
x:      (32, 10)      a batch of 32 outputs with 10 features
b:          (10,)     one bias per feature
x + b:  (32, 10)      the bias is added to every row
```

```
col:    (3, 1)
row:    (1, 4)
col*row:(3, 4)        an outer product by broadcasting
```

Broadcasting is how a single bias vector is added to a whole batch in Module 03,
so it is worth getting comfortable with it now.
"""

# %% [markdown]
# ## 4. Matrix multiplication
#
# For `A` with shape `(m, k)` and `B` with shape `(k, n)`, the product `C = A @ B`
# has shape `(m, n)` and
#
# $$C_{ij} = \sum_{p=1}^{k} A_{ip} B_{pj}.$$
#
# The **inner** dimensions must agree (`k == k`). Getting this wrong is the single
# most common bug in deep learning code, so our `matmul` raises a `ValueError`
# whose message shows both shapes. `np.matmul` also supports batches: a
# `(batch, m, k)` tensor times a `(k, n)` matrix gives `(batch, m, n)`.
# 1-D operands are treated as vectors, so `(m, k) @ (k,)` gives `(m,)`.
#
# Cost: each of the `m * n` outputs needs `k` multiplies and `k` adds, so a
# matmul costs about `2 * m * k * n` floating point operations (FLOPs).

# %% [markdown]
"""
## 5. Shape manipulation

- `reshape(*shape)` reinterprets the same elements with a new shape. The total
  size must not change. One axis may be `-1`, meaning "whatever is left".
  We accept both `t.reshape(2, 3)` and `t.reshape((2, 3))`.
- `transpose()` swaps the **last two** axes: `(m, n) -> (n, m)` and
  `(b, m, n) -> (b, n, m)`. A 1-D tensor has only one axis, so it comes back
  unchanged.

## 6. Reductions

A reduction collapses one or more axes into a single number:

- `sum(axis=None, keepdims=False)`, `mean(...)`, `max(...)`.
- `axis=None` reduces over everything and gives a 0-d (scalar) tensor.
- `axis=0` on a `(batch, features)` tensor gives one value per feature.
- `keepdims=True` keeps the reduced axis with length 1, so the result still
  broadcasts against the input. You will use this in Module 02 for a stable
  softmax: `x - x.max(axis=-1, keepdims=True)`.

Now implement the class. The constructor, the properties and `__repr__` are
given; everything else is yours. Read the TODO and HINT in each docstring.
"""

# %% nbgrader={"grade": false, "grade_id": "tensor-class", "locked": false, "schema_version": 3, "solution": true}
#| export
def _data_of(value):
    """Return the NumPy array behind `value`.

    `value` may be a Tensor (we return its `.data`), or anything NumPy can turn
    into an array (a Python number, a list, a NumPy scalar or array).
    """
    if isinstance(value, Tensor):
        return value.data
    return np.asarray(value, dtype=np.float32)


class Tensor:
    """An n-dimensional array of float32 numbers with a small, NumPy-backed API.

    Every operation returns a NEW Tensor; inputs are never modified.
    `requires_grad` and `grad` are stored now and used by autograd (Module 05).
    """

    # Make NumPy defer to our reflected operators, so `np_array + tensor`
    # calls Tensor.__radd__ instead of building an array of objects.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False):
        """Create a tensor from a number, a (nested) list, a NumPy array or a Tensor."""
        if isinstance(data, Tensor):
            data = data.data
        self.data = np.asarray(data, dtype=np.float32)
        self.requires_grad = requires_grad
        self.grad = None

    # ------------------------------------------------------------------
    # Properties and conversion (given)
    # ------------------------------------------------------------------
    @property
    def shape(self):
        """Tuple with the length of every axis, e.g. (2, 3)."""
        return self.data.shape

    @property
    def size(self):
        """Total number of elements (product of the shape)."""
        return int(self.data.size)

    @property
    def ndim(self):
        """Number of axes (0 for a scalar)."""
        return self.data.ndim

    @property
    def dtype(self):
        """NumPy dtype of the stored data (always float32)."""
        return self.data.dtype

    def numpy(self):
        """Return the underlying NumPy array."""
        return self.data

    def __repr__(self):
        return f"Tensor({self.data}, shape={self.shape})"

    def __len__(self):
        """Length of the first axis, like len() of a list or array."""
        return len(self.data)

    # ------------------------------------------------------------------
    # Element-wise arithmetic
    # ------------------------------------------------------------------
    def __add__(self, other):
        """Element-wise addition `self + other`, with broadcasting.

        TODO: Return a new Tensor holding the sum of self's data and other's data.

        HINT: `other` may be a Tensor or a plain number/array. `_data_of(other)`
        gives you a NumPy array either way; NumPy's `+` does the broadcasting.
        """
        ### BEGIN SOLUTION
        return Tensor(self.data + _data_of(other))
        ### END SOLUTION

    def __radd__(self, other):
        """`other + self` when `other` is not a Tensor (addition commutes)."""
        return self.__add__(other)

    def __sub__(self, other):
        """Element-wise subtraction `self - other`, with broadcasting.

        TODO: Return a new Tensor holding self's data minus other's data.

        HINT: Same pattern as `__add__`; the order of the operands matters here.
        """
        ### BEGIN SOLUTION
        return Tensor(self.data - _data_of(other))
        ### END SOLUTION

    def __rsub__(self, other):
        """`other - self` when `other` is not a Tensor (note the order)."""
        return Tensor(_data_of(other) - self.data)

    def __mul__(self, other):
        """Element-wise (Hadamard) product `self * other`, with broadcasting.

        TODO: Return a new Tensor holding the element-wise product.

        HINT: This is NOT matrix multiplication; NumPy's `*` is element-wise.
        """
        ### BEGIN SOLUTION
        return Tensor(self.data * _data_of(other))
        ### END SOLUTION

    def __rmul__(self, other):
        """`other * self` when `other` is not a Tensor (multiplication commutes)."""
        return self.__mul__(other)

    def __truediv__(self, other):
        """Element-wise division `self / other`, with broadcasting.

        TODO: Return a new Tensor holding self's data divided by other's data.

        HINT: Use NumPy's `/`. Division by zero follows IEEE rules (inf or nan);
        we do not special-case it.
        """
        ### BEGIN SOLUTION
        return Tensor(self.data / _data_of(other))
        ### END SOLUTION

    def __rtruediv__(self, other):
        """`other / self` when `other` is not a Tensor (note the order)."""
        return Tensor(_data_of(other) / self.data)

    def __neg__(self):
        """Unary minus `-self`.

        TODO: Return a new Tensor with every element negated.

        HINT: One NumPy expression on `self.data`; do not modify `self.data`.
        """
        ### BEGIN SOLUTION
        return Tensor(-self.data)
        ### END SOLUTION

    def __pow__(self, exponent):
        """Element-wise power `self ** exponent` for a scalar exponent.

        TODO: Return a new Tensor with every element raised to `exponent`.
              Raise a TypeError if `exponent` is not a single number.

        HINT: `np.ndim(exponent) != 0` detects arrays/lists; a Tensor exponent
        is not supported either. Then use NumPy's `**` on `self.data`.
        """
        ### BEGIN SOLUTION
        if isinstance(exponent, Tensor) or np.ndim(exponent) != 0:
            raise TypeError(
                f"Tensor.__pow__ supports a scalar exponent only, got {type(exponent).__name__}"
            )
        return Tensor(self.data ** exponent)
        ### END SOLUTION

    # ------------------------------------------------------------------
    # Matrix multiplication
    # ------------------------------------------------------------------
    def matmul(self, other):
        """Matrix product `self @ other` (2-D, matrix-vector, or batched).

        TODO: 1. Unwrap `other` to a NumPy array `b` (let `a = self.data`).
              2. Raise ValueError if either operand is 0-d (a scalar).
              3. Find the inner dimensions: the last axis of `a`, and the
                 second-to-last axis of `b` (or its only axis if `b` is 1-D).
                 If they differ, raise ValueError with a message that shows
                 both shapes, e.g. "matmul shape mismatch: (2, 3) @ (4, 5):
                 inner dimensions 3 and 4 must match".
              4. Return a new Tensor holding `np.matmul(a, b)`.

        HINT: `b.shape[-2] if b.ndim >= 2 else b.shape[0]`. np.matmul itself
        handles batches (leading axes are broadcast).
        """
        ### BEGIN SOLUTION
        a = self.data
        b = _data_of(other)
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(
                f"matmul needs at least 1-D operands, got shapes {a.shape} and {b.shape}; "
                "use * to multiply by a scalar"
            )
        inner_a = a.shape[-1]
        inner_b = b.shape[-2] if b.ndim >= 2 else b.shape[0]
        if inner_a != inner_b:
            raise ValueError(
                f"matmul shape mismatch: {a.shape} @ {b.shape}: "
                f"inner dimensions {inner_a} and {inner_b} must match"
            )
        return Tensor(np.matmul(a, b))
        ### END SOLUTION

    def __matmul__(self, other):
        """The `@` operator: same as `self.matmul(other)`."""
        return self.matmul(other)

    def __rmatmul__(self, other):
        """`array @ tensor` when the left operand is not a Tensor."""
        return Tensor(other).matmul(self)

    # ------------------------------------------------------------------
    # Shape manipulation
    # ------------------------------------------------------------------
    def reshape(self, *shape):
        """Return a new Tensor with the same elements and a new shape.

        Accepts `t.reshape(2, 3)` and `t.reshape((2, 3))`; one axis may be -1.

        TODO: 1. If `shape` holds a single tuple or list, use that as the shape.
              2. Check the request is possible; if not, raise ValueError with a
                 message naming the current shape and the requested one.
              3. Return a new Tensor holding the reshaped data.

        HINT: `np.reshape` handles -1 and raises ValueError for impossible
        shapes; you can catch that and re-raise with a friendlier message.
        """
        ### BEGIN SOLUTION
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        try:
            new_data = np.reshape(self.data, shape)
        except ValueError:
            raise ValueError(
                f"cannot reshape tensor of shape {self.shape} (size {self.size}) into shape {shape}"
            ) from None
        return Tensor(new_data)
        ### END SOLUTION

    def transpose(self):
        """Swap the last two axes: (m, n) -> (n, m), (b, m, n) -> (b, n, m).

        TODO: Return a new Tensor with the last two axes swapped. A tensor
              with fewer than 2 axes is returned unchanged (as a new Tensor).

        HINT: `np.swapaxes(data, -1, -2)`.
        """
        ### BEGIN SOLUTION
        if self.ndim < 2:
            return Tensor(self.data.copy())
        return Tensor(np.swapaxes(self.data, -1, -2))
        ### END SOLUTION

    # ------------------------------------------------------------------
    # Reductions
    # ------------------------------------------------------------------
    def sum(self, axis=None, keepdims=False):
        """Sum of elements over `axis` (all elements if None).

        TODO: Return a new Tensor holding the sum over `axis`, honouring `keepdims`.

        HINT: `np.sum(data, axis=axis, keepdims=keepdims)`.
        """
        ### BEGIN SOLUTION
        return Tensor(np.sum(self.data, axis=axis, keepdims=keepdims))
        ### END SOLUTION

    def mean(self, axis=None, keepdims=False):
        """Arithmetic mean over `axis` (all elements if None).

        TODO: Return a new Tensor holding the mean over `axis`, honouring `keepdims`.

        HINT: `np.mean` has the same `axis` and `keepdims` arguments as `np.sum`.
        """
        ### BEGIN SOLUTION
        return Tensor(np.mean(self.data, axis=axis, keepdims=keepdims))
        ### END SOLUTION

    def max(self, axis=None, keepdims=False):
        """Largest element over `axis` (all elements if None).

        TODO: Return a new Tensor holding the maximum over `axis`, honouring `keepdims`.

        HINT: `np.max`. (Reducing an empty tensor raises ValueError in NumPy;
        that is fine.)
        """
        ### BEGIN SOLUTION
        return Tensor(np.max(self.data, axis=axis, keepdims=keepdims))
        ### END SOLUTION

# %% [markdown]
"""
## 7. Testing as we go

Each test below checks one group of operations against NumPy, including the
edge cases that tend to bite: broadcasting, scalars on the left, inputs that
must stay unchanged, and error messages. Run them one at a time while you work.

### Unit test: creation and properties

This test uses only the given code (constructor, properties, `__repr__`), so
it should pass before you write anything (so it earns no points). It also documents the contract: data
is always float32, `grad` starts as `None`.
"""

# %% nbgrader={"grade": false, "grade_id": "test-tensor-creation", "locked": true, "schema_version": 3, "solution": false}
def test_unit_tensor_creation():
    """Construction from various inputs, properties, repr and len."""
    print("Unit test: tensor creation and properties...")
    # From a Python list of ints: stored as float32.
    t = Tensor([1, 2, 3])
    assert isinstance(t.data, np.ndarray)
    assert t.dtype == np.float32, f"expected float32, got {t.dtype}"
    assert t.shape == (3,) and t.size == 3 and t.ndim == 1
    assert len(t) == 3
    assert t.requires_grad is False and t.grad is None

    # From a scalar: a 0-d tensor.
    s = Tensor(5.0)
    assert s.shape == () and s.ndim == 0 and s.size == 1

    # From a float64 array: converted to float32, values preserved.
    arr = np.arange(6, dtype=np.float64).reshape(2, 3)
    m = Tensor(arr, requires_grad=True)
    assert m.shape == (2, 3) and m.size == 6 and m.ndim == 2 and len(m) == 2
    assert m.dtype == np.float32
    assert m.requires_grad is True and m.grad is None
    assert np.array_equal(m.numpy(), arr.astype(np.float32))
    assert m.numpy() is m.data

    # From another Tensor.
    c = Tensor(m)
    assert c.shape == (2, 3) and np.array_equal(c.data, m.data)

    # repr shows values and shape.
    assert repr(Tensor([1.0, 2.0])) == "Tensor([1. 2.], shape=(2,))", repr(Tensor([1.0, 2.0]))
    print("  creation and properties work")


if __name__ == "__main__":
    test_unit_tensor_creation()

# %% [markdown]
"""
### Unit test: arithmetic

Checks every operator against NumPy, with Tensor, scalar and array operands on
both sides, broadcasting, and that the inputs are left untouched.
"""

# %% nbgrader={"grade": true, "grade_id": "test-tensor-arith", "locked": true, "points": 10, "schema_version": 3, "solution": false}
def test_unit_arithmetic():
    """Element-wise operators, reflected operators and broadcasting."""
    print("Unit test: arithmetic...")
    a = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    b = Tensor([[10.0, 20.0, 30.0], [40.0, 50.0, 60.0]])
    a_before = a.data.copy()

    # Tensor (op) Tensor
    assert np.allclose((a + b).data, a.data + b.data)
    assert np.allclose((a - b).data, a.data - b.data)
    assert np.allclose((a * b).data, a.data * b.data)
    assert np.allclose((a / b).data, a.data / b.data)

    # Results are new float32 Tensors and the inputs did not change.
    r = a + b
    assert isinstance(r, Tensor) and r is not a and r.dtype == np.float32
    assert np.array_equal(a.data, a_before), "an operator modified its input"

    # Tensor (op) scalar and scalar (op) Tensor
    assert np.allclose((a + 1).data, a.data + 1)
    assert np.allclose((1 + a).data, 1 + a.data)
    assert np.allclose((a - 1).data, a.data - 1)
    assert np.allclose((10 - a).data, 10 - a.data), "__rsub__ must compute other - self"
    assert np.allclose((a * 2).data, a.data * 2)
    assert np.allclose((2 * a).data, 2 * a.data)
    assert np.allclose((a / 2).data, a.data / 2)
    assert np.allclose((12 / a).data, 12 / a.data), "__rtruediv__ must compute other / self"

    # Unary minus and power
    assert np.allclose((-a).data, -a.data)
    assert np.allclose((a ** 2).data, a.data ** 2)
    assert np.allclose((a ** 0.5).data, np.sqrt(a.data))
    try:
        a ** Tensor([1.0, 2.0, 3.0])
        raise AssertionError("a Tensor exponent should raise TypeError")
    except TypeError:
        pass

    # Broadcasting: (2, 3) + (3,)
    bias = Tensor([100.0, 200.0, 300.0])
    out = a + bias
    assert out.shape == (2, 3)
    assert np.allclose(out.data, [[101, 202, 303], [104, 205, 306]])
    print("  arithmetic works")
    ### BEGIN HIDDEN TESTS
    # Outer product by broadcasting: (3, 1) * (1, 4) -> (3, 4)
    col = Tensor(np.arange(3).reshape(3, 1))
    row = Tensor(np.arange(4).reshape(1, 4))
    assert (col * row).shape == (3, 4)
    assert np.allclose((col * row).data, np.outer(np.arange(3), np.arange(4)))
    # A NumPy array on the left must defer to the Tensor.
    left = np.ones(3) + bias
    assert isinstance(left, Tensor) and np.allclose(left.data, [101, 201, 301])
    left = np.full(3, 600.0) / bias
    assert isinstance(left, Tensor) and np.allclose(left.data, [6, 3, 2])
    # Results stay float32 even with float64 operands.
    assert (a + np.ones(3, dtype=np.float64)).dtype == np.float32
    # Chained expressions
    z = (a * 2 - 1) / 3 + (-a) ** 2
    assert np.allclose(z.data, (a.data * 2 - 1) / 3 + a.data ** 2, atol=1e-6)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_unit_arithmetic()

# %% [markdown]
"""
### Unit test: matrix multiplication

Besides the values, this test checks the error path: a mismatch must raise a
`ValueError` whose message contains both shapes.
"""

# %% nbgrader={"grade": true, "grade_id": "test-tensor-matmul", "locked": true, "points": 10, "schema_version": 3, "solution": false}
def test_unit_matmul():
    """2-D, matrix-vector and batched matmul, plus shape errors."""
    print("Unit test: matmul...")
    rng = np.random.default_rng(0)
    A = rng.standard_normal((2, 3)).astype(np.float32)
    B = rng.standard_normal((3, 4)).astype(np.float32)

    C = Tensor(A) @ Tensor(B)
    assert isinstance(C, Tensor) and C.shape == (2, 4)
    assert np.allclose(C.data, A @ B, atol=1e-5)
    assert np.allclose(Tensor(A).matmul(Tensor(B)).data, A @ B, atol=1e-5)

    # A small case you can check by hand.
    m = Tensor([[1.0, 2.0], [3.0, 4.0]]) @ Tensor([[5.0, 6.0], [7.0, 8.0]])
    assert np.array_equal(m.data, [[19, 22], [43, 50]])

    # Matrix @ vector, and a NumPy array as right operand.
    v = np.array([1.0, 0.0, -1.0])
    assert np.allclose((Tensor(A) @ v).data, A @ v, atol=1e-5)

    # Batched: (5, 2, 3) @ (3, 4) -> (5, 2, 4)
    X = rng.standard_normal((5, 2, 3)).astype(np.float32)
    out = Tensor(X) @ Tensor(B)
    assert out.shape == (5, 2, 4)
    assert np.allclose(out.data, np.matmul(X, B), atol=1e-5)

    # Shape mismatch raises a helpful ValueError.
    try:
        Tensor(A) @ Tensor(A)
        raise AssertionError("(2, 3) @ (2, 3) should raise ValueError")
    except ValueError as err:
        msg = str(err)
        assert "(2, 3)" in msg, f"error message should show the shapes, got: {msg}"
    print("  matmul works")
    ### BEGIN HIDDEN TESTS
    # Scalars are rejected with ValueError.
    try:
        Tensor(2.0) @ Tensor([1.0, 2.0])
        raise AssertionError("0-d matmul should raise ValueError")
    except ValueError:
        pass
    # Vector @ matrix and vector @ vector
    w = np.array([1.0, 2.0])
    assert np.allclose((Tensor(w) @ Tensor(A)).data, w @ A, atol=1e-5)
    assert np.allclose((Tensor(v) @ Tensor(v)).data, 2.0)
    # Batched @ batched
    Y = rng.standard_normal((5, 3, 6)).astype(np.float32)
    assert np.allclose((Tensor(X) @ Tensor(Y)).data, np.matmul(X, Y), atol=1e-5)
    # Mismatch message for a vector operand
    try:
        Tensor(A) @ Tensor([1.0, 2.0])
        raise AssertionError("(2, 3) @ (2,) should raise ValueError")
    except ValueError as err:
        assert "(2,)" in str(err)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_unit_matmul()

# %% [markdown]
"""
### Unit test: reshape and transpose
"""

# %% nbgrader={"grade": true, "grade_id": "test-tensor-shape", "locked": true, "points": 5, "schema_version": 3, "solution": false}
def test_unit_shape_ops():
    """reshape (varargs, tuple, -1, errors) and transpose (1-D, 2-D, 3-D)."""
    print("Unit test: reshape and transpose...")
    t = Tensor(np.arange(12))
    assert t.reshape(3, 4).shape == (3, 4)
    assert t.reshape((3, 4)).shape == (3, 4)
    assert t.reshape([2, 6]).shape == (2, 6)
    assert t.reshape(2, -1).shape == (2, 6)
    assert t.reshape(-1).shape == (12,)
    r = t.reshape(3, 4)
    assert np.array_equal(r.data, np.arange(12).reshape(3, 4))
    assert t.shape == (12,), "reshape must not change the original tensor"
    try:
        t.reshape(5, 3)
        raise AssertionError("reshaping 12 elements into (5, 3) should raise ValueError")
    except ValueError as err:
        assert "(12,)" in str(err), f"message should show the current shape, got: {err}"

    m = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    mt = m.transpose()
    assert mt.shape == (3, 2)
    assert np.array_equal(mt.data, m.data.T)
    assert m.shape == (2, 3)

    b = Tensor(np.arange(24).reshape(2, 3, 4))
    assert b.transpose().shape == (2, 4, 3)
    assert np.array_equal(b.transpose().data, np.swapaxes(b.data, 1, 2))

    v = Tensor([1.0, 2.0, 3.0])
    assert v.transpose().shape == (3,)
    assert np.array_equal(v.transpose().data, v.data)
    print("  reshape and transpose work")


if __name__ == "__main__":
    test_unit_shape_ops()

# %% [markdown]
"""
### Unit test: reductions
"""

# %% nbgrader={"grade": true, "grade_id": "test-tensor-reduce", "locked": true, "points": 5, "schema_version": 3, "solution": false}
def test_unit_reductions():
    """sum, mean and max with axis=None, an axis, negative axis and keepdims."""
    print("Unit test: reductions...")
    x = np.array([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]], dtype=np.float32)
    t = Tensor(x)

    total = t.sum()
    assert isinstance(total, Tensor) and total.shape == ()
    assert float(total.data) == 21.0
    assert np.allclose(t.sum(axis=0).data, [5, 7, 9])
    assert np.allclose(t.sum(axis=1).data, [9, 12])
    assert t.sum(axis=1, keepdims=True).shape == (2, 1)

    assert np.isclose(float(t.mean().data), 3.5)
    assert np.allclose(t.mean(axis=0).data, [2.5, 3.5, 4.5])
    assert t.mean(axis=-1, keepdims=True).shape == (2, 1)

    assert float(t.max().data) == 6.0
    assert np.allclose(t.max(axis=1).data, [5, 6])
    assert np.allclose(t.max(axis=0).data, [4, 5, 6])
    mk = t.max(axis=-1, keepdims=True)
    assert mk.shape == (2, 1)
    # keepdims results broadcast back against the input:
    assert np.allclose((t - mk).data, x - x.max(axis=-1, keepdims=True))
    print("  reductions work")


if __name__ == "__main__":
    test_unit_reductions()

# %% [markdown]
"""
## 8. Systems note: memory and compute

Two habits of thought will serve you for the rest of the course.

**Memory.** A tensor costs `size * bytes_per_element`. A float32 element is 4
bytes, float64 is 8. A single 4096 x 4096 weight matrix is 16.8 million
numbers: 64 MiB in float32, 128 MiB in float64. Element-wise operations
allocate a new output of the same size every time, so an expression like
`(a * 2 - 1) / 3` creates three temporary tensors. Frameworks work hard to
fuse such chains; we keep things simple and clear.

**Compute.** Element-wise operations cost O(n) for n elements and are limited by
memory bandwidth (reading and writing the numbers takes longer than the
arithmetic). Matrix multiplication of (m, k) by (k, n) costs about 2mkn FLOPs
on only mk + kn + mn numbers, so it does a lot of arithmetic per byte. That is
why matmul dominates the running time of neural networks, and why hardware is
built around it.

The cell below measures both effects on your machine.
"""

# %% nbgrader={"grade": false, "grade_id": "tensor-systems", "locked": false, "schema_version": 3, "solution": false}
import time


def analyze_tensor_costs():
    """Print memory use of float32 vs float64, and time a few matmul sizes."""
    print("Memory of a square weight matrix:")
    for n in (256, 1024, 4096):
        f32 = n * n * 4
        f64 = n * n * 8
        print(f"  {n:5d} x {n:<5d} float32: {f32 / 2**20:8.1f} MiB   float64: {f64 / 2**20:8.1f} MiB")

    print("Matmul cost (n x n) @ (n x n):")
    rng = np.random.default_rng(0)
    for n in (64, 128, 256):
        a = Tensor(rng.standard_normal((n, n)))
        b = Tensor(rng.standard_normal((n, n)))
        start = time.perf_counter()
        repeats = 5
        for _ in range(repeats):
            a @ b
        seconds = (time.perf_counter() - start) / repeats
        flops = 2 * n ** 3
        print(f"  n={n:4d}: {flops / 1e6:7.1f} MFLOP  {seconds * 1e3:7.3f} ms  "
              f"~{flops / max(seconds, 1e-9) / 1e9:6.2f} GFLOP/s")
    print("Doubling n multiplies the work by 8: matmul is O(n^3).")


if __name__ == "__main__":
    analyze_tensor_costs()

# %% nbgrader={"grade": false, "grade_id": "tensor-instructor-check", "locked": false, "schema_version": 3, "solution": false}
#| hide
# Instructor-only cell (removed from the student notebook).
# Reference check of the whole Tensor API against NumPy on random data, with
# a fixed seed. Useful for spotting a broken solution before releasing the
# assignment. Defines nothing that later cells use.
if __name__ == "__main__":
    _rng = np.random.default_rng(1234)
    _x = _rng.standard_normal((4, 3)).astype(np.float32)
    _w = _rng.standard_normal((3, 2)).astype(np.float32)
    _checks = {
        "add": np.allclose((Tensor(_x) + 1.5).data, _x + 1.5),
        "rsub": np.allclose((1.5 - Tensor(_x)).data, 1.5 - _x),
        "matmul": np.allclose((Tensor(_x) @ Tensor(_w)).data, _x @ _w, atol=1e-5),
        "reshape": Tensor(_x).reshape(2, -1).shape == (2, 6),
        "transpose": np.array_equal(Tensor(_x).transpose().data, _x.T),
        "mean": np.isclose(float(Tensor(_x).mean().data), float(_x.mean())),
        "max": np.allclose(Tensor(_x).max(axis=0).data, _x.max(axis=0)),
    }
    assert all(_checks.values()), _checks
    print("Instructor reference check passed:", ", ".join(sorted(_checks)))

# %% [markdown]
"""
## 9. Module test

`test_module()` runs every unit test and then a tiny end-to-end computation:
the forward pass of a linear layer followed by a mean squared error, written
with nothing but the operations you built today. In Module 03 this becomes the
`Linear` layer and in Module 04 the `MSELoss`.
"""

# %% nbgrader={"grade": true, "grade_id": "test-tensor-module", "locked": true, "points": 10, "schema_version": 3, "solution": false}
def test_module():
    """Run all unit tests, then an integration check built from Tensor ops only."""
    print("Running all Module 01 tests...")
    test_unit_tensor_creation()
    test_unit_arithmetic()
    test_unit_matmul()
    test_unit_shape_ops()
    test_unit_reductions()

    print("Integration: linear forward pass + mean squared error...")
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((8, 4)))      # batch of 8 samples, 4 features
    W = Tensor(rng.standard_normal((4, 2)) * 0.5)
    b = Tensor([0.1, -0.2])
    y = Tensor(rng.standard_normal((8, 2)))

    pred = x @ W + b                              # (8, 4) @ (4, 2) + (2,) -> (8, 2)
    assert pred.shape == (8, 2)
    loss = ((pred - y) ** 2).mean()
    assert loss.shape == ()

    expected = np.mean((x.data @ W.data + b.data - y.data) ** 2)
    assert np.isclose(float(loss.data), expected, rtol=1e-5)
    flat = pred.reshape(-1)
    assert flat.shape == (16,)
    assert np.isclose(float(flat.sum().data), float(pred.sum().data), rtol=1e-5)
    print(f"  loss = {float(loss.data):.4f}")
    print("All Module 01 tests passed!")


if __name__ == "__main__":
    test_module()

    # A short demo of the finished Tensor.
    print()
    print("Demo:")
    a = Tensor([[1, 2], [3, 4]])
    print("a          =", a)
    print("a + 10     =", a + 10)
    print("a @ a      =", a @ a)
    print("a.T        =", a.transpose())
    print("a.sum(0)   =", a.sum(axis=0))
    print("a.max()    =", a.max())

# %% [markdown]
"""
## Summary

You built the foundation of TinyTorch:

- a `Tensor` that always stores float32 data and carries a dormant
  `requires_grad` / `grad` pair for Module 05,
- element-wise arithmetic with broadcasting and reflected operators,
- matrix multiplication with an error message that names the shapes,
- reshape, transpose and the `sum` / `mean` / `max` reductions.

Next, Module 02 uses these operations to implement activation functions, the
non-linearities that let neural networks represent more than straight lines.
"""
