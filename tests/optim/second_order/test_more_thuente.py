"""Moré–Thuente line search: the same trials as scipy's MINPACK search, the Wolfe conditions, failures."""

import math

import numpy as np
import pytest
from scipy.optimize._linesearch import scalar_search_wolfe1

from trainlab.optim.second_order.more_thuente import more_thuente, safeguarded_step

# one-dimensional test functions phi(t) with phi'(0) < 0 for the drawn parameters
SHAPES = {
    "quadratic": lambda a, b, c: lambda t: (a * (t - b) ** 2 - c * t, 2 * a * (t - b) - c),
    "wavy": lambda a, b, c: lambda t: (math.cos(a * t) + b * t * t - c * t, -a * math.sin(a * t) + 2 * b * t - c),
    "quartic": lambda a, b, c: lambda t: (a * (t - b) ** 4 + (1 - c) * t, 4 * a * (t - b) ** 3 + 1 - c),
    "rational": lambda a, b, c: lambda t: (-t / (t * t + b), (t * t - b) / (t * t + b) ** 2),
}
CONSTANTS = [(1e-4, 0.9), (1e-4, 0.1), (0.01, 0.5), (0.3, 0.4)]


def draws(shape, count=150, seed=0):
    """Random members of one family with a descent slope at 0 and a first trial in (1e-3, 1]."""
    rng = np.random.default_rng(seed + len(shape))
    out = []
    while len(out) < count:
        a, b, c = rng.uniform(0.1, 10), rng.uniform(0.01, 3), rng.uniform(-1, 1)
        fn = SHAPES[shape](a, b, c)
        if fn(0.0)[1] < 0:
            out.append((fn, min(1.0, 10 ** rng.uniform(-3, 2)), CONSTANTS[len(out) % len(CONSTANTS)]))
    return out


@pytest.mark.parametrize("shape", list(SHAPES))
def test_makes_the_same_trials_as_scipys_minpack_search(shape):
    for fn, first, (c1, c2) in draws(shape):
        f0, g0 = fn(0.0)
        theirs = []

        def phi(t):
            theirs.append(t)
            return fn(t)[0]

        # scipy starts at min(1, 2.02 (phi0 - old_phi0) / phi'(0)): choose old_phi0 to start at `first`
        old = f0 - first * g0 / 2.02
        step, value, _ = scalar_search_wolfe1(phi, lambda t: fn(t)[1], f0, old, g0, c1=c1, c2=c2,
                                              amax=50, amin=1e-8, xtol=1e-14)
        start = min(1.0, 1.01 * 2 * (f0 - old) / g0)
        ours = []
        res = more_thuente(lambda t: (ours.append(t), fn(t))[1], f0, g0, start, c1=c1, c2=c2,
                           step_min=1e-8, step_max=50)
        assert ours == theirs  # bit for bit, trial by trial
        assert res.evals == len(ours)
        if step is None:  # scipy gives up (a warning): so do we
            assert not res.success
        else:
            assert res.success and (res.step, res.value) == (step, value)


@pytest.mark.parametrize("c1,c2", CONSTANTS)
def test_accepted_steps_satisfy_the_strong_wolfe_conditions(c1, c2):
    accepted = 0
    for fn, first, _ in draws("wavy", count=60, seed=round(c2 * 10)):
        f0, g0 = fn(0.0)
        res = more_thuente(fn, f0, g0, first, c1=c1, c2=c2)
        if res.success:
            accepted += 1
            assert res.value <= f0 + c1 * res.step * g0
            assert abs(res.slope) <= c2 * abs(g0)
            assert (res.value, res.slope) == fn(res.step)
    assert accepted >= 55


def test_extrapolates_from_a_step_far_too_short():
    fn = SHAPES["quadratic"](1.0, 100.0, 0.0)  # minimum at t = 100
    res = more_thuente(fn, *fn(0.0), 1e-3, c2=0.1)
    assert res.success and abs(res.step - 100.0) < 10.0


def test_backs_off_from_non_finite_values():
    phi = lambda t: (math.inf, math.nan) if t > 1.0 else ((t - 0.5) ** 2, 2 * (t - 0.5))  # noqa: E731
    res = more_thuente(phi, 0.25, -1.0, 4.0, c2=0.1, max_evals=30)
    assert res.success and math.isfinite(res.value) and abs(res.step - 0.5) < 0.05


def test_respects_the_budget_and_reports_a_wrong_slope():
    calls = []
    phi = lambda t: (calls.append(t), (t, 1.0))[1]  # noqa: E731  # increasing, but the caller claims slope -1
    res = more_thuente(phi, 0.0, -1.0, 1.0, max_evals=7)
    assert len(calls) == res.evals <= 7
    assert not res.success and res.step == 0.0 and res.value == 0.0  # no trial decreased phi: stay put
    assert res.message


def test_safeguarded_step_brackets_when_the_value_rises():
    # phi(t) = (t - 1)^2 from stx = 0 (f 1, slope -2) to stp = 3 (f 4, slope 4): case 1, minimizer bracketed
    *_, new, bracketed = safeguarded_step(0.0, 1.0, -2.0, 0.0, 1.0, -2.0, 3.0, 4.0, 4.0, False, 0.0, 12.0)
    assert bracketed and new == pytest.approx(1.0)  # the cubic through two points of a quadratic is exact
