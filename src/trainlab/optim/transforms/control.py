"""Gradient-based learning-rate control (the SUTD 50.039 notes, "Gradient-based learning rate control").

The SUTD 50.039 notes' code shrinks the learning rate every step by the gradient it sees::

    alpha <- alpha / (1 + a_cf * sqrt(|f'(x)|))          x <- x - alpha f'(x)

so coordinates with large gradients slow down fastest. The seed also describes
"the exact opposite" scheme, in which small gradients shrink the rate instead;
``inverse=True`` gives it as the mirror image of the same rule::

    alpha <- alpha / (1 + a_cf / sqrt(|f'(x)|))  =  alpha * sqrt|g| / (sqrt|g| + a_cf)

The factor ``alpha / alpha_0`` is kept per coordinate in ``state["lr_factor"]``;
``scale_by_learning_rate`` supplies ``alpha_0``.

Example:
    >>> from trainlab.optim import chain
    >>> from trainlab.optim.transforms import scale_by_gradient_control, scale_by_learning_rate
    >>> controlled = chain(scale_by_gradient_control(control=0.99), scale_by_learning_rate(0.1))
"""

from __future__ import annotations

import torch

from trainlab.constraints import BOOL, NONNEGATIVE
from trainlab.optim.transform import Batch, Transform

__all__ = ["ScaleByGradientControl"]


class ScaleByGradientControl(Transform):
    """Per-coordinate rate that decays with each gradient's magnitude (or its inverse)."""

    constraints = {"control": NONNEGATIVE, "inverse": BOOL}

    def __init__(self, control: float = 0.99, inverse: bool = False) -> None:
        super().__init__(control=control, inverse=inverse)

    def update(self, b: Batch) -> None:
        a_cf = b.group["control"]
        u = b.update
        grads = u.values()
        factor = b.slot("lr_factor", lambda p: torch.ones_like(p, memory_format=torch.preserve_format))
        root = torch._foreach_abs(grads)
        torch._foreach_sqrt_(root)
        if b.group["inverse"]:
            den = torch._foreach_add(root, a_cf)
            torch._foreach_mul_(factor, root)
        else:
            den = root
            torch._foreach_mul_(den, a_cf)
            torch._foreach_add_(den, 1.0)
        torch._foreach_div_(factor, den)
        u.replace(torch._foreach_mul(factor, grads), owned=True)
