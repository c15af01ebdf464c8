"""Activation functions with their derivatives and recommended init gains (one registry).

Each entry holds the torch module, the function, its derivative written out by hand
(tested against autograd), and the gain that keeps a layer's output variance when
the weights have ``Var = gain^2 / fan_in``:

===========  ==============================  =========================================
name         f(x)                            f'(x)
===========  ==============================  =========================================
identity     x                               1
sigmoid      1 / (1 + e^-x)                  s (1 - s)
tanh         tanh x                          1 - tanh^2 x
relu         max(0, x)                       1{x > 0}
leaky_relu   x if x > 0 else 0.01 x          1 if x > 0 else 0.01
elu          x if x > 0 else e^x - 1         1 if x > 0 else e^x
selu         lambda * elu_alpha(x)           lambda (1 if x > 0 else alpha e^x)
gelu         x Phi(x)                        Phi(x) + x phi(x)
silu         x s(x)                          s(x) (1 + x (1 - s(x)))
softplus     log(1 + e^x)                    s(x)
===========  ==============================  =========================================

(``s`` the sigmoid, ``Phi``/``phi`` the standard normal CDF/density; SELU's
``lambda = 1.0507...``, ``alpha = 1.6733...`` from Klambauer et al. 2017.)

Gains: torch.nn.init.calculate_gain's value where torch lists the function
(``gain_rule = "torch"``); otherwise the second-moment rule
``gain = 1 / sqrt(E[f(z)^2])``, ``z ~ N(0, 1)`` (the rule that gives ReLU its
``sqrt(2)``: He et al. 2015), by Gauss-Hermite quadrature (``gain_rule = "second moment"``).

Source: SUTD 50.039 "Theory and Practice of Deep Learning" (W2-S2) lists these functions.

Example:
    >>> import torch
    >>> from trainlab.nn.activations import get
    >>> relu = get("relu")
    >>> relu.derivative(torch.tensor([-1.0, 2.0])), round(relu.gain ** 2, 6)
    (tensor([0., 1.]), 2.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trainlab.constraints import unknown_name
from trainlab.init.gain import calculate_gain

__all__ = ["Activation", "ACTIVATION_REGISTRY", "names", "get", "second_moment_gain"]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def second_moment_gain(function: Callable[[Tensor], Tensor], points: int = 80) -> float:
    """``1 / sqrt(E[f(z)^2])`` for ``z ~ N(0, 1)`` (Gauss-Hermite quadrature in float64)."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(points)
    values = function(torch.from_numpy(nodes)).numpy()
    second_moment = float(np.sum(weights * values**2) / math.sqrt(2 * math.pi))
    return 1.0 / math.sqrt(second_moment)


@dataclass(frozen=True)
class Activation:
    """One activation: ``module()`` builds the layer, ``function``/``derivative`` act on tensors."""

    name: str
    module: type[nn.Module]
    function: Callable[[Tensor], Tensor]
    derivative: Callable[[Tensor], Tensor]
    summary: str

    @property
    def gain_rule(self) -> str:
        """``"torch"`` (calculate_gain's table) or ``"second moment"``."""
        return "torch" if self.name in ("identity", "sigmoid", "tanh", "relu", "leaky_relu", "selu") else "second moment"

    @cached_property
    def gain(self) -> float:
        """The recommended init gain (see the module docstring)."""
        if self.gain_rule == "torch":
            return calculate_gain("linear" if self.name == "identity" else self.name)
        return second_moment_gain(self.function)


def _normal_cdf(x: Tensor) -> Tensor:
    return 0.5 * (1 + torch.erf(x / math.sqrt(2)))


def _normal_pdf(x: Tensor) -> Tensor:
    return torch.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def _step(x: Tensor, right: Tensor | float, left: Tensor | float) -> Tensor:
    return torch.where(x > 0, torch.as_tensor(right, dtype=x.dtype), torch.as_tensor(left, dtype=x.dtype))


def _silu_derivative(x: Tensor) -> Tensor:
    s = torch.sigmoid(x)
    return s * (1 + x * (1 - s))


ACTIVATION_REGISTRY: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("relu", nn.ReLU, F.relu, lambda x: _step(x, 1.0, 0.0), "rectified linear unit"),
        Activation("tanh", nn.Tanh, torch.tanh, lambda x: 1 - torch.tanh(x) ** 2, "hyperbolic tangent"),
        Activation("sigmoid", nn.Sigmoid, torch.sigmoid,
                   lambda x: torch.sigmoid(x) * (1 - torch.sigmoid(x)), "logistic function"),
        Activation("leaky_relu", nn.LeakyReLU, F.leaky_relu, lambda x: _step(x, 1.0, 0.01),
                   "ReLU with slope 0.01 for x < 0 (Maas et al. 2013)"),
        Activation("elu", nn.ELU, F.elu, lambda x: _step(x, 1.0, torch.exp(x)),
                   "exponential linear unit (Clevert et al. 2016)"),
        Activation("selu", nn.SELU, F.selu, lambda x: SELU_SCALE * _step(x, 1.0, SELU_ALPHA * torch.exp(x)),
                   "scaled ELU (Klambauer et al. 2017)"),
        Activation("gelu", nn.GELU, F.gelu, lambda x: _normal_cdf(x) + x * _normal_pdf(x),
                   "Gaussian error linear unit (Hendrycks & Gimpel 2016)"),
        Activation("silu", nn.SiLU, F.silu, _silu_derivative, "x * sigmoid(x), a.k.a. swish"),
        Activation("softplus", nn.Softplus, F.softplus, torch.sigmoid, "log(1 + e^x), a smooth ReLU"),
        Activation("identity", nn.Identity, lambda x: x, torch.ones_like, "no nonlinearity"),
    )
}


def names() -> list[str]:
    """Every activation name."""
    return list(ACTIVATION_REGISTRY)


def get(name: str) -> Activation:
    """The activation called ``name`` (the "Unknown ... Did you mean" error otherwise)."""
    if name not in ACTIVATION_REGISTRY:
        raise unknown_name("activation", name, names())
    return ACTIVATION_REGISTRY[name]
