# %% [markdown]
"""
# Module 02: Activations - Where Non-linearity Comes From

In Module 01 you built a `Tensor` with arithmetic and matrix multiplication. A
neural network layer computes `x @ W + b`, which is a *linear* (strictly,
affine) function of `x`. This module adds the missing ingredient: **activation
functions**, simple element-wise non-linear functions applied between layers.

## What you will build

Five activation classes, each with a `forward(x)` method and callable like a
function (`relu(x)` is `relu.forward(x)`):

| class      | formula (informal)                       | output range | used in                        |
|------------|------------------------------------------|--------------|--------------------------------|
| `ReLU`     | max(0, x)                                | [0, inf)     | hidden layers of most networks |
| `Sigmoid`  | 1 / (1 + exp(-x))                        | (0, 1)       | binary probabilities, gates    |
| `Tanh`     | (exp(x) - exp(-x)) / (exp(x) + exp(-x))  | (-1, 1)      | recurrent networks, gates      |
| `GELU`     | x * Phi(x), smooth version of ReLU       | about [-0.17, inf) | transformers (BERT, GPT) |
| `Softmax`  | exp(x_i) / sum_j exp(x_j) along an axis  | (0, 1), sums to 1 | class probabilities       |

## Learning objectives

1. See why stacking linear layers without activations gains nothing.
2. Implement each activation from its formula using NumPy on `x.data`.
3. Make `Sigmoid` and `Softmax` **numerically stable** for large inputs.
4. Know the cost of each activation and where each one is used.
"""

# %% nbgrader={"grade": false, "grade_id": "act-imports", "locked": false, "schema_version": 3, "solution": false}
#| default_exp core.activations
#| export
import numpy as np

from tinytorch.core.tensor import Tensor

# %% [markdown]
"""
## 1. Why we need non-linearity

Take two linear layers without an activation in between:

```
h = x @ W1 + b1
y = h @ W2 + b2 = x @ (W1 @ W2) + (b1 @ W2 + b2)
```

The result is again a single linear layer with weight `W1 @ W2`. However many
layers you stack, the network can only draw straight lines (flat hyperplanes)
through the data. It cannot even learn XOR.

Insert a non-linear function `f` between the layers, `y = f(x @ W1 + b1) @ W2 + b2`,
and the composition no longer collapses. With enough hidden units such a
network can approximate any reasonable function (the universal approximation
theorem). The choice of `f` matters for how well and how fast training works,
which is why several activations are in common use.

## 2. The shape of our activations

Activations have no learnable parameters. Each one is a small class with:

- `forward(self, x: Tensor) -> Tensor`: compute the output from `x.data` with
  NumPy and wrap it in a new `Tensor` (same shape as `x`),
- `__call__(self, x)`: simply `return self.forward(x)`, so an activation object
  can be used like a function and dropped into a `Sequential` model
  (Module 03),
- `parameters()`: an empty list, since there is nothing to learn.

The common part lives in a small base class, `Activation`, given below.
"""

# %% nbgrader={"grade": false, "grade_id": "act-base", "locked": false, "schema_version": 3, "solution": false}
#| export
class Activation:
    """Base class for parameter-free, element-wise (or row-wise) functions."""

    def forward(self, x):
        """Compute the activation of tensor `x`. Subclasses implement this."""
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def __call__(self, x):
        """Calling the object applies the activation: `act(x) == act.forward(x)`."""
        return self.forward(x)

    def parameters(self):
        """Activations have nothing to learn."""
        return []

    def __repr__(self):
        return f"{type(self).__name__}()"

# %% [markdown]
# ## 3. ReLU: the rectified linear unit
#
# $$\mathrm{ReLU}(x) = \max(0, x)$$
#
# ReLU keeps positive values and zeroes out negative ones. It is the default
# choice for hidden layers because:
#
# - it is extremely cheap: one comparison per element,
# - for positive inputs its slope is exactly 1, so gradients flow through deep
#   stacks without shrinking (no "vanishing gradient" on that side),
# - its output is *sparse*: typically about half the units are exactly zero.
#
# Its weakness: a unit whose input is negative for every example outputs 0 and
# gets zero gradient, so it may never recover (a "dead" ReLU).
#
# Element-wise means the output has the same shape as the input, and each
# output element depends only on the input element at the same position.

# %% nbgrader={"grade": false, "grade_id": "act-relu", "locked": false, "schema_version": 3, "solution": true}
#| export
class ReLU(Activation):
    """Rectified linear unit: max(0, x), element-wise."""

    def forward(self, x: Tensor) -> Tensor:
        """Apply ReLU element-wise.

        TODO: Return a new Tensor where every negative element of `x.data` is
              replaced by 0 and every other element is kept.

        HINT: `np.maximum(0, array)` compares element by element (unlike
        `np.max`, which reduces).
        """
        ### BEGIN SOLUTION
        return Tensor(np.maximum(x.data, 0.0))
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-act-relu", "locked": true, "points": 5, "schema_version": 3, "solution": false}
def test_unit_relu():
    """ReLU values, shape preservation and that the input is unchanged."""
    print("Unit test: ReLU...")
    relu = ReLU()
    x = Tensor([[-2.0, -0.5, 0.0], [0.5, 1.0, 3.0]])
    before = x.data.copy()
    y = relu(x)
    assert isinstance(y, Tensor), "forward must return a Tensor"
    assert y.shape == x.shape
    assert np.array_equal(y.data, [[0, 0, 0], [0.5, 1.0, 3.0]])
    assert np.array_equal(x.data, before), "ReLU must not modify its input"
    assert np.array_equal(relu.forward(x).data, y.data), "__call__ must match forward"
    # Large magnitudes pass through untouched on the positive side.
    big = relu(Tensor([-1e30, 1e30]))
    assert np.array_equal(big.data, np.array([0.0, 1e30], dtype=np.float32))
    assert relu.parameters() == []
    print("  ReLU works")


if __name__ == "__main__":
    test_unit_relu()

# %% [markdown]
# ## 4. Sigmoid, and how to compute it without overflow
#
# $$\sigma(x) = \frac{1}{1 + e^{-x}}$$
#
# Sigmoid squashes any real number into (0, 1), so its output can be read as a
# probability. Useful facts: $\sigma(0) = 0.5$, $\sigma(-x) = 1 - \sigma(x)$,
# and its slope is $\sigma(x)(1 - \sigma(x))$, at most 0.25. That small slope
# is why deep stacks of sigmoids train slowly (vanishing gradients) and why
# ReLU replaced it in hidden layers.
#
# ### The overflow trap
#
# In float32, $e^{89}$ is already larger than the biggest representable number.
# For $x = -100$ the textbook formula computes $e^{100}$ = inf. The division still
# gives 0, but NumPy emits an overflow warning, and in other formulas (softmax,
# log-losses) an inf quickly turns into nan.
#
# The fix is to only ever exponentiate a **non-positive** number. Let
# $z = e^{-|x|}$, which lies in (0, 1]. Then
#
# $$\sigma(x) = \begin{cases} \dfrac{1}{1 + z} & x \ge 0 \\[4pt] \dfrac{z}{1 + z} & x < 0 \end{cases}$$
#
# Both branches are mathematically identical to the textbook formula (for
# $x < 0$ multiply top and bottom by $e^{x}$), and neither can overflow.

# %% nbgrader={"grade": false, "grade_id": "act-sigmoid", "locked": false, "schema_version": 3, "solution": true}
#| export
class Sigmoid(Activation):
    """Logistic sigmoid 1 / (1 + exp(-x)), computed without overflow."""

    def forward(self, x: Tensor) -> Tensor:
        """Apply the sigmoid element-wise in a numerically stable way.

        TODO: 1. Compute z = exp(-|x|) from `x.data` (always in (0, 1]).
              2. Where x >= 0 the result is 1 / (1 + z); where x < 0 it is
                 z / (1 + z).
              3. Return the result as a new Tensor.

        HINT: `np.abs`, `np.exp` and `np.where(condition, a, b)`. Computing
        `np.exp(-x)` directly overflows for very negative x - avoid it.
        """
        ### BEGIN SOLUTION
        data = x.data
        z = np.exp(-np.abs(data))
        out = np.where(data >= 0, 1.0 / (1.0 + z), z / (1.0 + z))
        return Tensor(out)
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-act-sigmoid", "locked": true, "points": 10, "schema_version": 3, "solution": false}
def test_unit_sigmoid():
    """Sigmoid values, symmetry, range and stability at extreme inputs."""
    print("Unit test: Sigmoid...")
    sig = Sigmoid()
    x = np.array([-3.0, -1.0, 0.0, 1.0, 3.0], dtype=np.float32)
    y = sig(Tensor(x))
    assert isinstance(y, Tensor) and y.shape == (5,)
    assert np.allclose(y.data, 1.0 / (1.0 + np.exp(-x)), atol=1e-6)
    assert np.isclose(y.data[2], 0.5)
    # Symmetry: sigmoid(-x) = 1 - sigmoid(x)
    assert np.allclose(sig(Tensor(-x)).data, 1.0 - y.data, atol=1e-6)
    # Extreme inputs: finite, in [0, 1], and no overflow warnings.
    with np.errstate(over="raise"):
        ext = sig(Tensor([-1000.0, -100.0, 100.0, 1000.0]))
    assert np.all(np.isfinite(ext.data))
    assert np.all((ext.data >= 0) & (ext.data <= 1))
    assert ext.data[0] < 1e-30 and ext.data[-1] == 1.0
    print("  Sigmoid works")
    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(7)
    grid = rng.uniform(-20, 20, size=(4, 6)).astype(np.float32)
    out = sig(Tensor(grid))
    assert out.shape == (4, 6)
    assert np.allclose(out.data, 0.5 * (1.0 + np.tanh(grid / 2.0)), atol=1e-6)
    assert out.dtype == np.float32
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_unit_sigmoid()

# %% [markdown]
# ## 5. Tanh
#
# $$\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}} = 2\sigma(2x) - 1$$
#
# Tanh is a rescaled sigmoid with range (-1, 1). Because it is centred at zero
# (tanh(0) = 0) the inputs of the next layer stay centred too, which often
# trains better than sigmoid. It is the classic activation inside recurrent
# networks (LSTM and GRU cells). NumPy provides a stable `np.tanh`; there is no
# reason to re-derive it from exponentials.

# %% nbgrader={"grade": false, "grade_id": "act-tanh", "locked": false, "schema_version": 3, "solution": true}
#| export
class Tanh(Activation):
    """Hyperbolic tangent, element-wise; output in (-1, 1)."""

    def forward(self, x: Tensor) -> Tensor:
        """Apply tanh element-wise.

        TODO: Return a new Tensor holding the hyperbolic tangent of `x.data`.

        HINT: `np.tanh` is already numerically stable for large |x|.
        """
        ### BEGIN SOLUTION
        return Tensor(np.tanh(x.data))
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-act-tanh", "locked": true, "points": 5, "schema_version": 3, "solution": false}
def test_unit_tanh():
    """Tanh values, odd symmetry, saturation and its link to sigmoid."""
    print("Unit test: Tanh...")
    tanh = Tanh()
    x = np.linspace(-4, 4, 9).astype(np.float32)
    y = tanh(Tensor(x))
    assert isinstance(y, Tensor) and y.shape == x.shape
    assert np.allclose(y.data, np.tanh(x), atol=1e-6)
    assert np.isclose(y.data[4], 0.0)
    assert np.allclose(tanh(Tensor(-x)).data, -y.data, atol=1e-6), "tanh is odd"
    sat = tanh(Tensor([-500.0, 500.0]))
    assert np.allclose(sat.data, [-1.0, 1.0])
    # tanh(x) = 2 * sigmoid(2x) - 1
    assert np.allclose(y.data, 2 * Sigmoid()(Tensor(2 * x)).data - 1, atol=1e-5)
    print("  Tanh works")


if __name__ == "__main__":
    test_unit_tanh()

# %% [markdown]
# ## 6. GELU: the transformer's activation
#
# GELU (Gaussian Error Linear Unit) weights each input by the probability that
# a standard normal variable is below it:
#
# $$\mathrm{GELU}(x) = x \, \Phi(x)$$
#
# where $\Phi$ is the standard normal CDF. For large positive x, $\Phi(x) \approx 1$
# and GELU behaves like the identity; for large negative x it goes to 0, like
# ReLU. In between it is smooth, and slightly negative for small negative x
# (its minimum is about -0.17 near x = -0.75). BERT and GPT use it.
#
# $\Phi$ needs the error function, so in practice a tanh approximation is used:
#
# $$\mathrm{GELU}(x) \approx \frac{x}{2}\left(1 + \tanh\left(\sqrt{2/\pi}\,\left(x + 0.044715\,x^3\right)\right)\right)$$
#
# It matches the exact GELU to about 1e-3 everywhere. This is the version we
# implement (and the one the original GPT-2 code uses).

# %% nbgrader={"grade": false, "grade_id": "act-gelu", "locked": false, "schema_version": 3, "solution": true}
#| export
class GELU(Activation):
    """Gaussian Error Linear Unit, tanh approximation."""

    def forward(self, x: Tensor) -> Tensor:
        """Apply GELU (tanh approximation) element-wise.

        TODO: Compute 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))
              on `x.data` and return it as a new Tensor.

        HINT: `np.sqrt(2.0 / np.pi)` is a constant you can compute once.
        `d * d * d` is noticeably faster than `d ** 3` in NumPy. `np.tanh`
        saturates gracefully, so no extra stability tricks are needed.
        """
        ### BEGIN SOLUTION
        data = x.data
        c = np.sqrt(2.0 / np.pi)
        inner = c * (data + 0.044715 * data * data * data)
        return Tensor(0.5 * data * (1.0 + np.tanh(inner)))
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-act-gelu", "locked": true, "points": 5, "schema_version": 3, "solution": false}
def test_unit_gelu():
    """GELU reference values, limits and closeness to the exact erf form."""
    print("Unit test: GELU...")
    gelu = GELU()
    x = np.array([-3.0, -1.0, 0.0, 1.0, 3.0], dtype=np.float32)
    y = gelu(Tensor(x))
    assert isinstance(y, Tensor) and y.shape == (5,)
    # Reference values of the tanh approximation.
    expected = [-0.00363739, -0.15880801, 0.0, 0.84119199, 2.99636261]
    assert np.allclose(y.data, expected, atol=1e-5), y.data
    # Large inputs: identity on the right, zero on the left, finite everywhere.
    big = gelu(Tensor([-50.0, 50.0]))
    assert np.allclose(big.data, [0.0, 50.0], atol=1e-5)
    # Close to the exact GELU x * Phi(x) (Phi via math.erf).
    import math
    grid = np.linspace(-5, 5, 41)
    exact = np.array([v * 0.5 * (1.0 + math.erf(v / math.sqrt(2.0))) for v in grid])
    approx = gelu(Tensor(grid)).data
    assert np.max(np.abs(approx - exact)) < 1e-3
    # The characteristic dip below zero.
    assert approx.min() < -0.16
    print("  GELU works")


if __name__ == "__main__":
    test_unit_gelu()

# %% [markdown]
# ## 7. Softmax: from scores to probabilities
#
# Softmax turns a vector of arbitrary real scores ("logits") into a probability
# distribution:
#
# $$\mathrm{softmax}(x)_i = \frac{e^{x_i}}{\sum_j e^{x_j}}$$
#
# Every output is positive and the outputs sum to 1. Unlike the previous
# activations it is **not** element-wise: each output depends on the whole
# vector. For a batch of shape `(batch, classes)` we apply it along the last
# axis, one distribution per row. That axis is the `dim` argument
# (default `-1`).
#
# ### The max trick
#
# Logits of 1000 are not unusual late in training, and $e^{1000}$ overflows to
# inf, giving inf / inf = nan. Softmax is unchanged if we subtract the same
# constant $c$ from every entry:
#
# $$\frac{e^{x_i - c}}{\sum_j e^{x_j - c}} = \frac{e^{-c} e^{x_i}}{e^{-c} \sum_j e^{x_j}} = \mathrm{softmax}(x)_i$$
#
# Choosing $c = \max_j x_j$ makes the largest exponent exactly $e^0 = 1$ and all
# others at most 1: no overflow, and the denominator is at least 1, so no
# division by zero either.

# %% nbgrader={"grade": false, "grade_id": "act-softmax", "locked": false, "schema_version": 3, "solution": true}
#| export
class Softmax(Activation):
    """Softmax along axis `dim` (default: last axis), numerically stable."""

    def __init__(self, dim=-1):
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        """Apply softmax along `self.dim`.

        TODO: 1. Subtract the maximum along `self.dim` (keepdims=True) from `x.data`.
              2. Exponentiate the shifted values.
              3. Divide by their sum along `self.dim` (keepdims=True).
              4. Return the result as a new Tensor (same shape as `x`).

        HINT: `keepdims=True` keeps the reduced axis with length 1, so the max and
        the sum broadcast back against the (batch, classes) array.
        """
        ### BEGIN SOLUTION
        data = x.data
        shifted = data - np.max(data, axis=self.dim, keepdims=True)
        exps = np.exp(shifted)
        return Tensor(exps / np.sum(exps, axis=self.dim, keepdims=True))
        ### END SOLUTION

    def __repr__(self):
        return f"Softmax(dim={self.dim})"

# %% nbgrader={"grade": true, "grade_id": "test-act-softmax", "locked": true, "points": 10, "schema_version": 3, "solution": false}
def test_unit_softmax():
    """Softmax sums to one, matches the formula, is stable, honours dim."""
    print("Unit test: Softmax...")
    softmax = Softmax()
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]], dtype=np.float32)
    y = softmax(Tensor(x))
    assert isinstance(y, Tensor) and y.shape == (2, 3)
    assert np.allclose(y.data.sum(axis=-1), 1.0, atol=1e-6)
    e = np.exp(x)
    assert np.allclose(y.data, e / e.sum(axis=-1, keepdims=True), atol=1e-6)
    assert np.allclose(y.data[1], 1.0 / 3.0)
    # Shift invariance and stability with huge logits.
    big = softmax(Tensor(x + 1000.0))
    assert np.all(np.isfinite(big.data)), "softmax overflowed: subtract the max first"
    assert np.allclose(big.data, y.data, atol=1e-6)
    # Order is preserved: the largest logit gets the largest probability.
    assert np.argmax(y.data[0]) == 2
    # dim=0 normalises columns instead of rows.
    cols = Softmax(dim=0)(Tensor(x))
    assert np.allclose(cols.data.sum(axis=0), 1.0, atol=1e-6)
    print("  Softmax works")
    ### BEGIN HIDDEN TESTS
    # 1-D input, very negative logits, and a 3-D batch.
    v = softmax(Tensor([-1000.0, -1000.0]))
    assert np.allclose(v.data, [0.5, 0.5])
    rng = np.random.default_rng(3)
    z = rng.standard_normal((2, 3, 5)).astype(np.float32) * 50
    s = softmax(Tensor(z))
    assert s.shape == (2, 3, 5)
    assert np.allclose(s.data.sum(axis=-1), 1.0, atol=1e-5)
    s1 = Softmax(dim=1)(Tensor(z))
    assert np.allclose(s1.data.sum(axis=1), 1.0, atol=1e-5)
    assert np.all(s.data >= 0)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_unit_softmax()

# %% [markdown]
"""
## 8. Systems note: what activations cost

All five activations are O(n) in the number of elements and produce an output
as large as their input, so a forward pass through an activation allocates a
new tensor of the same size. Their cost differs in the constant:

- `ReLU` does one comparison per element.
- `Sigmoid` and `Tanh` need an exponential (tens of times slower than a
  comparison in software).
- `GELU` needs a cube, a tanh and a few multiplies.
- `Softmax` reads the data three times (max, exp-and-sum, divide) and needs a
  reduction along an axis.

Compared with the matmul of the layer before them (about 2 * m * k * n FLOPs
for only m * n outputs) activations are cheap in FLOPs but, like all
element-wise operations, bound by memory bandwidth.

The cell below times each activation on the same input and then shows what the
max trick buys: the naive softmax turns large logits into nan.
"""

# %% nbgrader={"grade": false, "grade_id": "act-systems", "locked": false, "schema_version": 3, "solution": false}
import time


def analyze_activation_costs():
    """Time each activation on a (256, 1024) tensor; compare naive vs stable softmax."""
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((256, 1024)))
    print(f"Timing on a tensor of shape {x.shape} ({x.size} elements):")
    for act in (ReLU(), Sigmoid(), Tanh(), GELU(), Softmax()):
        start = time.perf_counter()
        for _ in range(5):
            act(x)
        ms = (time.perf_counter() - start) / 5 * 1e3
        print(f"  {type(act).__name__:8s} {ms:7.3f} ms")

    logits = np.array([1000.0, 1001.0, 1002.0], dtype=np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(logits) / np.sum(np.exp(logits))
    stable = Softmax()(Tensor(logits)).data
    print("Naive softmax of [1000, 1001, 1002]: ", naive)
    print("Stable softmax of [1000, 1001, 1002]:", np.round(stable, 4))


if __name__ == "__main__":
    analyze_activation_costs()

# %% nbgrader={"grade": false, "grade_id": "act-instructor-check", "locked": false, "schema_version": 3, "solution": false}
#| hide
# Instructor-only cell (removed from the student notebook).
# Cross-checks every activation against an independent formula on a fixed grid,
# including inputs where the naive formulas overflow. Defines nothing that
# later cells use.
if __name__ == "__main__":
    _grid = np.linspace(-30, 30, 121).astype(np.float64)
    _t = Tensor(_grid)
    _ok = {
        "relu": np.allclose(ReLU()(_t).data, np.where(_grid > 0, _grid, 0)),
        "sigmoid": np.allclose(Sigmoid()(_t).data, 0.5 * (1 + np.tanh(_grid / 2)), atol=1e-6),
        "tanh": np.allclose(Tanh()(_t).data, np.tanh(_grid), atol=1e-6),
        "gelu": np.allclose(
            GELU()(_t).data,
            0.5 * _grid * (1 + np.tanh(0.7978845608 * (_grid + 0.044715 * _grid ** 3))),
            atol=1e-4,
        ),
        "softmax": np.isclose(Softmax()(_t).data.sum(), 1.0, atol=1e-5),
    }
    assert all(_ok.values()), _ok
    print("Instructor reference check passed:", ", ".join(sorted(_ok)))

# %% [markdown]
"""
## 9. Module test

`test_module()` runs all unit tests and then a small integration check: a
two-layer network `softmax(relu(x @ W1 + b1) @ W2 + b2)` built from Module 01
tensor operations plus your activations. It verifies the output is a valid
batch of probability distributions and that, without the ReLU, the two layers
collapse into one linear map exactly as section 1 claimed.
"""

# %% nbgrader={"grade": true, "grade_id": "test-act-module", "locked": true, "points": 10, "schema_version": 3, "solution": false}
def test_module():
    """Run all unit tests, then a tiny two-layer forward pass."""
    print("Running all Module 02 tests...")
    test_unit_relu()
    test_unit_sigmoid()
    test_unit_tanh()
    test_unit_gelu()
    test_unit_softmax()

    print("Integration: two-layer network forward pass...")
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((6, 4)))
    W1 = Tensor(rng.standard_normal((4, 8)) * 0.5)
    b1 = Tensor(np.zeros(8))
    W2 = Tensor(rng.standard_normal((8, 3)) * 0.5)
    b2 = Tensor(np.zeros(3))

    hidden = ReLU()(x @ W1 + b1)
    assert hidden.shape == (6, 8) and np.all(hidden.data >= 0)
    probs = Softmax()(hidden @ W2 + b2)
    assert probs.shape == (6, 3)
    assert np.allclose(probs.data.sum(axis=1), 1.0, atol=1e-5)
    assert np.all((probs.data > 0) & (probs.data < 1))

    # Without an activation, two linear layers equal one linear layer.
    two_layers = (x @ W1 + b1) @ W2 + b2
    one_layer = x @ (W1 @ W2) + (b1 @ W2 + b2)
    assert np.allclose(two_layers.data, one_layer.data, atol=1e-4)
    # With ReLU in between they differ (the non-linearity did something).
    assert not np.allclose((hidden @ W2 + b2).data, one_layer.data, atol=1e-4)
    print("All Module 02 tests passed!")


if __name__ == "__main__":
    test_module()

    print()
    print("Demo:")
    demo = Tensor([-2.0, -1.0, 0.0, 1.0, 2.0])
    for act in (ReLU(), Sigmoid(), Tanh(), GELU(), Softmax()):
        print(f"  {type(act).__name__:8s}", np.round(act(demo).data, 4))

# %% [markdown]
"""
## Summary

- Without non-linear activations, a deep network is just one linear map.
- `ReLU` is the cheap default for hidden layers; `GELU` is its smooth cousin
  used in transformers.
- `Sigmoid` and `Tanh` squash values into (0, 1) and (-1, 1); compute sigmoid
  from `exp(-|x|)` so it never overflows.
- `Softmax` turns scores into probabilities along an axis; always subtract the
  max first.

Next, Module 03 wraps `x @ W + b` into a reusable `Linear` layer with properly
initialised weights and chains layers and activations with `Sequential`.
"""
