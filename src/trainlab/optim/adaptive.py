"""Per-coordinate adaptive optimizers: ``Adagrad``, ``RMSprop``, ``Adadelta``.

Arguments and defaults are torch.optim's; ``eps_root`` (epsilon inside the
square root, as the Brown/NVIDIA and SUTD 50.039 notes write it) and ``RMSprop(nesterov=True)``
(the UCLA ECE 239AS notes' "RMSProp with Nesterov momentum") are trainlab's additions.

Example:
    >>> import torch
    >>> from trainlab.optim import RMSprop
    >>> opt = RMSprop(torch.nn.Linear(3, 1).parameters(), lr=1e-3, momentum=0.9, nesterov=True)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from trainlab.optim.shell import ChainOptimizer
from trainlab.optim.transform import chain
from trainlab.optim.transforms.adaptive import ScaleByAdadelta, ScaleByAdagrad, ScaleByRms
from trainlab.optim.transforms.basic import ScaleByLearningRate, WeightDecay
from trainlab.optim.transforms.momentum import Trace

__all__ = ["Adagrad", "RMSprop", "Adadelta"]


class Adagrad(ChainOptimizer):
    """AdaGrad (Duchi et al. 2011), as ``torch.optim.Adagrad``.

    Update rule: ``a <- a + g^2``; ``p <- p - lr / (1 + (t-1) lr_decay) * g / (sqrt(a + eps_root) + eps)``.
    Chain: ``weight_decay -> scale_by_adagrad -> scale_by_learning_rate``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
        fused: bool = False,
        eps_root: float = 0.0,
    ) -> None:
        super().__init__(
            params,
            chain(
                WeightDecay(weight_decay),
                ScaleByAdagrad(lr_decay, initial_accumulator_value, eps, eps_root),
                ScaleByLearningRate(lr),
            ),
            maximize=maximize,
            fused=fused,
        )


class RMSprop(ChainOptimizer):
    """RMSProp (Hinton 2012), as ``torch.optim.RMSprop``, plus Nesterov momentum.

    Update rule: ``a <- alpha a + (1 - alpha) g^2`` (centered: minus the squared
    mean); ``b <- mu b + g / (sqrt(a) + eps)``; ``p <- p - lr b`` (Nesterov:
    ``p <- p - lr (g / (sqrt(a) + eps) + mu b)``). The UCLA ECE 239AS notes give plain, momentum and
    Nesterov forms.

    Chain: ``weight_decay -> scale_by_rms -> trace -> scale_by_learning_rate``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
        fused: bool = False,
        nesterov: bool = False,
        eps_root: float = 0.0,
    ) -> None:
        super().__init__(
            params,
            chain(
                WeightDecay(weight_decay),
                ScaleByRms(alpha, eps, centered, eps_root),
                Trace(momentum, 0.0, nesterov),
                ScaleByLearningRate(lr),
            ),
            maximize=maximize,
            fused=fused,
        )


class Adadelta(ChainOptimizer):
    """Adadelta (Zeiler 2012), as ``torch.optim.Adadelta``.

    Update rule: see ``trainlab.optim.transforms.adaptive``; ``p <- p - lr * delta``.
    Chain: ``weight_decay -> scale_by_adadelta -> scale_by_learning_rate``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
        fused: bool = False,
    ) -> None:
        super().__init__(
            params,
            chain(WeightDecay(weight_decay), ScaleByAdadelta(rho, eps), ScaleByLearningRate(lr)),
            maximize=maximize,
            fused=fused,
        )
