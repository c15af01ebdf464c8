"""Label smoothing: cross-entropy against ``(1 - eps) onehot(y) + eps / K``.

For logits ``z`` of ``K`` classes, ``log p = log_softmax(z)`` and class weights
``w`` (all 1 without ``weight``), the loss of sample ``i`` with label ``y_i`` is::

    l_i = (1 - eps) w_{y_i} (-log p_{i, y_i}) + (eps / K) sum_k w_k (-log p_{i, k})

and ``reduction="mean"`` divides ``sum_i l_i`` by ``sum_i w_{y_i}`` (by ``n``
without weights), as ``torch.nn.CrossEntropyLoss(weight=w, label_smoothing=eps)``
does (Szegedy et al. 2016, "Rethinking the Inception Architecture for Computer
Vision", CVPR; the UCLA ECE 239AS notes). ``eps = 0`` is the plain cross-entropy.

``LabelSmoothing(eps)`` is the same thing as a penalty for the Trainer: it adds
``label_smoothing_cross_entropy - cross_entropy`` to the training loss, so a run
trained on ``"cross_entropy"`` minimizes the smoothed loss while its
``train_loss`` / ``val_loss`` stay the plain cross-entropy.

Example:
    >>> import torch
    >>> z, y = torch.tensor([[2.0, 0.0, -1.0]], dtype=torch.float64), torch.tensor([0])
    >>> a = label_smoothing_cross_entropy(z, y, 0.1)
    >>> b = torch.nn.functional.cross_entropy(z, y, label_smoothing=0.1)
    >>> bool(torch.isclose(a, b, rtol=1e-15, atol=0))
    True
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from trainlab.constraints import UNIT_CLOSED, Options, check, fail
from trainlab.regularize.penalties import Penalty

__all__ = ["label_smoothing_cross_entropy", "LabelSmoothing"]

_REDUCTIONS = Options(("mean", "sum", "none"))


def label_smoothing_cross_entropy(logits: Tensor, target: Tensor, smoothing: float, weight: Tensor | None = None,
                                  reduction: str = "mean") -> Tensor:
    """Cross-entropy of ``logits`` (``n x K``) against smoothed labels ``target`` (``n`` class indices)."""
    check("label_smoothing_cross_entropy", "smoothing", smoothing, UNIT_CLOSED)
    check("label_smoothing_cross_entropy", "reduction", reduction, _REDUCTIONS)
    if logits.ndim != 2 or target.shape != logits.shape[:1]:
        fail("label_smoothing_cross_entropy", "target", f"{logits.shape[0] if logits.ndim else '?'} class indices "
             "for logits of shape (n, K)", tuple(target.shape))
    k = logits.shape[1]
    w = torch.ones(k, dtype=logits.dtype, device=logits.device) if weight is None else weight.to(logits)
    if w.shape != (k,):
        fail("label_smoothing_cross_entropy", "weight", f"a tensor of {k} class weights", tuple(w.shape))
    nll = -F.log_softmax(logits, dim=1)  # -log p_{i, k}
    target = target.long()
    true = nll.gather(1, target[:, None])[:, 0] * w[target]
    uniform = (nll * w).sum(dim=1) / k
    per_sample = (1.0 - smoothing) * true + smoothing * uniform
    if reduction == "none":
        return per_sample
    if reduction == "sum":
        return per_sample.sum()
    return per_sample.sum() / w[target].sum()


class LabelSmoothing(Penalty):
    """Adds ``label_smoothing_cross_entropy(output, target, eps) - cross_entropy(output, target)``."""

    def __init__(self, smoothing: float, weight: Tensor | None = None) -> None:
        check("LabelSmoothing", "smoothing", smoothing, UNIT_CLOSED)
        self.smoothing, self.weight = float(smoothing), weight

    def __call__(self, model: nn.Module | None = None, output: Tensor | None = None,
                 target: Tensor | None = None) -> Tensor:
        if output is None or target is None:
            fail("LabelSmoothing", "output", "the logits and labels of the batch (an output penalty)", output)
        target = target.reshape(-1).long()
        smoothed = label_smoothing_cross_entropy(output, target, self.smoothing, self.weight)
        w = None if self.weight is None else self.weight.to(output)
        return smoothed - F.cross_entropy(output, target, weight=w)

    def __repr__(self) -> str:
        return f"LabelSmoothing({self.smoothing:g})"
