"""AdaBound: Adam whose per-coordinate step size is clipped into a band that closes on SGD.

Update rule (Luo et al. 2019, "Adaptive Gradient Methods with Dynamic Bound of
Learning Rate")::

    m, v as in Adam (AMSBound: v <- max(v_max, v))
    eta    = lr * sqrt(1 - b2^t) / (1 - b1^t) / (sqrt(v) + eps)
    final  = final_lr * lr / initial_lr            (follows any lr schedule)
    lower  = final * (1 - 1 / (gamma t + 1))
    upper  = final * (1 + 1 / (gamma t))
    u <- -clip(eta, lower, upper) * m

The learning rate is inside the clip, so this transform ends the chain (it
already yields the signed step).

Taught in the lectures (full references in docs/references.md): Luo et al. 2019 in the SUTD 50.039
notes.

Example:
    >>> from trainlab.optim import chain
    >>> from trainlab.optim.transforms import scale_by_adabound
    >>> adabound = chain(scale_by_adabound(lr=1e-3, final_lr=0.1))
"""

from __future__ import annotations

import math

import torch

from trainlab.constraints import BOOL, NONNEGATIVE, UNIT_HALF_OPEN
from trainlab.optim.transform import Batch, Transform
from trainlab.optim.transforms.adam import BETAS, update_moments

__all__ = ["ScaleByAdaBound"]


class ScaleByAdaBound(Transform):
    """AdaBound / AMSBound step, learning rate included."""

    verb = "scale_by_adabound"

    constraints = {
        "lr": NONNEGATIVE,
        "betas": BETAS,
        "final_lr": NONNEGATIVE,
        "gamma": UNIT_HALF_OPEN,
        "eps": NONNEGATIVE,
        "amsbound": BOOL,
    }

    def __init__(
        self,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        final_lr: float = 0.1,
        gamma: float = 1e-3,
        eps: float = 1e-8,
        amsbound: bool = False,
    ) -> None:
        super().__init__(lr=lr, betas=betas, final_lr=final_lr, gamma=gamma, eps=eps, amsbound=amsbound)

    def update(self, b: Batch) -> None:
        g = b.group
        beta1, beta2 = g["betas"]
        lr, gamma = g["lr"], g["gamma"]
        base_lr = g.setdefault("initial_lr", lr)
        final = g["final_lr"] * lr / base_lr if base_lr else 0.0
        u = b.update
        m, v = update_moments(b, u.values(), beta1, beta2, keep_max=g["amsbound"])
        den = torch._foreach_sqrt(v)
        torch._foreach_add_(den, g["eps"])
        step = torch._foreach_reciprocal(den)
        for s, t in zip(step, b.steps, strict=True):
            size = lr * math.sqrt(1.0 - beta2**t) / (1.0 - beta1**t)
            lower = final * (1.0 - 1.0 / (gamma * t + 1.0))
            upper = final * (1.0 + 1.0 / (gamma * t)) if gamma > 0 else math.inf
            s.mul_(size).clamp_(lower, upper)
        torch._foreach_mul_(step, m)
        u.replace(step, owned=True, scale=-1.0)
