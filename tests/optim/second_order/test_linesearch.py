"""Line searches: the conditions they promise, torch's strong-Wolfe trials, and failure reports."""

import math

import numpy as np
import pytest
import torch
from torch.optim.lbfgs import _strong_wolfe

from trainlab import problems
from trainlab.optim.second_order.linesearch import backtracking, cubic_minimizer, strong_wolfe


def line(prob, x0, d):
    """phi(t) = f(x0 + t d) and phi'(t), from the problem's own value and gradient."""
    x0, d = torch.as_tensor(x0, dtype=torch.float64), torch.as_tensor(d, dtype=torch.float64)
    calls = []

    def phi(t):
        calls.append(t)
        x = x0 + t * d
        return float(prob.value(x)), float(prob.grad(x) @ d)

    return phi, calls


def steepest(prob, x0):
    g = prob.grad(torch.tensor(x0, dtype=torch.float64))
    return -g


LINES = [
    ("rosenbrock", (-1.2, 1.0), 1e-3),
    ("rosenbrock", (-1.2, 1.0), 1.0),  # far too long: must shrink
    ("beale", (1.0, 1.0), 1e-4),  # far too short: must extrapolate
    ("beale", (2.0, -2.0), 1.0),
    ("quartic", (5.0,), 1.0),
]


@pytest.mark.parametrize("c2", [0.9, 0.1])
@pytest.mark.parametrize("name,x0,t0", LINES)
def test_strong_wolfe_step_satisfies_both_conditions(name, x0, t0, c2):
    prob = problems.get(name)
    d = steepest(prob, x0)
    phi, _ = line(prob, x0, d)
    f0, g0 = phi(0.0)
    res = strong_wolfe(phi, f0, g0, t0, c1=1e-4, c2=c2, max_evals=50)
    f, g = phi(res.step)
    assert res.success
    assert (f, g) == (res.value, res.slope)
    assert f <= f0 + 1e-4 * res.step * g0
    assert abs(g) <= c2 * abs(g0)


@pytest.mark.parametrize("name,x0,t0", LINES)
def test_torch_compat_makes_the_same_trials_as_torch(name, x0, t0):
    prob = problems.get(name)
    x0_t = torch.tensor(x0, dtype=torch.float64)
    d = steepest(prob, x0)

    def obj(x, t, d):
        p = x[0] + t * d
        return float(prob.value(p)), prob.grad(p)

    f0, g0 = float(prob.value(x0_t)), prob.grad(x0_t)
    f_t, _, t_t, evals_t = _strong_wolfe(obj, [x0_t], t0, d, f0, g0, g0.dot(d), max_ls=25)
    phi, _ = line(prob, x0, d)
    res = strong_wolfe(phi, f0, float(g0 @ d), t0, max_evals=26, torch_compat=True, scale=float(d.abs().max()))
    assert (res.step, res.value, res.evals) == (float(t_t), f_t, evals_t)


def test_strong_wolfe_respects_the_evaluation_budget_and_reports_failure():
    prob = problems.get("rosenbrock")
    d = steepest(prob, (-1.2, 1.0))
    phi, calls = line(prob, (-1.2, 1.0), d)
    f0, g0 = phi(0.0)
    calls.clear()
    res = strong_wolfe(phi, f0, g0, 10.0, c2=1e-6, max_evals=3)
    assert len(calls) == res.evals <= 3
    assert not res.success
    assert res.value <= f0  # the lowest point seen (possibly t = 0)


def test_strong_wolfe_steps_back_from_non_finite_values():
    phi = lambda t: (math.inf, math.nan) if t > 1.0 else ((t - 0.5) ** 2, 2 * (t - 0.5))  # noqa: E731
    res = strong_wolfe(phi, 0.25, -1.0, 4.0, c2=0.1, max_evals=30)
    assert res.success and math.isfinite(res.value) and abs(res.step - 0.5) < 0.05


def test_backtracking_halves_until_armijo_holds():
    prob = problems.get("rosenbrock")
    d = steepest(prob, (-1.2, 1.0))
    phi, calls = line(prob, (-1.2, 1.0), d)
    f0, g0 = phi(0.0)
    calls.clear()
    res = backtracking(phi, f0, g0, 1.0, shrink=0.5, interpolate=False)
    k = len(calls) - 1
    assert res.success and res.step == 0.5**k
    assert res.value <= f0 + 1e-4 * res.step * g0
    assert phi(2 * res.step)[0] > f0 + 1e-4 * 2 * res.step * g0  # the step before was rejected


def test_backtracking_with_interpolation_satisfies_armijo_and_treats_nan_as_rejection():
    phi = lambda t: (math.nan, math.nan) if t > 0.3 else ((t - 0.2) ** 2, 2 * (t - 0.2))  # noqa: E731
    res = backtracking(phi, 0.04, -0.4, 1.0)
    assert res.success and res.value <= 0.04 - 1e-4 * res.step * 0.4


def test_backtracking_reports_an_ascent_direction():
    res = backtracking(lambda t: (1 + t, 1.0), 1.0, -1.0, 1.0, max_evals=10)
    assert not res.success and res.evals == 10


def test_cubic_minimizer_is_the_minimum_of_the_cubic():
    c = np.array([1.0, -2.0, -1.0, 3.0])  # p(x) = x^3 - 2x^2 - x + 3
    p, dp = np.poly1d(c), np.poly1d(c).deriv()
    x1, x2 = 0.0, 3.0
    expected = max(r.real for r in dp.roots if abs(r.imag) < 1e-12 and np.polyval(dp.deriv(), r.real) > 0)
    got = cubic_minimizer(x1, p(x1), dp(x1), x2, p(x2), dp(x2))
    assert got == pytest.approx(expected, rel=1e-12)
    assert cubic_minimizer(x1, p(x1), dp(x1), x2, p(x2), dp(x2), bounds=(0.0, 1.0)) == 1.0
    assert cubic_minimizer(1.0, 0.0, 1.0, 1.0, 0.0, 1.0) == 1.0  # coincident points: no division by zero
