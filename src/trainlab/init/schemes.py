"""Weight initializers: Glorot/Xavier, He/Kaiming, LeCun, orthogonal, N(0, 1), constant.

Each fills ``tensor`` in place and returns it, takes torch.nn.init's argument names,
and draws from ``generator`` (the global generator when ``None``); where torch.nn.init
has the scheme, the same generator state gives a bit-identical tensor.

The variance rules (Brown/NVIDIA "Training and Optimization" lecture notes; the papers):

- Glorot & Bengio 2010, keep activation and gradient variance equal across a layer:
  ``std = gain * sqrt(2 / (fan_in + fan_out))``; uniform bound ``sqrt(3) * std``.
- He et al. 2015, the same for ReLU (half the units are off):
  ``std = gain / sqrt(fan)``, ``gain = sqrt(2 / (1 + a^2))``, ``fan`` = fan_in or fan_out.
- LeCun et al. 1998 ("Efficient BackProp"), for SELU-style self-normalizing nets:
  ``std = gain / sqrt(fan_in)`` (Var(w) = 1 / fan_in with gain 1).
- Saxe et al. 2014: a (semi-)orthogonal matrix from the QR decomposition of a Gaussian one.
- ``normal_`` with mean 0, std 1 is the N(0, 1) baseline whose products explode.

For a weight of shape ``(out, in, *kernel)``: ``fan_in = in * prod(kernel)`` and
``fan_out = out * prod(kernel)``.

Example:
    >>> import torch
    >>> from trainlab import init
    >>> w = init.kaiming_normal_(torch.empty(256, 512), nonlinearity="relu", generator=torch.Generator().manual_seed(0))
    >>> round(w.var().item() * 512, 1)  # 2 / fan_in
    2.0
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from trainlab.constraints import NONNEGATIVE, Interval, Options, check, fail
from trainlab.init.gain import calculate_gain

__all__ = [
    "fans", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
    "lecun_uniform_", "lecun_normal_", "orthogonal_", "normal_", "uniform_", "constant_", "zeros_",
]

_MODE = Options(("fan_in", "fan_out"))
_FINITE = Interval(None, None, closed="neither")
Generator = torch.Generator | None


def fans(tensor: Tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of shape ``(out, in, *kernel)``."""
    if tensor.dim() < 2:
        fail("fans", "tensor", "a tensor with at least 2 dimensions (out, in, *kernel)", tuple(tensor.shape))
    receptive = math.prod(tensor.shape[2:])
    return tensor.size(1) * receptive, tensor.size(0) * receptive


def _fan(owner: str, tensor: Tensor, mode: str) -> int:
    check(owner, "mode", mode, _MODE)
    fan_in, fan_out = fans(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Generator = None) -> Tensor:
    """``U(a, b)``."""
    with torch.no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Generator = None) -> Tensor:
    """``N(mean, std^2)``; the defaults are the N(0, 1) baseline."""
    check("normal_", "std", std, NONNEGATIVE)
    with torch.no_grad():
        return tensor.normal_(mean, std, generator=generator)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Every entry ``val`` (every hidden unit identical: the symmetry problem)."""
    check("constant_", "val", val, _FINITE)
    with torch.no_grad():
        return tensor.fill_(val)


def zeros_(tensor: Tensor) -> Tensor:
    """Every entry 0."""
    with torch.no_grad():
        return tensor.zero_()


def _fill(tensor: Tensor, std: float, distribution: str, generator: Generator) -> Tensor:
    """Zero-mean draws of standard deviation ``std``: ``N(0, std^2)`` or ``U(+-sqrt(3) std)``."""
    if distribution == "uniform":
        bound = math.sqrt(3.0) * std
        return uniform_(tensor, -bound, bound, generator)
    with torch.no_grad():
        return tensor.normal_(0.0, std, generator=generator)


def _glorot_std(owner: str, tensor: Tensor, gain: float) -> float:
    check(owner, "gain", gain, NONNEGATIVE)
    fan_in, fan_out = fans(tensor)
    return gain * math.sqrt(2.0 / float(fan_in + fan_out))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Generator = None) -> Tensor:
    """Glorot & Bengio 2010: ``U(-a, a)``, ``a = gain * sqrt(6 / (fan_in + fan_out))``."""
    return _fill(tensor, _glorot_std("xavier_uniform_", tensor, gain), "uniform", generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Generator = None) -> Tensor:
    """Glorot & Bengio 2010: ``N(0, gain^2 * 2 / (fan_in + fan_out))``."""
    return _fill(tensor, _glorot_std("xavier_normal_", tensor, gain), "normal", generator)


def _he_std(owner: str, tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    return calculate_gain(nonlinearity, a) / math.sqrt(_fan(owner, tensor, mode))


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator = None,
) -> Tensor:
    """He et al. 2015: ``U(-b, b)``, ``b = gain * sqrt(3 / fan)`` (``a``: the leaky slope)."""
    return _fill(tensor, _he_std("kaiming_uniform_", tensor, a, mode, nonlinearity), "uniform", generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator = None,
) -> Tensor:
    """He et al. 2015: ``N(0, gain^2 / fan)``; ReLU's gain ``sqrt(2)`` gives ``Var(w) = 2 / fan_in``."""
    return _fill(tensor, _he_std("kaiming_normal_", tensor, a, mode, nonlinearity), "normal", generator)


def _lecun_std(owner: str, tensor: Tensor, gain: float) -> float:
    check(owner, "gain", gain, NONNEGATIVE)
    return gain / math.sqrt(_fan(owner, tensor, "fan_in"))


def lecun_uniform_(tensor: Tensor, gain: float = 1.0, generator: Generator = None) -> Tensor:
    """LeCun et al. 1998: ``U(-b, b)``, ``b = gain * sqrt(3 / fan_in)`` (``Var(w) = gain^2 / fan_in``)."""
    return _fill(tensor, _lecun_std("lecun_uniform_", tensor, gain), "uniform", generator)


def lecun_normal_(tensor: Tensor, gain: float = 1.0, generator: Generator = None) -> Tensor:
    """LeCun et al. 1998: ``N(0, gain^2 / fan_in)``; with SELU it keeps activations at mean 0, variance 1."""
    return _fill(tensor, _lecun_std("lecun_normal_", tensor, gain), "normal", generator)


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Generator = None) -> Tensor:
    """Saxe et al. 2014: ``gain * Q`` from ``A = QR`` of a Gaussian ``A`` (signs fixed by ``diag(R)``).

    The weight is viewed as ``(out, in * prod(kernel))``; a wide matrix gets
    orthonormal rows, a tall one orthonormal columns. Fixing the signs so that
    ``diag(R) > 0`` makes ``Q`` Haar-distributed (Mezzadri 2007).
    """
    check("orthogonal_", "gain", gain, NONNEGATIVE)
    if tensor.dim() < 2:
        fail("orthogonal_", "tensor", "a tensor with at least 2 dimensions", tuple(tensor.shape))
    if tensor.numel() == 0:
        return tensor
    rows = tensor.size(0)
    cols = tensor.numel() // rows
    gaussian = tensor.new_empty((rows, cols)).normal_(0, 1, generator=generator)
    if rows < cols:
        gaussian.t_()
    q, r = torch.linalg.qr(gaussian)
    q *= torch.diag(r, 0).sign()
    if rows < cols:
        q.t_()
    with torch.no_grad():
        tensor.view_as(q).copy_(q)
        return tensor.mul_(gain)
