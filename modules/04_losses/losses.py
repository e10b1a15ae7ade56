# %% [markdown]
"""
# Module 04: Losses - Measuring How Wrong a Model Is

A model from Module 03 maps inputs to outputs. To *train* it we need a single
number that says how bad those outputs are compared with the truth: the
**loss**. Training (Modules 05-07) is nothing more than nudging the parameters
to make this number smaller, so the loss defines what "better" means.

## What you will build

- `MSELoss`: mean squared error, for regression (predicting numbers).
- `log_softmax(x, axis=-1)`: log-probabilities from raw scores, computed
  without overflow using the log-sum-exp trick.
- `CrossEntropyLoss`: for multi-class classification from raw scores (logits)
  and integer class labels.
- `BinaryCrossEntropyLoss`: for yes/no problems from probabilities in (0, 1).

Every loss takes `(predictions, targets)` and returns a **scalar** `Tensor`
(shape `()`): the average over the batch.

## Learning objectives

1. Derive each loss and know when to use it.
2. Understand why naive `log(softmax(x))` breaks for large logits and how the
   log-sum-exp trick fixes it.
3. Handle targets given in different forms (Tensor, list, NumPy array) and
   reject malformed ones with clear errors.
4. Connect the losses to probability: minimising cross-entropy is maximising
   the likelihood of the correct labels.

This module imports only `Tensor` from `tinytorch.core.tensor`.
"""

# %% nbgrader={"grade": false, "grade_id": "losses-imports", "locked": false, "schema_version": 3, "solution": false}
#| default_exp core.losses
#| export
import numpy as np

from tinytorch.core.tensor import Tensor

# %% [markdown]
"""
## 1. The common interface

All losses share a tiny base class: `loss(predictions, targets)` calls
`loss.forward(predictions, targets)`, just as layers and activations do.

Targets arrive in many shapes in practice: a `Tensor`, a Python list, a NumPy
array, sometimes with shape `(N, 1)` when the predictions are `(N,)` or the
other way round. Silently broadcasting `(N, 1)` against `(N,)` would produce an
`(N, N)` matrix of differences and a meaningless loss, one of the classic bugs
of deep learning code. A helper, `_targets_like`, will convert targets to a
float32 NumPy array with exactly the predictions' shape: it reshapes when the
number of elements matches and raises a `ValueError` otherwise.

The base class and a second helper, `_class_indices` (which turns class labels
into integers and rejects labels like 0.5), are given.
"""

# %% nbgrader={"grade": false, "grade_id": "losses-base", "locked": false, "schema_version": 3, "solution": false}
#| export
def _class_indices(targets):
    """Return integer class labels as an int64 NumPy array.

    Accepts a Tensor (whose data is float32), a list or a NumPy array. Raises
    ValueError if any label is not a whole number.
    """
    data = targets.data if isinstance(targets, Tensor) else np.asarray(targets)
    data = np.asarray(data)
    if data.dtype.kind == "f":
        if not np.all(np.isfinite(data)) or np.any(data != np.round(data)):
            raise ValueError("class labels must be whole numbers (class indices)")
    elif data.dtype.kind not in "iub":
        raise ValueError(f"class labels must be integers, got dtype {data.dtype}")
    return data.astype(np.int64)


class Loss:
    """Base class: `loss(predictions, targets)` is `loss.forward(predictions, targets)`."""

    def forward(self, predictions, targets):
        raise NotImplementedError(f"{type(self).__name__} must implement forward()")

    def __call__(self, predictions, targets):
        return self.forward(predictions, targets)

    def __repr__(self):
        return f"{type(self).__name__}()"

# %% [markdown]
"""
### Aligning targets with predictions

Your first piece of work is that helper. It is small, but every regression
loss relies on it, and it encodes a habit worth having: check shapes instead of
trusting broadcasting.
"""

# %% nbgrader={"grade": false, "grade_id": "losses-targets", "locked": false, "schema_version": 3, "solution": true}
#| export
def _targets_like(targets, shape):
    """Return `targets` as a float32 NumPy array with exactly `shape`.

    Accepts a Tensor, list, number or NumPy array. Reshapes when the element
    count matches (e.g. (N, 1) vs (N,)), otherwise raises ValueError.

    TODO: 1. Get a float32 NumPy array: `targets.data` for a Tensor, otherwise
             `np.asarray(targets, dtype=np.float32)`.
          2. If its shape differs from `shape` but the number of elements is
             the same, reshape it to `shape`.
          3. If the number of elements differs, raise ValueError naming both
             shapes. Return the array.

    HINT: `int(np.prod(shape))` is the number of elements `shape` holds
    (1 for the scalar shape `()`).
    """
    ### BEGIN SOLUTION
    data = targets.data if isinstance(targets, Tensor) else np.asarray(targets, dtype=np.float32)
    data = np.asarray(data, dtype=np.float32)
    if data.shape != tuple(shape):
        if data.size != int(np.prod(shape)):
            raise ValueError(
                f"targets of shape {data.shape} do not match predictions of shape {tuple(shape)}"
            )
        data = data.reshape(shape)
    return data
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-losses-targets", "locked": true, "points": 5, "schema_version": 3, "solution": false}
def test_unit_targets_like():
    """_targets_like converts, aligns same-size shapes, rejects size mismatches."""
    print("Unit test: _targets_like...")
    out = _targets_like([1, 2, 3], (3,))
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    assert np.array_equal(out, [1.0, 2.0, 3.0])
    assert _targets_like(Tensor([[1.0], [2.0]]), (2,)).shape == (2,)
    assert _targets_like(np.arange(3), (3, 1)).shape == (3, 1)
    assert _targets_like(5.0, ()).shape == ()
    try:
        _targets_like([1.0, 2.0], (3,))
        raise AssertionError("2 targets for 3 predictions should raise ValueError")
    except ValueError as err:
        assert "(2,)" in str(err) and "(3,)" in str(err), str(err)
    print("  _targets_like works")


if __name__ == "__main__":
    test_unit_targets_like()

# %% [markdown]
# ## 2. Mean squared error
#
# For regression the model predicts numbers $\hat{y}_i$ and we know the true
# values $y_i$. The mean squared error over all $n$ elements is
#
# $$\mathrm{MSE} = \frac{1}{n} \sum_{i=1}^{n} (\hat{y}_i - y_i)^2.$$
#
# Why squares?
#
# - The sign of an error does not matter, only its size.
# - Large errors are punished much more than small ones (an error of 10 costs
#   100 times as much as an error of 1). That makes MSE sensitive to outliers.
# - It is smooth, with the simple gradient $\frac{2}{n}(\hat{y} - y)$, which
#   Module 05 will derive automatically.
# - It is the maximum-likelihood loss when the noise on the targets is Gaussian.
#
# We compute it with **Tensor operations** (`-`, `*`, `.mean()`) on the
# predictions, so autograd can later differentiate it without any special rule.

# %% nbgrader={"grade": false, "grade_id": "losses-mse", "locked": false, "schema_version": 3, "solution": true}
#| export
class MSELoss(Loss):
    """Mean squared error: mean((predictions - targets) ** 2) over all elements."""

    def forward(self, predictions, targets):
        """Return the mean squared error as a scalar Tensor.

        TODO: 1. Compute the difference `predictions - target` with Tensor
                 subtraction (`target` is prepared for you below).
              2. Square it element-wise and take the mean over all elements.
              3. Return that scalar Tensor (shape ()).

        HINT: `diff * diff` (or `diff ** 2`) followed by `.mean()`. Stay with
        Tensor operations; do not drop to `.data` here.
        """
        if not isinstance(predictions, Tensor):
            predictions = Tensor(predictions)
        target = _targets_like(targets, predictions.shape)
        ### BEGIN SOLUTION
        diff = predictions - target
        return (diff * diff).mean()
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-losses-mse", "locked": true, "points": 5, "schema_version": 3, "solution": false}
def test_unit_mse():
    """MSE value, zero for perfect predictions, target forms and shape checks."""
    print("Unit test: MSELoss...")
    mse = MSELoss()
    pred = Tensor([[1.0, 2.0], [3.0, 4.0]])
    target = np.array([[1.5, 2.0], [2.0, 6.0]], dtype=np.float32)
    loss = mse(pred, Tensor(target))
    assert isinstance(loss, Tensor) and loss.shape == (), "the loss is a scalar Tensor"
    assert np.isclose(float(loss.data), (0.25 + 0 + 1 + 4) / 4)
    assert np.isclose(float(mse.forward(pred, target).data), float(loss.data))
    # Perfect predictions give zero.
    assert float(mse(pred, pred).data) == 0.0
    # Targets as list, and (N, 1) vs (N,) are aligned instead of broadcast.
    col = Tensor([[1.0], [2.0], [3.0]])
    assert np.isclose(float(mse(col, [1.0, 2.0, 5.0]).data), 4.0 / 3.0)
    # Mismatched sizes are an error.
    try:
        mse(col, [1.0, 2.0])
        raise AssertionError("3 predictions vs 2 targets should raise ValueError")
    except ValueError:
        pass
    # The inputs are not modified.
    assert np.array_equal(pred.data, [[1.0, 2.0], [3.0, 4.0]])
    print("  MSELoss works")


if __name__ == "__main__":
    test_unit_mse()

# %% [markdown]
# ## 3. From logits to log-probabilities
#
# A classifier's last `Linear` layer outputs one real score per class, the
# **logits** $z \in \mathbb{R}^C$. Softmax (Module 02) turns them into
# probabilities $p_k = e^{z_k} / \sum_j e^{z_j}$. Losses need the *logarithm* of
# those probabilities:
#
# $$\log p_k = z_k - \log \sum_{j} e^{z_j}.$$
#
# The second term is called **log-sum-exp** (LSE).
#
# ### Two ways to get it wrong
#
# 1. Computing $e^{z_j}$ directly overflows for logits around 89 in float32
#    (inf, and then inf - inf = nan).
# 2. Computing `softmax` first and then taking `log` underflows: a probability
#    like $e^{-200}$ rounds to exactly 0 in float32, and $\log 0 = -\infty$.
#
# ### The log-sum-exp trick
#
# Let $m = \max_j z_j$. Factor $e^m$ out of the sum:
#
# $$\log \sum_j e^{z_j} = m + \log \sum_j e^{z_j - m}.$$
#
# Now every exponent $z_j - m \le 0$, so nothing overflows, and the largest term
# is $e^0 = 1$, so the sum is at least 1 and its log is finite. Putting it
# together:
#
# $$\log \mathrm{softmax}(z)_k = (z_k - m) - \log \sum_j e^{z_j - m}.$$
#
# Note we never form the probabilities themselves, so nothing can underflow to
# $\log 0$ either. The `axis` argument says which axis holds the classes
# (the last one by default, i.e. one distribution per row of a batch).

# %% nbgrader={"grade": false, "grade_id": "losses-log-softmax", "locked": false, "schema_version": 3, "solution": true}
#| export
def log_softmax(x, axis=-1):
    """Numerically stable log of softmax along `axis`; returns a Tensor of x's shape.

    TODO: 1. Find the max along `axis` with keepdims=True and subtract it:
             `shifted = data - max`.
          2. Compute `log(sum(exp(shifted)))` along `axis`, keepdims=True.
          3. Return `Tensor(shifted - that)`.

    HINT: Work on `x.data` with `np.max`, `np.exp`, `np.sum` and `np.log`.
    `keepdims=True` makes both reductions broadcast back against the input.
    """
    if not isinstance(x, Tensor):
        x = Tensor(x)
    ### BEGIN SOLUTION
    data = x.data
    shifted = data - np.max(data, axis=axis, keepdims=True)
    log_sum_exp = np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    return Tensor(shifted - log_sum_exp)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-losses-log-softmax", "locked": true, "points": 10, "schema_version": 3, "solution": false}
def test_unit_log_softmax():
    """log_softmax matches the naive formula where that works, and stays finite where it does not."""
    print("Unit test: log_softmax...")
    z = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 1.0]], dtype=np.float32)
    out = log_softmax(Tensor(z))
    assert isinstance(out, Tensor) and out.shape == (2, 3)
    naive = np.log(np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True))
    assert np.allclose(out.data, naive, atol=1e-6)
    # exp(log p) sums to one per row, and log-probabilities are <= 0.
    assert np.allclose(np.exp(out.data).sum(axis=-1), 1.0, atol=1e-6)
    assert np.all(out.data <= 0)
    # Shift invariance: adding a constant changes nothing ...
    assert np.allclose(log_softmax(Tensor(z + 500.0)).data, out.data, atol=1e-5)
    # ... and huge or widely spread logits stay finite.
    wide = log_softmax(Tensor([[1000.0, 0.0, -1000.0]]))
    assert np.all(np.isfinite(wide.data)), "use the max trick: exp(1000) overflows"
    assert np.allclose(wide.data, [[0.0, -1000.0, -2000.0]], atol=1e-3)
    # axis=0 normalises columns.
    cols = log_softmax(Tensor(z), axis=0)
    assert np.allclose(np.exp(cols.data).sum(axis=0), 1.0, atol=1e-6)
    print("  log_softmax works")
    ### BEGIN HIDDEN TESTS
    # 1-D input, equal logits, and a 3-D batch along the last axis.
    v = log_softmax(Tensor([0.0, 0.0, 0.0, 0.0]))
    assert v.shape == (4,) and np.allclose(v.data, -np.log(4.0))
    rng = np.random.default_rng(11)
    big = rng.standard_normal((3, 4, 7)).astype(np.float32) * 100
    lb = log_softmax(Tensor(big))
    assert lb.shape == (3, 4, 7) and np.all(np.isfinite(lb.data))
    assert np.allclose(np.exp(lb.data).sum(axis=-1), 1.0, atol=1e-4)
    # Plain NumPy input is accepted.
    assert np.allclose(log_softmax(z).data, out.data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_unit_log_softmax()

# %% [markdown]
# ## 4. Cross-entropy for multi-class classification
#
# For one example with logits $z$ and correct class $y$, the model assigns
# probability $p_y = \mathrm{softmax}(z)_y$ to the right answer. A good model
# makes $p_y$ close to 1. The **negative log-likelihood** of that example is
#
# $$\ell = -\log p_y = -\log \mathrm{softmax}(z)_y,$$
#
# and the cross-entropy loss averages it over the batch of $N$ examples:
#
# $$\mathcal{L} = -\frac{1}{N} \sum_{i=1}^{N} \log \mathrm{softmax}(z^{(i)})_{y_i}.$$
#
# Read it like this:
#
# - $p_y = 1$ gives loss 0; $p_y \to 0$ gives loss $\to \infty$. Confidently wrong
#   answers are punished hard.
# - A model that knows nothing and spreads probability evenly over $C$ classes
#   scores $\log C$ (about 2.303 for 10 classes). That is the loss you should
#   see at the very start of training; a much larger value usually means a bug.
# - Minimising it maximises the probability of the correct labels.
#
# ### Implementation
#
# With `log_softmax` this is short: compute the `(N, C)` log-probabilities,
# pick entry `[i, y_i]` from each row, average, and negate. Picking one entry
# per row is NumPy **fancy indexing**: `logp[np.arange(N), labels]` returns the
# `N` values `logp[0, labels[0]], logp[1, labels[1]], ...`.
#
# Targets are integer class indices, given as a `Tensor` (stored as float32),
# a list or a NumPy array. Preparing them (converting to integers, checking the
# batch size and that every label is in `0 .. C-1`) is given; a single example
# with logits of shape `(C,)` is treated as a batch of one.

# %% nbgrader={"grade": false, "grade_id": "losses-cross-entropy", "locked": false, "schema_version": 3, "solution": true}
#| export
class CrossEntropyLoss(Loss):
    """Mean negative log-likelihood of integer class labels under softmax(logits)."""

    def forward(self, logits, targets):
        """Return the mean cross-entropy as a scalar Tensor.

        `logits`: Tensor of shape (N, C) (or (C,) for one example).
        `targets`: N integer class indices (Tensor, list or NumPy array).

        TODO: 1. Compute log-probabilities with `log_softmax(logits, axis=-1)`.
              2. For every row i pick the log-probability of class `labels[i]`.
              3. Return a Tensor holding minus the mean of those values.

        HINT: `logp.data[np.arange(n), labels]` picks one entry per row.
        Never compute `np.log(softmax)` - that is what log_softmax is for.
        """
        if not isinstance(logits, Tensor):
            logits = Tensor(logits)
        labels = _class_indices(targets)
        if logits.ndim == 1:
            logits = logits.reshape(1, -1)
            labels = labels.reshape(-1)
        if logits.ndim != 2:
            raise ValueError(f"CrossEntropyLoss expects logits of shape (N, C), got {logits.shape}")
        n, num_classes = logits.shape
        if n == 0:
            raise ValueError("CrossEntropyLoss got an empty batch")
        if labels.shape != (n,):
            raise ValueError(f"expected {n} class labels for logits of shape {logits.shape}, "
                             f"got targets of shape {labels.shape}")
        if np.any(labels < 0) or np.any(labels >= num_classes):
            raise ValueError(f"class labels must be in [0, {num_classes - 1}], got {labels.tolist()}")
        ### BEGIN SOLUTION
        logp = log_softmax(logits, axis=-1)
        picked = logp.data[np.arange(n), labels]
        return Tensor(-np.mean(picked))
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-losses-cross-entropy", "locked": true, "points": 10, "schema_version": 3, "solution": false}
def test_unit_cross_entropy():
    """Cross-entropy values, target forms, stability and error handling."""
    print("Unit test: CrossEntropyLoss...")
    ce = CrossEntropyLoss()
    # Uniform logits over C classes -> log(C), whatever the labels.
    uniform = ce(Tensor(np.zeros((4, 10))), [0, 3, 7, 9])
    assert isinstance(uniform, Tensor) and uniform.shape == ()
    assert np.isclose(float(uniform.data), np.log(10.0), atol=1e-5)

    # Against a direct NumPy computation.
    rng = np.random.default_rng(0)
    z = rng.standard_normal((5, 3)).astype(np.float32)
    y = np.array([0, 2, 1, 1, 0])
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    expected = -np.mean(np.log(p[np.arange(5), y]))
    loss = ce(Tensor(z), y)
    assert np.isclose(float(loss.data), expected, atol=1e-5)
    # The same labels as Tensor, list and int array give the same loss.
    assert np.isclose(float(ce(Tensor(z), Tensor(y)).data), float(loss.data))
    assert np.isclose(float(ce(Tensor(z), y.tolist()).data), float(loss.data))
    assert np.isclose(float(ce.forward(Tensor(z), y).data), float(loss.data))

    # Confident and right -> about 0; confident and wrong -> large, but finite.
    right = ce(Tensor([[100.0, 0.0, 0.0]]), [0])
    wrong = ce(Tensor([[100.0, 0.0, 0.0]]), [1])
    assert float(right.data) < 1e-6
    assert np.isclose(float(wrong.data), 100.0, atol=1e-3)
    huge = ce(Tensor([[1000.0, -1000.0]]), [1])
    assert np.isfinite(float(huge.data)), "use log_softmax: naive log(softmax) gives inf here"

    # A label outside 0..C-1 is an error.
    try:
        ce(Tensor(z), [0, 1, 2, 3, 0])
        raise AssertionError("label 3 with 3 classes should raise ValueError")
    except ValueError:
        pass
    print("  CrossEntropyLoss works")
    ### BEGIN HIDDEN TESTS
    # One example given as 1-D logits and a scalar label.
    single = ce(Tensor([2.0, 1.0, 0.1]), 0)
    ref = -np.log(np.exp(2.0) / np.exp([2.0, 1.0, 0.1]).sum())
    assert np.isclose(float(single.data), ref, atol=1e-5)
    # The loss is a mean: repeating the batch does not change it.
    doubled = ce(Tensor(np.concatenate([z, z])), np.concatenate([y, y]))
    assert np.isclose(float(doubled.data), float(loss.data), atol=1e-6)
    # Wrong number of labels, and non-integer labels, are errors.
    for bad in ([0, 1], [0.5, 1, 2, 0, 1]):
        try:
            ce(Tensor(z), bad)
            raise AssertionError(f"targets {bad} should raise ValueError")
        except ValueError:
            pass
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_unit_cross_entropy()

# %% [markdown]
# ## 5. Binary cross-entropy
#
# For yes/no problems a model often outputs one probability per example,
# $\hat{p} = \sigma(z) \in (0, 1)$, and the label is $y \in \{0, 1\}$. The
# Bernoulli negative log-likelihood, averaged over the batch, is
#
# $$\mathcal{L} = -\frac{1}{N} \sum_{i} \Big( y_i \log \hat{p}_i + (1 - y_i) \log (1 - \hat{p}_i) \Big).$$
#
# Only one of the two terms is active per example: $-\log \hat{p}$ if $y = 1$,
# $-\log(1 - \hat{p})$ if $y = 0$. (Soft labels between 0 and 1 also work.)
#
# Our loss takes **probabilities**, not logits. A probability of exactly 0 or
# 1 would give $\log 0 = -\infty$, so we first **clip** the predictions into
# $[\varepsilon, 1 - \varepsilon]$ with a small `eps` (default `1e-7`). The price is
# that no loss can exceed $-\log \varepsilon \approx 16.1$. (Libraries also offer
# a "with logits" version that uses the log-sum-exp idea from section 3 instead of
# clipping; the test in the module check below shows the connection.)

# %% nbgrader={"grade": false, "grade_id": "losses-bce", "locked": false, "schema_version": 3, "solution": true}
#| export
class BinaryCrossEntropyLoss(Loss):
    """Mean binary cross-entropy of probabilities against 0/1 (or soft) labels."""

    def __init__(self, eps=1e-7):
        if not 0 < eps < 0.5:
            raise ValueError(f"eps must be in (0, 0.5), got {eps}")
        self.eps = eps

    def forward(self, predictions, targets):
        """Return the mean binary cross-entropy as a scalar Tensor.

        TODO: 1. Clip the predicted probabilities into [eps, 1 - eps].
              2. Compute -(y * log(p) + (1 - y) * log(1 - p)) element-wise.
              3. Return a Tensor holding the mean over all elements.

        HINT: `np.clip(p, self.eps, 1 - self.eps)` and `np.log`. `y` is prepared
        for you below (same shape as the predictions). Doing the arithmetic in
        float64 (`.astype(np.float64)`) avoids rounding 1 - 1e-7 in float32.
        """
        if not isinstance(predictions, Tensor):
            predictions = Tensor(predictions)
        y = _targets_like(targets, predictions.shape).astype(np.float64)
        ### BEGIN SOLUTION
        p = np.clip(predictions.data.astype(np.float64), self.eps, 1.0 - self.eps)
        losses = -(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))
        return Tensor(np.mean(losses))
        ### END SOLUTION

    def __repr__(self):
        return f"BinaryCrossEntropyLoss(eps={self.eps})"

# %% nbgrader={"grade": true, "grade_id": "test-losses-bce", "locked": true, "points": 5, "schema_version": 3, "solution": false}
def test_unit_bce():
    """BCE values, clipping at 0 and 1, and shape handling."""
    print("Unit test: BinaryCrossEntropyLoss...")
    bce = BinaryCrossEntropyLoss()
    p = np.array([0.9, 0.2, 0.6, 0.5], dtype=np.float32)
    y = np.array([1.0, 0.0, 0.0, 1.0], dtype=np.float32)
    loss = bce(Tensor(p), Tensor(y))
    assert isinstance(loss, Tensor) and loss.shape == ()
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert np.isclose(float(loss.data), expected, atol=1e-6)
    # A coin-flip prediction costs log(2).
    assert np.isclose(float(bce(Tensor([0.5, 0.5]), [0, 1]).data), np.log(2.0), atol=1e-6)
    # Perfect predictions -> about 0; exact 0/1 mistakes are clipped, not inf.
    assert float(bce(Tensor([1.0, 0.0]), [1, 0]).data) < 1e-6
    worst = bce(Tensor([0.0, 1.0]), [1, 0])
    assert np.isfinite(float(worst.data))
    assert np.isclose(float(worst.data), -np.log(1e-7), rtol=1e-4)
    # (N, 1) predictions with (N,) labels are aligned.
    col = bce(Tensor(p.reshape(4, 1)), y)
    assert np.isclose(float(col.data), float(loss.data), atol=1e-6)
    print("  BinaryCrossEntropyLoss works")


if __name__ == "__main__":
    test_unit_bce()

# %% [markdown]
"""
## 6. Systems note: cost and memory of a loss

- **Compute.** All three losses are O(N * C) for N examples and C outputs per
  example: a few passes over the predictions. That is tiny next to the matmuls
  of the model, with one exception: language models, where C is the
  vocabulary size. A batch of 8 sequences of 1024 tokens over a 50,000-word
  vocabulary has 8 * 1024 * 50,000 = 410 million logits: 1.5 GiB in float32,
  and each temporary (shifted logits, their exponentials) costs as much again.
  This is why real frameworks fuse log-softmax and the negative log-likelihood
  into one kernel, and why they never materialise `softmax` and then `log` it.
- **Numerics.** The cell below compares the naive `log(softmax(z))` with our
  `log_softmax` on increasingly large logits. The naive version returns
  `-inf` (a log of an underflowed zero) or `nan` (inf / inf) long before the
  stable one has any trouble.
"""

# %% nbgrader={"grade": false, "grade_id": "losses-systems", "locked": false, "schema_version": 3, "solution": false}
import time


def analyze_loss_numerics():
    """Naive vs stable log-softmax on growing logits; timing of CE on a big batch."""
    print("Cross-entropy of label 1 for logits [s, 0, -s]:")
    for s in (1.0, 10.0, 50.0, 100.0, 1000.0):
        z = np.array([[s, 0.0, -s]], dtype=np.float32)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            naive = -np.log((np.exp(z) / np.exp(z).sum())[0, 1])
        stable = float(CrossEntropyLoss()(Tensor(z), [1]).data)
        print(f"  s={s:7.1f}   naive={float(naive):10.4f}   stable={stable:10.4f}")

    rng = np.random.default_rng(0)
    n, c = 512, 1000
    logits = Tensor(rng.standard_normal((n, c)))
    labels = rng.integers(0, c, size=n)
    start = time.perf_counter()
    value = CrossEntropyLoss()(logits, labels)
    ms = (time.perf_counter() - start) * 1e3
    print(f"CE over a ({n}, {c}) batch: {ms:.2f} ms, loss = {float(value.data):.3f} "
          f"(log C = {np.log(c):.3f}); logits use {logits.size * 4 / 2**20:.1f} MiB")


if __name__ == "__main__":
    analyze_loss_numerics()

# %% nbgrader={"grade": false, "grade_id": "losses-instructor-check", "locked": false, "schema_version": 3, "solution": false}
#| hide
# Instructor-only cell (removed from the student notebook).
# Reference values computed independently in float64, to compare a student
# submission by hand if the graded tests disagree. Defines nothing later
# cells use.
if __name__ == "__main__":
    _z = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0]])
    _y = np.array([0, 1])
    _lse = np.log(np.exp(_z).sum(axis=1))
    _ce_ref = float(np.mean(_lse - _z[np.arange(2), _y]))           # about 0.2851
    _mse_ref = float(np.mean((np.array([1.0, 2.0, 3.0]) - np.array([1.5, 2.0, 2.0])) ** 2))
    _bce_ref = float(-np.mean([np.log(0.8), np.log(1 - 0.3)]))      # about 0.2899
    assert np.isclose(float(CrossEntropyLoss()(Tensor(_z), _y).data), _ce_ref, atol=1e-5)
    assert np.isclose(float(MSELoss()(Tensor([1.0, 2.0, 3.0]), [1.5, 2.0, 2.0]).data), _mse_ref)
    assert np.isclose(float(BinaryCrossEntropyLoss()(Tensor([0.8, 0.3]), [1, 0]).data), _bce_ref, atol=1e-6)
    print(f"Instructor reference check passed: CE={_ce_ref:.4f} MSE={_mse_ref:.4f} BCE={_bce_ref:.4f}")

# %% [markdown]
"""
## 7. Module test

`test_module()` runs all unit tests and then checks the losses the way they
will be used in training:

- a linear classifier on two well-separated clusters: the loss of weights that
  point in the right direction must be lower than the loss of all-zero weights,
  which must be exactly `log 2` (knowing nothing);
- the identity that links the two cross-entropies: binary cross-entropy of
  `sigmoid(z)` equals `CrossEntropyLoss` of the two logits `[0, z]`;
- MSE of a regression line against its own data is zero, and grows with noise.
"""

# %% nbgrader={"grade": true, "grade_id": "test-losses-module", "locked": true, "points": 10, "schema_version": 3, "solution": false}
def test_module():
    """Run all unit tests, then integration checks with a tiny model."""
    print("Running all Module 04 tests...")
    test_unit_targets_like()
    test_unit_mse()
    test_unit_log_softmax()
    test_unit_cross_entropy()
    test_unit_bce()

    print("Integration: linear classifier on two clusters...")
    rng = np.random.default_rng(0)
    n = 50
    x0 = rng.standard_normal((n, 2)) + np.array([-3.0, 0.0])
    x1 = rng.standard_normal((n, 2)) + np.array([3.0, 0.0])
    x = Tensor(np.concatenate([x0, x1]))
    labels = np.array([0] * n + [1] * n)
    ce = CrossEntropyLoss()

    zero_model = x @ Tensor(np.zeros((2, 2))) + Tensor(np.zeros(2))
    good_model = x @ Tensor([[-1.0, 1.0], [0.0, 0.0]]) + Tensor(np.zeros(2))
    zero_loss = float(ce(zero_model, labels).data)
    good_loss = float(ce(good_model, labels).data)
    assert np.isclose(zero_loss, np.log(2.0), atol=1e-6)
    assert good_loss < 0.1 < zero_loss, (good_loss, zero_loss)

    print("Integration: BCE(sigmoid(z)) == CE([0, z])...")
    z = rng.standard_normal(8) * 3
    y = rng.integers(0, 2, size=8)
    probs = 1.0 / (1.0 + np.exp(-z))
    bce_value = float(BinaryCrossEntropyLoss()(Tensor(probs), y).data)
    pair_logits = Tensor(np.stack([np.zeros(8), z], axis=1))
    ce_value = float(ce(pair_logits, y).data)
    assert np.isclose(bce_value, ce_value, atol=1e-5), (bce_value, ce_value)

    print("Integration: MSE of a regression line...")
    t = np.linspace(0, 1, 20)
    line = Tensor(2.0 * t + 1.0)
    mse = MSELoss()
    assert float(mse(line, 2.0 * t + 1.0).data) < 1e-12
    small = float(mse(line, 2.0 * t + 1.0 + 0.1 * rng.standard_normal(20)).data)
    large = float(mse(line, 2.0 * t + 1.0 + 1.0 * rng.standard_normal(20)).data)
    assert 0 < small < large
    print("All Module 04 tests passed!")


if __name__ == "__main__":
    test_module()

    print()
    print("Demo:")
    logits = Tensor([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0]])
    print("logits              =", logits)
    print("log_softmax(logits) =", log_softmax(logits))
    print("cross-entropy, labels [0, 1]:", CrossEntropyLoss()(logits, [0, 1]))
    print("MSE([1, 2, 3] vs [1.5, 2, 2]):", MSELoss()(Tensor([1.0, 2.0, 3.0]), [1.5, 2.0, 2.0]))
    print("BCE([0.8, 0.3] vs [1, 0]):", BinaryCrossEntropyLoss()(Tensor([0.8, 0.3]), [1, 0]))

# %% [markdown]
"""
## Summary

- A loss turns predictions and targets into one number to minimise; ours all
  return the batch mean as a scalar `Tensor`.
- `MSELoss` for regression, built from Tensor operations.
- `log_softmax` uses the log-sum-exp trick (subtract the max) so it never
  overflows or takes the log of zero.
- `CrossEntropyLoss` is the mean of `-log_softmax(logits)[i, label_i]`; at the
  start of training expect about `log(C)`.
- `BinaryCrossEntropyLoss` works on probabilities and clips them with `eps`.

With tensors, activations, layers and losses in place, Module 05 adds
automatic differentiation: computing how the loss changes with every parameter.
"""
