# %% [markdown]
"""
# Module 07: Training - Putting the Pieces in a Loop

Every ingredient is ready:

| module | gives us |
|---|---|
| 01-03 | tensors, activations and layers to build a model |
| 04 | a loss that scores the model's predictions |
| 05 | `loss.backward()`, which fills `p.grad` for every parameter |
| 06 | an optimizer whose `step()` moves the parameters downhill |

Training is these four steps, repeated over the data many times:

```
for epoch in range(epochs):                  # one pass over the whole dataset
    for x, y in batches:                     # one mini-batch at a time
        logits = model(x)                    # 1. forward
        loss = loss_fn(logits, y)            # 2. loss
        optimizer.zero_grad()                # 3. backward (starting from clean gradients)
        loss.backward()
        optimizer.step()                     # 4. update
```

It looks simple, and it is. The craft is in the details around it: measuring progress honestly on data
the model never trained on, not building autograd graphs when we only evaluate, keeping results
reproducible, and choosing the batch size.

## Learning goals
- Implement `accuracy`, `make_batches`, `train_epoch` and `evaluate`.
- Wrap them in a small `Trainer` that records a training **history**.
- Train a multilayer perceptron on a synthetic **two-dimensional spiral** dataset that no linear model
  can solve, and reach high accuracy on held-out data.

## A note on data
Datasets here are generated in the notebook (no downloads) and batched by hand with `make_batches`.
Anything that yields `(x, y)` pairs of Tensors works as `batches`: module 08 builds a proper
`DataLoader` that plugs straight into the functions of this module.
"""

# %% nbgrader={"grade": false, "grade_id": "training-imports", "locked": false, "schema_version": 3, "solution": false}
#| default_exp core.training
#| export
import time

import numpy as np

from tinytorch.core.activations import ReLU
from tinytorch.core.autograd import no_grad
from tinytorch.core.layers import Linear, Sequential
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import SGD, Adam, clip_grad_norm
from tinytorch.core.tensor import Tensor

# %% [markdown]
# ## 1. A dataset worth learning: interleaved spirals
#
# Our data: $K$ arms of a spiral in the plane, one arm per class. Point $i$ of class $k$ sits at radius
# $r \in [0, 1]$ and angle $\theta = 4r + 2\pi k / K$ plus Gaussian noise. No straight line (and no
# linear model) separates the arms; a network with a couple of hidden layers of ReLUs can, by bending its
# decision boundary along them.
#
# We generate a **training** set to learn from and a separate **test** set, drawn with a different seed,
# to measure how well the learned rule *generalises*. Accuracy on the training data alone can be fooled
# by memorisation.

# %% nbgrader={"grade": false, "grade_id": "spiral-data", "locked": false, "schema_version": 3, "solution": false}
def make_spirals(n_per_class=100, n_classes=3, noise=0.2, seed=0):
    """K interleaved spiral arms in 2-D. Returns X (N, 2) float32 and integer labels y (N,)."""
    rng = np.random.default_rng(seed)
    X = np.zeros((n_per_class * n_classes, 2), dtype=np.float32)
    y = np.zeros(n_per_class * n_classes, dtype=np.int64)
    for k in range(n_classes):
        r = np.linspace(0.0, 1.0, n_per_class)
        theta = 4.0 * r + 2.0 * np.pi * k / n_classes + rng.normal(0.0, noise, n_per_class)
        rows = slice(k * n_per_class, (k + 1) * n_per_class)
        X[rows] = np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1)
        y[rows] = k
    return X, y


def make_blobs(n_per_class=50, centers=((-2.0, 0.0), (2.0, 0.0), (0.0, 2.5)), std=0.6, seed=0):
    """Gaussian blobs: an easy, almost linearly separable dataset for quick tests."""
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(c, std, (n_per_class, 2)) for c in centers]).astype(np.float32)
    y = np.repeat(np.arange(len(centers)), n_per_class)
    return X, y


def make_mlp(hidden=64, n_classes=3, seed=0):
    """2 -> hidden -> hidden -> n_classes multilayer perceptron with ReLU activations."""
    return Sequential(Linear(2, hidden, seed=seed), ReLU(),
                      Linear(hidden, hidden, seed=seed + 1), ReLU(),
                      Linear(hidden, n_classes, seed=seed + 2))

# %% [markdown]
"""
## 2. Measuring: accuracy

A classifier outputs one score (logit) per class; its prediction is the class with the highest score.
**Accuracy** is the fraction of predictions equal to the labels. Cross-entropy is what we *optimise*
(it is smooth and differentiable); accuracy is what we *report* (it is what we care about, but its
gradient is zero almost everywhere).

For a model with a single output column (binary classification with a sigmoid), the prediction is
"class 1" when the output exceeds 0.5.
"""

# %% nbgrader={"grade": false, "grade_id": "accuracy", "locked": false, "schema_version": 3, "solution": true}
#| export
def _array(value):
    """The numpy array behind a Tensor, or the value itself as an array."""
    return value.data if isinstance(value, Tensor) else np.asarray(value)


def accuracy(logits, targets):
    """Fraction of samples whose predicted class equals the target class.

    Args:
        logits: Tensor or array of shape (N, C) with class scores, or (N,) / (N, 1) with
                probabilities of class 1.
        targets: N integer class labels (Tensor, list or array; any shape with N elements).

    Returns:
        accuracy as a Python float in [0, 1].

    TODO: 1. Predicted classes: argmax over the last axis if there are several columns,
             otherwise (output > 0.5) as integers.
          2. Compare with the targets (flattened, as integers) and return the mean.

    HINT: `np.argmax(scores, axis=-1)`; `scores.shape[-1] > 1` tells the two cases apart.
    """
    scores = _array(logits)
    labels = _array(targets).reshape(-1).astype(np.int64)
    ### BEGIN SOLUTION
    if scores.ndim >= 2 and scores.shape[-1] > 1:
        predictions = np.argmax(scores, axis=-1)
    else:
        predictions = (scores > 0.5).astype(np.int64)
    predictions = predictions.reshape(-1)
    return float(np.mean(predictions == labels)) if labels.size else 0.0
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-accuracy", "locked": true, "points": 5, "schema_version": 3, "solution": false}
def test_unit_accuracy():
    """accuracy handles multi-class scores, binary probabilities and label formats."""
    print("Unit Test: accuracy...")
    logits = Tensor([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.0, 5.0], [9.0, 0.0, 0.0]])
    assert accuracy(logits, [0, 1, 2, 0]) == 1.0
    assert accuracy(logits, np.array([0, 1, 2, 2])) == 0.75
    assert accuracy(logits, Tensor([1.0, 0.0, 0.0, 1.0])) == 0.0      # float labels from a Tensor
    probs = Tensor([[0.9], [0.2], [0.6], [0.4]])
    assert accuracy(probs, [1, 0, 0, 0]) == 0.75
    assert isinstance(accuracy(logits, [0, 1, 2, 0]), float)
    print("accuracy works!")

if __name__ == "__main__":
    test_unit_accuracy()

# %% [markdown]
"""
## 3. Mini-batches by hand

We rarely compute the gradient on the whole dataset at once (too much memory for big data) or on one
example at a time (too noisy, and far too slow in Python). The compromise is the **mini-batch**: a few
dozen examples stacked into one Tensor, so each forward pass is a handful of large matrix
multiplications.

`make_batches` cuts arrays `X` and `y` into a **list** of `(Tensor, Tensor)` pairs, optionally after a
seeded shuffle. Shuffling matters: our spiral data is sorted by class, and a batch containing only
class 0 pushes the model towards "always say 0". The result is a list, so it can be iterated once per
epoch. (Its order is fixed at creation; module 08's `DataLoader` reshuffles every epoch.)
"""

# %% nbgrader={"grade": false, "grade_id": "make-batches", "locked": false, "schema_version": 3, "solution": true}
#| export
def make_batches(X, y, batch_size, shuffle=False, seed=None):
    """Split arrays X (N, ...) and y (N, ...) into a list of (Tensor, Tensor) mini-batches.

    The last batch is smaller when N is not a multiple of batch_size.

    TODO: 1. Check len(X) == len(y) (ValueError otherwise) and batch_size >= 1.
          2. order = np.arange(N), or a permutation from np.random.default_rng(seed) if shuffle.
          3. Walk through `order` in slices of batch_size indices; for each slice `idx`
             append the pair (Tensor(X[idx]), Tensor(y[idx])) to the result.

    HINT: numpy arrays can be indexed with an array of indices: `X[idx]`.
    """
    X, y = _array(X), _array(y)
    ### BEGIN SOLUTION
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length, got {len(X)} and {len(y)}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    n = len(X)
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    batches = []
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        batches.append((Tensor(X[idx]), Tensor(y[idx])))
    return batches
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-make-batches", "locked": true, "points": 5, "schema_version": 3, "solution": false}
def test_unit_make_batches():
    """Batches cover every sample once, with a short last batch and seeded shuffling."""
    print("Unit Test: make_batches...")
    X = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10)
    batches = make_batches(X, y, batch_size=4)
    assert [len(bx) for bx, _ in batches] == [4, 4, 2]
    assert isinstance(batches[0][0], Tensor) and batches[0][0].shape == (4, 2)
    assert np.array_equal(batches[0][1].data, [0, 1, 2, 3]), "no shuffle keeps the order"
    shuffled = make_batches(X, y, batch_size=4, shuffle=True, seed=3)
    labels = np.concatenate([by.data for _, by in shuffled])
    assert sorted(labels.tolist()) == list(range(10)) and labels.tolist() != list(range(10))
    again = np.concatenate([by.data for _, by in make_batches(X, y, 4, shuffle=True, seed=3)])
    assert np.array_equal(labels, again), "same seed, same order"
    for bx, by in shuffled:                       # features stay attached to their labels
        assert np.array_equal(bx.data[:, 0], 2 * by.data)
    try:
        make_batches(X, y[:5], 4)
        raise AssertionError("mismatched lengths must raise ValueError")
    except ValueError:
        pass
    print("make_batches works!")

if __name__ == "__main__":
    test_unit_make_batches()

# %% [markdown]
# ## 4. One epoch of training
#
# `train_epoch` runs the four steps on every batch and reports the epoch's average loss and accuracy.
#
# Two details:
# - **Order inside the step.** `zero_grad()` must come before `backward()`: gradients *accumulate*
#   (module 05), so forgetting it adds every previous batch's gradient into this one.
# - **Averages weighted by batch size.** The last batch may be smaller; the epoch loss is
#   $\sum_b n_b L_b / \sum_b n_b$, so every *example* counts equally.
#
# Optional gradient clipping (module 06) slots in between `backward()` and `step()`.

# %% nbgrader={"grade": false, "grade_id": "train-epoch", "locked": false, "schema_version": 3, "solution": true}
#| export
def train_epoch(model, loss_fn, optimizer, batches, clip_norm=None, metric=accuracy):
    """Train `model` for one pass over `batches`; return {"loss": ..., "accuracy": ...}.

    Args:
        model: callable mapping an input Tensor to predictions (e.g. a Sequential).
        loss_fn: callable (predictions, targets) -> scalar Tensor.
        optimizer: an Optimizer over the model's parameters.
        batches: any iterable of (x, y) Tensor pairs.
        clip_norm: if set, clip the global gradient norm to this value before each step.
        metric: function (predictions, targets) -> float, or None to skip it.

    TODO: For every (x, y): forward, loss, zero_grad, backward, (if clip_norm is set)
          `clip_grad_norm` over `optimizer.params`, step. Accumulate n * loss and
          n * metric (n = len(x)) and return their averages over all samples.

    HINT: `float(loss.data)` turns the scalar loss Tensor into a number. If `metric` is None,
          report accuracy as None.
    """
    ### BEGIN SOLUTION
    total_loss, total_metric, count = 0.0, 0.0, 0
    for x, y in batches:
        predictions = model(x)
        loss = loss_fn(predictions, y)
        optimizer.zero_grad()
        loss.backward()
        if clip_norm is not None:
            clip_grad_norm(optimizer.params, clip_norm)
        optimizer.step()
        n = len(x)
        total_loss += float(loss.data) * n
        if metric is not None:
            total_metric += metric(predictions, y) * n
        count += n
    if count == 0:
        raise ValueError("train_epoch got no batches")
    return {"loss": total_loss / count, "accuracy": total_metric / count if metric is not None else None}
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-train-epoch", "locked": true, "points": 10, "schema_version": 3, "solution": false}
class _RecordingSGD(SGD):
    """SGD that logs the order of its calls (for testing the loop)."""

    def __init__(self, params, lr):
        super().__init__(params, lr=lr)
        self.calls = []

    def zero_grad(self):
        self.calls.append("zero_grad")
        super().zero_grad()

    def step(self):
        # every gradient must be fresh: set by exactly one backward() since zero_grad()
        self.calls.append("step" if all(p.grad is not None for p in self.params) else "step-without-grad")
        super().step()


def test_unit_train_epoch():
    """train_epoch follows zero_grad -> backward -> step and lowers the loss."""
    print("Unit Test: train_epoch...")
    X, y = make_blobs(seed=1)
    batches = make_batches(X, y, batch_size=32, shuffle=True, seed=0)
    model = make_mlp(hidden=16, seed=10)
    opt = _RecordingSGD(model.parameters(), lr=0.1)
    before = [p.data.copy() for p in model.parameters()]
    first = train_epoch(model, CrossEntropyLoss(), opt, batches)
    assert opt.calls == ["zero_grad", "step"] * len(batches), opt.calls[:4]
    assert any(not np.allclose(b, p.data) for b, p in zip(before, model.parameters())), "parameters must change"
    assert set(first) == {"loss", "accuracy"} and 0.0 <= first["accuracy"] <= 1.0
    for _ in range(5):
        last = train_epoch(model, CrossEntropyLoss(), opt, batches)
    assert last["loss"] < first["loss"], "loss must go down on an easy problem"
    assert last["accuracy"] > 0.9
    stats = train_epoch(model, CrossEntropyLoss(), opt, batches, clip_norm=0.1, metric=None)
    assert stats["accuracy"] is None and np.isfinite(stats["loss"])
    print("train_epoch works!")

if __name__ == "__main__":
    test_unit_train_epoch()

# %% [markdown]
"""
## 5. Evaluation

Evaluation runs the forward pass and the loss, and nothing else: no `backward()`, no `step()`.
We wrap it in `with no_grad():` (module 05) so that no computation graph is recorded: that saves the
memory of every intermediate activation and the time spent creating graph nodes.

Evaluating on **held-out** data tells us whether the model learned a rule that generalises or merely
memorised its training set. A large gap between training and test accuracy is the signature of
**overfitting**.
"""

# %% nbgrader={"grade": false, "grade_id": "evaluate", "locked": false, "schema_version": 3, "solution": true}
#| export
def evaluate(model, loss_fn, batches, metric=accuracy):
    """Average loss and metric of `model` over `batches`, without recording gradients.

    TODO: Same bookkeeping as train_epoch, but inside `with no_grad():` and with only the
          forward pass and the loss. Return {"loss": ..., "accuracy": ...}.
    """
    ### BEGIN SOLUTION
    total_loss, total_metric, count = 0.0, 0.0, 0
    with no_grad():
        for x, y in batches:
            predictions = model(x)
            n = len(x)
            total_loss += float(loss_fn(predictions, y).data) * n
            if metric is not None:
                total_metric += metric(predictions, y) * n
            count += n
    if count == 0:
        raise ValueError("evaluate got no batches")
    return {"loss": total_loss / count, "accuracy": total_metric / count if metric is not None else None}
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-evaluate", "locked": true, "points": 5, "schema_version": 3, "solution": false}
def test_unit_evaluate():
    """evaluate changes nothing, records no graph and agrees with a direct computation."""
    print("Unit Test: evaluate...")
    X, y = make_blobs(seed=2)
    model = make_mlp(hidden=8, seed=20)
    params_before = [p.data.copy() for p in model.parameters()]
    batches = make_batches(X, y, batch_size=40)
    stats = evaluate(model, CrossEntropyLoss(), batches)
    assert all(np.array_equal(b, p.data) for b, p in zip(params_before, model.parameters()))
    assert all(p.grad is None for p in model.parameters()), "evaluation must not compute gradients"
    full = model(Tensor(X))
    assert np.isclose(stats["loss"], float(CrossEntropyLoss()(full, y).data), atol=1e-5)
    assert np.isclose(stats["accuracy"], accuracy(full, y))
    with no_grad():
        assert not model(Tensor(X)).requires_grad
    print("evaluate works!")

if __name__ == "__main__":
    test_unit_evaluate()

# %% [markdown]
"""
## 6. The `Trainer`

A `Trainer` bundles model, loss and optimizer, runs `fit` for a number of epochs, evaluates on
validation data after each epoch if given, and keeps everything in `self.history`, a dict of lists:

```python
trainer = Trainer(model, CrossEntropyLoss(), Adam(model.parameters(), lr=0.01))
history = trainer.fit(train_batches, epochs=50, val_batches=test_batches)
history["train_loss"][-1], history["val_accuracy"][-1]
```

`fit` iterates over `train_batches` once per epoch, so it must be **re-iterable**: a list of batches or a
`DataLoader` (module 08) works; a generator would be empty after the first epoch, so we reject it with
a clear error instead of silently training for one epoch.
"""

# %% nbgrader={"grade": false, "grade_id": "trainer", "locked": false, "schema_version": 3, "solution": true}
#| export
class Trainer:
    """Runs training epochs and validation, and records the history."""

    def __init__(self, model, loss_fn, optimizer, metric=accuracy, clip_norm=None):
        self.model = model
        self.loss_fn = loss_fn
        self.optimizer = optimizer
        self.metric = metric
        self.clip_norm = clip_norm
        self.history = {"train_loss": [], "train_accuracy": [], "val_loss": [], "val_accuracy": []}

    def fit(self, train_batches, epochs, val_batches=None, verbose=False, log_every=10):
        """Train for `epochs` epochs; return self.history.

        TODO: 1. Reject one-shot iterators: if iter(train_batches) is train_batches, raise
                 TypeError (same for val_batches when given).
              2. Each epoch: stats = train_epoch(...) with this trainer's settings; append its
                 loss and accuracy to history["train_loss"] / ["train_accuracy"]; if val_batches
                 is given, evaluate(...) and append to the "val_" lists.
              3. If verbose, print a one-line summary every `log_every` epochs (and the last).

        HINT: The helper `self._log` prints the summary line; its arguments are the epoch
              number, the number of epochs, the training stats and the validation stats.
        """
        ### BEGIN SOLUTION
        for name, data in (("train_batches", train_batches), ("val_batches", val_batches)):
            if data is not None and iter(data) is data:
                raise TypeError(f"{name} is a one-shot iterator; pass a list of batches or a DataLoader")
        for epoch in range(1, epochs + 1):
            stats = train_epoch(self.model, self.loss_fn, self.optimizer, train_batches,
                                clip_norm=self.clip_norm, metric=self.metric)
            self.history["train_loss"].append(stats["loss"])
            self.history["train_accuracy"].append(stats["accuracy"])
            val_stats = None
            if val_batches is not None:
                val_stats = evaluate(self.model, self.loss_fn, val_batches, metric=self.metric)
                self.history["val_loss"].append(val_stats["loss"])
                self.history["val_accuracy"].append(val_stats["accuracy"])
            if verbose and (epoch % log_every == 0 or epoch == epochs):
                self._log(epoch, epochs, stats, val_stats)
        return self.history
        ### END SOLUTION

    def evaluate(self, batches):
        """Loss and metric on `batches` (no gradients)."""
        return evaluate(self.model, self.loss_fn, batches, metric=self.metric)

    def _log(self, epoch, epochs, stats, val_stats):
        line = f"epoch {epoch:>3}/{epochs}  train loss {stats['loss']:.4f}"
        if stats["accuracy"] is not None:
            line += f"  acc {stats['accuracy']:.3f}"
        if val_stats is not None:
            line += f"  |  val loss {val_stats['loss']:.4f}"
            if val_stats["accuracy"] is not None:
                line += f"  acc {val_stats['accuracy']:.3f}"
        print(line)

# %% nbgrader={"grade": true, "grade_id": "test-trainer", "locked": true, "points": 5, "schema_version": 3, "solution": false}
def test_unit_trainer():
    """Trainer records one history entry per epoch and rejects one-shot iterators."""
    print("Unit Test: Trainer...")
    X, y = make_blobs(seed=3)
    train = make_batches(X, y, batch_size=25, shuffle=True, seed=1)
    val = make_batches(*make_blobs(n_per_class=20, seed=4), batch_size=60)
    model = make_mlp(hidden=16, seed=30)
    trainer = Trainer(model, CrossEntropyLoss(), Adam(model.parameters(), lr=0.01))
    history = trainer.fit(train, epochs=4, val_batches=val)
    assert history is trainer.history
    assert all(len(history[k]) == 4 for k in ("train_loss", "train_accuracy", "val_loss", "val_accuracy"))
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert np.isclose(trainer.evaluate(val)["loss"], history["val_loss"][-1])
    trainer.fit(train, epochs=2)                       # continues training, no validation
    assert len(history["train_loss"]) == 6 and len(history["val_loss"]) == 4
    try:
        trainer.fit((b for b in train), epochs=2)
        raise AssertionError("a generator must be rejected")
    except TypeError:
        pass
    print("Trainer works!")

if __name__ == "__main__":
    test_unit_trainer()

# %% [markdown]
"""
## 7. End to end: learning the spirals

Time to solve the problem from section 1: three interleaved spiral arms, 100 points each, noise 0.2.
A 2-64-64-3 ReLU network trained with Adam (`lr=0.01`), mini-batches of 32 and 60 epochs. Everything
is seeded (data, initial weights, shuffling), so the run is reproducible; it takes a second or two.

A linear classifier scores around 50% on this data. Our network should exceed 90% on the
*test* spirals, which it has never seen.
"""

# %% nbgrader={"grade": false, "grade_id": "spiral-experiment", "locked": false, "schema_version": 3, "solution": false}
def train_spirals(epochs=60, hidden=64, lr=0.01, batch_size=32, verbose=False):
    """Train the MLP on spirals; return (trainer, test batches)."""
    X_train, y_train = make_spirals(seed=0)
    X_test, y_test = make_spirals(seed=1)
    train = make_batches(X_train, y_train, batch_size=batch_size, shuffle=True, seed=0)
    test = make_batches(X_test, y_test, batch_size=100)
    model = make_mlp(hidden=hidden, seed=0)
    trainer = Trainer(model, CrossEntropyLoss(), Adam(model.parameters(), lr=lr))
    trainer.fit(train, epochs=epochs, val_batches=test, verbose=verbose)
    return trainer, test

# %% nbgrader={"grade": true, "grade_id": "test-spirals", "locked": true, "points": 15, "schema_version": 3, "solution": false}
def test_unit_spirals_end_to_end():
    """The MLP reaches >= 90% test accuracy on the spirals."""
    print("Unit Test: learning the spirals...")
    trainer, test = train_spirals()
    history = trainer.history
    final = trainer.evaluate(test)
    print(f"train accuracy {history['train_accuracy'][-1]:.3f}, test accuracy {final['accuracy']:.3f}")
    assert final["accuracy"] >= 0.90, f"test accuracy {final['accuracy']:.3f} < 0.90"
    assert history["train_loss"][-1] < 0.5 * history["train_loss"][0]
    ### BEGIN HIDDEN TESTS
    assert history["train_accuracy"][-1] >= 0.90
    assert min(history["val_loss"]) < history["val_loss"][0]
    assert all(np.isfinite(history["train_loss"]))
    ### END HIDDEN TESTS
    print("The spirals are learned!")

if __name__ == "__main__":
    test_unit_spirals_end_to_end()

# %% nbgrader={"grade": false, "grade_id": "instructor-notes", "locked": false, "schema_version": 3, "solution": false}
#| hide
# Instructor notes (not shown to students).
# - Expected numbers for the reference solution: test accuracy about 0.97-0.99 after 60 epochs.
# - If a student's spiral test fails at ~0.33: zero_grad is missing or the labels are shuffled
#   independently of the features in make_batches.
# - Sanity check that a linear model cannot solve the spirals (motivates the hidden layers):
_Xl, _yl = make_spirals(seed=0)
_linear = Linear(2, 3, seed=0)
_lt = Trainer(_linear, CrossEntropyLoss(), Adam(_linear.parameters(), lr=0.05))
_lt.fit(make_batches(_Xl, _yl, 32, shuffle=True, seed=0), epochs=20)
assert _lt.history["train_accuracy"][-1] < 0.7

# %% [markdown]
"""
## 8. Systems view: the cost of a training step

Where does the time go? A step runs the forward pass, builds the graph, runs the backward pass (about
twice the forward's arithmetic: two matmuls per layer) and the update. For the tiny matrices of this
module, though, arithmetic is cheap and the **per-operation Python overhead** dominates: every
operation creates Tensor and node objects regardless of how much data it processes.

That makes the **batch size** a systems knob:
- larger batches mean fewer steps per epoch, so less overhead per example, and better use of
  vectorised numpy (or a GPU);
- but fewer updates per epoch, and each batch's activations must fit in memory at once.

The measurement below times one epoch over the spirals for several batch sizes.
"""

# %% nbgrader={"grade": false, "grade_id": "systems-analysis", "locked": false, "schema_version": 3, "solution": false}
def analyze_batch_size_cost(batch_sizes=(8, 32, 128)):
    """Time one training epoch for several batch sizes."""
    X, y = make_spirals(seed=0)
    for bs in batch_sizes:
        model = make_mlp(seed=0)
        opt = SGD(model.parameters(), lr=0.05)
        batches = make_batches(X, y, batch_size=bs, shuffle=True, seed=0)
        start = time.perf_counter()
        train_epoch(model, CrossEntropyLoss(), opt, batches)
        elapsed = time.perf_counter() - start
        print(f"batch size {bs:>4}: {len(batches):>3} steps, {1e3 * elapsed:7.1f} ms per epoch, "
              f"{1e6 * elapsed / len(X):6.1f} us per example")

if __name__ == "__main__":
    analyze_batch_size_cost()

# %% [markdown]
"""
## 9. Module test
"""

# %% nbgrader={"grade": true, "grade_id": "test-module", "locked": true, "points": 10, "schema_version": 3, "solution": false}
def test_module():
    """Run every unit test of this module."""
    print("Running all training tests...")
    test_unit_accuracy()
    test_unit_make_batches()
    test_unit_train_epoch()
    test_unit_evaluate()
    test_unit_trainer()
    test_unit_spirals_end_to_end()
    print("All training tests passed! Module 07 complete.")

if __name__ == "__main__":
    test_module()

# %% nbgrader={"grade": false, "grade_id": "demo", "locked": false, "schema_version": 3, "solution": false}
def plot_decision_regions(model, X, y, width=56, height=24):
    """ASCII picture of the predicted class over the plane, with the data points on top."""
    symbols_region, symbols_point = ".-:", "ox+"
    xs = np.linspace(-1.1, 1.1, width)
    ys = np.linspace(1.1, -1.1, height)
    grid = np.array([[gx, gy] for gy in ys for gx in xs], dtype=np.float32)
    with no_grad():
        pred = np.argmax(model(Tensor(grid)).data, axis=-1).reshape(height, width)
    canvas = [[symbols_region[k] for k in row] for row in pred]
    for (px, py), label in zip(X, y):
        col = int(round((px + 1.1) / 2.2 * (width - 1)))
        row = int(round((1.1 - py) / 2.2 * (height - 1)))
        if 0 <= row < height and 0 <= col < width:
            canvas[row][col] = symbols_point[label]
    print("\n".join("".join(row) for row in canvas))

if __name__ == "__main__":
    trainer, test = train_spirals(verbose=True)
    X_test, y_test = make_spirals(seed=1)
    plot_decision_regions(trainer.model, X_test[::3], y_test[::3])

# %% [markdown]
"""
## Summary

- A training step is **forward, loss, zero_grad, backward, step**; an epoch repeats it over all batches.
- `evaluate` runs under `no_grad()`, reports the same averaged loss and accuracy, and is the honest
  measure of progress when run on **held-out** data.
- The `Trainer` records the history of both, epoch by epoch.
- Our MLP learned a decision boundary that winds along three spiral arms: something no linear model can do.

Our batches were built once, by hand, in a fixed order. Module 08 introduces `Dataset` and
`DataLoader`: a standard interface to any data source, reshuffled every epoch, reproducibly.
"""
