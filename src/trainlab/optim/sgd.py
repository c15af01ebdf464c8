"""Gradient descent with momentum: ``SGD`` (torch's form), ``Momentum`` (the lectures'
form), and the SUTD 50.039 notes' learning-rate controls ``GradientControlled`` and ``DecayingGD``.

Taught in the lectures (full references in docs/references.md): Sutskever et al. 2013 in the
Brown/NVIDIA notes, the UCLA ECE 239AS notes and the SUTD 50.039 notes.

Example:
    >>> import torch
    >>> from trainlab.optim import SGD
    >>> model = torch.nn.Linear(3, 1)
    >>> opt = SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from trainlab.optim.shell import ChainOptimizer
from trainlab.optim.transform import chain
from trainlab.optim.transforms.basic import ScaleByDecay, ScaleByLearningRate, WeightDecay
from trainlab.optim.transforms.control import ScaleByGradientControl
from trainlab.optim.transforms.momentum import Trace

__all__ = ["SGD", "Momentum", "GradientControlled", "DecayingGD"]


class SGD(ChainOptimizer):
    """Stochastic gradient descent, as ``torch.optim.SGD`` (same arguments and defaults).

    Update rule: ``g <- g + wd p``; ``b <- mu b + (1 - d) g`` (``b = g`` on the first
    step); ``p <- p - lr b`` or, with Nesterov, ``p <- p - lr (g + mu b)``
    (Sutskever et al. 2013).

    Chain: ``weight_decay -> trace -> scale_by_learning_rate``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        fused: bool = False,
    ) -> None:
        super().__init__(
            params,
            chain(
                WeightDecay(weight_decay),
                Trace(momentum, dampening, nesterov),
                ScaleByLearningRate(lr),
            ),
            maximize=maximize,
            fused=fused,
        )


class Momentum(ChainOptimizer):
    """Momentum in the lectures' form: the trace averages *steps*, not gradients.

    Update rule (the UCLA ECE 239AS notes): ``v <- mu v - lr g``, ``theta <- theta + v``;
    the SUTD 50.039 notes write the same as ``x <- x - a f'(x) + mu * previous update``. Nesterov
    (the UCLA ECE 239AS notes' change-of-variables form, the SUTD 50.039 notes' ``nesterov_gd``):
    ``theta <- theta + mu v - lr g``. With a constant ``lr`` this equals ``SGD``; under
    a learning-rate schedule the old steps keep the rate they were taken with.

    Chain: ``weight_decay -> scale_by_learning_rate -> trace``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        momentum: float = 0.9,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
        fused: bool = False,
    ) -> None:
        super().__init__(
            params,
            chain(WeightDecay(weight_decay), ScaleByLearningRate(lr), Trace(momentum, 0.0, nesterov)),
            maximize=maximize,
            fused=fused,
        )


class GradientControlled(ChainOptimizer):
    """Gradient descent whose rate shrinks with each gradient (the SUTD 50.039 notes).

    Update rule: ``alpha <- alpha / (1 + a_cf sqrt|g|)`` per coordinate, then
    ``x <- x - alpha g``; ``inverse=True`` shrinks it where gradients are small
    instead: ``alpha <- alpha sqrt|g| / (sqrt|g| + a_cf)``.

    Chain: ``scale_by_gradient_control -> scale_by_learning_rate``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 0.1,
        control: float = 0.99,
        inverse: bool = False,
        *,
        maximize: bool = False,
        fused: bool = False,
    ) -> None:
        super().__init__(
            params,
            chain(ScaleByGradientControl(control, inverse), ScaleByLearningRate(lr)),
            maximize=maximize,
            fused=fused,
        )


class DecayingGD(ChainOptimizer):
    """Gradient descent with the rate decayed every step, ``alpha <- K alpha`` (the SUTD 50.039 notes).

    Update rule: at step ``t``, ``x <- x - lr K^t g``.

    Chain: ``scale_by_decay -> scale_by_learning_rate``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 0.1,
        decay: float = 0.99,
        *,
        maximize: bool = False,
        fused: bool = False,
    ) -> None:
        super().__init__(
            params, chain(ScaleByDecay(decay), ScaleByLearningRate(lr)), maximize=maximize, fused=fused
        )
