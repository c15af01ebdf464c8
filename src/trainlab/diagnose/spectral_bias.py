"""The error of a fit per Fourier frequency: which frequencies a network has learned.

Spectral bias (Rahaman et al. 2019, "On the Spectral Bias of Neural Networks",
ICML; the Brown/NVIDIA "Training and Optimization" notes list it among the
practical difficulties: it "can make multi-scale problems extremely hard to
learn"): trained by gradient descent, a network fits the low frequencies of its
target first and the high ones much later.

On ``n`` points ``z_m = m / n`` of ``[0, 1)`` a component ``A sin(2 pi k z + phi)``
(integer ``k < n / 2``) is exactly one bin of the discrete Fourier transform,
``|DFT(f)_k| = A n / 2``. The error at frequency ``k`` of a prediction ``p`` of the
target ``f`` is the residual's amplitude there relative to the target's:

    e_k = |DFT(p - f)_k| / |DFT(f)_k|      (1 at the start when p ~ 0, 0 once learned).

Example:
    >>> import torch
    >>> z = grid(64)
    >>> f = multiscale_target(z, [1, 5], [1.0, 0.5])
    >>> [round(a, 6) for a in amplitudes(f, [1, 5])]
    [1.0, 0.5]
    >>> [round(e, 6) for e in spectral_error(0.5 * f, f, [1, 5])]
    [0.5, 0.5]
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor

from trainlab.constraints import Interval, Satisfies, check, fail

__all__ = ["amplitudes", "grid", "multiscale_target", "spectral_error"]

POINTS = Interval(2, None, closed="left", integer=True)


def grid(n: int, dtype: torch.dtype = torch.float64) -> Tensor:
    """``n`` evenly spaced points ``m / n`` of ``[0, 1)``."""
    check("spectral_bias.grid", "n", n, POINTS)
    return torch.arange(n, dtype=dtype) / n


def multiscale_target(z: Tensor, frequencies: Sequence[int], amplitude: Sequence[float],
                      phases: Sequence[float] | None = None) -> Tensor:
    """``sum_i A_i sin(2 pi k_i z + phi_i)`` (Rahaman et al. 2019's target)."""
    if len(amplitude) != len(frequencies) or (phases is not None and len(phases) != len(frequencies)):
        fail("multiscale_target", "amplitude", f"one value per frequency ({len(frequencies)})", len(amplitude))
    phases = phases if phases is not None else [0.0] * len(frequencies)
    return sum(a * torch.sin(2 * math.pi * k * z + p) for k, a, p in zip(frequencies, amplitude, phases, strict=True))


def _frequencies(signal: Tensor, frequencies: Sequence[int], owner: str) -> list[int]:
    if not isinstance(signal, Tensor) or signal.ndim != 1:
        fail(owner, "signal", "a 1-D tensor of samples on grid(n)", getattr(signal, "shape", signal))
    n = len(signal)
    valid = Satisfies(lambda ks: len(ks) > 0 and all(isinstance(k, int) and 0 < k < n / 2 for k in ks),
                      f"integers k with 0 < k < n/2 = {n / 2:g} (the samples' Nyquist limit)")
    check(owner, "frequencies", list(frequencies), valid)
    return list(frequencies)


def amplitudes(signal: Tensor, frequencies: Sequence[int]) -> list[float]:
    """The amplitude ``2 |DFT_k| / n`` of each sine frequency ``k`` in ``signal`` (sampled on ``grid(n)``)."""
    ks = _frequencies(signal, frequencies, "amplitudes")
    spectrum = torch.fft.rfft(signal.double())
    return [float(2 * spectrum[k].abs() / len(signal)) for k in ks]


def spectral_error(prediction: Tensor, target: Tensor, frequencies: Sequence[int]) -> list[float]:
    """``e_k = |DFT(prediction - target)_k| / |DFT(target)_k|`` for each ``k`` (see the module docstring)."""
    if not isinstance(prediction, Tensor) or prediction.shape != getattr(target, "shape", None):
        fail("spectral_error", "prediction", f"a tensor shaped like the target {tuple(target.shape)}",
             getattr(prediction, "shape", prediction))
    ks = _frequencies(target, frequencies, "spectral_error")
    residual = amplitudes(prediction.detach() - target, ks)
    reference = amplitudes(target, ks)
    if min(reference) <= 1e-9 * float(target.abs().max()):  # zero up to rounding: nothing to learn there
        fail("spectral_error", "frequencies", "frequencies present in the target", ks)
    return [r / t for r, t in zip(residual, reference, strict=True)]
