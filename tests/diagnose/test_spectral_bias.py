"""The error per Fourier frequency: amplitudes of known signals, against a least-squares sine fit."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from trainlab.constraints import InvalidArgument
from trainlab.diagnose.spectral_bias import amplitudes, grid, multiscale_target, spectral_error


def _least_squares_amplitude(signal: np.ndarray, z: np.ndarray, k: int) -> float:
    basis = np.stack([np.sin(2 * np.pi * k * z), np.cos(2 * np.pi * k * z), np.ones_like(z)], axis=1)
    coef, *_ = np.linalg.lstsq(basis, signal, rcond=None)
    return float(np.hypot(coef[0], coef[1]))


def test_amplitudes_of_a_known_multiscale_signal():
    z = grid(200)
    ks, amps, phases = [2, 7, 31, 60], [1.0, 0.25, 0.5, 2.0], [0.3, 1.0, -2.0, 0.0]
    signal = multiscale_target(z, ks, amps, phases) + 0.7  # a constant offset lives in bin 0 only
    assert amplitudes(signal, ks) == pytest.approx(amps, abs=1e-12)
    assert amplitudes(signal, [3, 10]) == pytest.approx([0.0, 0.0], abs=1e-12)
    for k in ks:
        assert amplitudes(signal, [k])[0] == pytest.approx(_least_squares_amplitude(signal.numpy(), z.numpy(), k))


def test_spectral_error_is_the_residuals_share_per_frequency():
    z = grid(128)
    target = multiscale_target(z, [1, 5, 20], [1.0, 1.0, 1.0], [0.0, 0.5, 1.0])
    learned_low = multiscale_target(z, [1, 5], [1.0, 0.6], [0.0, 0.5])  # k=1 right, k=5 at 60%, k=20 missing
    assert spectral_error(learned_low, target, [1, 5, 20]) == pytest.approx([0.0, 0.4, 1.0], abs=1e-12)
    shifted = multiscale_target(z, [1], [1.0], [math.pi / 3])  # right amplitude, phase off by 60 degrees
    assert spectral_error(shifted, multiscale_target(z, [1], [1.0]), [1]) == pytest.approx([1.0], abs=1e-12)
    assert spectral_error(target, target, [1, 5, 20]) == pytest.approx([0.0] * 3, abs=1e-12)


def test_bad_frequencies_and_shapes_name_the_argument():
    z = grid(32)
    target = multiscale_target(z, [1], [1.0])
    with pytest.raises(InvalidArgument, match="'frequencies' parameter of spectral_error.*n/2 = 16.*Got \\[16\\]"):
        spectral_error(target, target, [16])
    with pytest.raises(InvalidArgument, match="'prediction' parameter of spectral_error"):
        spectral_error(target[:-1], target, [1])
    with pytest.raises(InvalidArgument, match="'frequencies' parameter of spectral_error.*present in the target"):
        spectral_error(target, target, [3])
    with pytest.raises(InvalidArgument, match="'amplitude' parameter of multiscale_target"):
        multiscale_target(z, [1, 2], [1.0])
    with pytest.raises(InvalidArgument, match="'n' parameter of spectral_bias.grid"):
        grid(1)
    assert torch.equal(grid(4), torch.tensor([0.0, 0.25, 0.5, 0.75], dtype=torch.float64))
