"""``ASGD``: averaged stochastic gradient descent, as ``torch.optim.ASGD``.

Update rule: see ``trainlab.optim.transforms.averaging``; the average is
``optimizer.state[p]["ax"]``.

Example:
    >>> import torch
    >>> from trainlab.optim import ASGD
    >>> opt = ASGD(torch.nn.Linear(3, 1).parameters(), lr=1e-2, t0=100)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from trainlab.optim.shell import ChainOptimizer
from trainlab.optim.transform import chain
from trainlab.optim.transforms.averaging import ScaleByAsgd
from trainlab.optim.transforms.basic import WeightDecay

__all__ = ["ASGD"]


class ASGD(ChainOptimizer):
    """Averaged SGD (Polyak & Juditsky 1992). Chain: ``weight_decay -> scale_by_asgd``."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
        fused: bool = False,
    ) -> None:
        super().__init__(
            params,
            chain(WeightDecay(weight_decay), ScaleByAsgd(lr, lambd, alpha, t0)),
            maximize=maximize,
            fused=fused,
        )
