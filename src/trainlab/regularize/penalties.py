"""Weight penalties: L2 (ridge, weight decay as a loss term) and L1 (lasso), composable.

A penalty is added to the *training* loss only (``Trainer(..., penalty=...)``
logs it as ``penalty`` and reports ``train_loss``/``val_loss`` without it)::

    L2:  Omega(w) = (alpha / 2) sum_i w_i^2      gradient alpha w        (coupled weight decay)
    L1:  Omega(w) = alpha sum_i |w_i|            subgradient alpha sign(w)

(the Brown/NVIDIA "Training and Optimization" notes, "Loss Regularizers"; the UCLA
ECE 239AS notes). The L2 term with ``alpha`` gives exactly the gradient of an
optimizer's coupled ``weight_decay=alpha``. Penalties add: ``L1(1e-4) + L2(1e-3)``.
Which parameters they reach (weights, not biases nor normalization layers, by
default) and per-layer strengths: ``trainlab.regularize.select``.

On a linear model ``y ~ X w`` trained on the mean squared error
``(1/n) ||X w - y||^2``: L2 with ``alpha`` is ridge regression
``w = (X^T X + a I)^{-1} X^T y`` with ``a = n alpha / 2`` (scikit-learn's
``Ridge(alpha=a)``); L1 with ``alpha`` is scikit-learn's ``Lasso(alpha=alpha / 2)``
(which minimizes ``(1/2n) ||X w - y||^2 + alpha' ||w||_1``).

Example:
    >>> import torch
    >>> net = torch.nn.Linear(2, 1)
    >>> with torch.no_grad(): _ = net.weight.copy_(torch.tensor([[3.0, -4.0]]))
    >>> [round(p(net).item(), 6) for p in (L2(0.1), L1(0.1), L1(0.1) + L2(0.1))]  # 0.05 * 25, 0.1 * 7
    [1.25, 0.7, 1.95]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor, nn

from trainlab.constraints import NONNEGATIVE, check
from trainlab.regularize.select import check_strengths, penalized

__all__ = ["Penalty", "SumPenalty", "WeightPenalty", "L1", "L2", "weight_sparsity"]


class Penalty:
    """A term added to the training loss: ``penalty(model, output, target) -> scalar tensor``.

    Weight penalties read only ``model``; output penalties (label smoothing) read the
    network's ``output`` on the batch and its ``target``. ``a + b`` adds two penalties.
    """

    def __call__(self, model: nn.Module, output: Tensor | None = None, target: Tensor | None = None) -> Tensor:
        raise NotImplementedError  # pragma: no cover - interface

    def __add__(self, other: Penalty) -> SumPenalty:
        return SumPenalty([self, other])


class SumPenalty(Penalty):
    """The sum of several penalties."""

    def __init__(self, terms: Sequence[Penalty]) -> None:
        self.terms: list[Penalty] = []
        for t in terms:
            self.terms += t.terms if isinstance(t, SumPenalty) else [t]

    def __call__(self, model: nn.Module, output: Tensor | None = None, target: Tensor | None = None) -> Tensor:
        return sum((t(model, output, target) for t in self.terms[1:]), self.terms[0](model, output, target))

    def __repr__(self) -> str:
        return " + ".join(map(repr, self.terms))


class WeightPenalty(Penalty):
    """``sum_p strength_p * term(p)`` over the parameters ``select.penalized`` picks."""

    def __init__(self, strength: float, layers: Mapping[str, float] | None = None, include_bias: bool = False,
                 include_norm: bool = False, norm_types: Sequence[type] = ()) -> None:
        check_strengths(type(self).__name__, strength, layers)
        self.strength, self.layers = float(strength), dict(layers or {})
        self.include_bias, self.include_norm, self.norm_types = include_bias, include_norm, tuple(norm_types)

    def parameters(self, model: nn.Module) -> list[tuple[str, Tensor, float]]:
        """``(name, parameter, strength)`` of every parameter this penalty reaches."""
        return penalized(model, self.strength, self.layers, self.include_bias, self.include_norm,
                         self.norm_types, owner=type(self).__name__)

    def term(self, p: Tensor, name: str = "") -> Tensor:
        """The unscaled penalty of parameter ``p`` (called ``name`` in the model)."""
        raise NotImplementedError  # pragma: no cover - interface

    def __call__(self, model: nn.Module, output: Tensor | None = None, target: Tensor | None = None) -> Tensor:
        found = [(n, p, s) for n, p, s in self.parameters(model) if s != 0.0]
        if not found:
            p = next(model.parameters(), torch.zeros(()))
            return torch.zeros((), dtype=p.dtype, device=p.device)
        terms = [s * self.term(p, n) for n, p, s in found]
        return sum(terms[1:], terms[0])

    def __repr__(self) -> str:
        extra = f", layers={self.layers}" if self.layers else ""
        extra += ", include_bias=True" if self.include_bias else ""
        extra += ", include_norm=True" if self.include_norm else ""
        return f"{type(self).__name__}({self.strength:g}{extra})"


class L2(WeightPenalty):
    """``(alpha / 2) ||w||^2``: the gradient ``alpha w`` of coupled weight decay (ridge regression)."""

    def term(self, p: Tensor, name: str = "") -> Tensor:
        return 0.5 * p.pow(2).sum()


class L1(WeightPenalty):
    """``alpha ||w||_1`` (lasso); exact zeros need the proximal step ``ProximalL1``."""

    def term(self, p: Tensor, name: str = "") -> Tensor:
        return p.abs().sum()


def weight_sparsity(model: nn.Module, threshold: float = 1e-8, include_bias: bool = False,
                    include_norm: bool = False) -> float:
    """Fraction of the penalized weights (``select.penalized``) with ``|w| <= threshold``."""
    check("weight_sparsity", "threshold", threshold, NONNEGATIVE)
    params = [p.detach() for _, p, _ in penalized(model, 1.0, None, include_bias, include_norm,
                                                  owner="weight_sparsity")]
    total = sum(p.numel() for p in params)
    if total == 0:
        return float("nan")
    return sum(int((p.abs() <= threshold).sum()) for p in params) / total
