"""Mutual-information estimators: known answers, scikit-learn parity, Gaussian closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from trainlab.constraints import InvalidArgument
from trainlab.diagnose.information import binned_information, discrete_entropy, kde_entropy, kde_information


def _inputs() -> torch.Tensor:
    bits = torch.arange(4096).unsqueeze(1).bitwise_right_shift(torch.arange(12)).bitwise_and(1)
    return bits.double()


def test_an_invertible_layer_carries_all_twelve_bits_and_a_constant_one_none():
    x = _inputs()
    y = (x.sum(1) > 6).long()
    invertible = torch.tanh(x @ torch.linspace(0.1, 1.0, 12, dtype=torch.float64).reshape(12, 1) - 1)
    codes = x @ (2.0 ** torch.arange(12, dtype=torch.float64)).unsqueeze(1) / 4096  # 4096 values, one per bin
    i_xt, i_ty = binned_information(codes, y, bins=4096, value_range=(0, 1))
    assert i_xt == pytest.approx(12.0, abs=1e-12)
    h_y = discrete_entropy(y)
    assert i_ty == pytest.approx(h_y, abs=1e-12)  # T determines X, so it determines Y
    assert binned_information(torch.full((4096, 3), 0.3), y) == pytest.approx((0.0, 0.0), abs=1e-12)
    coarse = binned_information(invertible, y, bins=30)
    assert 0 < coarse[0] < 12 and 0 <= coarse[1] <= h_y + 1e-12


def test_binned_information_with_labels_matches_scikit_learn():
    metrics = pytest.importorskip("sklearn.metrics")
    g = torch.Generator().manual_seed(0)
    t = torch.rand(500, 2, generator=g, dtype=torch.float64) * 2 - 1
    y = (t[:, 0] + 0.5 * torch.randn(500, generator=g, dtype=torch.float64) > 0).long()
    _, i_ty = binned_information(t, y, bins=5)
    cells = ((t + 1) / 2 * 5).floor().clamp(0, 4).long()
    labels = (cells[:, 0] * 5 + cells[:, 1]).numpy()
    expected = metrics.mutual_info_score(labels, y.numpy()) / math.log(2)
    assert i_ty == pytest.approx(expected, rel=1e-10)
    assert i_ty <= discrete_entropy(y) + 1e-12


def test_kde_bounds_match_their_gaussian_closed_forms_and_bracket_the_true_information():
    """For h ~ N(0, s2 I_d) and T = h + N(0, v I_d), I(X;T) = d/2 log(1 + s2/v); the upper (KL) and
    lower (Bhattacharyya) estimates converge to d/2 log(1 + s2/v) + d s2 / (2 (s2 + v)) and
    d/2 log(1 + s2/(4v)) + d s2 / (2 (s2 + 4v)) nats (Gaussian integrals of the pairwise kernels)."""
    g = torch.Generator().manual_seed(0)
    for d, s2, v in ((1, 1.0, 0.5), (2, 2.0, 0.5)):
        h = torch.randn(2000, d, generator=g, dtype=torch.float64) * math.sqrt(s2)
        y = torch.zeros(2000, dtype=torch.long)
        upper, _ = kde_information(h, y, v, "upper")
        lower, _ = kde_information(h, y, v, "lower")
        true = d / 2 * math.log2(1 + s2 / v)
        expected_upper = (d / 2 * math.log(1 + s2 / v) + d * s2 / (2 * (s2 + v))) / math.log(2)
        expected_lower = (d / 2 * math.log(1 + s2 / (4 * v)) + d * s2 / (2 * (s2 + 4 * v))) / math.log(2)
        assert upper == pytest.approx(expected_upper, abs=0.06)
        assert lower == pytest.approx(expected_lower, abs=0.06)
        assert lower < true < upper


def test_kde_information_limits():
    x = _inputs()[:256]
    y = (x.sum(1) > 3).long()
    far = kde_information(x * 100, y, noise_variance=0.01)  # separated inputs: all log2(256) = 8 bits
    assert far[0] == pytest.approx(8.0, abs=1e-9)
    assert far[1] == pytest.approx(discrete_entropy(y), abs=1e-9)
    assert kde_information(torch.zeros(256, 3), y, 0.1) == pytest.approx((0.0, 0.0), abs=1e-12)
    assert kde_entropy(torch.zeros(5, 2), 0.5) == pytest.approx(math.log(2 * math.pi * math.e * 0.5))


def test_bad_inputs_name_the_argument():
    with pytest.raises(InvalidArgument, match="'labels' parameter of binned_information"):
        binned_information(torch.zeros(4, 2), torch.zeros(3))
    with pytest.raises(InvalidArgument, match="'activations' parameter of kde_information"):
        kde_information(torch.zeros(4), torch.zeros(4))
    with pytest.raises(InvalidArgument, match="'noise_variance' parameter of kde_information"):
        kde_information(torch.zeros(4, 1), torch.zeros(4), noise_variance=0.0)
    with pytest.raises(InvalidArgument, match="'value_range' parameter of binned_information"):
        binned_information(torch.zeros(4, 1), torch.zeros(4), value_range=(1, 0))
    assert np.isfinite(discrete_entropy(torch.zeros(1, 1)))
