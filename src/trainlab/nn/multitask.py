"""Multitask learning: one shared trunk, one head per task, and a weighted sum of the tasks' losses.

Sharing a representation between related tasks is a regularizer: the trunk must
serve every task, so it cannot fit the noise of one (Caruana 1997, "Multitask
learning", Machine Learning 28; the UCLA ECE 239AS notes, "multitask learning").
With tasks ``t``, heads ``h_t`` and trunk ``g``::

    outputs_t = h_t(g(x))          loss = sum_t w_t * L_t(outputs_t, y_t)

``MultiTaskNet`` returns ``{task: output}``. ``MultiTaskLoss`` takes the targets as
the columns of one tensor ``y`` (column ``t`` is task ``t``, in the order the tasks
are given), so the ``Trainer`` trains a multitask model as any other. A row may
lack a task's label: a negative class label (classification) or a NaN
(regression) leaves that row out of that task's loss, so data sets labelled for
different tasks can be mixed in one batch.

Example:
    >>> import torch
    >>> from trainlab.nn import MLP
    >>> net = MultiTaskNet(MLP([4, 8, 8]), {"digit": torch.nn.Linear(8, 5), "size": torch.nn.Linear(8, 1)})
    >>> loss = MultiTaskLoss({"digit": "cross_entropy", "size": "mse"}, weights={"digit": 1.0, "size": 0.5})
    >>> y = torch.tensor([[3.0, 0.2], [-1.0, 1.5]])  # row 2 has no digit label
    >>> out = net(torch.randn(2, 4))
    >>> sorted(out), out["digit"].shape, loss(out, y).ndim
    (['digit', 'size'], torch.Size([2, 5]), 0)
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor, nn

from trainlab.constraints import NONNEGATIVE, Options, Satisfies, check, fail

__all__ = ["MultiTaskLoss", "MultiTaskNet", "TASK_LOSSES"]

TASK_LOSSES = ("cross_entropy", "mse")
_HEADS = Satisfies(lambda h: isinstance(h, Mapping) and len(h) >= 1
                   and all(isinstance(k, str) and isinstance(v, nn.Module) for k, v in h.items()),
                   "a non-empty mapping of task names to torch.nn.Module heads")


class MultiTaskNet(nn.Module):
    """``{task: heads[task](trunk(x))}``: one trunk computed once, shared by every head."""

    def __init__(self, trunk: nn.Module, heads: Mapping[str, nn.Module]) -> None:
        super().__init__()
        check("MultiTaskNet", "trunk", trunk, Satisfies(lambda m: isinstance(m, nn.Module), "a torch.nn.Module"))
        check("MultiTaskNet", "heads", heads, _HEADS)
        self.trunk = trunk
        self.heads = nn.ModuleDict(dict(heads))

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        shared = self.trunk(x)
        return {name: head(shared) for name, head in self.heads.items()}


class MultiTaskLoss:
    """``sum_t weights[t] * losses[t](outputs[t], y[:, t])`` over the rows labelled for task ``t``."""

    def __init__(self, losses: Mapping[str, str], weights: Mapping[str, float] | None = None) -> None:
        if not isinstance(losses, Mapping) or not losses:
            fail("MultiTaskLoss", "losses", f"a non-empty mapping of task names to one of {TASK_LOSSES}", losses)
        for name, loss in losses.items():
            check("MultiTaskLoss", "losses", loss, Options(TASK_LOSSES))
        weights = {name: 1.0 for name in losses} if weights is None else dict(weights)
        if set(weights) != set(losses):
            fail("MultiTaskLoss", "weights", f"one weight per task ({sorted(losses)})", sorted(weights))
        for w in weights.values():
            check("MultiTaskLoss", "weights", w, NONNEGATIVE)
        self.losses, self.weights = dict(losses), weights

    def task_losses(self, outputs: Mapping[str, Tensor], y: Tensor) -> dict[str, Tensor]:
        """Each task's mean loss over its labelled rows (0 when a batch has none)."""
        y = y.reshape(len(y), -1)
        if y.shape[1] != len(self.losses):
            fail("MultiTaskLoss", "y", f"one target column per task ({len(self.losses)})", tuple(y.shape))
        out = {}
        for column, (name, kind) in enumerate(self.losses.items()):
            pred, target = outputs[name], y[:, column]
            if kind == "cross_entropy":
                keep = target >= 0
                value = nn.functional.cross_entropy(pred[keep], target[keep].long(), reduction="sum")
            else:
                keep = ~torch.isnan(target)
                value = ((pred[keep].reshape(-1) - target[keep]) ** 2).sum()
            out[name] = value / keep.sum().clamp(min=1)
        return out

    def __call__(self, outputs: Mapping[str, Tensor], y: Tensor) -> Tensor:
        parts = self.task_losses(outputs, y)
        return sum(self.weights[name] * value for name, value in parts.items())
