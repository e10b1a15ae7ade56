# %% [markdown]
"""
# Module 03: Layers - Building Blocks with Learnable Parameters

You now have tensors (Module 01) and activations (Module 02). In this module we
package the computation `x @ W + b` into a reusable **layer** that owns its
weights, initialises them sensibly, and reports them as its **parameters**.
Then we chain layers and activations into a model with `Sequential`.

## What you will build

- `Layer`: a tiny base class that fixes the interface every layer shares
  (`forward`, calling the layer, `parameters()`).
- `xavier_uniform(fan_in, fan_out, rng)`: the Xavier/Glorot weight initialiser.
- `Linear(in_features, out_features, bias=True, seed=None)`: the fully
  connected layer.
- `Sequential(*layers)`: runs layers (or any callables, such as activations)
  one after another and collects all their parameters.

## Why this matters

Every model in this course is a stack of layers. The optimizer in Module 06
does not know anything about your network's structure: it just asks
`model.parameters()` for a list of tensors and updates each one. Getting that
list right, and starting the weights at a good scale, are what make training
possible at all.

## Dependencies

This module imports `Tensor` from `tinytorch.core.tensor` and, for the
`Sequential` examples and tests, `ReLU` from `tinytorch.core.activations`.
"""

# %% nbgrader={"grade": false, "grade_id": "layers-imports", "locked": false, "schema_version": 3, "solution": false}
#| default_exp core.layers
#| export
import numpy as np

from tinytorch.core.tensor import Tensor
from tinytorch.core.activations import ReLU

# %% [markdown]
"""
## 1. The `Layer` interface

A layer is a function with memory: it maps an input tensor to an output tensor
using some parameters it stores. We fix three pieces of behaviour:

- `forward(x)`: the computation. Subclasses must implement it.
- `__call__(x)`: calls `forward`, so that `layer(x)` reads like maths.
- `parameters()`: the list of learnable `Tensor`s. The base class returns an
  empty list (a layer with no weights).

Why route `layer(x)` through `__call__` instead of calling `forward`
directly? It gives a single place where a framework can add behaviour around
every forward pass (hooks, bookkeeping for autograd, timing) without touching
any layer's code. PyTorch works the same way.

The base class is given.
"""

# %% nbgrader={"grade": false, "grade_id": "layers-base", "locked": false, "schema_version": 3, "solution": false}
#| export
class Layer:
    """Base class of all layers: forward computation plus learnable parameters."""

    def forward(self, x):
        """Compute the layer's output for input `x`. Subclasses implement this."""
        raise NotImplementedError(f"{type(self).__name__} must implement forward()")

    def __call__(self, *args, **kwargs):
        """`layer(x)` is the same as `layer.forward(x)`."""
        return self.forward(*args, **kwargs)

    def parameters(self):
        """List of learnable Tensors. A layer without weights has none."""
        return []

    def __repr__(self):
        return f"{type(self).__name__}()"

# %% [markdown]
# ## 2. Initialising weights: Xavier / Glorot
#
# Weights must start random (if all weights were equal, every unit in a layer
# would compute the same thing and receive the same update forever). But the
# **scale** of that randomness matters a lot.
#
# Consider one output of a linear layer, $y_j = \sum_{i=1}^{n_{in}} x_i W_{ij}$.
# If the inputs and weights are independent with mean zero, the variances add up:
#
# $$\mathrm{Var}(y_j) = n_{in} \, \mathrm{Var}(x) \, \mathrm{Var}(W).$$
#
# - If $\mathrm{Var}(W)$ is too large, each layer multiplies the signal's variance
#   by more than 1; after ten layers activations explode.
# - If it is too small, the signal shrinks towards zero layer after layer.
#
# To keep the variance constant on the forward pass we want
# $n_{in} \mathrm{Var}(W) = 1$. The same argument for gradients flowing backward
# asks for $n_{out} \mathrm{Var}(W) = 1$. Glorot and Bengio (2010) compromise:
#
# $$\mathrm{Var}(W) = \frac{2}{n_{in} + n_{out}}.$$
#
# A uniform distribution on $[-a, a]$ has variance $a^2 / 3$. Solving
# $a^2/3 = 2/(n_{in} + n_{out})$ gives the **Xavier uniform** limit
#
# $$a = \sqrt{\frac{6}{n_{in} + n_{out}}}.$$
#
# Here $n_{in}$ (fan-in) is `in_features` and $n_{out}$ (fan-out) is
# `out_features`. (For ReLU networks, He initialisation with variance
# $2/n_{in}$ is a popular alternative; Xavier works well for the small networks
# in this course.)
#
# We draw the numbers from a NumPy `Generator` that is passed in, so every
# experiment is reproducible: the same seed always gives the same weights.

# %% nbgrader={"grade": false, "grade_id": "layers-xavier", "locked": false, "schema_version": 3, "solution": true}
#| export
def xavier_uniform(fan_in, fan_out, rng=None):
    """Xavier/Glorot uniform initialisation for a (fan_in, fan_out) weight matrix.

    `rng` is a `np.random.Generator`; an int seed or None is also accepted and
    turned into a Generator with `np.random.default_rng`.

    TODO: 1. Compute the limit a = sqrt(6 / (fan_in + fan_out)).
          2. Draw a (fan_in, fan_out) array uniformly from [-a, a] using `rng`.
          3. Return it as a float32 NumPy array (not a Tensor).

    HINT: `rng.uniform(low, high, size=(rows, cols))`, then `.astype(np.float32)`.
    """
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)
    ### BEGIN SOLUTION
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    weights = rng.uniform(-limit, limit, size=(fan_in, fan_out))
    return weights.astype(np.float32)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-layers-xavier", "locked": true, "points": 5, "schema_version": 3, "solution": false}
def test_unit_xavier_uniform():
    """Shape, dtype, bounds, variance and reproducibility of xavier_uniform."""
    print("Unit test: xavier_uniform...")
    rng = np.random.default_rng(0)
    w = xavier_uniform(300, 200, rng)
    assert isinstance(w, np.ndarray), "xavier_uniform returns a NumPy array"
    assert w.shape == (300, 200) and w.dtype == np.float32
    limit = np.sqrt(6.0 / 500)
    assert np.all(np.abs(w) <= limit + 1e-7), "values must lie in [-limit, limit]"
    # The empirical variance should be close to 2 / (fan_in + fan_out).
    assert abs(w.var() - 2.0 / 500) < 0.1 * (2.0 / 500), w.var()
    assert abs(w.mean()) < 0.01
    # Same seed, same numbers; different seed, different numbers.
    a = xavier_uniform(4, 3, np.random.default_rng(42))
    b = xavier_uniform(4, 3, np.random.default_rng(42))
    c = xavier_uniform(4, 3, np.random.default_rng(43))
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    # An int seed works too.
    assert np.array_equal(xavier_uniform(4, 3, 42), a)
    print("  xavier_uniform works")


if __name__ == "__main__":
    test_unit_xavier_uniform()

# %% [markdown]
"""
## 3. The `Linear` layer

A linear (fully connected, dense) layer computes

```
y = x @ W + b
x: (batch, in_features)
W: (in_features, out_features)
b: (out_features,)
y: (batch, out_features)
```

Each of the `out_features` outputs is a weighted sum of all `in_features`
inputs plus its own bias. We store `W` as `(in_features, out_features)` so the
forward pass is a plain `x @ W` with no transpose. (PyTorch stores the
transpose; the maths is the same.) The bias is broadcast over the batch axis,
exactly the `(32, 10) + (10,)` case from Module 01.

Design decisions:

- **Weights** come from `xavier_uniform(in_features, out_features, rng)` where
  `rng = np.random.default_rng(seed)`. Same `seed`, same layer.
- **Bias** starts at zero. Symmetry is already broken by the random weights,
  so there is no need to randomise the bias.
- `bias=False` creates a layer without bias (`self.bias` is `None`), useful
  when a later step (such as normalisation) would cancel a bias anyway.
- Both parameters are created with `requires_grad=True`: they are what training
  will adjust once autograd exists (Module 05).
- `forward` **must use Tensor operations** (`@` and `+` on Tensors), not raw
  NumPy on `.data`. Autograd will record those Tensor operations to compute
  gradients; a detour through NumPy would be invisible to it.
- `forward` checks the last axis of the input and raises a `ValueError` that
  names the expected size, since "wrong number of features" is the most common
  mistake when wiring layers together.
"""

# %% nbgrader={"grade": false, "grade_id": "layers-linear", "locked": false, "schema_version": 3, "solution": true}
#| export
class Linear(Layer):
    """Fully connected layer: y = x @ weight + bias.

    weight: Tensor of shape (in_features, out_features), Xavier-uniform init.
    bias:   Tensor of shape (out_features,), zeros, or None if bias=False.
    """

    def __init__(self, in_features, out_features, bias=True, seed=None):
        """Create the weight (and bias) tensors.

        TODO: 1. Set `self.weight` to a Tensor holding
                 `xavier_uniform(in_features, out_features, rng)`, with
                 `requires_grad=True`.
              2. If `bias` is True, set `self.bias` to a Tensor of
                 `out_features` zeros (float32, `requires_grad=True`);
                 otherwise set `self.bias = None`.

        HINT: `rng` is created for you below from `seed`. `np.zeros(n, dtype=np.float32)`
        makes the bias data.
        """
        if int(in_features) <= 0 or int(out_features) <= 0:
            raise ValueError(
                f"Linear needs positive sizes, got in_features={in_features}, out_features={out_features}"
            )
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        rng = np.random.default_rng(seed)
        ### BEGIN SOLUTION
        self.weight = Tensor(xavier_uniform(self.in_features, self.out_features, rng), requires_grad=True)
        if bias:
            self.bias = Tensor(np.zeros(self.out_features, dtype=np.float32), requires_grad=True)
        else:
            self.bias = None
        ### END SOLUTION

    def forward(self, x):
        """Compute x @ weight + bias using Tensor operations.

        TODO: 1. If `x` is not a Tensor, wrap it: `x = Tensor(x)`.
              2. If `x` is 0-d or its last axis is not `self.in_features`, raise
                 ValueError mentioning the expected and the received shape.
              3. Compute `x @ self.weight`, add `self.bias` if it is not None,
                 and return the result.

        HINT: Use the Tensor operators `@` and `+` (not `np.matmul` on `.data`),
        so autograd can later track this computation. Broadcasting adds the
        (out_features,) bias to every row.
        """
        ### BEGIN SOLUTION
        if not isinstance(x, Tensor):
            x = Tensor(x)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"Linear({self.in_features}, {self.out_features}) expects inputs whose last "
                f"axis has {self.in_features} features, got shape {x.shape}"
            )
        out = x @ self.weight
        if self.bias is not None:
            out = out + self.bias
        return out
        ### END SOLUTION

    def parameters(self):
        """Return the learnable tensors.

        TODO: Return `[self.weight, self.bias]`, or just `[self.weight]` when the
              layer has no bias.

        HINT: Return the Tensor objects themselves (not copies, not `.data`):
        the optimizer must update the very tensors this layer uses.
        """
        ### BEGIN SOLUTION
        if self.bias is None:
            return [self.weight]
        return [self.weight, self.bias]
        ### END SOLUTION

    def __repr__(self):
        return (f"Linear(in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={getattr(self, 'bias', None) is not None})")

# %% nbgrader={"grade": true, "grade_id": "test-layers-linear", "locked": true, "points": 10, "schema_version": 3, "solution": false}
def test_unit_linear():
    """Linear: parameter shapes/init, forward values vs NumPy, errors, no-bias."""
    print("Unit test: Linear...")
    layer = Linear(4, 3, seed=0)
    assert isinstance(layer, Layer)
    assert isinstance(layer.weight, Tensor) and layer.weight.shape == (4, 3)
    assert isinstance(layer.bias, Tensor) and layer.bias.shape == (3,)
    assert np.all(layer.bias.data == 0), "bias starts at zero"
    limit = np.sqrt(6.0 / (4 + 3))
    assert np.all(np.abs(layer.weight.data) <= limit + 1e-7), "weights use the Xavier limit"
    # The weights are exactly xavier_uniform with default_rng(seed).
    assert np.array_equal(layer.weight.data, xavier_uniform(4, 3, np.random.default_rng(0)))
    assert layer.weight.requires_grad and layer.bias.requires_grad

    # Forward pass on a batch of 5 samples matches NumPy.
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 4)).astype(np.float32)
    layer.bias = Tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = layer(Tensor(x))
    assert isinstance(y, Tensor) and y.shape == (5, 3)
    assert np.allclose(y.data, x @ layer.weight.data + layer.bias.data, atol=1e-5)
    assert np.allclose(layer.forward(Tensor(x)).data, y.data), "__call__ must match forward"

    # Parameters are the layer's own tensors.
    params = layer.parameters()
    assert len(params) == 2 and params[0] is layer.weight and params[1] is layer.bias

    # Wrong number of input features -> ValueError naming the expected size.
    try:
        layer(Tensor(np.ones((5, 7))))
        raise AssertionError("a (5, 7) input to Linear(4, 3) should raise ValueError")
    except ValueError as err:
        assert "4" in str(err) and "(5, 7)" in str(err), str(err)

    # No bias.
    nb = Linear(4, 3, bias=False, seed=0)
    assert nb.bias is None and len(nb.parameters()) == 1
    assert np.allclose(nb(Tensor(x)).data, x @ nb.weight.data, atol=1e-5)
    print("  Linear works")
    ### BEGIN HIDDEN TESTS
    # Same seed -> identical layers; different seeds -> different weights.
    assert np.array_equal(Linear(6, 2, seed=5).weight.data, Linear(6, 2, seed=5).weight.data)
    assert not np.array_equal(Linear(6, 2, seed=5).weight.data, Linear(6, 2, seed=6).weight.data)
    # A single sample (1-D input) and a plain NumPy input both work.
    single = layer(x[0])
    assert isinstance(single, Tensor) and single.shape == (3,)
    assert np.allclose(single.data, y.data[0], atol=1e-5)
    # Extra leading axes are treated as batch axes.
    x3 = rng.standard_normal((2, 5, 4)).astype(np.float32)
    assert layer(Tensor(x3)).shape == (2, 5, 3)
    # Invalid sizes are rejected.
    try:
        Linear(0, 3)
        raise AssertionError("Linear(0, 3) should raise ValueError")
    except ValueError:
        pass
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_unit_linear()

# %% [markdown]
"""
## 4. `Sequential`: chaining layers into a model

A multi-layer perceptron (MLP) is a chain:

```
x -> Linear(784, 128) -> ReLU -> Linear(128, 10) -> logits
```

`Sequential(*layers)` stores the steps in a list. Its `forward` feeds the
output of each step into the next. The steps can be anything callable:
`Linear` layers, activation objects such as `ReLU()`, or even a plain function
like `lambda t: t * 2`.

Its `parameters()` walks the steps and concatenates the parameter lists of
those that have a `parameters` method, in order. Activations return an empty
list, and plain functions have no such method; both contribute nothing. Because
`Sequential` is itself a `Layer`, you can nest one `Sequential` inside another
and the parameters are still all found.
"""

# %% nbgrader={"grade": false, "grade_id": "layers-sequential", "locked": false, "schema_version": 3, "solution": true}
#| export
class Sequential(Layer):
    """Apply a list of layers (or any callables) one after another."""

    def __init__(self, *layers):
        # Allow Sequential([a, b, c]) as well as Sequential(a, b, c).
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        for layer in layers:
            if not callable(layer):
                raise TypeError(f"Sequential steps must be callable, got {type(layer).__name__}")
        self.layers = list(layers)

    def forward(self, x):
        """Feed `x` through every layer in order and return the final output.

        TODO: Loop over `self.layers`; call each layer on the current value and
              use its output as the input of the next. Return the last output
              (an empty Sequential returns `x` unchanged).

        HINT: Call the layer itself, `layer(x)`, rather than `layer.forward(x)`:
        plain functions have no `forward` method.
        """
        ### BEGIN SOLUTION
        for layer in self.layers:
            x = layer(x)
        return x
        ### END SOLUTION

    def parameters(self):
        """Collect the parameters of all layers, in order.

        TODO: Build one flat list containing the parameters of every layer that
              has a `parameters` method, in layer order, and return it.

        HINT: `hasattr(layer, "parameters")` tells you whether a step has a
        parameters method; `some_list.extend(other_list)` appends every item of
        `other_list` (whereas `append` would nest the whole list).
        """
        ### BEGIN SOLUTION
        params = []
        for layer in self.layers:
            if hasattr(layer, "parameters"):
                params.extend(layer.parameters())
        return params
        ### END SOLUTION

    def __len__(self):
        return len(self.layers)

    def __getitem__(self, index):
        return self.layers[index]

    def __repr__(self):
        inner = ",\n".join(f"  {layer!r}" for layer in self.layers)
        return f"Sequential(\n{inner}\n)"

# %% nbgrader={"grade": true, "grade_id": "test-layers-sequential", "locked": true, "points": 10, "schema_version": 3, "solution": false}
def test_unit_sequential():
    """Sequential forward order, parameter collection, callables, nesting."""
    print("Unit test: Sequential...")
    l1 = Linear(4, 8, seed=0)
    l2 = Linear(8, 2, seed=1)
    model = Sequential(l1, ReLU(), l2)
    assert isinstance(model, Layer) and len(model) == 3 and model[0] is l1

    rng = np.random.default_rng(2)
    x = rng.standard_normal((6, 4)).astype(np.float32)
    out = model(Tensor(x))
    assert isinstance(out, Tensor) and out.shape == (6, 2)
    h = np.maximum(x @ l1.weight.data + l1.bias.data, 0)
    expected = h @ l2.weight.data + l2.bias.data
    assert np.allclose(out.data, expected, atol=1e-5)

    # Parameters: weight and bias of each Linear, in order; ReLU adds none.
    params = model.parameters()
    assert len(params) == 4
    assert params[0] is l1.weight and params[1] is l1.bias
    assert params[2] is l2.weight and params[3] is l2.bias

    # Order matters: the steps run first to last.
    double_then_add = Sequential(lambda t: t * 2, lambda t: t + 1)
    assert np.allclose(double_then_add(Tensor([1.0, 2.0])).data, [3.0, 5.0])
    assert double_then_add.parameters() == []

    # An empty Sequential is the identity; a list works too.
    assert np.array_equal(Sequential()(Tensor([1.0])).data, [1.0])
    assert len(Sequential([l1, ReLU()])) == 2
    print("  Sequential works")
    ### BEGIN HIDDEN TESTS
    # Nested Sequential: parameters are found recursively, forward composes.
    inner = Sequential(Linear(2, 3, seed=3), ReLU())
    outer = Sequential(Linear(4, 2, seed=4), inner, Linear(3, 1, bias=False, seed=5))
    assert len(outer.parameters()) == 2 + 2 + 1
    assert outer(Tensor(x)).shape == (6, 1)
    # Non-callable steps are rejected early.
    try:
        Sequential(l1, 42)
        raise AssertionError("a non-callable step should raise TypeError")
    except TypeError:
        pass
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_unit_sequential()

# %% [markdown]
"""
### Unit test: the `Layer` base class

A quick check that the given base class behaves as described, and that a
custom layer only needs to implement `forward` (and `parameters` if it has
weights) to work inside a `Sequential`.
"""

# %% nbgrader={"grade": true, "grade_id": "test-layers-base", "locked": true, "points": 5, "schema_version": 3, "solution": false}
def test_unit_layer_base():
    """Layer base: forward is abstract, __call__ delegates, no parameters."""
    print("Unit test: Layer base class...")
    base = Layer()
    assert base.parameters() == []
    try:
        base(Tensor([1.0]))
        raise AssertionError("Layer.forward should be abstract")
    except NotImplementedError:
        pass

    class Scale(Layer):
        def __init__(self, factor):
            self.factor = Tensor([factor])

        def forward(self, x):
            return x * self.factor

        def parameters(self):
            return [self.factor]

    s = Scale(3.0)
    assert np.allclose(s(Tensor([1.0, 2.0])).data, [3.0, 6.0])
    model = Sequential(Linear(2, 2, seed=0), s)
    assert len(model.parameters()) == 3 and model.parameters()[-1] is s.factor
    print("  Layer base class works")


if __name__ == "__main__":
    test_unit_layer_base()

# %% [markdown]
"""
## 5. Systems note: parameters, memory and why initialisation matters

**Counting parameters.** A `Linear(n_in, n_out)` has `n_in * n_out + n_out`
parameters. An MNIST-style MLP `784 -> 256 -> 128 -> 10` therefore has
`784*256 + 256 + 256*128 + 128 + 128*10 + 10 = 235,146` parameters, about
0.9 MiB in float32. Training needs more than that: a gradient of the same size
for every parameter (Module 05), and optimizer state such as Adam's two moment
estimates (Module 06), so roughly 4x the parameter memory, plus the
activations of every layer for the whole batch.

**Compute.** The forward pass of a `Linear` on a batch of `B` samples is one
`(B, n_in) @ (n_in, n_out)` matmul: about `2 * B * n_in * n_out` FLOPs. The
bias add and the activation are O(B * n_out) and comparatively free.

**Initialisation.** The cell below pushes a batch through 20 layers of width
256 (with tanh in between) and prints the standard deviation of the activations
after a few layers, for three weight scales. With unit-variance weights the
activations saturate at +-1 (tanh's flat region, where gradients vanish); with
tiny weights they shrink to nothing within a few layers; Xavier keeps them in a
usable range and shrinks them only slowly (tanh squashes a little at every
layer, which is one reason very deep networks also need normalisation or
residual connections).
"""

# %% nbgrader={"grade": false, "grade_id": "layers-systems", "locked": false, "schema_version": 3, "solution": false}
def count_parameters(model):
    """Total number of scalar parameters in a model (a Layer or Sequential)."""
    return sum(p.size for p in model.parameters())


def analyze_layer_costs():
    """Print parameter counts and memory, then compare weight scales over depth."""
    mlp = Sequential(Linear(784, 256, seed=0), ReLU(), Linear(256, 128, seed=1), ReLU(),
                     Linear(128, 10, seed=2))
    n = count_parameters(mlp)
    print(f"MLP 784-256-128-10: {n:,} parameters = {n * 4 / 2**20:.2f} MiB in float32")
    batch = 64
    flops = 2 * batch * (784 * 256 + 256 * 128 + 128 * 10)
    print(f"Forward pass on a batch of {batch}: about {flops / 1e6:.1f} MFLOP in matmuls")

    rng = np.random.default_rng(0)
    width, depth = 256, 20
    x0 = rng.standard_normal((128, width)).astype(np.float32)
    schemes = {
        "N(0, 1)      ": lambda: rng.standard_normal((width, width)),
        "N(0, 0.01^2) ": lambda: rng.standard_normal((width, width)) * 0.01,
        "Xavier       ": lambda: xavier_uniform(width, width, rng),
    }
    print("Std of activations through tanh layers (layer 1, 5, 10, 20):")
    for name, make in schemes.items():
        h = x0
        stds = []
        for layer_index in range(1, depth + 1):
            h = np.tanh(h @ make())
            if layer_index in (1, 5, 10, 20):
                stds.append(h.std())
        print("  " + name + "  ".join(f"{s:8.5f}" for s in stds))


if __name__ == "__main__":
    analyze_layer_costs()

# %% nbgrader={"grade": false, "grade_id": "layers-instructor-check", "locked": false, "schema_version": 3, "solution": false}
#| hide
# Instructor-only cell (removed from the student notebook).
# Reference values: with seed 0, Linear(3, 2) must reproduce exactly the
# weights NumPy's default_rng(0) gives for the Xavier limit sqrt(6/5), so the
# reproducibility promised to students holds. Defines nothing later cells use.
if __name__ == "__main__":
    _lim = np.sqrt(6.0 / 5.0)
    _ref = np.random.default_rng(0).uniform(-_lim, _lim, size=(3, 2)).astype(np.float32)
    _layer = Linear(3, 2, seed=0)
    assert np.array_equal(_layer.weight.data, _ref)
    _x = np.array([[1.0, -2.0, 0.5]], dtype=np.float32)
    assert np.allclose(_layer(Tensor(_x)).data, _x @ _ref, atol=1e-6)
    print("Instructor reference check passed: Linear(3, 2, seed=0) weights =", np.round(_ref.ravel(), 4))

# %% [markdown]
"""
## 6. Module test

`test_module()` runs all unit tests and then builds a small classifier-shaped
MLP, checks every intermediate shape, the parameter count, determinism with
fixed seeds, and that the forward pass equals the same computation done by hand
in NumPy.
"""

# %% nbgrader={"grade": true, "grade_id": "test-layers-module", "locked": true, "points": 10, "schema_version": 3, "solution": false}
def test_module():
    """Run all unit tests, then an end-to-end MLP check."""
    print("Running all Module 03 tests...")
    test_unit_xavier_uniform()
    test_unit_linear()
    test_unit_sequential()
    test_unit_layer_base()

    print("Integration: MLP 20 -> 16 -> 8 -> 3 on a batch of 10...")
    def build():
        return Sequential(Linear(20, 16, seed=10), ReLU(), Linear(16, 8, seed=11), ReLU(),
                          Linear(8, 3, seed=12))

    model = build()
    x = Tensor(np.random.default_rng(0).standard_normal((10, 20)))
    h = x
    for step, expected_shape in zip(model.layers, [(10, 16), (10, 16), (10, 8), (10, 8), (10, 3)]):
        h = step(h)
        assert h.shape == expected_shape, (type(step).__name__, h.shape)
    out = model(x)
    assert np.allclose(out.data, h.data)
    assert sum(p.size for p in model.parameters()) == 20 * 16 + 16 + 16 * 8 + 8 + 8 * 3 + 3
    assert np.array_equal(build()(x).data, out.data), "fixed seeds must give identical models"

    a = x.data
    for layer in model.layers:
        if isinstance(layer, Linear):
            a = a @ layer.weight.data + layer.bias.data
        else:
            a = np.maximum(a, 0)
    assert np.allclose(out.data, a, atol=1e-5)
    print("All Module 03 tests passed!")


if __name__ == "__main__":
    test_module()

    print()
    print("Demo:")
    demo_model = Sequential(Linear(4, 3, seed=0), ReLU(), Linear(3, 2, seed=1))
    print(demo_model)
    print("output for one sample:", demo_model(Tensor([1.0, 2.0, 3.0, 4.0])))
    print("number of parameters:", sum(p.size for p in demo_model.parameters()))

# %% [markdown]
"""
## Summary

- `Layer` fixes the interface: `forward`, `layer(x)`, `parameters()`.
- `xavier_uniform` draws weights from `[-a, a]` with `a = sqrt(6 / (fan_in + fan_out))`,
  which keeps activations at a stable scale through depth.
- `Linear` computes `x @ W + b` with Tensor operations, so Module 05 can
  differentiate it, and reports `[weight, bias]` as parameters.
- `Sequential` chains any callables and gathers all parameters, which is all an
  optimizer needs.

Next, Module 04 measures how wrong a model's outputs are: loss functions.
"""
