# %% [markdown]
# # Module 05: Autograd - Teaching Tensors to Compute Their Own Gradients
#
# Modules 01-04 gave us tensors, activations, layers and losses. We can now *evaluate* a network:
# feed in data, get predictions, measure how wrong they are. What we cannot do yet is *improve* it.
# Improving means nudging every weight in the direction that lowers the loss, and that direction is
# the gradient $\partial L / \partial w$ for each weight $w$.
#
# Working those derivatives out by hand for every network would be hopeless. Instead, every deep
# learning framework ships an **automatic differentiation** engine: each operation remembers how it
# was computed, and a single call to `loss.backward()` walks that record backwards, applying the chain
# rule step by step. In this module you build that engine for TinyTorch.
#
# ## Learning goals
# - Understand the **computational graph** a forward pass leaves behind, and why gradients flow through it
#   in **reverse topological order**.
# - Derive and implement the local gradient ("backward rule") of every operation we have: arithmetic with
#   broadcasting, `matmul`, `reshape`, `transpose`, `sum`, `mean`, `max`, `pow`, the activations
#   ReLU / Sigmoid / Tanh / GELU / Softmax and the losses MSE / cross-entropy / binary cross-entropy.
# - Implement `Tensor.backward()` and see gradients accumulate in `.grad`.
# - Verify every rule against **finite differences**, the numerical referee that never lies.
#
# ## Where this sits
# ```
# 01 Tensor -> 02 Activations -> 03 Layers -> 04 Losses -> [05 Autograd] -> 06 Optimizers -> 07 Training
# ```
# We do **not** rewrite modules 01-04. Instead `enable_autograd()` upgrades the existing `Tensor` class
# (and the activation and loss classes) in place, exactly the way upstream TinyTorch does it. After
# `import tinytorch.core.autograd`, `Linear` layers become differentiable for free, because their
# forward pass is built from Tensor operations.

# %% nbgrader={"grade": false, "grade_id": "autograd-imports", "locked": false, "schema_version": 3, "solution": false}
#| default_exp core.autograd
#| export
import numpy as np

import tinytorch.core.losses as _losses
from tinytorch.core.activations import GELU, ReLU, Sigmoid, Softmax, Tanh
from tinytorch.core.losses import BinaryCrossEntropyLoss, CrossEntropyLoss, MSELoss
from tinytorch.core.tensor import Tensor

# %% [markdown]
# ## 1. The chain rule, and why we go backwards
#
# Take a tiny computation: $a = x \cdot w$, $b = a + c$, $L = b^2$. Written as a graph:
#
# ```
# x ---\
#       (mul) -- a ---\
# w ---/               (add) -- b -- (pow 2) -- L
#                c ---/
# ```
#
# The chain rule says $\dfrac{\partial L}{\partial x} = \dfrac{\partial L}{\partial b}\,
# \dfrac{\partial b}{\partial a}\,\dfrac{\partial a}{\partial x} = 2b \cdot 1 \cdot w$.
#
# Notice the shape of that product: it starts at the **output** and multiplies in one *local* derivative
# per operation while walking towards the inputs. That is **reverse-mode** differentiation
# (backpropagation). Each operation only needs to answer one question:
#
# > *Given $g = \partial L / \partial \text{output}$ (the "upstream gradient"), what is
# > $\partial L / \partial \text{input}$ for each of my inputs?*
#
# That answer is the operation's **backward rule**. Reverse mode is the right choice for neural networks
# because we have millions of inputs (weights) and a single scalar output (the loss): one backward pass
# yields every $\partial L / \partial w$ at a cost comparable to one forward pass. Forward mode would need
# one pass *per weight*.
#
# Two facts we will use again and again:
# 1. **Gradients have the shape of what they differentiate.** `x.grad.shape == x.shape`, always.
# 2. **Gradients add up.** If a tensor feeds two operations, its gradient is the *sum* of what flows back
#    along both paths (multivariable chain rule).

# %% [markdown]
# ## 2. The referee: numerical gradients
#
# Before writing a single backward rule, we build the tool that will tell us whether a rule is right.
# For any scalar function $f$, the **central difference**
#
# $$\frac{\partial f}{\partial x_i} \approx \frac{f(x + \epsilon e_i) - f(x - \epsilon e_i)}{2\epsilon}$$
#
# has error $O(\epsilon^2)$. It needs two evaluations of $f$ *per element* of $x$, so it is far too slow
# for training, but perfect for testing on small inputs. Our tensors store `float32` (about 7 significant
# digits), so we use a fairly large $\epsilon = 10^{-3}$ and compare with a tolerance of about 1%.

# %% nbgrader={"grade": false, "grade_id": "numerical-gradient", "locked": false, "schema_version": 3, "solution": true}
#| export
def numerical_gradient(f, x, eps=1e-3):
    """Estimate the gradient of a scalar function by central differences.

    Args:
        f: callable taking a numpy array shaped like `x` and returning a number.
        x: point at which to differentiate (anything np.array accepts).
        eps: step size.

    Returns:
        float64 numpy array shaped like `x` with df/dx_i in position i.

    TODO: For every index `idx` of x, evaluate f at x with x[idx] raised by eps and at x with
          x[idx] lowered by eps, store (f_plus - f_minus) / (2 * eps) in grad[idx], and put the
          original value back before moving on.

    HINT: Looping over `np.ndindex(x.shape)` visits every index of an array of any rank.
          Wrap the results in float(...) so f may return a Tensor-free number or a 0-d array.
    """
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    ### BEGIN SOLUTION
    for idx in np.ndindex(x.shape):
        original = x[idx]
        x[idx] = original + eps
        f_plus = float(f(x))
        x[idx] = original - eps
        f_minus = float(f(x))
        x[idx] = original
        grad[idx] = (f_plus - f_minus) / (2.0 * eps)
    ### END SOLUTION
    return grad

# %% nbgrader={"grade": true, "grade_id": "test-numerical-gradient", "locked": true, "points": 5, "schema_version": 3, "solution": false}
def test_unit_numerical_gradient():
    """Finite differences reproduce derivatives we know in closed form."""
    print("Unit Test: numerical_gradient...")
    x = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.5]])
    g = numerical_gradient(lambda a: np.sum(a ** 2), x)
    assert g.shape == x.shape
    assert np.allclose(g, 2 * x, atol=1e-6), g
    g = numerical_gradient(lambda a: np.sum(np.sin(a)), x)
    assert np.allclose(g, np.cos(x), atol=1e-5)
    # the input must not be modified
    x_copy = x.copy()
    numerical_gradient(lambda a: np.sum(a ** 3), x)
    assert np.array_equal(x, x_copy)
    print("numerical_gradient works!")

if __name__ == "__main__":
    test_unit_numerical_gradient()

# %% [markdown]
# ## 3. Recording the graph: `Function` nodes
#
# During the forward pass every operation that involves a tensor with `requires_grad=True` attaches a
# small **node** to its result, stored in `result._grad_fn`. A node remembers
#
# - `inputs`: the tensors the operation consumed (these are the edges of the graph), and
# - `info`: anything else the backward rule needs (an axis, an exponent, the forward output...).
#
# Its method `apply(grad_output)` implements the backward rule: it receives $g = \partial L/\partial
# \text{output}$ as a numpy array and returns a tuple with one numpy gradient **per input**, in the same
# order as `inputs` (or `None` for an input that needs no gradient, such as integer class labels).
#
# Tensors created by the user (weights, data) have no node: they are the **leaves** of the graph, and
# leaves are where `backward()` deposits the final gradients in `.grad`.
#
# The base class is plain bookkeeping, so it is given:

# %% nbgrader={"grade": false, "grade_id": "function-base", "locked": false, "schema_version": 3, "solution": false}
#| export
class Function:
    """A node of the computation graph: the backward rule of one operation.

    Subclasses implement `apply(grad_output)` and return one gradient per input.
    """

    def __init__(self, *inputs, **info):
        self.inputs = inputs   # Tensors that fed the operation (edges of the graph)
        self.info = info       # extra context for the backward rule

    def apply(self, grad_output):
        raise NotImplementedError(f"{type(self).__name__} does not define a backward rule")

    def __repr__(self):
        return f"<{type(self).__name__}>"

# %% [markdown]
"""
## 4. Broadcasting in reverse: `unbroadcast`

Broadcasting silently copies data in the forward pass. Adding a bias of shape `(3,)` to a batch of shape
`(4, 3)` behaves as if the bias had been tiled four times. Each of those copies influenced the loss, so
in the backward pass their gradients must be **summed back** into the original shape:

```
forward:  (4, 3) + (3,)   -> (4, 3)        bias used 4 times
backward: grad (4, 3)     -> sum(axis=0) -> (3,) for the bias
```

numpy's broadcasting rules tell us exactly which axes were stretched:
1. Missing leading axes were added: sum them away.
2. Axes of size 1 were stretched: sum them with `keepdims=True`.

Every elementwise backward rule ends with `unbroadcast(grad, input.shape)`.
"""

# %% nbgrader={"grade": false, "grade_id": "unbroadcast", "locked": false, "schema_version": 3, "solution": true}
#| export
def unbroadcast(grad, shape):
    """Sum `grad` down to `shape`, undoing numpy broadcasting.

    Args:
        grad: numpy array with the (broadcast) shape of an operation's output.
        shape: the shape of the input the gradient is for.

    Returns:
        numpy array with exactly `shape`.

    TODO: 1. While grad has more dimensions than `shape`, sum over axis 0.
          2. For every axis where `shape` has size 1 but grad does not, sum over that axis
             keeping the dimension.

    HINT: `grad.sum(axis=i, keepdims=True)`; use `enumerate(shape)` for step 2.
    """
    grad = np.asarray(grad)
    shape = tuple(shape)
    ### BEGIN SOLUTION
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    ### END SOLUTION
    return grad.reshape(shape)

# %% nbgrader={"grade": true, "grade_id": "test-unbroadcast", "locked": true, "points": 5, "schema_version": 3, "solution": false}
def test_unit_unbroadcast():
    """unbroadcast sums exactly over the axes broadcasting stretched."""
    print("Unit Test: unbroadcast...")
    g = np.arange(12, dtype=np.float32).reshape(4, 3)
    assert np.allclose(unbroadcast(g, (3,)), g.sum(axis=0))
    assert unbroadcast(g, (1, 3)).shape == (1, 3)
    assert np.allclose(unbroadcast(g, (4, 1)), g.sum(axis=1, keepdims=True))
    assert np.allclose(unbroadcast(g, ()), g.sum())
    assert np.allclose(unbroadcast(g, (4, 3)), g)  # nothing to undo
    g3 = np.ones((2, 3, 4), dtype=np.float32)
    out = unbroadcast(g3, (3, 1))
    assert out.shape == (3, 1) and np.allclose(out, 8.0)
    print("unbroadcast works!")

if __name__ == "__main__":
    test_unit_unbroadcast()

# %% [markdown]
# ## 5. Backward rules for arithmetic
#
# With upstream gradient $g$ and inputs $a, b$ (all elementwise):
#
# | operation | $\partial L/\partial a$ | $\partial L/\partial b$ |
# |---|---|---|
# | $a + b$ | $g$ | $g$ |
# | $a - b$ | $g$ | $-g$ |
# | $a \cdot b$ | $g \cdot b$ | $g \cdot a$ |
# | $a / b$ | $g / b$ | $-g \cdot a / b^2$ |
# | $-a$ | $-g$ | |
# | $a^p$ (scalar $p$) | $g \cdot p\,a^{p-1}$ | |
#
# For the binary operations, finish each gradient with `unbroadcast(..., input.shape)`. When a plain
# number takes part in an operation (`x * 3`), the wrapper we write later turns it into a constant Tensor
# first, so `self.inputs` always holds Tensors and you can read `.data` from both.

# %% nbgrader={"grade": false, "grade_id": "arith-backward", "locked": false, "schema_version": 3, "solution": true}
#| export
class AddBackward(Function):
    """Backward rule of a + b."""

    def apply(self, grad_output):
        """Return (dL/da, dL/db) for out = a + b.

        TODO: Both inputs receive the upstream gradient unchanged, reduced to their own shape.

        HINT: `a, b = self.inputs`, then `unbroadcast(grad_output, a.shape)`.
        """
        a, b = self.inputs
        ### BEGIN SOLUTION
        return unbroadcast(grad_output, a.shape), unbroadcast(grad_output, b.shape)
        ### END SOLUTION


class SubBackward(Function):
    """Backward rule of a - b."""

    def apply(self, grad_output):
        """Return (dL/da, dL/db) for out = a - b.

        TODO: a receives the gradient, b receives its negation; unbroadcast both.
        """
        a, b = self.inputs
        ### BEGIN SOLUTION
        return unbroadcast(grad_output, a.shape), unbroadcast(-grad_output, b.shape)
        ### END SOLUTION


class MulBackward(Function):
    """Backward rule of a * b."""

    def apply(self, grad_output):
        """Return (dL/da, dL/db) for out = a * b.

        TODO: Each input's gradient is the upstream gradient times the OTHER input's data.

        HINT: Multiply first (the result has the broadcast shape), unbroadcast second.
        """
        a, b = self.inputs
        ### BEGIN SOLUTION
        return (unbroadcast(grad_output * b.data, a.shape),
                unbroadcast(grad_output * a.data, b.shape))
        ### END SOLUTION


class DivBackward(Function):
    """Backward rule of a / b."""

    def apply(self, grad_output):
        """Return (dL/da, dL/db) for out = a / b.

        TODO: dL/da = g / b and dL/db = -g * a / b**2, each unbroadcast to its input's shape.
        """
        a, b = self.inputs
        ### BEGIN SOLUTION
        grad_a = grad_output / b.data
        grad_b = -grad_output * a.data / (b.data ** 2)
        return unbroadcast(grad_a, a.shape), unbroadcast(grad_b, b.shape)
        ### END SOLUTION


class NegBackward(Function):
    """Backward rule of -a."""

    def apply(self, grad_output):
        """Return (dL/da,) for out = -a.

        TODO: Return a one-element tuple holding the negated upstream gradient.
        """
        ### BEGIN SOLUTION
        return (-grad_output,)
        ### END SOLUTION


class PowBackward(Function):
    """Backward rule of a ** p for a scalar exponent p (stored in self.info["exponent"])."""

    def apply(self, grad_output):
        """Return (dL/da,) for out = a ** p.

        TODO: Power rule: g * p * a ** (p - 1).

        HINT: `p = self.info["exponent"]`; do not forget the trailing comma of a 1-tuple.
        """
        (a,) = self.inputs
        p = self.info["exponent"]
        ### BEGIN SOLUTION
        return (grad_output * p * a.data ** (p - 1),)
        ### END SOLUTION

# %% nbgrader={"grade": false, "grade_id": "test-helpers", "locked": false, "schema_version": 3, "solution": false}
# Helpers for the tests below. To test one backward rule in isolation we differentiate
# L = sum(G * op(inputs)) for a fixed random "upstream" array G: then dL/d(output) = G exactly,
# so apply(G) must match the finite-difference gradient of L.
def _rand(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


def _assert_close(analytic, numeric, name, rtol=2e-2, atol=2e-3):
    analytic = np.asarray(analytic, dtype=np.float64)
    assert analytic.shape == numeric.shape, f"{name}: shape {analytic.shape} != {numeric.shape}"
    err = np.max(np.abs(analytic - numeric)) if analytic.size else 0.0
    assert np.allclose(analytic, numeric, rtol=rtol, atol=atol), f"{name}: max abs error {err:.2e}"

# %% nbgrader={"grade": true, "grade_id": "test-arith-backward", "locked": true, "points": 10, "schema_version": 3, "solution": false}
def test_unit_arith_backward():
    """Each arithmetic rule matches finite differences, including broadcasting."""
    print("Unit Test: arithmetic backward rules...")
    rng = np.random.default_rng(1)
    a, b = _rand(rng, 4, 3), _rand(rng, 3)              # b is broadcast across the rows
    b_pos = np.abs(b) + 0.5                   # keep divisions away from zero
    G = _rand(rng, 4, 3)
    cases = [
        (AddBackward, lambda x, y: x + y, b),
        (SubBackward, lambda x, y: x - y, b),
        (MulBackward, lambda x, y: x * y, b),
        (DivBackward, lambda x, y: x / y, b_pos),
    ]
    for cls, op, b_val in cases:
        grad_a, grad_b = cls(Tensor(a), Tensor(b_val)).apply(G)
        num_a = numerical_gradient(lambda x: np.sum(G * op(x, b_val)), a)
        num_b = numerical_gradient(lambda y: np.sum(G * op(a, y)), b_val)
        _assert_close(grad_a, num_a, cls.__name__ + " (a)")
        _assert_close(grad_b, num_b, cls.__name__ + " (b, broadcast)")
    (grad,) = NegBackward(Tensor(a)).apply(G)
    assert np.allclose(grad, -G)
    for p in (2, 3, 0.5, -1.0):
        x = np.abs(a) + 0.5
        (grad,) = PowBackward(Tensor(x), exponent=p).apply(G)
        _assert_close(grad, numerical_gradient(lambda v: np.sum(G * v ** p), x), f"pow {p}")
    print("Arithmetic backward rules work!")

if __name__ == "__main__":
    test_unit_arith_backward()

# %% [markdown]
# ## 6. Matrix multiplication
#
# For $C = AB$ with $A$ of shape $(n, k)$ and $B$ of shape $(k, m)$, write $G = \partial L/\partial C$
# (shape $(n, m)$). Since $C_{ij} = \sum_t A_{it} B_{tj}$:
#
# $$\frac{\partial L}{\partial A} = G\,B^T \quad (n, m)(m, k) \to (n, k), \qquad
# \frac{\partial L}{\partial B} = A^T G \quad (k, n)(n, m) \to (k, m).$$
#
# A handy memory aid: *the shapes only fit one way*. The same formulas work for batched matmul
# (`(batch, n, k) @ (k, m)`) if "transpose" means swapping the last two axes and we unbroadcast at the
# end: a weight matrix shared by the whole batch collects the sum of the per-example gradients.
#
# 1-D operands (a vector on either side) are promoted to matrices first, so one rule covers them all;
# that bookkeeping is given around your code.

# %% nbgrader={"grade": false, "grade_id": "matmul-backward", "locked": false, "schema_version": 3, "solution": true}
#| export
class MatmulBackward(Function):
    """Backward rule of a @ b."""

    def apply(self, grad_output):
        """Return (dL/da, dL/db) for out = a @ b.

        TODO: Using the promoted matrices a2, b2 and gradient g, compute
              grad_a = g @ b2^T and grad_b = a2^T @ g, each unbroadcast to the shape
              of a2 / b2 (this sums over any batch axes).

        HINT: "Transpose" of a possibly batched array is `np.swapaxes(m, -1, -2)`.
        """
        a, b = self.inputs[0].data, self.inputs[1].data
        g = np.asarray(grad_output)
        a2 = a[np.newaxis, :] if a.ndim == 1 else a   # (k,) -> (1, k)
        b2 = b[:, np.newaxis] if b.ndim == 1 else b   # (k,) -> (k, 1)
        if a.ndim == 1 and b.ndim == 1:
            g = np.reshape(g, (1, 1))                 # dot product: () -> (1, 1)
        elif a.ndim == 1:
            g = np.expand_dims(g, -2)                 # (..., m) -> (..., 1, m)
        elif b.ndim == 1:
            g = np.expand_dims(g, -1)                 # (..., n) -> (..., n, 1)
        ### BEGIN SOLUTION
        grad_a = unbroadcast(g @ np.swapaxes(b2, -1, -2), a2.shape)
        grad_b = unbroadcast(np.swapaxes(a2, -1, -2) @ g, b2.shape)
        ### END SOLUTION
        return grad_a.reshape(a.shape), grad_b.reshape(b.shape)

# %% nbgrader={"grade": true, "grade_id": "test-matmul-backward", "locked": true, "points": 10, "schema_version": 3, "solution": false}
def test_unit_matmul_backward():
    """Matmul gradients for matrix, batched and vector operands."""
    print("Unit Test: MatmulBackward...")
    rng = np.random.default_rng(2)
    shape_pairs = [((4, 3), (3, 2)), ((2, 4, 3), (3, 5)), ((3,), (3, 2)), ((4, 3), (3,)), ((3,), (3,))]
    for sa, sb in shape_pairs:
        a, b = _rand(rng, *sa), _rand(rng, *sb)
        G = _rand(rng, *np.matmul(a, b).shape)
        grad_a, grad_b = MatmulBackward(Tensor(a), Tensor(b)).apply(G)
        assert grad_a.shape == sa and grad_b.shape == sb
        _assert_close(grad_a, numerical_gradient(lambda x: np.sum(G * (x @ b)), a), f"matmul a {sa}@{sb}")
        _assert_close(grad_b, numerical_gradient(lambda y: np.sum(G * (a @ y)), b), f"matmul b {sa}@{sb}")
    print("MatmulBackward works!")

if __name__ == "__main__":
    test_unit_matmul_backward()

# %% [markdown]
"""
## 7. Shape and reduction operations

- **reshape** and **transpose** only move numbers around, so the gradient moves them back:
  reshape the gradient to the input's shape, or swap the last two axes again.
- **sum** copies the gradient to every element that was summed. If the axis was dropped
  (`keepdims=False`), re-insert it with `np.expand_dims` before broadcasting back to the input shape.
- **mean** is a sum divided by the number $n$ of elements averaged, so it is the same with an extra $1/n$.
- **max** sends the gradient only to the element(s) that won; ties share it equally (given below).
"""

# %% nbgrader={"grade": false, "grade_id": "shape-backward", "locked": false, "schema_version": 3, "solution": true}
#| export
def _normalize_axes(axis, ndim):
    """Turn an axis argument (None, int or tuple, possibly negative) into a sorted tuple."""
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    return tuple(sorted(a % ndim for a in axes))


class ReshapeBackward(Function):
    """Backward rule of a.reshape(...)."""

    def apply(self, grad_output):
        """TODO: Return the gradient reshaped to the input's shape (as a 1-tuple)."""
        (a,) = self.inputs
        ### BEGIN SOLUTION
        return (np.reshape(grad_output, a.shape),)
        ### END SOLUTION


class TransposeBackward(Function):
    """Backward rule of a.transpose() (swap of the last two axes)."""

    def apply(self, grad_output):
        """TODO: Swapping the last two axes is its own inverse: swap them back.

        HINT: `np.swapaxes(grad_output, -1, -2)`.
        """
        if np.ndim(grad_output) < 2:          # transpose() leaves 0-d and 1-d tensors unchanged
            return (grad_output,)
        ### BEGIN SOLUTION
        return (np.swapaxes(grad_output, -1, -2),)
        ### END SOLUTION


class SumBackward(Function):
    """Backward rule of a.sum(axis, keepdims)."""

    def apply(self, grad_output):
        """Return (dL/da,) for out = a.sum(axis=axis, keepdims=keepdims).

        TODO: 1. If keepdims was False, re-insert the reduced axes into the gradient.
              2. Broadcast it to the input's shape (every summed element gets the same gradient).

        HINT: `axes = _normalize_axes(self.info["axis"], a.ndim)`, then
              `np.expand_dims(g, axes)`; `np.ones_like(a.data) * g` broadcasts and copies.
        """
        (a,) = self.inputs
        g = np.asarray(grad_output)
        ### BEGIN SOLUTION
        axes = _normalize_axes(self.info["axis"], a.ndim)
        if not self.info["keepdims"]:
            g = np.expand_dims(g, axes)
        return (np.ones_like(a.data) * g,)
        ### END SOLUTION


class MeanBackward(Function):
    """Backward rule of a.mean(axis, keepdims)."""

    def apply(self, grad_output):
        """Return (dL/da,) for out = a.mean(axis=axis, keepdims=keepdims).

        TODO: Same as SumBackward, then divide by n, the number of elements averaged
              (the product of the input's sizes along the reduced axes).
        """
        (a,) = self.inputs
        g = np.asarray(grad_output)
        ### BEGIN SOLUTION
        axes = _normalize_axes(self.info["axis"], a.ndim)
        if not self.info["keepdims"]:
            g = np.expand_dims(g, axes)
        n = int(np.prod([a.shape[ax] for ax in axes]))
        return (np.ones_like(a.data) * g / n,)
        ### END SOLUTION


class MaxBackward(Function):
    """Backward rule of a.max(axis, keepdims): the gradient goes to the maxima (given)."""

    def apply(self, grad_output):
        (a,) = self.inputs
        axes = _normalize_axes(self.info["axis"], a.ndim)
        g = np.asarray(grad_output)
        if not self.info["keepdims"]:
            g = np.expand_dims(g, axes)
        winners = (a.data == a.data.max(axis=axes, keepdims=True)).astype(np.float32)
        winners /= winners.sum(axis=axes, keepdims=True)     # ties share the gradient
        return (winners * g,)

# %% nbgrader={"grade": true, "grade_id": "test-shape-backward", "locked": true, "points": 10, "schema_version": 3, "solution": false}
def test_unit_shape_backward():
    """reshape / transpose / sum / mean / max rules match finite differences."""
    print("Unit Test: shape and reduction backward rules...")
    rng = np.random.default_rng(3)
    a = _rand(rng, 2, 3, 4)
    G = _rand(rng, 4, 6)
    (grad,) = ReshapeBackward(Tensor(a)).apply(G)
    _assert_close(grad, numerical_gradient(lambda x: np.sum(G * x.reshape(4, 6)), a), "reshape")
    G = _rand(rng, 2, 4, 3)
    (grad,) = TransposeBackward(Tensor(a)).apply(G)
    _assert_close(grad, numerical_gradient(lambda x: np.sum(G * np.swapaxes(x, -1, -2)), a), "transpose")
    (grad,) = TransposeBackward(Tensor(a[0, 0])).apply(a[1, 1])
    assert np.allclose(grad, a[1, 1]), "transpose() of a 1-D tensor is the identity"
    for axis in (None, 0, -1, (0, 2)):
        for keepdims in (False, True):
            for cls, red in ((SumBackward, np.sum), (MeanBackward, np.mean), (MaxBackward, np.max)):
                G = _rand(rng, *np.shape(red(a, axis=axis, keepdims=keepdims)))
                (grad,) = cls(Tensor(a), axis=axis, keepdims=keepdims).apply(G)
                num = numerical_gradient(lambda x: np.sum(G * red(x, axis=axis, keepdims=keepdims)), a)
                _assert_close(grad, num, f"{cls.__name__} axis={axis} keepdims={keepdims}")
    print("Shape and reduction backward rules work!")

if __name__ == "__main__":
    test_unit_shape_backward()

# %% [markdown]
# ## 8. Activations
#
# Module 02 computes activations directly in numpy, so each one needs its own rule. Most are neatest
# when written in terms of the forward **output** $y$, which the wrapper saves for us in
# `self.info["output"]`:
#
# | activation | forward | derivative |
# |---|---|---|
# | ReLU | $\max(0, x)$ | $1$ if $x > 0$ else $0$ |
# | Sigmoid | $\sigma(x)$ | $y(1 - y)$ |
# | Tanh | $\tanh(x)$ | $1 - y^2$ |
# | GELU | $\tfrac12 x(1 + \tanh u)$, $u = \sqrt{2/\pi}\,(x + 0.044715x^3)$ | $\tfrac12(1+\tanh u) + \tfrac12 x(1-\tanh^2 u)\sqrt{2/\pi}(1 + 3\cdot 0.044715x^2)$ |
#
# **Softmax** is different: every output depends on every input along `dim`, so its derivative is a
# Jacobian matrix $\partial y_i/\partial x_j = y_i(\delta_{ij} - y_j)$. We never build that matrix.
# Multiplying it by $g$ collapses to
#
# $$\frac{\partial L}{\partial x} = y \odot \Big(g - \sum_j g_j y_j\Big),$$
#
# which costs $O(n)$ instead of $O(n^2)$. The same trick for `log_softmax` (module 04), whose output is
# $\ell = \log y$, gives $\partial L/\partial x = g - y \sum_j g_j$ (given).

# %% nbgrader={"grade": false, "grade_id": "activation-backward", "locked": false, "schema_version": 3, "solution": true}
#| export
class ReLUBackward(Function):
    """Backward rule of ReLU."""

    def apply(self, grad_output):
        """TODO: Pass the gradient where the input was positive, zero elsewhere.

        HINT: `(x.data > 0)` is a boolean mask; multiply by it.
        """
        (x,) = self.inputs
        ### BEGIN SOLUTION
        return (grad_output * (x.data > 0),)
        ### END SOLUTION


class SigmoidBackward(Function):
    """Backward rule of Sigmoid."""

    def apply(self, grad_output):
        """TODO: g * y * (1 - y) with y = self.info["output"]."""
        y = self.info["output"]
        ### BEGIN SOLUTION
        return (grad_output * y * (1.0 - y),)
        ### END SOLUTION


class TanhBackward(Function):
    """Backward rule of Tanh."""

    def apply(self, grad_output):
        """TODO: g * (1 - y**2) with y = self.info["output"]."""
        y = self.info["output"]
        ### BEGIN SOLUTION
        return (grad_output * (1.0 - y ** 2),)
        ### END SOLUTION


class GELUBackward(Function):
    """Backward rule of GELU (tanh approximation)."""

    def apply(self, grad_output):
        """TODO: Implement the GELU derivative from the table above, times g.

        HINT: Compute t = tanh(u) once; du/dx = sqrt(2/pi) * (1 + 3 * 0.044715 * x**2).
        """
        x = self.inputs[0].data
        ### BEGIN SOLUTION
        c = np.sqrt(2.0 / np.pi)
        t = np.tanh(c * (x + 0.044715 * x ** 3))
        du_dx = c * (1.0 + 3.0 * 0.044715 * x ** 2)
        return (grad_output * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t ** 2) * du_dx),)
        ### END SOLUTION


class SoftmaxBackward(Function):
    """Backward rule of Softmax along self.info["dim"]."""

    def apply(self, grad_output):
        """TODO: y * (g - sum(g * y along dim, keepdims=True)).

        HINT: keepdims=True makes the sum broadcast back against y.
        """
        y, dim = self.info["output"], self.info["dim"]
        ### BEGIN SOLUTION
        return (y * (grad_output - np.sum(grad_output * y, axis=dim, keepdims=True)),)
        ### END SOLUTION


class LogSoftmaxBackward(Function):
    """Backward rule of log_softmax along self.info["dim"] (given)."""

    def apply(self, grad_output):
        y = np.exp(self.info["output"])          # softmax probabilities
        dim = self.info["dim"]
        return (grad_output - y * np.sum(grad_output, axis=dim, keepdims=True),)

# %% nbgrader={"grade": true, "grade_id": "test-activation-backward", "locked": true, "points": 10, "schema_version": 3, "solution": false}
def test_unit_activation_backward():
    """Activation rules match finite differences of the module-02 forward passes."""
    print("Unit Test: activation backward rules...")
    rng = np.random.default_rng(4)
    x = _rand(rng, 3, 5)
    x[np.abs(x) < 0.05] = 0.3          # ReLU has a kink at 0: keep finite differences away from it
    G = _rand(rng, 3, 5)
    cases = [(ReLU(), ReLUBackward), (Sigmoid(), SigmoidBackward), (Tanh(), TanhBackward),
             (GELU(), GELUBackward), (Softmax(), SoftmaxBackward)]
    for act, cls in cases:
        y = act.forward(Tensor(x)).data
        (grad,) = cls(Tensor(x), output=y, dim=-1).apply(G)
        num = numerical_gradient(lambda v: np.sum(G * act.forward(Tensor(v)).data), x)
        _assert_close(grad, num, cls.__name__)
    # softmax along another axis
    y0 = np.exp(x) / np.exp(x).sum(axis=0, keepdims=True)
    (grad,) = SoftmaxBackward(Tensor(x), output=y0, dim=0).apply(G)
    num = numerical_gradient(lambda v: np.sum(G * np.exp(v) / np.exp(v).sum(axis=0, keepdims=True)), x)
    _assert_close(grad, num, "Softmax dim=0")
    print("Activation backward rules work!")

if __name__ == "__main__":
    test_unit_activation_backward()

# %% [markdown]
# ## 9. Losses
#
# A loss ends the graph: its output is one number, and its "upstream gradient" $g$ is usually just 1.
# All three losses of module 04 have simple gradients with respect to the predictions
# ($N$ = number of elements averaged over):
#
# - **MSE** $L = \frac1N\sum (p - t)^2$: $\quad \partial L/\partial p = \frac{2}{N}(p - t)$.
# - **Cross-entropy** on logits $z$ with integer labels $y$, $L = -\frac1N\sum_n \log
#   \mathrm{softmax}(z_n)_{y_n}$: $\quad \partial L/\partial z = \frac1N(\mathrm{softmax}(z) -
#   \mathrm{onehot}(y))$. Here $N$ is the number of samples (labels), not logits.
# - **Binary cross-entropy** on probabilities $p$ (given): $\partial L/\partial p = \frac1N
#   \frac{p - t}{p(1 - p)}$.
#
# The softmax-minus-onehot form is why frameworks fuse softmax and cross-entropy: the combined gradient is
# cheap and numerically tame, while going through `log` and `exp` separately would not be. Integer class
# labels get no gradient, so return `None` for them.

# %% nbgrader={"grade": false, "grade_id": "loss-backward", "locked": false, "schema_version": 3, "solution": true}
#| export
def _stable_softmax(z, axis=-1):
    """Softmax that subtracts the max first, so exp never overflows."""
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _target_data(targets, predictions):
    """Targets as an array shaped like the predictions when the sizes agree, as module 04 does."""
    data = targets.data
    if data.shape != predictions.shape and data.size == predictions.size:
        data = data.reshape(predictions.shape)
    return data


class MSEBackward(Function):
    """Backward rule of MSELoss: inputs are (predictions, targets)."""

    def apply(self, grad_output):
        """Return (dL/dpredictions, dL/dtargets).

        TODO: grad = g * 2 * (p - t) / N with N the number of elements of (p - t).
              Predictions get unbroadcast(grad, p.shape); the targets get the negation,
              unbroadcast to `target.shape` and reshaped to `t.shape`.

        HINT: Use `target` (prepared below), not `t.data`: like MSELoss itself, we accept
              targets of shape (N,) for predictions of shape (N, 1).
        """
        p, t = self.inputs
        target = _target_data(t, p)
        ### BEGIN SOLUTION
        diff = p.data - target
        grad = grad_output * 2.0 * diff / diff.size
        return unbroadcast(grad, p.shape), unbroadcast(-grad, target.shape).reshape(t.shape)
        ### END SOLUTION


class CrossEntropyBackward(Function):
    """Backward rule of CrossEntropyLoss: inputs are (logits, integer class targets)."""

    def apply(self, grad_output):
        """Return (dL/dlogits, None).

        TODO: probs = softmax of the logits along the last axis; subtract 1 at each sample's
              target class; divide by the number of samples; multiply by g.

        HINT: `_stable_softmax(z)`; for 2-D logits `probs[np.arange(n), labels] -= 1`, or in
              general `np.put_along_axis`. The labels are `targets.data.astype(np.int64)`.
        """
        logits, targets = self.inputs
        z = logits.data
        labels = targets.data.astype(np.int64).reshape(z.shape[:-1])
        ### BEGIN SOLUTION
        grad = _stable_softmax(z, axis=-1)
        onehot = np.zeros_like(grad)
        np.put_along_axis(onehot, labels[..., np.newaxis], 1.0, axis=-1)
        n = max(labels.size, 1)
        return grad_output * (grad - onehot) / n, None
        ### END SOLUTION


class BCEBackward(Function):
    """Backward rule of BinaryCrossEntropyLoss on probabilities (given)."""

    def apply(self, grad_output):
        p, t = self.inputs
        eps = self.info.get("eps", 1e-7)
        pc = np.clip(p.data, eps, 1.0 - eps)
        y = _target_data(t, p)
        grad = grad_output * (pc - y) / (pc * (1.0 - pc)) / np.broadcast(pc, y).size
        return unbroadcast(grad, p.shape), None

# %% nbgrader={"grade": true, "grade_id": "test-loss-backward", "locked": true, "points": 10, "schema_version": 3, "solution": false}
def test_unit_loss_backward():
    """Loss rules match finite differences of the module-04 losses."""
    print("Unit Test: loss backward rules...")
    rng = np.random.default_rng(5)
    g = np.float32(1.0)
    p, t = _rand(rng, 6, 2), _rand(rng, 6, 2)
    grad_p, grad_t = MSEBackward(Tensor(p), Tensor(t)).apply(g)
    mse = MSELoss()
    _assert_close(grad_p, numerical_gradient(lambda v: mse(Tensor(v), Tensor(t)).data, p), "MSE predictions")
    _assert_close(grad_t, -grad_p, "MSE targets")
    col, flat = _rand(rng, 5, 1), _rand(rng, 5)       # (N, 1) predictions against (N,) targets
    grad_p, grad_t = MSEBackward(Tensor(col), Tensor(flat)).apply(g)
    assert grad_p.shape == (5, 1) and grad_t.shape == (5,)
    _assert_close(grad_p, numerical_gradient(lambda v: mse(Tensor(v), Tensor(flat)).data, col), "MSE (N,1) vs (N,)")

    logits = _rand(rng, 5, 4) * 3
    labels = np.array([0, 3, 1, 1, 2])
    ce = CrossEntropyLoss()
    grad, none = CrossEntropyBackward(Tensor(logits), Tensor(labels)).apply(g)
    assert none is None
    _assert_close(grad, numerical_gradient(lambda v: ce(Tensor(v), Tensor(labels)).data, logits), "CrossEntropy")
    assert np.allclose(grad.sum(axis=1), 0.0, atol=1e-6), "each row of softmax - onehot sums to 0"

    probs = 1 / (1 + np.exp(-_rand(rng, 8, 1)))
    y = (_rand(rng, 8, 1) > 0).astype(np.float32)
    bce = BinaryCrossEntropyLoss()
    grad, _ = BCEBackward(Tensor(probs), Tensor(y)).apply(g)
    _assert_close(grad, numerical_gradient(lambda v: bce(Tensor(v), Tensor(y)).data, probs), "BCE", atol=5e-3)
    print("Loss backward rules work!")

if __name__ == "__main__":
    test_unit_loss_backward()

# %% [markdown]
"""
## 10. Recording: wrapping the forward operations

Now we connect the rules to the real operations. For each differentiable method of `Tensor` (and each
activation's and loss's `forward`) we install a thin wrapper that

1. runs the **original** operation from modules 01-04 unchanged, with recording switched off so that any
   Tensor operations it uses internally do not build a graph of their own;
2. if any input has `requires_grad=True` (and recording is on), marks the result with
   `requires_grad=True` and attaches the matching node: `result._grad_fn = MulBackward(a, b)`.

This is the classic **monkey-patching** approach of upstream TinyTorch: modules 01-04 stay simple, and
importing `tinytorch.core.autograd` upgrades them. Recording can be paused with `with no_grad():`,
which evaluation code uses to avoid building graphs it will never differentiate.

The wrapping code involves no calculus, so it is given. Read it once: it is the "forward half" of
autograd.
"""

# %% nbgrader={"grade": false, "grade_id": "grad-mode", "locked": false, "schema_version": 3, "solution": false}
#| export
_grad_state = {"enabled": True}


def is_grad_enabled():
    """True when operations currently record the computation graph."""
    return _grad_state["enabled"]


class no_grad:
    """Context manager that switches graph recording off, e.g. for evaluation.

    >>> with no_grad():
    ...     y = model(x)        # y.requires_grad is False, no graph is kept
    """

    def __enter__(self):
        self._previous = _grad_state["enabled"]
        _grad_state["enabled"] = False
        return self

    def __exit__(self, *exc_info):
        _grad_state["enabled"] = self._previous
        return False


def _untracked(fn, *args, **kwargs):
    """Call fn with recording switched off."""
    previous = _grad_state["enabled"]
    _grad_state["enabled"] = False
    try:
        return fn(*args, **kwargs)
    finally:
        _grad_state["enabled"] = previous


def _as_tensor(value):
    return value if isinstance(value, Tensor) else Tensor(value)


def _needs_grad(*values):
    return _grad_state["enabled"] and any(isinstance(v, Tensor) and v.requires_grad for v in values)


def _record(out, fn_cls, inputs, **info):
    """Attach a `fn_cls` node to `out` if recording is on and an input requires grad."""
    if isinstance(out, Tensor) and _needs_grad(*inputs):
        # Use the class currently bound to this name: in a notebook, re-running the cell
        # that defines a backward rule then takes effect without restarting the kernel.
        fn_cls = globals().get(fn_cls.__name__, fn_cls)
        out.requires_grad = True
        out._grad_fn = fn_cls(*[_as_tensor(v) for v in inputs], **info)
    return out

# %% [markdown]
"""
## 11. The backward pass

`loss.backward()` must call every node's `apply` **after** the gradients from all of that node's
consumers have been added up (fact 2 from section 1). The order that guarantees this is a
**reverse topological order** of the graph: a depth-first search that appends a node only after all of
its inputs have been appended lists inputs before outputs; reversed, every node comes before the nodes
it was computed from.

```
topological_order(L) = [x, w, a, c, b, L]     # inputs first
backward visits      = [L, b, c, a, w, x]     # reversed
```

We write the search with an explicit stack rather than recursion: deep graphs (a long loop of
operations) would otherwise hit Python's recursion limit. Each node is pushed twice: once to expand its
inputs, once (flagged `True`) to be emitted after them.

Then `backward(gradient)`:
1. seeds a dict `grads` that maps `id(self)` to the starting gradient (1.0 for a scalar loss),
2. walks the nodes in reverse topological order; for a node with a `_grad_fn`, calls
   `apply(grads[node])` and **adds** each returned gradient into `grads` of the matching input;
3. for a **leaf** (no `_grad_fn`), accumulates the gradient into `leaf.grad` (a Tensor). Gradients
   accumulate across calls too, which is why training loops call `zero_grad()` every step.

Only tensors with `requires_grad=True` take part; constants (data, labels) are skipped.
"""

# %% nbgrader={"grade": false, "grade_id": "backward-pass", "locked": false, "schema_version": 3, "solution": true}
#| export
def _parents(node):
    """The inputs of `node` that take part in differentiation."""
    fn = getattr(node, "_grad_fn", None)
    if fn is None:
        return []
    return [t for t in fn.inputs if isinstance(t, Tensor) and t.requires_grad]


def topological_order(root):
    """Return every tensor `root` depends on (including root), inputs before outputs.

    TODO: Iterative depth-first search. Start with stack = [(root, False)]. Pop (node, expanded):
          - if expanded is True, all its inputs are done: append node to `order`;
          - otherwise, if node was not visited yet, mark it visited, push (node, True) back,
            then push (parent, False) for each parent in `_parents(node)`.

    HINT: Track visited nodes by `id(node)` in a set (Tensors are not reliably hashable).
    """
    order, visited = [], set()
    ### BEGIN SOLUTION
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for parent in _parents(node):
            if id(parent) not in visited:
                stack.append((parent, False))
    ### END SOLUTION
    return order


def backward(self, gradient=None):
    """Back-propagate from this tensor, filling `.grad` of every leaf that requires grad.

    Installed as `Tensor.backward`. `gradient` is dL/dself; it may be omitted for a
    single-element tensor (a loss), where it defaults to 1.

    TODO: Implement steps 1-3 of the text:
          1. Start a dict `grads` mapping id(self) to `gradient`.
          2. Visit the nodes of reversed(topological_order(self)). Take (pop) the node's
             gradient out of `grads`; skip the node if it has none.
          3. A leaf (its `_grad_fn` is None) accumulates the gradient into `.grad`.
             Any other node calls `_grad_fn.apply(g)` and adds each returned gradient
             into `grads` under the id of the matching input in `_grad_fn.inputs`,
             skipping `None` gradients and inputs that do not require grad.

    HINT: Store leaf gradients as `Tensor(np.array(g, dtype=np.float32))` (a fresh copy);
          when node.grad already exists, make a new Tensor from node.grad.data + g.
    """
    if not self.requires_grad:
        raise RuntimeError("backward() called on a tensor that does not require grad: "
                           "no input of this computation has requires_grad=True")
    if gradient is None:
        if self.size != 1:
            raise RuntimeError(f"backward() without a gradient needs a single-element tensor, "
                               f"got shape {self.shape}; pass gradient=... explicitly")
        gradient = np.ones(self.shape, dtype=np.float32)
    else:
        gradient = gradient.data if isinstance(gradient, Tensor) else gradient
        gradient = np.array(np.broadcast_to(gradient, self.shape), dtype=np.float32)
    ### BEGIN SOLUTION
    grads = {id(self): gradient}
    for node in reversed(topological_order(self)):
        g = grads.pop(id(node), None)
        if g is None:
            continue
        fn = getattr(node, "_grad_fn", None)
        if fn is None:                                    # a leaf: deposit the gradient
            g = np.array(g, dtype=np.float32)
            node.grad = Tensor(g) if node.grad is None else Tensor(node.grad.data + g)
            continue
        for inp, inp_grad in zip(fn.inputs, fn.apply(g)):
            if inp_grad is None or not isinstance(inp, Tensor) or not inp.requires_grad:
                continue
            key = id(inp)
            grads[key] = inp_grad if key not in grads else grads[key] + inp_grad
    ### END SOLUTION


def zero_grad(self):
    """Forget the accumulated gradient (installed as `Tensor.zero_grad`)."""
    self.grad = None


def detach(self):
    """A new Tensor with the same values and no graph history (installed as `Tensor.detach`)."""
    return Tensor(np.array(self.data, copy=True))

# %% [markdown]
"""
## 12. `enable_autograd()`: installing everything

This function patches `Tensor`, the activation classes and the loss classes. It is idempotent
(a flag on `Tensor` makes a second call a no-op), and it runs at the bottom of the exported
`tinytorch/core/autograd.py`, so importing the module is all later modules need to do.

Note how the reflected operations (`3 - x`, `2 / x`) record their inputs in *forward* order
(`(3, x)`), so `SubBackward` and `DivBackward` handle them without special cases.

The wrappers look up the backward rules (and `backward` itself) **by name when they run**. So when you
fix a rule and re-run its cell, the fix is live at once: no kernel restart, no re-patching.
"""

# %% nbgrader={"grade": false, "grade_id": "enable-autograd", "locked": false, "schema_version": 3, "solution": false}
#| export
def _wrap_binary(original, fn_cls, reflected=False):
    def op(self, other):
        out = _untracked(original, self, other)
        inputs = (other, self) if reflected else (self, other)
        return _record(out, fn_cls, inputs)
    op.__name__, op.__doc__ = original.__name__, original.__doc__
    return op


def _wrap_method(original, fn_cls, info_fn=None):
    def op(self, *args, **kwargs):
        out = _untracked(original, self, *args, **kwargs)
        info = info_fn(*args, **kwargs) if info_fn is not None else {}
        return _record(out, fn_cls, (self,), **info)
    op.__name__, op.__doc__ = original.__name__, original.__doc__
    return op


def _reduction_info(axis=None, keepdims=False):
    return {"axis": axis, "keepdims": keepdims}


def _wrap_activation(original, fn_cls):
    def forward(self, x):
        out = _untracked(original, self, x)
        if not _needs_grad(x):
            return out
        return _record(out, fn_cls, (x,), output=np.array(out.data), dim=getattr(self, "dim", -1))
    forward.__name__, forward.__doc__ = original.__name__, original.__doc__
    return forward


def _wrap_loss(original, fn_cls):
    def forward(self, predictions, targets):
        out = _untracked(original, self, predictions, targets)
        return _record(out, fn_cls, (predictions, targets), eps=getattr(self, "eps", 1e-7))
    forward.__name__, forward.__doc__ = original.__name__, original.__doc__
    return forward


def _tensor_backward(self, gradient=None):
    """Back-propagate from this tensor, filling `.grad` of every leaf that requires grad.

    `gradient` is dL/dself; it may be omitted for a single-element tensor (defaults to 1).
    """
    return backward(self, gradient)      # looked up at call time, like the rules


def _patch_forward(cls, wrapper, fn_cls):
    original = cls.forward
    patched = wrapper(original, fn_cls)
    cls.forward = patched
    if cls.__dict__.get("__call__") is original:   # `__call__ = forward` aliases need the patch too
        cls.__call__ = patched


def enable_autograd():
    """Make Tensor operations, activations and losses record the computation graph."""
    if getattr(Tensor, "_autograd_enabled", False):
        return
    Tensor._grad_fn = None                       # default for every tensor: a leaf
    for name, fn_cls in (("__add__", AddBackward), ("__sub__", SubBackward),
                         ("__mul__", MulBackward), ("__truediv__", DivBackward)):
        setattr(Tensor, name, _wrap_binary(getattr(Tensor, name), fn_cls))
    for name, fn_cls in (("__radd__", AddBackward), ("__rsub__", SubBackward),
                         ("__rmul__", MulBackward), ("__rtruediv__", DivBackward)):
        setattr(Tensor, name, _wrap_binary(getattr(Tensor, name), fn_cls, reflected=True))
    matmul = _wrap_binary(Tensor.matmul, MatmulBackward)
    Tensor.matmul = matmul
    Tensor.__matmul__ = matmul
    Tensor.__neg__ = _wrap_method(Tensor.__neg__, NegBackward)
    Tensor.__pow__ = _wrap_method(Tensor.__pow__, PowBackward, lambda exponent: {"exponent": exponent})
    Tensor.reshape = _wrap_method(Tensor.reshape, ReshapeBackward)
    Tensor.transpose = _wrap_method(Tensor.transpose, TransposeBackward)
    Tensor.sum = _wrap_method(Tensor.sum, SumBackward, _reduction_info)
    Tensor.mean = _wrap_method(Tensor.mean, MeanBackward, _reduction_info)
    Tensor.max = _wrap_method(Tensor.max, MaxBackward, _reduction_info)
    Tensor.backward = _tensor_backward
    Tensor.zero_grad = zero_grad
    Tensor.detach = detach

    for cls, fn_cls in ((ReLU, ReLUBackward), (Sigmoid, SigmoidBackward), (Tanh, TanhBackward),
                        (GELU, GELUBackward), (Softmax, SoftmaxBackward)):
        _patch_forward(cls, _wrap_activation, fn_cls)
    for cls, fn_cls in ((MSELoss, MSEBackward), (CrossEntropyLoss, CrossEntropyBackward),
                        (BinaryCrossEntropyLoss, BCEBackward)):
        _patch_forward(cls, _wrap_loss, fn_cls)

    original_log_softmax = _losses.log_softmax

    def log_softmax(x, axis=-1):
        out = _untracked(original_log_softmax, x, axis=axis)
        return _record(out, LogSoftmaxBackward, (x,), output=np.array(out.data), dim=axis)
    log_softmax.__doc__ = original_log_softmax.__doc__
    _losses.log_softmax = log_softmax

    Tensor._autograd_enabled = True

# %% [markdown]
"""
Switch it on. From this cell on, every operation on a tensor with `requires_grad=True` is recorded.
"""

# %% nbgrader={"grade": false, "grade_id": "enable-autograd-call", "locked": false, "schema_version": 3, "solution": false}
#| export
enable_autograd()

# %% nbgrader={"grade": false, "grade_id": "test-graph-recording", "locked": true, "schema_version": 3, "solution": false}
def test_unit_graph_recording():
    """Operations record nodes exactly when an input requires grad."""
    print("Unit Test: graph recording...")
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    c = Tensor([[1.0, 1.0], [1.0, 1.0]])
    assert x._grad_fn is None, "user-created tensors are leaves"
    y = x * c + 2
    assert y.requires_grad and isinstance(y._grad_fn, AddBackward)
    assert isinstance(y._grad_fn.inputs[0]._grad_fn, MulBackward)
    assert np.allclose(y.data, x.data + 2), "forward values are unchanged"
    z = c * c
    assert not z.requires_grad and z._grad_fn is None, "constants build no graph"
    assert isinstance((3 - x)._grad_fn, SubBackward)
    assert isinstance((x @ c).transpose().sum()._grad_fn, SumBackward)
    assert isinstance(ReLU()(x)._grad_fn, ReLUBackward)
    assert isinstance(MSELoss()(x, c)._grad_fn, MSEBackward)
    with no_grad():
        w = x * 2
    assert not w.requires_grad and w._grad_fn is None and is_grad_enabled()
    d = (x * 2).detach()
    assert not d.requires_grad and d._grad_fn is None
    enable_autograd()                 # idempotent: calling again changes nothing
    assert isinstance((x + 1)._grad_fn, AddBackward)
    print("Graph recording works!")

if __name__ == "__main__":
    test_unit_graph_recording()

# %% nbgrader={"grade": true, "grade_id": "test-topological-order", "locked": true, "points": 5, "schema_version": 3, "solution": false}
def test_unit_topological_order():
    """Every node appears once, after all of its inputs."""
    print("Unit Test: topological_order...")
    x = Tensor([2.0], requires_grad=True)
    w = Tensor([3.0], requires_grad=True)
    a = x * w
    b = a + a * x          # diamond: a and x are used twice
    loss = (b ** 2).sum()
    order = topological_order(loss)
    ids = [id(t) for t in order]
    assert len(ids) == len(set(ids)), "no duplicates"
    assert ids[-1] == id(loss), "the root comes last"
    position = {i: k for k, i in enumerate(ids)}
    for node in order:
        for parent in _parents(node):
            assert position[id(parent)] < position[id(node)], "inputs come before outputs"
    assert id(x) in position and id(w) in position
    # a long chain must not hit the recursion limit
    y = x
    for _ in range(3000):
        y = y + 1.0
    assert len(topological_order(y)) == 3001
    print("topological_order works!")

if __name__ == "__main__":
    test_unit_topological_order()

# %% [markdown]
"""
## 13. Gradient checking the whole engine

The unit tests above checked each rule in isolation. The ultimate test of autograd is end to end:
build an arbitrary expression with tensors, call `backward()`, and compare every leaf's `.grad` with
finite differences of the *same* expression. `gradcheck` packages that comparison; it is exported
because you will want it again whenever you add a new operation.
"""

# %% nbgrader={"grade": false, "grade_id": "gradcheck", "locked": false, "schema_version": 3, "solution": false}
#| export
def gradcheck(fn, *arrays, eps=1e-3, rtol=2e-2, atol=2e-3):
    """Check autograd against finite differences.

    `fn(*tensors)` must build a single-element Tensor from Tensors created with
    `requires_grad=True` from `arrays`. Returns True, or raises AssertionError naming the
    first input whose gradient disagrees.
    """
    arrays = [np.asarray(a, dtype=np.float32) for a in arrays]
    tensors = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    fn(*tensors).backward()
    for i, (a, t) in enumerate(zip(arrays, tensors)):
        def f(v, i=i):
            args = [Tensor(v) if j == i else Tensor(arrays[j]) for j in range(len(arrays))]
            return np.asarray(fn(*args).data).sum()
        numeric = numerical_gradient(f, a, eps=eps)
        analytic = np.zeros_like(a) if t.grad is None else t.grad.data
        if not np.allclose(analytic, numeric, rtol=rtol, atol=atol):
            err = np.max(np.abs(analytic - numeric))
            raise AssertionError(f"gradcheck failed for input {i}: max abs error {err:.3e}")
    return True

# %% nbgrader={"grade": true, "grade_id": "test-backward", "locked": true, "points": 10, "schema_version": 3, "solution": false}
def test_unit_backward():
    """backward(): chain rule, fan-out, accumulation, zero_grad and seed gradients."""
    print("Unit Test: Tensor.backward...")
    # the example from section 1: L = (x*w + c)^2
    x = Tensor([3.0], requires_grad=True)
    w = Tensor([2.0], requires_grad=True)
    c = Tensor([1.0])
    loss = (x * w + c) ** 2
    loss.backward()
    assert np.allclose(x.grad.data, 2 * 7.0 * 2.0) and np.allclose(w.grad.data, 2 * 7.0 * 3.0)
    assert c.grad is None, "constants get no gradient"
    assert x.grad.shape == x.shape

    # fan-out: y = x*x + x uses x three times; dy/dx = 2x + 1
    x = Tensor([1.0, -2.0, 0.5], requires_grad=True)
    (x * x + x).sum().backward()
    assert np.allclose(x.grad.data, 2 * x.data + 1)

    # accumulation across calls, then zero_grad
    (x * 2).sum().backward()
    assert np.allclose(x.grad.data, 2 * x.data + 3)
    x.zero_grad()
    assert x.grad is None

    # non-scalar output needs an explicit gradient
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x * 3
    try:
        y.backward()
        raise AssertionError("backward() on a non-scalar without gradient must raise")
    except RuntimeError:
        pass
    y.backward(np.array([[1.0, 0.0], [0.0, 2.0]]))
    assert np.allclose(x.grad.data, [[3.0, 0.0], [0.0, 6.0]])

    # broadcasting: a bias added to every row collects the sum over rows
    b = Tensor([0.5, -0.5], requires_grad=True)
    (Tensor(np.ones((4, 2))) * 2 + b).sum().backward()
    assert np.allclose(b.grad.data, [4.0, 4.0])
    print("Tensor.backward works!")

if __name__ == "__main__":
    test_unit_backward()

# %% nbgrader={"grade": true, "grade_id": "test-gradcheck", "locked": true, "points": 15, "schema_version": 3, "solution": false}
def test_unit_gradcheck_end_to_end():
    """Whole expressions and a small MLP pass gradcheck."""
    print("Unit Test: end-to-end gradient checks...")
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4,))
    assert gradcheck(lambda x, y: ((x - y) * (x + 2.0) / (y * y + 1.0)).mean(), a, b)
    assert gradcheck(lambda x: (1.0 - x).reshape(4, 3).transpose().max(axis=0).sum(), a)
    assert gradcheck(lambda x: (2.0 / (x * x + 1.0)).sum(axis=1, keepdims=True).mean(), a)

    # a 2-layer MLP with cross-entropy, built only from Tensor operations + modules 02/04
    X = rng.standard_normal((6, 3)).astype(np.float32)
    labels = Tensor(np.array([0, 1, 2, 1, 0, 2]))
    W1, b1 = rng.standard_normal((3, 5)) * 0.5, np.zeros(5)
    W2, b2 = rng.standard_normal((5, 3)) * 0.5, rng.standard_normal(3) * 0.1
    act = Tanh()

    def mlp_loss(W1, b1, W2, b2):
        h = act(Tensor(X) @ W1 + b1)
        return CrossEntropyLoss()(h @ W2 + b2, labels)
    assert gradcheck(mlp_loss, W1, b1, W2, b2)

    for activation in (Sigmoid(), GELU(), Softmax()):
        assert gradcheck(lambda W: MSELoss()(activation(Tensor(X) @ W), Tensor(np.ones((6, 5)))), W1)
    ### BEGIN HIDDEN TESTS
    assert gradcheck(lambda x: ReLU()(x * 2.0 - 0.3).sum(), np.array([0.9, -0.8, 0.4, 1.3]))
    assert gradcheck(lambda W: BinaryCrossEntropyLoss()(Sigmoid()(Tensor(X) @ W), Tensor(np.ones((6, 5)))), W1)
    assert gradcheck(lambda x: _losses.log_softmax(x, axis=-1).mean(), a)
    assert gradcheck(lambda x: (x ** 3).mean(axis=(0, 1)), a)
    ### END HIDDEN TESTS
    print("End-to-end gradient checks pass!")

if __name__ == "__main__":
    test_unit_gradcheck_end_to_end()

# %% nbgrader={"grade": false, "grade_id": "instructor-notes", "locked": false, "schema_version": 3, "solution": false}
#| hide
# Instructor notes (not shown to students).
# Common mistakes, in the order we usually see them:
#   - forgetting unbroadcast in MulBackward/DivBackward: shapes break only when a bias is involved;
#   - returning a bare array instead of a 1-tuple from unary rules (zip silently iterates rows);
#   - overwriting instead of adding in backward(): fan-out tests (x*x + x) catch it;
#   - CrossEntropyBackward dividing by the number of logits instead of the number of samples.
# Reference values for a quick sanity check of a submission:
_ref_x = Tensor([0.0, 1.0], requires_grad=True)
GELU()(_ref_x).sum().backward()
assert np.allclose(_ref_x.grad.data, [0.5, 1.0829640], atol=1e-4)

# %% [markdown]
# ## 14. Systems view: what autograd costs
#
# **Memory.** Every recorded node keeps its inputs alive (and activations keep their outputs), so the
# whole forward pass stays in memory until `backward()` is done. For a network with activations of total
# size $A$ per example and batch size $B$, training needs roughly $O(B \cdot A)$ extra memory, which is
# why activation memory, not parameter memory, usually limits the batch size. `with no_grad():` skips the
# recording, which is why evaluation and inference should always use it.
#
# **Compute.** Each backward rule costs about as much as its forward operation; for matmul it is *two*
# matmuls (one per input). A training step therefore costs roughly 3x a forward pass.
#
# **Python overhead.** Our graph has one Python object per operation. With small tensors the
# bookkeeping dominates the numpy arithmetic: the best way to make TinyTorch faster is to make fewer,
# bigger operations (batching), a theme that returns in the dataloader module.
#
# Let us measure the memory point on a concrete example.

# %% nbgrader={"grade": false, "grade_id": "systems-analysis", "locked": false, "schema_version": 3, "solution": false}
def analyze_graph_memory(batch=512, width=256, depth=4):
    """Count the bytes kept alive by the graph of an MLP forward pass."""
    rng = np.random.default_rng(0)
    weights = [Tensor(rng.standard_normal((width, width)) * 0.05, requires_grad=True) for _ in range(depth)]
    x = Tensor(rng.standard_normal((batch, width)))
    h = x
    for W in weights:
        h = ReLU()(h @ W)
    loss = h.mean()
    nodes = topological_order(loss)
    graph_bytes = sum(t.data.nbytes for t in nodes if t._grad_fn is not None)
    param_bytes = sum(W.data.nbytes for W in weights)
    print(f"graph nodes: {len(nodes)}, intermediate results kept: {graph_bytes / 1024:.0f} KiB, "
          f"parameters: {param_bytes / 1024:.0f} KiB")
    return graph_bytes, param_bytes

if __name__ == "__main__":
    analyze_graph_memory()

# %% [markdown]
"""
## 15. Module test
"""

# %% nbgrader={"grade": true, "grade_id": "test-module", "locked": true, "points": 10, "schema_version": 3, "solution": false}
def test_module():
    """Run every unit test of this module."""
    print("Running all autograd tests...")
    test_unit_numerical_gradient()
    test_unit_unbroadcast()
    test_unit_arith_backward()
    test_unit_matmul_backward()
    test_unit_shape_backward()
    test_unit_activation_backward()
    test_unit_loss_backward()
    test_unit_graph_recording()
    test_unit_topological_order()
    test_unit_backward()
    test_unit_gradcheck_end_to_end()
    print("All autograd tests passed! Module 05 complete.")

if __name__ == "__main__":
    test_module()

# %% nbgrader={"grade": false, "grade_id": "demo", "locked": false, "schema_version": 3, "solution": false}
if __name__ == "__main__":
    # Demo: fit y = 3x - 1 by gradient descent, with gradients from autograd.
    rng = np.random.default_rng(0)
    xs = Tensor(rng.uniform(-1, 1, (32, 1)))
    ys = xs * 3.0 - 1.0
    w = Tensor([[0.0]], requires_grad=True)
    b = Tensor([0.0], requires_grad=True)
    for step in range(200):
        loss = MSELoss()(xs @ w + b, ys)
        w.zero_grad()
        b.zero_grad()
        loss.backward()
        w.data -= 0.3 * w.grad.data
        b.data -= 0.3 * b.grad.data
    print(f"learned w = {w.data.item():.3f} (true 3), b = {b.data.item():.3f} (true -1), loss = {loss.data.item():.2e}")

# %% [markdown]
"""
## Summary

- A forward pass with `requires_grad=True` leaves a **graph** of `Function` nodes behind.
- Each node knows its **local backward rule**; `unbroadcast` undoes broadcasting.
- `backward()` visits nodes in **reverse topological order**, adding gradients that meet, and
  deposits the results in the leaves' `.grad`.
- Finite differences (`numerical_gradient`, `gradcheck`) verify every rule.

Updating the weights by hand, as in the demo, gets old quickly, and plain gradient descent is not the
best we can do. Module 06 turns the update into reusable **optimizers**: SGD with momentum and Adam.
"""
