"""Steps that act on the weights directly: decoupled weight decay and the L1 proximal step.

``DecoupledWeightDecay(optimizer, model, alpha)``: after each step of any optimizer,
``w <- w - lr * alpha * w_old`` (``w_old``: the weights before the step) - the
decay of AdamW (Loshchilov & Hutter 2019, "Decoupled Weight Decay
Regularization", ICLR), which does not pass through the optimizer's scaling; around
``torch.optim.Adam`` it equals ``torch.optim.AdamW``. Coupled decay is the L2
penalty (``trainlab.regularize.L2``): for plain SGD the two are the same update.

``ProximalL1(optimizer, model, alpha)``: after each step, the soft-threshold (the
proximal operator of ``lr * alpha ||w||_1``)::

    w <- sign(w) * max(|w| - lr * alpha, 0)

so weights reach exact zeros; around plain gradient descent this is ISTA (proximal
gradient descent), which converges to the lasso solution. Both reach the
parameters ``select.penalized`` picks (weights; not biases nor normalization
layers by default), with per-layer strengths, at each group's ``lr``.

Example:
    >>> import torch
    >>> net = torch.nn.Linear(3, 1)
    >>> opt = ProximalL1(torch.optim.SGD(net.parameters(), lr=0.1), net, 100.0)
    >>> net(torch.ones(1, 3)).sum().backward(); _ = opt.step()
    >>> bool((net.weight == 0).all())
    True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor, nn
from torch.optim import Optimizer

from trainlab.regularize.select import check_strengths, penalized
from trainlab.regularize.wrapper import StepWrapper

__all__ = ["DecoupledWeightDecay", "ProximalL1", "soft_threshold"]


def soft_threshold(w: Tensor, t: float | Tensor) -> Tensor:
    """``sign(w) max(|w| - t, 0)``: the proximal operator of ``t ||w||_1``."""
    return torch.sign(w) * torch.clamp(w.abs() - t, min=0.0)


class _OnWeights(StepWrapper):
    def __init__(self, optimizer: Optimizer, model: nn.Module, strength: float,
                 layers: Mapping[str, float] | None = None, include_bias: bool = False,
                 include_norm: bool = False, norm_types: Sequence[type] = ()) -> None:
        super().__init__(optimizer)
        name = type(self).__name__
        check_strengths(name, strength, layers)
        chosen = {id(p): s for _, p, s in penalized(model, float(strength), layers, include_bias, include_norm,
                                                    norm_types, owner=name)}
        # (group, parameter, strength) of every chosen parameter the optimizer updates
        self.targets = [(g, p, chosen[id(p)]) for g in self.param_groups for p in g["params"]
                        if id(p) in chosen and chosen[id(p)] != 0.0]
        self.strength = float(strength)

    def wrapper_state(self) -> dict[str, Any]:
        return {"strength": self.strength}


class DecoupledWeightDecay(_OnWeights):
    """After the wrapped step: ``w <- w - lr * alpha * w_old`` (AdamW's decay around any optimizer)."""

    def before(self) -> list[Tensor]:
        return [p.detach().clone() for _, p, _ in self.targets]

    def after(self, old: list[Tensor]) -> None:
        for (group, p, s), w in zip(self.targets, old, strict=True):
            p.add_(w, alpha=-float(group["lr"]) * s)


class ProximalL1(_OnWeights):
    """After the wrapped step: ``w <- sign(w) max(|w| - lr * alpha, 0)`` (exact zeros)."""

    def after(self, token: Any) -> None:
        for group, p, s in self.targets:
            p.copy_(soft_threshold(p, float(group["lr"]) * s))
