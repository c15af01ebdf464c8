"""trace() (Hutchinson) and density() (stochastic Lanczos quadrature) against the dense spectrum."""

from __future__ import annotations

import math

import torch

from trainlab.diagnose import hessian
from trainlab.diagnose.lanczos import random_unit, tridiagonal
from tests.diagnose.models import problem


def test_trace_is_unbiased_within_its_standard_error_over_seeds():
    _, loss_fn, params, dense, _ = problem("tanh")
    true = float(torch.trace(dense))
    z = []
    for seed in range(12):
        t = hessian.trace(loss_fn, params, samples=20, generator=torch.Generator().manual_seed(seed))
        assert t.hvp_count == 20
        z.append((t.estimate - true) / t.standard_error)
    z = torch.tensor(z)
    assert (z.abs() < 4).all()
    assert abs(float(z.mean())) < 4 / math.sqrt(len(z))  # the mean of 12 (about) standard normals


def test_trace_standard_error_shrinks_like_one_over_sqrt_samples():
    _, loss_fn, params, dense, _ = problem("relu")
    # the variance of one Rademacher form: 2 (||H||_F^2 - sum_i H_ii^2)
    sd = math.sqrt(2 * (float((dense**2).sum()) - float((torch.diagonal(dense) ** 2).sum())))
    for samples in (16, 64):
        se = [hessian.trace(loss_fn, params, samples=samples, generator=torch.Generator().manual_seed(s)).standard_error
              for s in range(8)]
        ratio = sum(se) / len(se) / (sd / math.sqrt(samples))
        assert 0.8 < ratio < 1.2, (samples, ratio)


def test_quadrature_is_exact_for_polynomials_of_degree_below_twice_the_steps():
    _, loss_fn, params, dense, _ = problem("tanh")
    from trainlab.diagnose.hvp import FlatOperator

    op = FlatOperator(loss_fn, params)
    v = random_unit(op.n, torch.float64, torch.device("cpu"), torch.Generator().manual_seed(0))
    theta, tau = tridiagonal(op, v, 6)
    assert op.count == 6
    for p in range(12):
        exact = float(v @ torch.linalg.matrix_power(dense, p) @ v)
        assert math.isclose(float((tau * theta**p).sum()), exact, rel_tol=1e-9, abs_tol=1e-12), p


def _wasserstein(d, eigs):
    grid = torch.linspace(float(eigs.min()) - 1, float(eigs.max()) + 1, 4001, dtype=torch.float64)
    empirical = (eigs.reshape(1, -1) <= grid.reshape(-1, 1)).double().mean(1)
    return float(torch.trapezoid((d.cdf(grid) - empirical).abs(), grid))


def test_density_matches_the_dense_spectrum():
    for kind in ("tanh", "relu"):
        _, loss_fn, params, dense, _ = problem(kind)
        eigs = torch.linalg.eigvalsh(dense)
        d = hessian.density(loss_fn, params, runs=8, steps=40, generator=torch.Generator().manual_seed(0))
        assert d.hvp_count == 8 * 40
        assert math.isclose(float(torch.trapezoid(d.density, d.grid)), 1.0, rel_tol=1e-3)
        spread = float(eigs.max() - eigs.min())
        assert _wasserstein(d, eigs) < 0.02 * spread, kind
        # a histogram of Gaussian draws (noise) is far off: the test can fail
        noise = torch.randn(len(eigs), generator=torch.Generator().manual_seed(1), dtype=torch.float64)
        assert _wasserstein(d, noise * eigs.std() + eigs.mean()) > 0.02 * spread
