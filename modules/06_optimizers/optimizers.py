# %% [markdown]
# # Module 06: Optimizers - From Gradients to Learning
#
# Module 05 gave every parameter a gradient: after `loss.backward()`, `w.grad` says how the loss changes
# when `w` changes. This module answers the next question: **what do we do with that gradient?**
#
# The simplest answer, $w \leftarrow w - \eta\, \nabla_w L$, already trains networks. But it is slow
# in narrow valleys, sensitive to the learning rate $\eta$, and treats every parameter the same. Decades
# of practice produced better update rules. We build the two you will meet everywhere:
#
# - **SGD with momentum**: keep a running velocity so consistent directions speed up and zig-zags cancel.
# - **Adam**: give every parameter its own step size, scaled by running estimates of the gradient's
#   mean and variance.
#
# ## Learning goals
# - Implement an `Optimizer` base class with **parameter groups**, `zero_grad()` and `step()`.
# - Implement `SGD(params, lr, momentum)` and `Adam(params, lr, betas, eps)` exactly as PyTorch defines them.
# - Implement global gradient-norm clipping.
# - See the rules in action on an ill-conditioned quadratic and the Rosenbrock valley, and measure the
#   memory each optimizer adds.
#
# ## Where this sits
# ```
# 05 Autograd (computes grads) -> [06 Optimizers (use grads)] -> 07 Training (puts it all in a loop)
# ```
# Every optimizer follows the same contract, which the training loop of module 07 relies on:
# ```python
# optimizer.zero_grad()   # forget the gradients of the previous step
# loss.backward()         # fill p.grad for every parameter
# optimizer.step()        # update every p.data in place
# ```

# %% nbgrader={"grade": false, "grade_id": "optimizers-imports", "locked": false, "schema_version": 3, "solution": false}
#| default_exp core.optimizers
#| export
import numpy as np

import tinytorch.core.autograd  # noqa: F401  (makes Tensor differentiable: backward() and .grad)
from tinytorch.core.tensor import Tensor

# %% [markdown]
"""
## 1. The base class and parameter groups

An optimizer holds references to the **very same** Tensor objects the model uses (not copies), and
updates their `.data` in place. That is how a step on `optimizer.params` changes `model(x)`.

Real models often want different settings for different parameters (a smaller learning rate for a
pretrained backbone, say). PyTorch's answer is **parameter groups**: the optimizer accepts either a
list of tensors or a list of dicts, each dict holding its own `"params"` plus any hyperparameters that
override the defaults:

```python
SGD(model.parameters(), lr=0.1)                                  # one group
SGD([{"params": backbone, "lr": 0.01}, {"params": head}], lr=0.1)  # two groups
```

Internally both become `self.param_groups`, a list of dicts where every dict has *all* the
hyperparameters filled in. Per-parameter memory (momentum buffers, Adam's moments) lives in
`self.state`, keyed by `id(param)`.

`zero_grad()` resets gradients to `None` rather than to arrays of zeros: it is cheaper, and
`backward()` treats a missing gradient exactly like zero.
"""

# %% nbgrader={"grade": false, "grade_id": "optimizer-base", "locked": false, "schema_version": 3, "solution": true}
#| export
class Optimizer:
    """Base class: parameter groups, per-parameter state, zero_grad() and the step() contract."""

    def __init__(self, params, defaults=None):
        """Normalise `params` into `self.param_groups`.

        Args:
            params: an iterable of Tensors, or of dicts {"params": [...], "lr": ..., ...}.
            defaults: dict of hyperparameters used where a group does not set its own.

        TODO: 1. Turn `params` into a list; raise ValueError if it is empty.
              2. If its first element is a dict, those dicts are the groups; otherwise make one
                 group {"params": the list}.
              3. For every group build a NEW dict: copy the group, turn its "params" into a list,
                 and fill in every missing hyperparameter from `defaults`.
              4. Every parameter must be a Tensor (else raise TypeError). Set its
                 `requires_grad = True`: an optimizer only makes sense for trainable tensors.
              5. Store the groups in `self.param_groups` (a list of dicts).

        HINT: `some_dict.setdefault(key, default)` fills a key only when it is missing.
        """
        self.defaults = dict(defaults or {})
        self.state = {}   # id(param) -> dict of per-parameter buffers
        ### BEGIN SOLUTION
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.param_groups = []
        for group in groups:
            group = dict(group)
            group["params"] = list(group["params"])
            for key, value in self.defaults.items():
                group.setdefault(key, value)
            for p in group["params"]:
                if not isinstance(p, Tensor):
                    raise TypeError(f"optimizer parameters must be Tensors, got {type(p).__name__}")
                p.requires_grad = True
            self.param_groups.append(group)
        ### END SOLUTION

    @property
    def params(self):
        """All parameters of all groups, as one flat list."""
        return [p for group in self.param_groups for p in group["params"]]

    def zero_grad(self):
        """Reset the gradient of every parameter.

        TODO: Set `.grad` of every parameter (all groups) to None.
        """
        ### BEGIN SOLUTION
        for p in self.params:
            p.grad = None
        ### END SOLUTION

    def step(self):
        """Update every parameter that has a gradient. Implemented by subclasses."""
        raise NotImplementedError(f"{type(self).__name__} must implement step()")

    def __repr__(self):
        settings = ", ".join(f"{k}={v}" for k, v in self.defaults.items())
        return f"{type(self).__name__}({settings}, groups={len(self.param_groups)}, params={len(self.params)})"

# %% nbgrader={"grade": true, "grade_id": "test-optimizer-base", "locked": true, "points": 5, "schema_version": 3, "solution": false}
def test_unit_optimizer_base():
    """Groups are normalised, defaults filled, zero_grad clears gradients."""
    print("Unit Test: Optimizer base...")
    a, b, c = Tensor([1.0, 2.0]), Tensor([[3.0]]), Tensor([4.0])
    opt = Optimizer([a, b], defaults={"lr": 0.1})
    assert len(opt.param_groups) == 1 and opt.param_groups[0]["lr"] == 0.1
    assert opt.params[0] is a and opt.params[1] is b, "the optimizer must hold the same objects"
    assert a.requires_grad and b.requires_grad

    groups = [{"params": [a], "lr": 0.5}, {"params": (t for t in [b, c])}]
    opt = Optimizer(groups, defaults={"lr": 0.1, "momentum": 0.0})
    assert [g["lr"] for g in opt.param_groups] == [0.5, 0.1]
    assert all(g["momentum"] == 0.0 for g in opt.param_groups)
    assert len(opt.params) == 3
    assert "momentum" not in groups[0], "the caller's dicts must not be modified"

    a.grad, c.grad = Tensor([1.0, 1.0]), Tensor([2.0])
    opt.zero_grad()
    assert a.grad is None and b.grad is None and c.grad is None

    for bad, err in (([], ValueError), ([np.ones(2)], TypeError)):
        try:
            Optimizer(bad)
            raise AssertionError(f"{bad!r} must raise {err.__name__}")
        except err:
            pass
    print("Optimizer base works!")

if __name__ == "__main__":
    test_unit_optimizer_base()

# %% [markdown]
# ## 2. SGD with momentum
#
# Plain **stochastic gradient descent** steps against the gradient:
# $$\theta \leftarrow \theta - \eta\, g.$$
#
# On a loss surface shaped like a long narrow valley, the gradient points mostly *across* the valley,
# so plain SGD zig-zags between the walls and crawls along the floor. **Momentum** fixes this by
# accumulating a velocity $v$ (PyTorch's formulation):
# $$v \leftarrow \mu\, v + g, \qquad \theta \leftarrow \theta - \eta\, v.$$
#
# Components of $g$ that keep their sign add up (up to $1/(1-\mu)$ times, 10x for $\mu = 0.9$); components
# that flip sign cancel. The velocity starts at zero, so the first step equals plain SGD. With
# $\mu = 0$ no buffer is needed at all, so we store none.
#
# Update `p.data` **in place** (`p.data -= ...`): the model holds a reference to this same array.

# %% nbgrader={"grade": false, "grade_id": "sgd", "locked": false, "schema_version": 3, "solution": true}
#| export
class SGD(Optimizer):
    """Stochastic gradient descent with optional (heavy-ball) momentum."""

    def __init__(self, params, lr, momentum=0.0):
        if lr < 0:
            raise ValueError(f"learning rate must be >= 0, got {lr}")
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        super().__init__(params, defaults={"lr": lr, "momentum": momentum})

    def step(self):
        """Apply one SGD update to every parameter that has a gradient.

        TODO: For every group, read its "lr" and "momentum"; for every parameter p of the group
              with a gradient (skip p.grad is None):
              - g = p.grad.data
              - if momentum != 0: v = momentum * v + g, where v is the parameter's
                "momentum_buffer" in self.state (zeros before the first step); store v
                back and use it in place of g
              - p.data -= lr * (g or v)

        HINT: `self.state.setdefault(id(p), {})` returns the parameter's own dict;
              `state.get("momentum_buffer")` is None before the first step.
        """
        for group in self.param_groups:
            lr, momentum = group["lr"], group["momentum"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                ### BEGIN SOLUTION
                g = p.grad.data
                if momentum != 0.0:
                    state = self.state.setdefault(id(p), {})
                    velocity = state.get("momentum_buffer")
                    velocity = g.copy() if velocity is None else momentum * velocity + g
                    state["momentum_buffer"] = velocity
                    g = velocity
                p.data -= lr * g
                ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-sgd", "locked": true, "points": 10, "schema_version": 3, "solution": false}
def test_unit_sgd():
    """SGD matches hand-computed updates, with and without momentum."""
    print("Unit Test: SGD...")
    w = Tensor([1.0, -2.0, 3.0])
    data_before = w.data
    opt = SGD([w], lr=0.1)
    w.grad = Tensor([1.0, 1.0, -2.0])
    opt.step()
    assert np.allclose(w.data, [0.9, -2.1, 3.2])
    assert w.data is data_before, "parameters must be updated in place"
    assert opt.state == {}, "plain SGD keeps no state"

    # momentum: feed the same gradient three times; v = 1, 1.9, 2.71 (times g)
    w = Tensor([0.0])
    opt = SGD([w], lr=0.1, momentum=0.9)
    expected, v = 0.0, 0.0
    for _ in range(3):
        w.grad = Tensor([1.0])
        opt.step()
        v = 0.9 * v + 1.0
        expected -= 0.1 * v
        assert np.allclose(w.data, [expected]), (w.data, expected)

    # parameters without a gradient are left alone; groups use their own lr
    a, b, c = Tensor([1.0]), Tensor([1.0]), Tensor([1.0])
    opt = SGD([{"params": [a], "lr": 1.0}, {"params": [b, c]}], lr=0.5)
    a.grad, b.grad = Tensor([1.0]), Tensor([1.0])
    opt.step()
    assert np.allclose(a.data, 0.0) and np.allclose(b.data, 0.5) and np.allclose(c.data, 1.0)
    assert w.data.dtype == np.float32
    print("SGD works!")

if __name__ == "__main__":
    test_unit_sgd()

# %% [markdown]
# ## 3. Adam
#
# Momentum gives every parameter the same learning rate. But gradients of different parameters can live
# on wildly different scales (an embedding row that is rarely used, a bias, a weight of a huge layer).
# **Adam** (Kingma & Ba, 2015) keeps two running averages per parameter:
#
# $$m \leftarrow \beta_1 m + (1 - \beta_1)\, g \qquad \text{(mean of } g\text{: direction)}$$
# $$v \leftarrow \beta_2 v + (1 - \beta_2)\, g^2 \qquad \text{(mean of } g^2\text{: scale)}$$
#
# Both start at zero, so early on they are biased towards zero. Dividing by $1 - \beta^t$ (with $t$ the
# number of steps taken) corrects that exactly for a constant gradient:
#
# $$\hat m = \frac{m}{1 - \beta_1^t}, \qquad \hat v = \frac{v}{1 - \beta_2^t}, \qquad
# \theta \leftarrow \theta - \eta\, \frac{\hat m}{\sqrt{\hat v} + \epsilon}.$$
#
# The ratio $\hat m / \sqrt{\hat v}$ is roughly $\pm 1$ when the gradient is consistent and small when it is
# noisy, so $\eta$ becomes (approximately) the largest distance any parameter moves in one step,
# whatever the gradient's scale. That is why `lr=1e-3` is a decent default for almost any problem.

# %% nbgrader={"grade": false, "grade_id": "adam", "locked": false, "schema_version": 3, "solution": true}
#| export
class Adam(Optimizer):
    """Adam: per-parameter step sizes from bias-corrected first and second moment estimates."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        if lr < 0:
            raise ValueError(f"learning rate must be >= 0, got {lr}")
        if not (0.0 <= betas[0] < 1.0 and 0.0 <= betas[1] < 1.0):
            raise ValueError(f"betas must be in [0, 1), got {betas}")
        if eps < 0:
            raise ValueError(f"eps must be >= 0, got {eps}")
        super().__init__(params, defaults={"lr": lr, "betas": tuple(betas), "eps": eps})

    def step(self):
        """Apply one Adam update to every parameter that has a gradient.

        TODO: For each parameter with a gradient, using its state dict with keys
              "step" (int), "m" and "v" (arrays shaped like the parameter):
              1. Create the state on first use: step 0, m and v zeros.
              2. step += 1; update m and v with the formulas above.
              3. Bias-correct: m_hat = m / (1 - beta1**step), v_hat = v / (1 - beta2**step).
              4. p.data -= lr * m_hat / (sqrt(v_hat) + eps)

        HINT: `np.zeros_like(p.data)` for the initial moments. Keep everything float32 by
              computing with float32 arrays (Python floats do not upcast them).
        """
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad.data
                ### BEGIN SOLUTION
                state = self.state.get(id(p))
                if state is None:
                    state = {"step": 0, "m": np.zeros_like(p.data), "v": np.zeros_like(p.data)}
                    self.state[id(p)] = state
                state["step"] += 1
                t = state["step"]
                state["m"] = beta1 * state["m"] + (1.0 - beta1) * g
                state["v"] = beta2 * state["v"] + (1.0 - beta2) * (g * g)
                m_hat = state["m"] / (1.0 - beta1 ** t)
                v_hat = state["v"] / (1.0 - beta2 ** t)
                p.data -= lr * m_hat / (np.sqrt(v_hat) + eps)
                ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-adam", "locked": true, "points": 10, "schema_version": 3, "solution": false}
def _adam_reference(theta, grads, lr, beta1, beta2, eps):
    """Plain float64 Adam on a list of gradients, for comparison."""
    theta = np.array(theta, dtype=np.float64)
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    for t, g in enumerate(grads, start=1):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        theta = theta - lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)
    return theta


def test_unit_adam():
    """Adam matches a reference implementation and has the expected first step."""
    print("Unit Test: Adam...")
    rng = np.random.default_rng(0)
    start = rng.standard_normal((3, 2)).astype(np.float32)
    grads = [rng.standard_normal((3, 2)).astype(np.float32) * s for s in (1.0, 10.0, 0.1, 1.0, 5.0)]
    w = Tensor(start.copy())
    opt = Adam([w], lr=0.01, betas=(0.8, 0.99), eps=1e-8)
    for g in grads:
        w.grad = Tensor(g)
        opt.step()
    expected = _adam_reference(start, grads, 0.01, 0.8, 0.99, 1e-8)
    assert np.allclose(w.data, expected, atol=1e-5), np.max(np.abs(w.data - expected))
    assert opt.state[id(w)]["step"] == 5

    # first step: m_hat = g and v_hat = g^2, so every parameter moves by lr, whatever the scale of g
    w = Tensor([0.0, 0.0, 0.0])
    opt = Adam([w], lr=0.1)
    w.grad = Tensor([1e-3, -5.0, 200.0])
    opt.step()
    assert np.allclose(w.data, [-0.1, 0.1, -0.1], atol=1e-4)
    assert w.data.dtype == np.float32
    assert Adam([Tensor([1.0])]).param_groups[0]["lr"] == 1e-3, "default lr is 1e-3"
    print("Adam works!")

if __name__ == "__main__":
    test_unit_adam()

# %% [markdown]
# ## 4. Gradient clipping
#
# One bad batch can produce a huge gradient, and one huge step can throw a network far away from
# everything it learned. **Clipping by global norm** rescales all gradients together when their combined
# L2 norm exceeds a threshold:
#
# $$\|g\| = \sqrt{\textstyle\sum_{p} \sum_i g_{p,i}^2}, \qquad
# g \leftarrow g \cdot \min\Big(1, \frac{\text{max\_norm}}{\|g\| + 10^{-6}}\Big).$$
#
# Scaling every gradient by the same factor keeps the update's *direction* and only shortens it.
# It runs between `backward()` and `step()`.

# %% nbgrader={"grade": false, "grade_id": "clip-grad-norm", "locked": false, "schema_version": 3, "solution": true}
#| export
def clip_grad_norm(params, max_norm):
    """Scale the gradients of `params` in place so that their global L2 norm is <= max_norm.

    Parameters without a gradient are ignored. Returns the norm measured BEFORE clipping
    (useful to log: a growing norm is an early warning of divergence).

    TODO: 1. total = sqrt of the sum of squares of every gradient entry.
          2. If total > max_norm, multiply every gradient by max_norm / (total + 1e-6).
          3. Return total as a Python float.

    HINT: Multiply in place (`p.grad.data *= scale`) so no new Tensor is needed.
    """
    grads = [p.grad for p in params if p.grad is not None]
    ### BEGIN SOLUTION
    total = float(np.sqrt(sum(float(np.sum(g.data.astype(np.float64) ** 2)) for g in grads)))
    if total > max_norm:
        scale = max_norm / (total + 1e-6)
        for g in grads:
            g.data *= scale
    return total
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-clip-grad-norm", "locked": true, "points": 5, "schema_version": 3, "solution": false}
def test_unit_clip_grad_norm():
    """Clipping rescales only when needed and keeps the direction."""
    print("Unit Test: clip_grad_norm...")
    a, b, c = Tensor([0.0, 0.0]), Tensor([0.0]), Tensor([0.0])
    a.grad, b.grad = Tensor([3.0, 0.0]), Tensor([4.0])          # global norm 5
    norm = clip_grad_norm([a, b, c], max_norm=10.0)
    assert np.isclose(norm, 5.0) and np.allclose(a.grad.data, [3.0, 0.0]), "no clipping below the limit"
    norm = clip_grad_norm([a, b, c], max_norm=1.0)
    assert np.isclose(norm, 5.0), "returns the norm before clipping"
    assert np.allclose(a.grad.data, [0.6, 0.0], atol=1e-5) and np.allclose(b.grad.data, [0.8], atol=1e-5)
    assert c.grad is None
    print("clip_grad_norm works!")

if __name__ == "__main__":
    test_unit_clip_grad_norm()

# %% [markdown]
# ## 5. Optimizers meet autograd
#
# Now the real loop: compute a loss with Tensor operations, `backward()`, `step()`. Our test problem is
# least squares, $L(w) = \mathrm{mean}((Xw - y)^2)$, with features of very different scales. Its
# loss surface is an elongated bowl (condition number in the hundreds), exactly the terrain where plain
# SGD struggles and momentum and Adam shine. The exact minimiser is known (`np.linalg.lstsq`), so we can
# measure how close each optimizer gets.

# %% nbgrader={"grade": false, "grade_id": "least-squares-problem", "locked": false, "schema_version": 3, "solution": false}
def make_least_squares(n=64, seed=0):
    """Features with scales 1 and 10: an ill-conditioned least-squares problem."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3)) * np.array([1.0, 10.0, 3.0])
    w_true = np.array([[2.0], [-0.5], [1.0]])
    y = X @ w_true + 0.01 * rng.standard_normal((n, 1))
    w_best = np.linalg.lstsq(X, y, rcond=None)[0]
    return Tensor(X), Tensor(y), w_best


def run_optimizer(make_optimizer, steps, seed=0):
    """Minimise the least-squares loss; return (final w, list of losses)."""
    X, y, _ = make_least_squares(seed=seed)
    w = Tensor(np.zeros((3, 1)), requires_grad=True)
    opt = make_optimizer([w])
    losses = []
    for _ in range(steps):
        diff = X @ w - y
        loss = (diff * diff).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.data))
    return w.data.copy(), losses

# %% nbgrader={"grade": true, "grade_id": "test-optimizers-converge", "locked": true, "points": 10, "schema_version": 3, "solution": false}
def test_unit_optimizers_converge():
    """All optimizers minimise a real loss through autograd; momentum beats plain SGD."""
    print("Unit Test: optimizers on least squares...")
    _, _, w_best = make_least_squares()
    steps = 150
    w_sgd, loss_sgd = run_optimizer(lambda p: SGD(p, lr=0.004), steps)
    w_mom, loss_mom = run_optimizer(lambda p: SGD(p, lr=0.004, momentum=0.9), steps)
    w_adam, loss_adam = run_optimizer(lambda p: Adam(p, lr=0.1), steps)
    for name, losses in (("SGD", loss_sgd), ("momentum", loss_mom), ("Adam", loss_adam)):
        assert losses[-1] < losses[0] * 0.05, f"{name} did not reduce the loss enough"
    assert loss_mom[-1] < loss_sgd[-1], "momentum should beat plain SGD on an ill-conditioned problem"
    assert np.allclose(w_mom, w_best, atol=0.05), (w_mom.ravel(), w_best.ravel())
    assert np.allclose(w_adam, w_best, atol=0.05), (w_adam.ravel(), w_best.ravel())
    ### BEGIN HIDDEN TESTS
    assert all(np.isfinite(loss_sgd)) and all(np.isfinite(loss_adam))
    w_zero, loss_zero = run_optimizer(lambda p: SGD(p, lr=0.0), 5)
    assert np.allclose(w_zero, 0.0) and len(set(loss_zero)) == 1, "lr=0 must not move anything"
    w_half, _ = run_optimizer(lambda p: SGD(p, lr=0.004, momentum=0.5), steps)
    assert np.linalg.norm(w_half - w_best) < np.linalg.norm(w_sgd - w_best)
    ### END HIDDEN TESTS
    print(f"final losses  SGD {loss_sgd[-1]:.4f}  momentum {loss_mom[-1]:.5f}  Adam {loss_adam[-1]:.5f}")
    print("Optimizers converge!")

if __name__ == "__main__":
    test_unit_optimizers_converge()

# %% nbgrader={"grade": false, "grade_id": "instructor-notes", "locked": false, "schema_version": 3, "solution": false}
#| hide
# Instructor notes (not shown to students).
# Typical mistakes: (1) `p.data = p.data - lr * g` works here but silently breaks code that holds a
# reference to the old array; the SGD test checks `w.data is data_before`. (2) Adam bias correction
# with a global step counter that increments once per parameter instead of once per step.
# (3) Forgetting that momentum state must persist across step() calls (stored in self.state).
# Reference value: two Adam steps with a constant gradient move by exactly 2 * lr.
_ref = Tensor([1.0])
_ref_opt = Adam([_ref], lr=0.05)
for _ in range(2):
    _ref.grad = Tensor([3.0])
    _ref_opt.step()
assert np.allclose(_ref.data, [0.9], atol=1e-6)

# %% [markdown]
# ## 6. Systems view: memory and the Rosenbrock valley
#
# **Memory.** Every optimizer keeps the parameters, and autograd keeps one gradient per parameter.
# On top of that:
#
# | optimizer | extra state per parameter | total (params + grads + state) |
# |---|---|---|
# | SGD | none | 2x |
# | SGD + momentum | velocity $v$ | 3x |
# | Adam | $m$ and $v$ | 4x |
#
# For a 7-billion-parameter model in float32 that is 28 GB of weights plus 56 GB of Adam state: the
# optimizer, not the model, is often what fills the GPU. (This is why tricks like 8-bit optimizer states
# and sharding optimizer state across GPUs exist.)
#
# **Compute.** Each step is a handful of elementwise operations per parameter: $O(P)$ for $P$ parameters,
# negligible next to the forward and backward passes, which cost $O(P \cdot B)$ for a batch of $B$.
#
# The function below measures the state memory, then races the optimizers through the Rosenbrock function
# $f(x, y) = (1 - x)^2 + 100(y - x^2)^2$: a curved, narrow valley with its minimum at $(1, 1)$, a
# classic torture test for optimizers.

# %% nbgrader={"grade": false, "grade_id": "systems-analysis", "locked": false, "schema_version": 3, "solution": false}
def optimizer_state_bytes(optimizer):
    """Bytes of per-parameter state (momentum buffers, Adam moments) held by an optimizer."""
    return sum(v.nbytes for s in optimizer.state.values() for v in s.values() if isinstance(v, np.ndarray))


def analyze_optimizers(steps=2000):
    params = [Tensor(np.zeros((256, 256)))]
    for name, make in (("SGD", lambda p: SGD(p, lr=0.1)), ("SGD+momentum", lambda p: SGD(p, lr=0.1, momentum=0.9)),
                       ("Adam", lambda p: Adam(p))):
        opt = make(params)
        params[0].grad = Tensor(np.ones((256, 256)))
        opt.step()
        print(f"{name:>13}: parameters {params[0].data.nbytes // 1024} KiB, "
              f"optimizer state {optimizer_state_bytes(opt) // 1024} KiB")
    print(f"Rosenbrock from (-1, 1), {steps} steps (minimum at (1, 1)):")
    for name, make in (("SGD", lambda p: SGD(p, lr=1e-3)), ("SGD+momentum", lambda p: SGD(p, lr=1e-3, momentum=0.9)),
                       ("Adam", lambda p: Adam(p, lr=0.02))):
        x, y = Tensor(-1.0, requires_grad=True), Tensor(1.0, requires_grad=True)
        opt = make([x, y])
        for _ in range(steps):
            f = (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2
            opt.zero_grad()
            f.backward()
            opt.step()
        print(f"{name:>13}: ended at ({float(x.data):+.3f}, {float(y.data):+.3f}), f = {float(f.data):.2e}")

if __name__ == "__main__":
    analyze_optimizers()

# %% [markdown]
"""
## 7. Module test
"""

# %% nbgrader={"grade": true, "grade_id": "test-module", "locked": true, "points": 10, "schema_version": 3, "solution": false}
def test_module():
    """Run every unit test of this module."""
    print("Running all optimizer tests...")
    test_unit_optimizer_base()
    test_unit_sgd()
    test_unit_adam()
    test_unit_clip_grad_norm()
    test_unit_optimizers_converge()
    print("All optimizer tests passed! Module 06 complete.")

if __name__ == "__main__":
    test_module()

# %% nbgrader={"grade": false, "grade_id": "demo", "locked": false, "schema_version": 3, "solution": false}
if __name__ == "__main__":
    # Demo: the loss curves of the three optimizers on the least-squares problem, side by side.
    curves = {name: run_optimizer(make, 100)[1] for name, make in (
        ("SGD", lambda p: SGD(p, lr=0.004)),
        ("momentum", lambda p: SGD(p, lr=0.004, momentum=0.9)),
        ("Adam", lambda p: Adam(p, lr=0.1)))}
    print(f"{'step':>5} " + " ".join(f"{name:>10}" for name in curves))
    for step in (0, 5, 10, 25, 50, 99):
        print(f"{step:>5} " + " ".join(f"{curves[name][step]:>10.4f}" for name in curves))

# %% [markdown]
"""
## Summary

- An optimizer holds references to the model's parameters and updates `p.data` **in place**.
- `zero_grad()` -> `backward()` -> `step()` is the rhythm of every training step.
- **SGD + momentum** accumulates a velocity; **Adam** adapts the step size of every parameter
  and costs two extra copies of the parameters in memory.
- `clip_grad_norm` guards against exploding gradients.

Module 07 puts the rhythm in a loop over a dataset, adds evaluation, and trains a real classifier.
"""
