"""Losses and metrics the Trainer knows by name.

Losses (``pred``, ``target`` -> scalar tensor):

- ``"mse"``: mean of ``(pred - y)^2`` (collapses to the mean, the Brown/NVIDIA notes);
- ``"mae"``: mean of ``|pred - y|`` (collapses to the median, the Brown/NVIDIA notes);
- ``"cross_entropy"``: softmax cross-entropy of logits against class labels;
- ``"bce"``: binary cross-entropy of logits against 0/1 targets.

Metrics (``pred``, ``target`` -> float): ``"accuracy"`` (share of argmax
predictions equal to the label; for one output column, ``pred > 0``).

Any callable with the same signature works in place of a name.

Example:
    >>> import torch
    >>> resolve_loss("mse")(torch.tensor([1.0, 3.0]), torch.tensor([1.0, 1.0])).item()
    2.0
"""

from __future__ import annotations

from collections.abc import Callable

from torch import Tensor
from torch.nn import functional as F

from trainlab.constraints import Options, check

__all__ = ["LOSSES", "METRICS", "accuracy", "resolve_loss", "resolve_metric"]

LossFn = Callable[[Tensor, Tensor], Tensor]

LOSSES: dict[str, LossFn] = {
    "mse": F.mse_loss,
    "mae": F.l1_loss,
    "cross_entropy": F.cross_entropy,
    "bce": F.binary_cross_entropy_with_logits,
}


def accuracy(pred: Tensor, target: Tensor) -> float:
    """Share of correct class predictions (argmax of logits, or ``pred > 0`` for one column)."""
    if pred.ndim == 1 or pred.shape[-1] == 1:
        guess = (pred.reshape(-1) > 0).long()
    else:
        guess = pred.argmax(dim=-1)
    return float((guess == target.reshape(guess.shape).long()).float().mean())


METRICS: dict[str, Callable[[Tensor, Tensor], float]] = {"accuracy": accuracy}


def resolve_loss(loss: str | LossFn, owner: str = "Trainer") -> LossFn:
    """The loss function called ``loss`` (or ``loss`` itself when it is callable)."""
    if callable(loss):
        return loss
    check(owner, "loss", loss, Options(tuple(LOSSES)))  # a name, else the error lists them
    return LOSSES[loss]


def resolve_metric(name: str, metric: str | Callable[[Tensor, Tensor], float], owner: str = "Trainer"):
    """The metric function for ``metric`` (a name from ``METRICS`` or a callable)."""
    if callable(metric):
        return metric
    check(owner, f"metrics[{name!r}]", metric, Options(tuple(METRICS)))
    return METRICS[metric]

