"""``GradientClipping``: clip the raw gradient before any optimizer sees it (the UCLA ECE 239AS notes).

Rules, as ``torch.nn.utils.clip_grad_norm_`` / ``clip_grad_value_``:

- by global norm: ``g <- g * min(1, max_norm / (||g|| + 1e-6))`` over all parameters;
- by value: ``g <- clamp(g, -clip_value, clip_value)``.

Runs in ``on_after_backward``, so it works with every optimizer, line searches
included (each closure evaluation is clipped). To clip inside an optimizer
chain instead, use ``trainlab.optim.transforms.clip_by_global_norm``.

Example:
    >>> clip = GradientClipping(max_norm=1.0)
"""

from __future__ import annotations

import torch

from trainlab.constraints import POSITIVE, fail, check
from trainlab.train.callbacks.base import Callback

__all__ = ["GradientClipping"]


class GradientClipping(Callback):
    """Clip gradients by global norm (``max_norm``) or by value (``clip_value``): exactly one."""

    def __init__(self, max_norm: float | None = None, clip_value: float | None = None, norm_type: float = 2.0) -> None:
        if (max_norm is None) == (clip_value is None):
            fail("GradientClipping", "max_norm", "given, or clip_value given, but not both", (max_norm, clip_value))
        if max_norm is not None:
            check("GradientClipping", "max_norm", max_norm, POSITIVE)
        if clip_value is not None:
            check("GradientClipping", "clip_value", clip_value, POSITIVE)
        check("GradientClipping", "norm_type", norm_type, POSITIVE)
        self.max_norm, self.clip_value, self.norm_type = max_norm, clip_value, norm_type

    def on_after_backward(self, trainer, loss: torch.Tensor) -> None:
        params = [p for p in trainer.model.parameters() if p.grad is not None]
        if not params:
            return
        if self.max_norm is not None:
            torch.nn.utils.clip_grad_norm_(params, self.max_norm, norm_type=self.norm_type)
        else:
            torch.nn.utils.clip_grad_value_(params, self.clip_value)
