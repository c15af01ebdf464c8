"""Learning rate, plain scaling, weight decay and per-step decay.

Update rules (``u`` is the update, ``p`` the parameter, ``t`` the step):

- ``scale_by_learning_rate``: ``u <- -lr * u`` (the descent step; the UCLA ECE 239AS notes: theta <- theta
  - eps g).
- ``scale(f)``: ``u <- f * u``.
- ``weight_decay`` coupled (L2 penalty, the UCLA ECE 239AS notes): ``u <- u + wd * p``;
  decoupled (Loshchilov & Hutter 2019, AdamW): ``p <- p - lr * wd * p`` beside the update.
- ``scale_by_decay`` (the SUTD 50.039 notes, ``alpha <- K * alpha`` every iteration): ``u <- K**t * u``.

Example:
    >>> from trainlab.optim import chain
    >>> from trainlab.optim.transforms import weight_decay, scale_by_learning_rate
    >>> sgd_with_l2 = chain(weight_decay(1e-4), scale_by_learning_rate(0.1))
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from trainlab.constraints import BOOL, NONNEGATIVE, UNIT_CLOSED
from trainlab.optim.transform import Batch, Transform

__all__ = ["ScaleByLearningRate", "Scale", "WeightDecay", "ScaleByDecay"]


class ScaleByLearningRate(Transform):
    """``u <- -lr * u``: turns a direction into a descent step of size ``lr``."""

    constraints = {"lr": NONNEGATIVE}
    supports_sparse = True

    def __init__(self, lr: float = 1e-3) -> None:
        super().__init__(lr=lr)

    def update(self, b: Batch) -> None:
        b.update.scaled(-float(b.group["lr"]))


class Scale(Transform):
    """``u <- factor * u`` for a fixed factor (not a hyperparameter)."""

    supports_sparse = True

    def __init__(self, factor: float) -> None:
        super().__init__()
        self.factor = float(factor)

    def update(self, b: Batch) -> None:
        b.update.scaled(self.factor)

    def __repr__(self) -> str:
        return f"scale({self.factor!r})"


class WeightDecay(Transform):
    """L2 weight decay, coupled (``u <- u + wd p``) or decoupled (``p <- (1 - lr wd) p``).

    ``decoupled`` is the default of the group key ``decoupled_weight_decay``, which
    selects the form, as in ``torch.optim.Adam``. The decoupled form scales the
    parameters in place before the update is applied, which equals
    ``p <- p - lr (u + wd p)`` with the decay kept out of any adaptive scaling; it
    reads ``lr``, which another transform of the chain provides.
    """

    constraints = {"weight_decay": NONNEGATIVE, "decoupled_weight_decay": BOOL}
    reads = {"lr": "decoupled decay multiplies the parameters by 1 - lr * weight_decay"}
    supports_sparse = True  # a sparse update with coupled decay is refused at the step, as torch does

    def __init__(self, weight_decay: float = 0.0, decoupled: bool = False) -> None:
        super().__init__(weight_decay=weight_decay, decoupled_weight_decay=decoupled)

    def inputs(self, group: Mapping[str, Any]) -> Mapping[str, str]:
        return self.reads if group.get("decoupled_weight_decay") else {}

    def __repr__(self) -> str:
        d = self.defaults
        return f"weight_decay({d['weight_decay']!r}, decoupled={d['decoupled_weight_decay']!r})"

    def update(self, b: Batch) -> None:
        wd = b.group["weight_decay"]
        if wd == 0:
            return
        if b.group["decoupled_weight_decay"]:
            torch._foreach_mul_(b.params, 1.0 - b.group["lr"] * wd)
            return
        if any(t.is_sparse for t in b.update.num):
            raise RuntimeError("weight_decay option is not compatible with sparse gradients")
        b.update.add(b.params, wd)


class ScaleByDecay(Transform):
    """``u <- K**t * u``: the learning rate decays by ``K`` every step (the SUTD 50.039 notes)."""

    constraints = {"decay": UNIT_CLOSED}
    supports_sparse = True

    def __init__(self, decay: float = 0.99) -> None:
        super().__init__(decay=decay)

    def update(self, b: Batch) -> None:
        k = b.group["decay"]
        t = b.uniform_step
        b.update.scaled(float(k**t) if t is not None else [float(k**s) for s in b.steps])
