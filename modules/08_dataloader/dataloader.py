# %% [markdown]
"""
# Module 08: DataLoader - Feeding the Training Loop

In module 07 we cut our data into batches by hand, once, with `make_batches`. That worked, but it has
three problems that grow with real data:

1. **Fixed order.** The batches were shuffled once and then replayed in the same order every epoch.
   Stochastic gradient descent works best when every epoch sees a *fresh* random order.
2. **Everything in memory, up front.** `make_batches` materialised every batch before training began.
   Real datasets (images on disk, generated samples) are read one example at a time, when needed.
3. **No common interface.** Each data source needed its own batching code.

PyTorch's answer, which we rebuild here, separates two concerns:

- a **`Dataset`** knows *how many* examples there are (`__len__`) and *how to get one* (`__getitem__`);
- a **`DataLoader`** decides *which* examples go together (batching, shuffling) and *stacks* them into
  Tensors, every epoch anew.

```
Dataset[i] -> (x_i, y_i)            one example, as Tensors
DataLoader -> (X_batch, Y_batch)    batch_size examples stacked: shapes (B, ...) and (B, ...)
```

## Learning goals
- Implement the `Dataset` protocol and `TensorDataset(*tensors)`.
- Implement `default_collate`, which stacks a list of examples into one Tensor per field.
- Implement `DataLoader(dataset, batch_size, shuffle, seed, drop_last)` with seeded, reproducible
  reshuffling every epoch, and `len(loader)` equal to the number of batches.
- Split a dataset into train and validation parts with `random_split`.
- Plug the loader into module 07's `Trainer`.
"""

# %% nbgrader={"grade": false, "grade_id": "dataloader-imports", "locked": false, "schema_version": 3, "solution": false}
#| default_exp core.dataloader
#| export
import math
import time

import numpy as np

from tinytorch.core.tensor import Tensor

# %% nbgrader={"grade": false, "grade_id": "dataloader-test-imports", "locked": false, "schema_version": 3, "solution": false}
# Only the end-to-end test at the bottom of this notebook trains a network, so these imports stay out of
# the exported package: `tinytorch.core.dataloader` itself needs nothing but Tensor.
from tinytorch.core.activations import ReLU
from tinytorch.core.layers import Linear, Sequential
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import Adam
from tinytorch.core.training import Trainer

# %% [markdown]
"""
## 1. The `Dataset` protocol

A dataset is anything with two methods:

```python
len(dataset)      # number of examples
dataset[i]        # example i, usually a tuple of fields like (features, label)
```

That is the whole contract. Because it is so small, *anything* can be a dataset: arrays in memory,
files on disk read on demand, or examples computed on the fly. The base class below only documents the
contract; subclasses fill it in.
"""

# %% nbgrader={"grade": false, "grade_id": "dataset-base", "locked": false, "schema_version": 3, "solution": false}
#| export
class Dataset:
    """Base class of all datasets: implement `__len__` and `__getitem__`."""

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __repr__(self):
        return f"{type(self).__name__}(len={len(self)})"

# %% [markdown]
"""
## 2. `TensorDataset`: examples that are already in memory

The most common case: a few arrays of equal length, such as features `X` of shape `(N, D)` and labels `y`
of shape `(N,)`. Example `i` is the tuple of their `i`-th rows: `(X[i], y[i])`, each as a Tensor.

The constructor must check that every tensor has the same first dimension, because a mismatch here
(say 1000 images but 999 labels) otherwise surfaces much later as a confusing shape error, or worse,
silently pairs features with the wrong labels.
"""

# %% nbgrader={"grade": false, "grade_id": "tensor-dataset", "locked": false, "schema_version": 3, "solution": true}
#| export
class TensorDataset(Dataset):
    """Dataset of equal-length tensors; item i is the tuple of their i-th rows."""

    def __init__(self, *tensors):
        """Store the tensors (arrays and lists are wrapped in Tensors).

        TODO: 1. Raise ValueError if no tensor is given.
              2. Wrap every argument that is not a Tensor with Tensor(...); store the tuple
                 in self.tensors.
              3. Every tensor needs at least one dimension and the same first dimension as
                 the first tensor; raise ValueError (showing the shapes) otherwise.
        """
        ### BEGIN SOLUTION
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        self.tensors = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)
        if any(t.ndim == 0 for t in self.tensors):
            raise ValueError("TensorDataset tensors need at least one dimension")
        n = self.tensors[0].shape[0]
        if any(t.shape[0] != n for t in self.tensors):
            shapes = ", ".join(str(t.shape) for t in self.tensors)
            raise ValueError(f"all tensors must have the same first dimension, got shapes {shapes}")
        ### END SOLUTION

    def __len__(self):
        """TODO: The number of examples: the first dimension of the tensors."""
        ### BEGIN SOLUTION
        return self.tensors[0].shape[0]
        ### END SOLUTION

    def __getitem__(self, index):
        """Return example `index` as a tuple with one Tensor per stored tensor.

        TODO: Return tuple(Tensor(row)) where row is the index-th row of each tensor's data.
              Negative indices count from the end; an index out of range raises IndexError.

        HINT: numpy indexing `t.data[index]` already handles negative indices and raises
              IndexError; cast the index with `int(index)` so numpy integers work too.
        """
        ### BEGIN SOLUTION
        index = int(index)
        return tuple(Tensor(t.data[index]) for t in self.tensors)
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-tensor-dataset", "locked": true, "points": 5, "schema_version": 3, "solution": false}
def test_unit_tensor_dataset():
    """TensorDataset pairs rows of its tensors and validates lengths."""
    print("Unit Test: TensorDataset...")
    X = np.arange(12, dtype=np.float32).reshape(6, 2)
    y = np.array([0, 1, 0, 1, 1, 0])
    ds = TensorDataset(Tensor(X), y)                  # a Tensor and a raw array
    assert len(ds) == 6
    x3, y3 = ds[3]
    assert isinstance(x3, Tensor) and isinstance(y3, Tensor)
    assert np.array_equal(x3.data, [6.0, 7.0]) and y3.data == 1
    assert x3.shape == (2,) and y3.shape == ()
    assert np.array_equal(ds[-1][0].data, X[5]) and np.array_equal(ds[np.int64(2)][0].data, X[2])
    assert len(TensorDataset(X)[0]) == 1, "a single tensor still gives a tuple"
    for bad_call in (lambda: ds[6], lambda: ds[-7]):
        try:
            bad_call()
            raise AssertionError("out-of-range index must raise IndexError")
        except IndexError:
            pass
    for args in ((), (X, y[:5]), (X, np.float32(3.0))):
        try:
            TensorDataset(*args)
            raise AssertionError(f"TensorDataset{tuple(np.shape(a) for a in args)} must raise ValueError")
        except ValueError:
            pass
    print("TensorDataset works!")

if __name__ == "__main__":
    test_unit_tensor_dataset()

# %% [markdown]
"""
## 3. Collating: from a list of examples to a batch

A batch is built from `batch_size` separate examples. If every example is a tuple `(x_i, y_i)`, the
batch should be a tuple `(X, Y)` where `X` stacks all `x_i` along a **new first axis**:

```
examples: [(x_0, y_0), (x_1, y_1), (x_2, y_2)]      x_i: (2,)  y_i: ()
batch:    (X, Y)                                     X: (3, 2)  Y: (3,)
```

This "transpose then stack" step is called **collation**. `default_collate` handles:
- a list of tuples (or lists): collate each field position separately and return a tuple;
- a list of Tensors, numpy arrays or numbers: `np.stack` their data into one Tensor.
"""

# %% nbgrader={"grade": false, "grade_id": "collate", "locked": false, "schema_version": 3, "solution": true}
#| export
def default_collate(samples):
    """Stack a list of examples into a batch: one Tensor per field.

    TODO: 1. Raise ValueError for an empty list.
          2. If the first sample is a tuple or list, return a tuple whose k-th entry is
             default_collate applied to the k-th field of every sample (recursion!).
          3. Otherwise stack the samples' data along a new first axis and return one Tensor.

    HINT: Use `s.data if isinstance(s, Tensor) else np.asarray(s)` to get each sample's
          array, then `np.stack(arrays)`.
    """
    ### BEGIN SOLUTION
    if len(samples) == 0:
        raise ValueError("cannot collate an empty list of samples")
    first = samples[0]
    if isinstance(first, (tuple, list)):
        return tuple(default_collate([s[k] for s in samples]) for k in range(len(first)))
    arrays = [s.data if isinstance(s, Tensor) else np.asarray(s) for s in samples]
    return Tensor(np.stack(arrays))
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-collate", "locked": true, "points": 5, "schema_version": 3, "solution": false}
def test_unit_collate():
    """default_collate stacks every field along a new first axis."""
    print("Unit Test: default_collate...")
    samples = [(Tensor([1.0, 2.0]), Tensor(0.0)), (Tensor([3.0, 4.0]), Tensor(1.0)),
               (Tensor([5.0, 6.0]), Tensor(1.0))]
    X, Y = default_collate(samples)
    assert X.shape == (3, 2) and Y.shape == (3,)
    assert np.array_equal(X.data, [[1, 2], [3, 4], [5, 6]]) and np.array_equal(Y.data, [0, 1, 1])
    single = default_collate([Tensor(np.ones((2, 2))) for _ in range(4)])
    assert isinstance(single, Tensor) and single.shape == (4, 2, 2)
    mixed = default_collate([[np.zeros(3), 1, Tensor([1.0])], [np.ones(3), 2, Tensor([2.0])]])
    assert isinstance(mixed, tuple) and [m.shape for m in mixed] == [(2, 3), (2,), (2, 1)]
    assert mixed[0].dtype == np.float32
    print("default_collate works!")

if __name__ == "__main__":
    test_unit_collate()

# %% [markdown]
# ## 4. The `DataLoader`
#
# `DataLoader(dataset, batch_size, shuffle=False, seed=None, drop_last=False)` is an **iterable**: every
# `for batch in loader:` is one epoch.
#
# **Number of batches.** With $N$ examples and batch size $B$ there are $\lceil N/B \rceil$ batches, the
# last one possibly smaller. With `drop_last=True` the incomplete last batch is skipped, leaving
# $\lfloor N/B \rfloor$. (Dropping it keeps every batch the same size, which some models, e.g. with batch
# statistics, prefer.) `len(loader)` returns this count, so `for step, batch in enumerate(loader)` knows
# how many steps an epoch has.
#
# **Shuffling, reproducibly.** With `shuffle=True` each epoch visits the examples in a fresh random
# order. The loader owns one random generator, `np.random.default_rng(seed)`, created once in
# `__init__`; every epoch draws the next permutation from it. So:
# - epoch 1 and epoch 2 of one loader use **different** orders;
# - two loaders created with the **same seed** produce the **same sequence** of epochs, which makes
#   whole training runs reproducible;
# - `seed=None` gives a different sequence every run.
#
# **Laziness.** `__iter__` is a generator: a batch is fetched and collated only when the training loop
# asks for it, so only one batch needs to be in memory at a time.

# %% nbgrader={"grade": false, "grade_id": "dataloader", "locked": false, "schema_version": 3, "solution": true}
#| export
class DataLoader:
    """Iterate over a dataset in (optionally shuffled) batches of stacked Tensors."""

    def __init__(self, dataset, batch_size, shuffle=False, seed=None, drop_last=False, collate_fn=None):
        if isinstance(batch_size, bool) or int(batch_size) != batch_size or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.seed = seed
        self.drop_last = drop_last
        self.collate_fn = collate_fn if collate_fn is not None else default_collate
        self._rng = np.random.default_rng(seed)

    def __len__(self):
        """Number of batches per epoch.

        TODO: floor(N / batch_size) if drop_last, else ceil(N / batch_size), with N = len(dataset).

        HINT: `math.ceil`, or integer arithmetic: `(N + B - 1) // B`.
        """
        n = len(self.dataset)
        ### BEGIN SOLUTION
        if self.drop_last:
            return n // self.batch_size
        return math.ceil(n / self.batch_size)
        ### END SOLUTION

    def _epoch_order(self):
        """Indices of this epoch, in the order they will be visited.

        TODO: np.arange(N) without shuffling; with shuffling a permutation of range(N) drawn
              from self._rng (so that consecutive epochs differ but the sequence depends only
              on the seed).
        """
        n = len(self.dataset)
        ### BEGIN SOLUTION
        if self.shuffle:
            return self._rng.permutation(n)
        return np.arange(n)
        ### END SOLUTION

    def __iter__(self):
        """Yield one collated batch at a time for one epoch.

        TODO: Get this epoch's order from self._epoch_order(). For each consecutive slice of
              batch_size indices: skip it if it is short and drop_last is set; otherwise fetch
              every example with self.dataset[i] and yield self.collate_fn(list_of_examples).

        HINT: This method is a generator: use `yield`, not `return`. Convert numpy indices
              with `int(i)` before indexing the dataset.
        """
        order = self._epoch_order()
        ### BEGIN SOLUTION
        for start in range(0, len(order), self.batch_size):
            indices = order[start:start + self.batch_size]
            if self.drop_last and len(indices) < self.batch_size:
                break
            yield self.collate_fn([self.dataset[int(i)] for i in indices])
        ### END SOLUTION

    def __repr__(self):
        return (f"DataLoader(len(dataset)={len(self.dataset)}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, seed={self.seed}, drop_last={self.drop_last})")

# %% nbgrader={"grade": true, "grade_id": "test-dataloader-batching", "locked": true, "points": 10, "schema_version": 3, "solution": false}
def test_unit_dataloader_batching():
    """Batches have the right count, sizes, shapes and contents."""
    print("Unit Test: DataLoader batching...")
    X = np.arange(30, dtype=np.float32).reshape(10, 3)
    y = np.arange(10)
    ds = TensorDataset(X, y)
    loader = DataLoader(ds, batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and len(batches) == 3
    assert [bx.shape for bx, _ in batches] == [(4, 3), (4, 3), (2, 3)]
    assert [by.shape for _, by in batches] == [(4,), (4,), (2,)]
    assert np.array_equal(np.concatenate([by.data for _, by in batches]), y), "no shuffle keeps the order"
    assert np.array_equal(batches[1][0].data, X[4:8])

    dropped = DataLoader(ds, batch_size=4, drop_last=True)
    assert len(dropped) == 2 and [bx.shape[0] for bx, _ in dropped] == [4, 4]
    assert len(DataLoader(ds, batch_size=5)) == 2 and len(DataLoader(ds, batch_size=5, drop_last=True)) == 2
    assert len(DataLoader(ds, batch_size=32)) == 1 and len(DataLoader(ds, batch_size=32, drop_last=True)) == 0
    assert list(DataLoader(ds, batch_size=32, drop_last=True)) == []
    assert len(list(loader)) == 3, "a DataLoader can be iterated again (one epoch each time)"
    for bad in (0, -1, 2.5):
        try:
            DataLoader(ds, batch_size=bad)
            raise AssertionError(f"batch_size={bad} must raise ValueError")
        except ValueError:
            pass
    print("DataLoader batching works!")

if __name__ == "__main__":
    test_unit_dataloader_batching()

# %% nbgrader={"grade": true, "grade_id": "test-dataloader-shuffle", "locked": true, "points": 10, "schema_version": 3, "solution": false}
def _epoch_labels(loader):
    return np.concatenate([by.data for _, by in loader]).astype(np.int64)


def test_unit_dataloader_shuffle():
    """Shuffling visits every example once per epoch, differs between epochs, and follows the seed."""
    print("Unit Test: DataLoader shuffling...")
    n = 50
    ds = TensorDataset(np.arange(n, dtype=np.float32).reshape(n, 1), np.arange(n))
    loader = DataLoader(ds, batch_size=8, shuffle=True, seed=42)
    epoch1, epoch2 = _epoch_labels(loader), _epoch_labels(loader)
    assert sorted(epoch1.tolist()) == list(range(n)), "every example exactly once per epoch"
    assert sorted(epoch2.tolist()) == list(range(n))
    assert not np.array_equal(epoch1, np.arange(n)), "shuffled"
    assert not np.array_equal(epoch1, epoch2), "a fresh order every epoch"
    for bx, by in loader:
        assert np.array_equal(bx.data[:, 0], by.data), "features stay paired with their labels"

    twin = DataLoader(ds, batch_size=8, shuffle=True, seed=42)
    assert np.array_equal(_epoch_labels(twin), epoch1) and np.array_equal(_epoch_labels(twin), epoch2), \
        "same seed, same sequence of epochs"
    other = DataLoader(ds, batch_size=8, shuffle=True, seed=7)
    assert not np.array_equal(_epoch_labels(other), epoch1), "another seed, another order"
    ### BEGIN HIDDEN TESTS
    small = DataLoader(ds, batch_size=8, shuffle=True, seed=42, drop_last=True)
    labels = _epoch_labels(small)
    assert len(labels) == 48 and len(set(labels.tolist())) == 48
    assert np.array_equal(labels, epoch1[:48]), "drop_last must not change the shuffled order"
    assert np.array_equal(_epoch_labels(DataLoader(ds, batch_size=50, shuffle=False, seed=3)), np.arange(n))
    ### END HIDDEN TESTS
    print("DataLoader shuffling works!")

if __name__ == "__main__":
    test_unit_dataloader_shuffle()

# %% [markdown]
"""
## 5. Train / validation splits

To measure generalisation we hold part of the data back. `Subset(dataset, indices)` is a view of a
dataset restricted to some indices (no data is copied), and `random_split(dataset, lengths, seed)`
shuffles the indices once, with its own seeded generator, and cuts them into consecutive pieces of the
given lengths:

```python
train_ds, val_ds = random_split(full_ds, [800, 200], seed=0)
```
"""

# %% nbgrader={"grade": false, "grade_id": "random-split", "locked": false, "schema_version": 3, "solution": true}
#| export
class Subset(Dataset):
    """The examples of `dataset` at positions `indices`, without copying any data."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = [int(i) for i in indices]

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, index):
        return self.dataset[self.indices[index]]


def random_split(dataset, lengths, seed=None):
    """Randomly partition `dataset` into Subsets of the given lengths.

    TODO: 1. Raise ValueError if sum(lengths) != len(dataset) or any length is negative.
          2. Draw one permutation of range(len(dataset)) from np.random.default_rng(seed).
          3. Cut it into consecutive pieces of the given lengths; return a list of Subsets.
    """
    ### BEGIN SOLUTION
    lengths = [int(n) for n in lengths]
    if any(n < 0 for n in lengths) or sum(lengths) != len(dataset):
        raise ValueError(f"lengths {lengths} must be non-negative and sum to len(dataset)={len(dataset)}")
    order = np.random.default_rng(seed).permutation(len(dataset))
    subsets, start = [], 0
    for n in lengths:
        subsets.append(Subset(dataset, order[start:start + n]))
        start += n
    return subsets
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-random-split", "locked": true, "points": 5, "schema_version": 3, "solution": false}
def test_unit_random_split():
    """random_split partitions the indices, reproducibly, and works with DataLoader."""
    print("Unit Test: random_split...")
    ds = TensorDataset(np.arange(20, dtype=np.float32).reshape(20, 1), np.arange(20))
    train, val = random_split(ds, [15, 5], seed=0)
    assert len(train) == 15 and len(val) == 5
    seen = [int(train[i][1].data) for i in range(15)] + [int(val[i][1].data) for i in range(5)]
    assert sorted(seen) == list(range(20)), "the pieces partition the dataset"
    train2, _ = random_split(ds, [15, 5], seed=0)
    assert train2.indices == train.indices, "same seed, same split"
    X, Y = next(iter(DataLoader(val, batch_size=5)))
    assert X.shape == (5, 1) and np.array_equal(X.data[:, 0], Y.data)
    try:
        random_split(ds, [15, 6])
        raise AssertionError("lengths that do not add up must raise ValueError")
    except ValueError:
        pass
    print("random_split works!")

if __name__ == "__main__":
    test_unit_random_split()

# %% [markdown]
"""
## 6. A dataset that lives nowhere: computing examples on demand

Because a `Dataset` only promises `__len__` and `__getitem__`, examples need not exist before they are
requested. `RingsDataset` below creates example `i` from its index: a point on one of two noisy
concentric rings, labelled with its ring. The same pattern loads an image file in `__getitem__` when
the data is too large for memory: the `DataLoader` neither knows nor cares.

We then train module 07's `Trainer` directly on `DataLoader`s: the loader is re-iterable and reshuffles
every epoch, exactly what `fit` needs.
"""

# %% nbgrader={"grade": false, "grade_id": "rings-dataset", "locked": false, "schema_version": 3, "solution": false}
class RingsDataset(Dataset):
    """Two noisy concentric rings (radius 0.5 = class 0, radius 1.0 = class 1), generated per index."""

    def __init__(self, n, noise=0.08, seed=0):
        self.n, self.noise, self.seed = n, noise, seed

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        index = int(index)
        if not 0 <= index < self.n:
            raise IndexError(f"index {index} out of range for {self.n} examples")
        rng = np.random.default_rng((self.seed, index))     # the same index always gives the same example
        label = index % 2
        angle = rng.uniform(0.0, 2.0 * np.pi)
        radius = (0.5 if label == 0 else 1.0) + rng.normal(0.0, self.noise)
        return Tensor([radius * np.cos(angle), radius * np.sin(angle)]), Tensor(label)

# %% nbgrader={"grade": true, "grade_id": "test-training-with-loader", "locked": true, "points": 10, "schema_version": 3, "solution": false}
def test_unit_training_with_dataloader():
    """A Trainer learns the rings from DataLoaders built on a lazy Dataset."""
    print("Unit Test: training with DataLoader...")
    ds = RingsDataset(400, seed=0)
    x0, y0 = ds[0]
    assert np.array_equal(ds[0][0].data, x0.data), "lazy examples are deterministic"
    train_ds, val_ds = random_split(ds, [300, 100], seed=0)
    train_loader = DataLoader(train_ds, batch_size=32, shuffle=True, seed=0)
    val_loader = DataLoader(val_ds, batch_size=100)
    model = Sequential(Linear(2, 16, seed=0), ReLU(), Linear(16, 2, seed=1))
    trainer = Trainer(model, CrossEntropyLoss(), Adam(model.parameters(), lr=0.03))
    history = trainer.fit(train_loader, epochs=25, val_batches=val_loader)
    print(f"validation accuracy after 25 epochs: {history['val_accuracy'][-1]:.3f}")
    assert len(history["train_loss"]) == 25
    assert history["val_accuracy"][-1] >= 0.95, history["val_accuracy"][-1]
    print("Training with DataLoader works!")

if __name__ == "__main__":
    test_unit_training_with_dataloader()

# %% nbgrader={"grade": false, "grade_id": "instructor-notes", "locked": false, "schema_version": 3, "solution": false}
#| hide
# Instructor notes (not shown to students).
# - Most common bug: creating the random generator inside __iter__ from the seed, which replays the
#   same permutation every epoch (test_unit_dataloader_shuffle catches "a fresh order every epoch").
# - Second most common: `return` instead of `yield` in __iter__, or returning a list of all batches
#   (works, but loses laziness: check that next(iter(loader)) does not touch the whole dataset).
_touched = []


class _CountingDataset(TensorDataset):
    def __getitem__(self, index):
        _touched.append(index)
        return super().__getitem__(index)


next(iter(DataLoader(_CountingDataset(np.zeros((100, 2))), batch_size=10)))
assert len(_touched) == 10, f"the first batch fetched {len(_touched)} examples instead of 10"

# %% [markdown]
"""
## 7. Systems view: the price of one example at a time

Our `DataLoader` calls `dataset[i]` once per example and then stacks the pieces: $B$ Python calls and
$B$ small Tensor objects per batch, plus a copy into the stacked array. For in-memory arrays the same
batch could be produced by a single fancy-indexing operation, `X[indices]`. The measurement below
compares the two.

The per-example path is the price of generality (any dataset, including lazy ones). Real frameworks
recover the speed in two ways:
- **batched fetching**: PyTorch lets a dataset define `__getitems__(indices)` returning a whole batch,
  which in-memory datasets implement with one indexing operation;
- **parallel workers**: for data loaded from disk or decoded (images, audio), several worker
  *processes* prepare upcoming batches while the model trains on the current one, hiding I/O latency.

Memory: a loader holds only the index permutation ($8N$ bytes) and the batch being built. An in-memory
`TensorDataset` holds all $N$ examples; a lazy dataset like `RingsDataset` holds none.
"""

# %% nbgrader={"grade": false, "grade_id": "systems-analysis", "locked": false, "schema_version": 3, "solution": false}
def analyze_loader_overhead(n=5000, features=32, batch_size=100):
    """Compare per-example collation with a single vectorised indexing operation."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, features)).astype(np.float32)
    y = rng.integers(0, 10, n)
    loader = DataLoader(TensorDataset(X, y), batch_size=batch_size, shuffle=True, seed=0)
    start = time.perf_counter()
    count = sum(1 for _ in loader)
    per_example = time.perf_counter() - start
    order = np.random.default_rng(0).permutation(n)
    start = time.perf_counter()
    for s in range(0, n, batch_size):
        idx = order[s:s + batch_size]
        Tensor(X[idx]), Tensor(y[idx])
    vectorised = time.perf_counter() - start
    print(f"{count} batches of {batch_size}: DataLoader {1e3 * per_example:.1f} ms, "
          f"vectorised indexing {1e3 * vectorised:.2f} ms ({per_example / max(vectorised, 1e-9):.0f}x faster)")

if __name__ == "__main__":
    analyze_loader_overhead()

# %% [markdown]
"""
## 8. Module test
"""

# %% nbgrader={"grade": true, "grade_id": "test-module", "locked": true, "points": 10, "schema_version": 3, "solution": false}
def test_module():
    """Run every unit test of this module."""
    print("Running all dataloader tests...")
    test_unit_tensor_dataset()
    test_unit_collate()
    test_unit_dataloader_batching()
    test_unit_dataloader_shuffle()
    test_unit_random_split()
    test_unit_training_with_dataloader()
    print("All dataloader tests passed! Module 08 complete.")

if __name__ == "__main__":
    test_module()

# %% nbgrader={"grade": false, "grade_id": "demo", "locked": false, "schema_version": 3, "solution": false}
if __name__ == "__main__":
    # Demo: watch the loader reshuffle. Ten examples, batches of 4, two epochs with seed 0.
    demo_ds = TensorDataset(np.arange(10, dtype=np.float32).reshape(10, 1), np.arange(10))
    demo_loader = DataLoader(demo_ds, batch_size=4, shuffle=True, seed=0)
    print(demo_loader)
    for epoch in (1, 2):
        labels = [by.data.astype(int).tolist() for _, by in demo_loader]
        print(f"epoch {epoch}: {labels}")

# %% [markdown]
"""
## Summary

- A **`Dataset`** answers two questions: how many examples (`__len__`) and which one is number `i`
  (`__getitem__`). `TensorDataset` serves rows of in-memory arrays; a lazy dataset computes or loads
  examples on demand.
- **`default_collate`** stacks a list of examples into one Tensor per field.
- A **`DataLoader`** turns a dataset into batches, reshuffling every epoch from one seeded generator,
  so training is both well mixed and reproducible. `len(loader)` is the number of batches.
- `random_split` holds out validation data, and the loader plugs straight into module 07's `Trainer`.
"""
