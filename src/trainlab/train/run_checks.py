"""The checks a run's config passes before its folder is made: data, options, loss, optimizer.

``start_run`` calls them while building (``trainlab.train.run``), so a refused run
leaves nothing behind; each raises the standard ``InvalidArgument`` naming the
argument (the command line maps it to the option).

* ``check_source``: a data set name, a lecture target, or a CSV file that exists;
* ``check_options_apply``: ``target``/``task`` only for a CSV file, ``samples``
  only for a lecture target (not silently recorded in config.json);
* ``check_loss``: cross-entropy for classes, a regression loss for numbers
  (cross-entropy of one output is always 0: such a run would "train" at loss 0);
* ``check_optimizer``: Newton and BFGS keep a dense ``n x n`` matrix of the ``n``
  parameters: ``dense_hessian_bytes = 8 n^2`` must stay under ``DENSE_HESSIAN_LIMIT``;
  a line search (second-order methods) on mini-batches draws a warning.

Example:
    >>> from trainlab.nn import MLP
    >>> dense_hessian_bytes(MLP([10, 512, 512, 1])) / 2**30 > 500  # the issue's 512,512 model: ~538 GiB
    True
    >>> check_loss("mse", "iris", classify=True)
    Traceback (most recent call last):
    ...
    trainlab.constraints.InvalidArgument: The 'loss' parameter of start_run must be one of ['cross_entropy'] or 'auto' for iris, a classification data set (one output per class, integer labels; bce needs a single 0/1 output). Got 'mse' instead.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

from trainlab.constraints import fail
from trainlab.data import BUNDLED, TARGETS, dataset_names
from trainlab.optim import registry
from trainlab.optim.second_order import BFGS, Newton
from trainlab.optim.sparse_adam import SparseAdam

__all__ = ["DENSE_HESSIAN_LIMIT", "check_loss", "check_optimizer", "check_options_apply", "check_source",
           "dense_hessian_bytes"]

DENSE_HESSIAN_LIMIT = 2**30  # bytes: the most a run may ask for one dense n x n matrix (1 GiB)
_CLASSIFICATION_LOSSES = ("cross_entropy",)
_REGRESSION_LOSSES = ("mse", "mae")


def check_source(owner: str, data: str) -> None:
    """A data set name, a lecture target, or a CSV file that exists (said before its target is asked for)."""
    if data not in BUNDLED and data not in TARGETS and not os.path.isfile(data):
        fail(owner, "data", f"one of {dataset_names()} or an existing CSV file", data)


def check_options_apply(c: Any) -> None:
    """Refuse options that mean nothing for this data (rather than record them in config.json)."""
    check_source("start_run", c.data)
    kind = "a bundled data set" if c.data in BUNDLED else "a lecture target" if c.data in TARGETS else None
    if kind is None:  # a CSV file: target and task are its options, samples is not
        if c.samples is not None:
            fail("start_run", "samples", f"left out (None) for a CSV file ({c.data} has its own rows)", c.samples)
        return
    if c.target is not None:
        fail("start_run", "target",
             f"left out (None) for {kind} ({c.data} has its own target; target names a CSV column)",
             c.target)
    if c.task != "regression":
        fail("start_run", "task", f"'regression' (the default) for {kind} ({c.data} has its own task; "
             "task says how to read a CSV column)", c.task)
    if kind == "a bundled data set" and c.samples is not None:
        fail("start_run", "samples", f"left out (None) for a bundled data set ({c.data} has its own rows; samples sets "
             "the points of a lecture target)", c.samples)


def check_batch_norm_batches(batch_size: int | None, n_train: int) -> None:
    """Batch norm needs two examples in every training batch (one value per channel has no variance)."""
    size = n_train if batch_size is None else batch_size
    if size < 2 or n_train % size == 1:
        fail("start_run", "batch_size", f"a size that leaves no training batch of one example with batch norm "
             f"({n_train} training examples; batch norm cannot normalize a single value)", batch_size)


def check_loss(loss: str, data: str, classify: bool) -> None:
    """A loss that fits the task: class labels need cross-entropy, numbers a regression loss."""
    if classify and loss not in _CLASSIFICATION_LOSSES:
        fail("start_run", "loss", f"one of {list(_CLASSIFICATION_LOSSES)} or 'auto' for {data}, a classification "
             "data set (one output per class, integer labels; bce needs a single 0/1 output)", loss)
    if not classify and loss not in _REGRESSION_LOSSES:
        fail("start_run", "loss", f"one of {list(_REGRESSION_LOSSES)} or 'auto' for {data}, a regression data set "
             "(cross-entropy of one output is always 0)", loss)


def dense_hessian_bytes(model: Any) -> int:
    """Bytes of one dense ``n x n`` float64 matrix over the model's ``n`` parameters: ``8 n^2``."""
    n = sum(p.numel() for p in model.parameters())
    return 8 * n * n


def check_optimizer(c: Any, model: Any) -> None:
    """Refuse a dense-Hessian method that cannot fit in memory; warn when a line search meets mini-batches."""
    entry = registry.get(c.optimizer)
    if issubclass(entry.cls, SparseAdam):
        fail("start_run", "optimizer", "an optimizer for dense gradients (the run's MLP has no sparse "
             "embedding; sparse-adam takes only sparse gradients, e.g. of nn.Embedding(sparse=True)); "
             "use adam or lazy variants in your own loop", c.optimizer)
    if issubclass(entry.cls, (Newton, BFGS)):
        need = dense_hessian_bytes(model)
        if need > DENSE_HESSIAN_LIMIT:
            n = sum(p.numel() for p in model.parameters())
            fail("start_run", "optimizer", f"a method without a dense Hessian for a model of {n:,} parameters "
                 f"({entry.name} keeps an {n:,} x {n:,} matrix: {need / 2**30:,.1f} GiB, over the "
                 f"{DENSE_HESSIAN_LIMIT / 2**30:g} GiB limit); use lbfgs or a smaller model", c.optimizer)
    if entry.closure and c.batch_size is not None:
        warnings.warn(f"{entry.name} runs a line search, which assumes the same loss at every evaluation; "
                      f"with mini-batches of {c.batch_size} it sees a different loss each step and usually "
                      "ends worse than with full batches (batch_size None).", UserWarning, stacklevel=4)
