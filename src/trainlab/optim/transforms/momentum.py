"""Momentum: an exponentially weighted trace of past updates (heavy ball or Nesterov).

Update rule (torch.optim.SGD's form, with dampening ``d``)::

    b <- u                      on the first step
    b <- mu * b + (1 - d) * u   afterwards
    u <- b                      (heavy ball)   or   u <- u + mu * b   (Nesterov)

Placed before ``scale_by_learning_rate`` it averages gradients (torch's form);
placed after, it averages steps, which is the lecture form
``v <- a v - eps g; theta <- theta + v`` (the UCLA ECE 239AS notes, the CMI lecture 5 and
the Brown/NVIDIA notes) and the SUTD 50.039 notes'
``x <- x - a f'(x) + mu * previous update``. With a constant learning rate the
two orders give the same iterates; under a schedule they differ.

Example:
    >>> from trainlab.optim import chain
    >>> from trainlab.optim.transforms import scale_by_learning_rate, trace
    >>> lecture_momentum = chain(scale_by_learning_rate(0.1), trace(momentum=0.9))
"""

from __future__ import annotations

import torch

from trainlab.constraints import BOOL, NONNEGATIVE
from trainlab.optim.transform import Batch, Transform, require

__all__ = ["Trace"]


class Trace(Transform):
    """Momentum trace with dampening; ``nesterov=True`` looks ahead along the trace."""

    constraints = {"momentum": NONNEGATIVE, "dampening": NONNEGATIVE, "nesterov": BOOL}
    supports_sparse = True  # a sparse update makes a sparse trace, as in torch.optim.SGD

    def __init__(self, momentum: float = 0.9, dampening: float = 0.0, nesterov: bool = False) -> None:
        super().__init__(momentum=momentum, dampening=dampening, nesterov=nesterov)

    def check_relations(self, group, owner: str) -> None:
        if group.get("nesterov", False):
            m, d = group.get("momentum", 0.0), group.get("dampening", 0.0)
            require(
                owner,
                "nesterov",
                m > 0 and d == 0,
                f"False unless momentum > 0 and dampening = 0 (momentum={m!r}, dampening={d!r})",
                True,
            )

    def update(self, b: Batch) -> None:
        mu = b.group["momentum"]
        if mu == 0:
            return
        damp = 1.0 - b.group.get("dampening", 0.0)
        u = b.update
        missing = [i for i, st in enumerate(b.states) if "momentum_buffer" not in st]
        if missing:
            # torch.optim.SGD's convention: a new buffer starts at the update itself.
            values = u.values()
            for st, v in zip(b.states, values, strict=True):
                if "momentum_buffer" not in st:
                    st["momentum_buffer"] = v.detach().clone()
                else:  # a parameter that already had a buffer (others joined late)
                    st["momentum_buffer"].mul_(mu).add_(v, alpha=damp)
            bufs = [st["momentum_buffer"] for st in b.states]
        else:
            bufs = [st["momentum_buffer"] for st in b.states]
            torch._foreach_mul_(bufs, mu)
            u.accumulate_into(bufs, damp)
        if b.group.get("nesterov", False):
            num, s = u.linear()
            if u.owned and s == 1.0:
                torch._foreach_add_(num, bufs, alpha=mu)
            else:
                # s * num + mu * b, computed as mu * (b + (s / mu) * num) in one pass
                u.replace(torch._foreach_add(bufs, num, alpha=s / mu), owned=True, scale=mu)
        else:
            u.replace(bufs, owned=False)
