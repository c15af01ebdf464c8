"""The Brown/NVIDIA notes' regression targets: formulas, domains, noise and seeds."""

from __future__ import annotations

import math

import numpy as np
import pytest

from trainlab.constraints import InvalidArgument
from trainlab.data import TARGETS, make_target

# The formulas as the Brown/NVIDIA notes print them, written out again independently.
FORMULAS = {
    "noisy_x2": lambda x: x**2,
    "noisy_sine": lambda x: np.sin(2 * np.pi * x),
    "piecewise": lambda x: np.array([5 + sum(math.sin(k * v) for k in range(1, 5)) if v < 0 else math.cos(10 * v)
                                     for v in x]),
    "heaviside": lambda x: np.array([0.0 if v < 0 else 1.0 for v in x]),
    "abs": lambda x: np.array([abs(v) for v in x]),
    "x_sin_5x": lambda x: np.array([v * math.sin(5 * v) for v in x]),
    "step_sine": lambda x: np.array([(1.0 if v > 0 else 0.0) + 0.2 * math.sin(5 * v) for v in x]),
    "x_sin_20x": lambda x: np.array([v * math.sin(20 * v) / 10 + (1.0 if v > 0 else 0.0) if v != 0 else 0.5
                                     for v in x]),
}


def test_every_target_has_a_formula_test():
    assert set(FORMULAS) == set(TARGETS)


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_clean_target_matches_the_seed_formula(name):
    X, y = make_target(name, n=101, noise_scale=0.0)
    assert X.shape == (101, 1) and y.shape == (101, 1)
    np.testing.assert_allclose(y.ravel(), FORMULAS[name](X.ravel()), rtol=1e-12, atol=1e-12)


def test_default_grid_is_the_seeds_linspace():
    X, _ = make_target("noisy_x2")
    np.testing.assert_array_equal(X.ravel(), np.linspace(-1, 1, 100))
    Xp, _ = make_target("piecewise", n=5)
    assert Xp.min() == pytest.approx(-math.pi) and Xp.max() == pytest.approx(math.pi)


def test_x_sin_20x_takes_the_midpoint_at_zero():
    X, y = make_target("x_sin_20x", n=3)
    assert X[1, 0] == 0.0 and y[1, 0] == 0.5


def test_noisy_x2_adds_uniform_noise_in_0_to_0_1():
    X, y = make_target("noisy_x2", n=4000, seed=3)
    noise = y.ravel() - X.ravel() ** 2
    assert noise.min() >= 0 and noise.max() <= 0.1
    assert noise.mean() == pytest.approx(0.05, abs=0.003)


def test_noisy_sine_adds_gaussian_noise_of_std_0_1():
    X, y = make_target("noisy_sine", n=4000, seed=3)
    noise = y.ravel() - np.sin(2 * np.pi * X.ravel())
    assert noise.std() == pytest.approx(0.1, rel=0.05)
    assert noise.min() < 0 < noise.max()


def test_same_seed_same_data_other_seed_other_noise():
    a, b, c = (make_target("noisy_sine", n=50, seed=s)[1] for s in (1, 1, 2))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_random_x_is_sorted_inside_the_domain():
    X, _ = make_target("abs", n=30, seed=0, random_x=True, domain=(-2.0, 3.0))
    assert np.all(np.diff(X.ravel()) >= 0) and X.min() >= -2 and X.max() <= 3
    assert not np.allclose(np.diff(X.ravel()), np.diff(X.ravel())[0])  # not a grid


@pytest.mark.parametrize(("kwargs", "needle"), [
    ({"name": "sine"}, "'name' parameter of make_target must be one of"),
    ({"name": "abs", "n": 0}, "'n' parameter of make_target"),
    ({"name": "abs", "noise_scale": -1.0}, "'noise_scale' parameter"),
    ({"name": "abs", "domain": (1.0, 1.0)}, "low < high"),
])
def test_bad_arguments_get_one_clear_error(kwargs, needle):
    with pytest.raises(InvalidArgument, match=needle):
        make_target(**kwargs)
