"""Adaptive-moment optimizers: ``Adam``, ``AdamW``, ``Adamax``, ``NAdam``, ``RAdam``, ``AdaBound``.

Arguments and defaults follow torch.optim where torch has the algorithm.
trainlab adds ``bias_correction`` (the UCLA ECE 239AS notes' Adam without it), ``eps_root``
(epsilon inside the root) and ``NAdam(variant="dozat")`` (the Brown/NVIDIA notes' listing).

Example:
    >>> import torch
    >>> from trainlab.optim import AdamW
    >>> opt = AdamW(torch.nn.Linear(3, 1).parameters(), lr=1e-3, weight_decay=1e-2)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from trainlab.optim.shell import ChainOptimizer
from trainlab.optim.transform import chain
from trainlab.optim.transforms.adam import ScaleByAdam, ScaleByAdamax, ScaleByNadam, ScaleByRadam
from trainlab.optim.transforms.basic import ScaleByLearningRate, WeightDecay
from trainlab.optim.transforms.bounded import ScaleByAdaBound

__all__ = ["Adam", "AdamW", "Adamax", "NAdam", "RAdam", "AdaBound"]

Betas = tuple[float, float]


class Adam(ChainOptimizer):
    """Adam (Kingma & Ba 2015), as ``torch.optim.Adam``; AMSGrad with ``amsgrad=True``.

    Update rule: ``m <- b1 m + (1-b1) g``, ``v <- b2 v + (1-b2) g^2``,
    ``p <- p - lr (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)``
    (no ``1 - b^t`` factors with ``bias_correction=False``).

    Chain: ``weight_decay -> scale_by_adam -> scale_by_learning_rate``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: Betas = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        fused: bool = False,
        decoupled_weight_decay: bool = False,
        bias_correction: bool = True,
        eps_root: float = 0.0,
    ) -> None:
        super().__init__(
            params,
            chain(
                WeightDecay(weight_decay, decoupled_weight_decay),
                ScaleByAdam(betas, eps, amsgrad, bias_correction, eps_root),
                ScaleByLearningRate(lr),
            ),
            maximize=maximize,
            fused=fused,
        )


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019), as ``torch.optim.AdamW``.

    Update rule: ``p <- (1 - lr wd) p``, then Adam's step.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: Betas = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        fused: bool = False,
        bias_correction: bool = True,
        eps_root: float = 0.0,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize=maximize,
            fused=fused,
            decoupled_weight_decay=True,
            bias_correction=bias_correction,
            eps_root=eps_root,
        )


class Adamax(ChainOptimizer):
    """Adamax (Kingma & Ba 2015), as ``torch.optim.Adamax``.

    Update rule: ``n <- max(b2 n, |g| + eps)``, ``p <- p - lr / (1 - b1^t) * m / n``.
    Chain: ``weight_decay -> scale_by_adamax -> scale_by_learning_rate``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: Betas = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
        fused: bool = False,
    ) -> None:
        super().__init__(
            params,
            chain(WeightDecay(weight_decay), ScaleByAdamax(betas, eps), ScaleByLearningRate(lr)),
            maximize=maximize,
            fused=fused,
        )


class NAdam(ChainOptimizer):
    """NAdam (Dozat 2016), as ``torch.optim.NAdam``; the Brown/NVIDIA notes' form with ``variant="dozat"``.

    Update rule: see ``trainlab.optim.transforms.adam``.
    Chain: ``weight_decay -> scale_by_nadam -> scale_by_learning_rate``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: Betas = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
        fused: bool = False,
        variant: str = "torch",
        eps_root: float = 0.0,
    ) -> None:
        super().__init__(
            params,
            chain(
                WeightDecay(weight_decay, decoupled_weight_decay),
                ScaleByNadam(betas, eps, momentum_decay, variant, eps_root),
                ScaleByLearningRate(lr),
            ),
            maximize=maximize,
            fused=fused,
        )


class RAdam(ChainOptimizer):
    """Rectified Adam (Liu et al. 2020), as ``torch.optim.RAdam``.

    Update rule: see ``trainlab.optim.transforms.adam``.
    Chain: ``weight_decay -> scale_by_radam -> scale_by_learning_rate``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: Betas = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
        fused: bool = False,
    ) -> None:
        super().__init__(
            params,
            chain(
                WeightDecay(weight_decay, decoupled_weight_decay),
                ScaleByRadam(betas, eps),
                ScaleByLearningRate(lr),
            ),
            maximize=maximize,
            fused=fused,
        )


class AdaBound(ChainOptimizer):
    """AdaBound / AMSBound (Luo et al. 2019): Adam whose steps are bounded toward SGD's.

    Update rule: see ``trainlab.optim.transforms.bounded``. Arguments and defaults
    are those of the authors' implementation.
    Chain: ``weight_decay -> scale_by_adabound``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: Betas = (0.9, 0.999),
        final_lr: float = 0.1,
        gamma: float = 1e-3,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsbound: bool = False,
        *,
        maximize: bool = False,
        fused: bool = False,
    ) -> None:
        super().__init__(
            params,
            chain(WeightDecay(weight_decay), ScaleByAdaBound(lr, betas, final_lr, gamma, eps, amsbound)),
            maximize=maximize,
            fused=fused,
        )
