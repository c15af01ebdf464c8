"""Gradient clipping by global norm and by value (the UCLA ECE 239AS notes: "cliffs" and exploding gradients).

Update rules:

- by global norm (as ``torch.nn.utils.clip_grad_norm_``): with
  ``n = ||(u_1, ..., u_k)||`` over every parameter the optimizer updates,
  ``u <- u * min(1, max_norm / (n + 1e-6))``.
- by value (as ``torch.nn.utils.clip_grad_value_``): ``u <- clamp(u, -c, c)``.

Placed first in a chain they clip the raw gradient; placed later they clip
whatever the earlier transforms produced.

Example:
    >>> from trainlab.optim import chain
    >>> from trainlab.optim.transforms import clip_by_global_norm, scale_by_adam, scale_by_learning_rate
    >>> clipped_adam = chain(clip_by_global_norm(1.0), scale_by_adam(), scale_by_learning_rate(1e-3))
"""

from __future__ import annotations

import math

import torch

from trainlab.constraints import NONNEGATIVE, Interval
from trainlab.optim.transform import Batch, Transform

__all__ = ["ClipByGlobalNorm", "ClipByValue", "global_norm"]


def global_norm(batches: list[Batch], norm_type: float = 2.0) -> torch.Tensor:
    """The norm of the current update over every group (one number)."""
    norms = []
    for b in batches:
        u = b.update
        num, s = u.linear()
        per_tensor = torch._foreach_norm(num, norm_type)
        norms.extend(n * abs(s) for n in per_tensor)
    stacked = torch.stack([n.to(norms[0].device, torch.float64) for n in norms])
    if math.isinf(norm_type):
        return stacked.max()
    return torch.linalg.vector_norm(stacked, norm_type)


class ClipByGlobalNorm(Transform):
    """Rescale the whole update so its norm is at most ``max_norm``.

    The norm is taken over every parameter of the optimizer (all groups), as
    ``clip_grad_norm_`` does; each group may set its own ``max_norm``.
    """

    elementwise = False  # its norm spans every parameter of every group

    constraints = {"max_norm": NONNEGATIVE, "norm_type": Interval(1, None, closed="left")}

    def __init__(self, max_norm: float = 1.0, norm_type: float = 2.0) -> None:
        super().__init__(max_norm=max_norm, norm_type=norm_type)

    def __call__(self, batches: list[Batch]) -> None:
        by_type: dict[float, list[Batch]] = {}
        for b in batches:
            by_type.setdefault(float(b.group["norm_type"]), []).append(b)
        for norm_type, group in by_type.items():
            total = float(global_norm(group, norm_type))
            for b in group:
                coef = min(1.0, b.group["max_norm"] / (total + 1e-6))
                b.update.scaled(coef)
                b.scratch["grad_norm"] = total

    def update(self, b: Batch) -> None:
        self([b])


class ClipByValue(Transform):
    """Clamp every coordinate of the update into ``[-clip_value, clip_value]``."""

    constraints = {"clip_value": NONNEGATIVE}

    def __init__(self, clip_value: float = 1.0) -> None:
        super().__init__(clip_value=clip_value)

    def update(self, b: Batch) -> None:
        c = float(b.group["clip_value"])
        u = b.update
        s = u.uniform_scale
        if u.plain and s is not None and not u.owned:
            if s != 0:
                # clamp(s x, -c, c) = s clamp(x, -c/|s|, c/|s|): clamp without scaling first
                lim = c / abs(s)
                u.replace([t.clamp(-lim, lim) for t in u.num], owned=True, scale=s)
                return
        vals = u.owned_values()
        torch._foreach_clamp_min_(vals, -c)
        torch._foreach_clamp_max_(vals, c)
