"""Each schedule against its formula, the lecture listings, and independent re-derivations."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

import trainlab.schedules as S
from trainlab.schedules import (
    Constant,
    Cosine,
    Cyclical,
    Exponential,
    Join,
    Linear,
    Multiplicative,
    OneCycle,
    Piecewise,
    Polynomial,
    Power,
    Warmup,
    registry,
)

T = range(0, 3001, 7)


# -- the formulas of the Brown/NVIDIA notes, exactly ---------------------------------------------
@pytest.mark.parametrize(
    "eta0, beta, alpha", [(0.8, 0.0008, 1.0), (0.8, 0.0008, 0.5), (0.1, 0.02, 0.5), (1.0, 3.0, 2.5)]
)
def test_power_is_its_formula(eta0: float, beta: float, alpha: float) -> None:
    s = Power(eta0, beta=beta, alpha=alpha)
    assert all(s(t) == eta0 * math.pow(1 + beta * t, -alpha) for t in T)


@pytest.mark.parametrize("eta0, lam", [(0.1, 0.1), (1.0, 1e-3), (0.5, 0.0)])
def test_exponential_is_its_formula(eta0: float, lam: float) -> None:
    s = Exponential(eta0, rate=lam)
    assert all(s(t) == eta0 * math.exp(-lam * t) for t in T)


@pytest.mark.parametrize("eta0, gamma, every", [(0.1, 0.99, 1), (0.1, 0.5, 30), (1e-3, 1.01, 1)])
def test_exponential_gamma_form_is_its_formula(eta0: float, gamma: float, every: int) -> None:
    s = Exponential(eta0, gamma=gamma, step_size=every)
    assert all(s(t) == eta0 * math.pow(gamma, t // every) for t in T)


@pytest.mark.parametrize(
    "base, T_, p, end", [(0.1, 1000, 0.5, 0.0), (1.0, 777, 2.0, 1e-3), (0.3, 5, 1.0, 0.1)]
)
def test_polynomial_is_its_formula_then_the_end_value(base: float, T_: int, p: float, end: float) -> None:
    s = Polynomial(base, steps=T_, power=p, end=end)
    for t in T:
        expected = (base - end) * math.pow(1 - t / T_, p) + end if t < T_ else end
        assert s(t) == expected


def test_exact_values_at_dyadic_points() -> None:
    """Values that are exact in binary, so any slip in the formula shows."""
    assert Power(0.8, beta=1.0, alpha=1.0)(3) == 0.2
    assert Power(1.0, beta=1.0, alpha=0.5)(3) == 0.5
    assert Polynomial(1.0, steps=4, power=2.0)(2) == 0.25
    assert Exponential(0.5, gamma=0.5, step_size=2)(7) == 0.0625
    assert Linear(1.0, 0.0, steps=4)(1) == 0.75


def test_lecture_listings() -> None:
    """The seed's own functions (copied from its slides) against the trainlab schedules."""

    def lr_poly(base_lr, iter, max_iter, power):
        return base_lr * ((1 - float(iter) / max_iter) ** (power))

    class lr_decay:  # the Brown/NVIDIA notes, "Power scheduling"
        def __init__(self, epochs, initial_lr):
            self.epochs, self.initial_lr = epochs, initial_lr

        def linear_decay(self, epoch):
            return float(self.initial_lr * (1 - (epoch / float(self.epochs))))

        def power_decay(self, epoch, lr, alpha):
            decay = self.initial_lr / float(self.epochs)
            return float(lr * 1 / (1 + decay * epoch) ** alpha)

        def power_deacay_hist(self, alpha=1):
            lr, out = self.initial_lr, []
            for ep in range(self.epochs + 1):
                lr = self.power_decay(ep, lr, alpha)
                out.append(lr)
            return out

    poly = Polynomial(0.01, steps=500, power=0.5)
    assert all(poly(t) == lr_poly(0.01, t, 500, 0.5) for t in range(500))
    seed = lr_decay(1000, 0.8)
    linear = Linear(0.8, 0.0, steps=1000)
    assert all(linear(t) == pytest.approx(seed.linear_decay(t), rel=1e-14, abs=1e-15) for t in range(1001))
    for alpha in (1.0, 0.5):
        listing = Multiplicative(0.8, Power(1.0, beta=0.8 / 1000, alpha=alpha))
        hist = seed.power_deacay_hist(alpha)
        assert all(listing(t) == pytest.approx(hist[t], rel=1e-12, abs=1e-300) for t in range(1001))
    exp_lr = Exponential(1.0, rate=0.1)  # the Brown/NVIDIA notes' exponential_lr: np.exp(-0.1 * it)
    assert all(exp_lr(it) == pytest.approx(float(np.exp(-0.1 * it)), rel=1e-15) for it in range(1, 200))


# -- the other schedules against independent derivations ------------------------------
def test_piecewise_boundaries_belong_to_the_next_piece() -> None:
    s = Piecewise((10, 20), (3.0, 2.0, 1.0))
    assert [s(t) for t in (0, 9, 10, 19, 20, 10_000)] == [3.0, 3.0, 2.0, 2.0, 1.0, 1.0]


def test_multiplicative_product_is_order_independent() -> None:
    factor = Power(1.0, beta=0.01, alpha=0.3)
    s = Multiplicative(0.5, factor)
    direct = [0.5 * math.prod(factor(k) for k in range(1, t + 1)) for t in range(60)]
    for order in (range(60), reversed(range(60)), [5, 50, 3, 59, 0, 17]):
        for t in order:
            assert s(t) == pytest.approx(direct[t], rel=1e-14)
    assert Multiplicative(0.5, 0.9)(10) == 0.5 * 0.9**10


def test_cosine_endpoints_and_hold() -> None:
    s = Cosine(0.1, period=100, end=0.01)
    assert s(0) == 0.1 and s(100) == pytest.approx(0.01, abs=1e-17) and s(5000) == s(100)
    assert s(50) == pytest.approx(0.055, rel=1e-14)


@pytest.mark.parametrize("period, mult", [(10, 1), (7, 2), (3, 3)])
def test_cosine_restarts_follow_the_sgdr_clock(period: int, mult: int) -> None:
    """Against a step-by-step simulation of T_cur and T_i (Loshchilov & Hutter 2017)."""
    s = Cosine(1.0, period=period, end=0.1, restarts=True, period_mult=mult)
    t_cur, t_i = 0, period
    for t in range(2000):
        assert s.position(t) == (t_cur, t_i)
        assert s(t) == pytest.approx(0.1 + 0.9 * (1 + math.cos(math.pi * t_cur / t_i)) / 2, rel=1e-15)
        t_cur += 1
        if t_cur == t_i:
            t_cur, t_i = 0, t_i * mult


@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
def test_cyclical_is_smiths_formula(mode: str) -> None:
    """Smith (2017), Section 3.1: cycle = floor(1 + t/2s), x = |t/s - 2 cycle + 1|."""
    base, peak, s_up, gamma = 1e-4, 1e-3, 25, 0.999
    s = Cyclical(base, peak, step_size_up=s_up, mode=mode, gamma=gamma)
    m = s.momentum(0.8, 0.9)
    for t in range(1000):
        cycle = math.floor(1 + t / (2 * s_up))
        x = abs(t / s_up - 2 * cycle + 1)
        scale = {"triangular": 1.0, "triangular2": 0.5 ** (cycle - 1), "exp_range": gamma**t}[mode]
        assert s(t) == pytest.approx(base + (peak - base) * max(0.0, 1 - x) * scale, rel=1e-12)
        assert m(t) == pytest.approx(0.9 - 0.1 * max(0.0, 1 - x) * scale, rel=1e-12)


@pytest.mark.parametrize("three_phase", [False, True])
@pytest.mark.parametrize("anneal", ["cos", "linear"])
def test_onecycle_shape(anneal: str, three_phase: bool) -> None:
    s = OneCycle(
        1.0,
        total_steps=1000,
        pct_start=0.2,
        anneal=anneal,
        div_factor=20.0,
        final_div_factor=50.0,
        three_phase=three_phase,
    )
    m = s.momentum(0.85, 0.95)
    top = 199  # the warm-up ends at step pct_start * total_steps - 1, as in OneCycleLR
    assert s(0) == pytest.approx(1.0 / 20, rel=1e-14) and s(top) == 1.0
    assert m(0) == 0.95 and m(top) == 0.85
    values = [s(t) for t in range(1000)]
    assert np.all(np.diff(values[: top + 1]) > 0) and np.all(np.diff(values[top:]) < 0)
    assert values[999] == pytest.approx(1.0 / 20 / 50, rel=1e-12)
    assert s(5000) == s(1000)  # held after the end
    if three_phase:
        assert s(2 * top) == pytest.approx(1.0 / 20, rel=1e-14)


def test_warmup_ramps_then_hands_over() -> None:
    inner = Cosine(0.1, period=1000)
    lin = Warmup(inner, steps=100, start_factor=0.0)
    geo = Warmup(inner, steps=100, start_factor=0.001, mode="exponential")
    assert lin(0) == 0.0 and lin(50) == pytest.approx(inner(50) * 0.5)
    assert geo(0) == pytest.approx(inner(0) * 0.001) and geo(50) == pytest.approx(inner(50) * 0.001**0.5)
    assert all(lin(t) == inner(t) == geo(t) for t in range(100, 1200, 50))


def test_join_restarts_each_clock() -> None:
    a, b, c = Linear(0.0, 1.0, steps=10), Constant(0.5), Exponential(1.0, gamma=0.5)
    j = Join((a, b, c), boundaries=(10, 30))
    assert [j(t) for t in (0, 5, 10, 29, 30, 32)] == [0.0, 0.5, 0.5, 0.5, 1.0, 0.25]


# -- schedules as values ----------------------------------------------------------------
@pytest.mark.parametrize("name", registry.names())
def test_registry_schedules_are_plain_values(name: str) -> None:
    s = registry.build(name)
    values = [s(t) for t in range(0, 1500, 10)]
    assert all(math.isfinite(v) and v >= 0 for v in values)
    clone = pickle.loads(pickle.dumps(s))
    assert clone == s and hash(clone) == hash(s) and [clone(t) for t in range(0, 1500, 10)] == values
    assert eval(repr(s), vars(S)) == s  # the repr is the constructor call


def test_composed_schedules_pickle() -> None:
    s = Join((Warmup(Cosine(0.1, 50), 10), Multiplicative(0.01, Power(1.0, 0.1))), (50,))
    assert [pickle.loads(pickle.dumps(s))(t) for t in range(100)] == [s(t) for t in range(100)]
