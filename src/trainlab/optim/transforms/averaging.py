"""Averaged SGD (Polyak & Juditsky 1992; Bottou 2012), as ``torch.optim.ASGD``.

Update rule, with ``eta_1 = lr`` and ``mu_1 = 1``::

    p    <- p - eta_t (g + lambd p)                 (decay term, then the step)
    ax   <- ax + mu_t (p - ax)                      (the running average, state["ax"])
    eta_{t+1} = lr / (1 + lambd lr t)^alpha         mu_{t+1} = 1 / max(1, t - t0)

The averaged parameters ``state[p]["ax"]`` are the estimate ASGD returns; the
iterate itself is ``p``.

Example:
    >>> from trainlab.optim import chain
    >>> from trainlab.optim.transforms import scale_by_asgd
    >>> asgd = chain(scale_by_asgd(lr=1e-2))
"""

from __future__ import annotations

import torch

from trainlab.constraints import NONNEGATIVE
from trainlab.optim.transform import Batch, Transform

__all__ = ["ScaleByAsgd"]


class ScaleByAsgd(Transform):
    """ASGD's step (learning rate included) and the average it keeps."""

    constraints = {"lr": NONNEGATIVE, "lambd": NONNEGATIVE, "alpha": NONNEGATIVE, "t0": NONNEGATIVE}

    def __init__(self, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75, t0: float = 1e6) -> None:
        super().__init__(lr=lr, lambd=lambd, alpha=alpha, t0=t0)

    def update(self, b: Batch) -> None:
        lr, lambd = b.group["lr"], b.group["lambd"]
        etas = [st.setdefault("eta", float(lr)) for st in b.states]
        for st in b.states:
            st.setdefault("mu", 1.0)
        u = b.update
        if lambd:
            u.add(b.params, lambd)
        u.scaled([-e for e in etas])

    def after_apply(self, batches: list[Batch]) -> None:
        for b in batches:
            lr, lambd, alpha, t0 = (b.group[k] for k in ("lr", "lambd", "alpha", "t0"))
            ax = b.slot("ax")
            mus = [st["mu"] for st in b.states]
            if all(m == 1 for m in mus):
                torch._foreach_copy_(ax, b.params)
            else:
                torch._foreach_lerp_(ax, b.params, mus if len(set(mus)) > 1 else mus[0])
            for st, t in zip(b.states, b.steps, strict=True):
                try:
                    st["eta"] = lr / ((1 + lambd * lr * t) ** alpha)
                except OverflowError:  # a huge alpha: the power overflows and the rate is 0
                    st["eta"] = 0.0
                st["mu"] = 1 / max(1, t - t0)
