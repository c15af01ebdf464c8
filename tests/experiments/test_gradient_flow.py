"""Products of random matrices grow at the closed-form Lyapunov rate."""

import math

import pytest
import torch
from scipy.special import digamma

from trainlab.constraints import InvalidArgument
from trainlab.experiments.gradient_flow import growth_study, lyapunov_exponent, matrix_product


def test_lecture_example_explodes_to_about_1e28_to_1e31():
    """100 5x5 N(0, 1) factors: log10 of the largest entry is 30.6 +- 2 over seeds (lecture: ~1e28)."""
    exponents = [math.log10(matrix_product(100, 5, seed=s).max_abs) for s in range(10)]
    assert all(20 < e < 40 for e in exponents)


def test_tracked_growth_is_the_log_norm_of_the_explicit_product():
    r = matrix_product(30, 4, seed=1)
    assert r.growth_per_factor == pytest.approx(math.log(r.product[:, 0].norm().item()) / 30, rel=1e-10)
    assert torch.equal(matrix_product(30, 4, seed=1).product, r.product)


@pytest.mark.parametrize("size", [2, 5, 10])
@pytest.mark.parametrize("factor", ["normal", "lecun_normal"])
def test_mean_growth_matches_the_closed_form(size, factor):
    """E[log ||P v||] / n equals 0.5 (log 2 + digamma(size/2)) [- 0.5 log size] exactly: within 4 standard errors."""
    study = growth_study(n=20, size=size, seeds=3000, factor=factor, seed=size)
    assert abs(study.mean - study.theory) < 4 * study.standard_error
    expected = 0.5 * (math.log(2) + digamma(size / 2)) - (0.5 * math.log(size) if factor == "lecun_normal" else 0)
    assert study.theory == pytest.approx(expected, rel=1e-12)


def test_orthogonal_factors_keep_the_norm():
    study = growth_study(n=50, size=5, seeds=20, factor="orthogonal")
    assert max(abs(g) for g in study.growth) < 1e-12 and lyapunov_exponent(5, "orthogonal") == 0.0
    assert abs(math.log(matrix_product(50, 5, 0, "orthogonal").product.norm().item() ** 2 / 5)) < 1e-10


def test_bad_input():
    with pytest.raises(InvalidArgument, match="'size' parameter of matrix_product"):
        matrix_product(size=0)
    with pytest.raises(InvalidArgument, match="'factor' parameter of matrix_product"):
        matrix_product(factor="xavier")
