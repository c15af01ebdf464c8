"""Recommended init gain per nonlinearity (torch.nn.init.calculate_gain's table).

The gain multiplies the standard deviation so that a layer followed by the
activation keeps the variance of its input: 1 for linear and sigmoid, 5/3 for
tanh, sqrt(2) for ReLU (He et al. 2015), ``sqrt(2 / (1 + slope^2))`` for leaky
ReLU, 3/4 for SELU (torch's empirical value; use ``"linear"`` with LeCun for
self-normalizing nets).

Example:
    >>> from trainlab.init import calculate_gain
    >>> round(calculate_gain("relu") ** 2, 12), calculate_gain("tanh")
    (2.0, 1.6666666666666667)
"""

from __future__ import annotations

import math

from trainlab.constraints import Interval, check, unknown_name

__all__ = ["calculate_gain", "GAINS"]

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")
GAINS: tuple[str, ...] = (*_LINEAR, "sigmoid", "tanh", "relu", "leaky_relu", "selu")
_SLOPE = Interval(None, None, closed="neither")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The gain for ``nonlinearity``; ``param`` is leaky ReLU's negative slope (default 0.01)."""
    if nonlinearity in _LINEAR or nonlinearity == "sigmoid":
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        check("calculate_gain", "param", slope, _SLOPE)
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise unknown_name("nonlinearity", nonlinearity, GAINS)
