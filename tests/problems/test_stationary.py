"""classify_stationary_point: analytic functions and a network's loss."""

from __future__ import annotations

import math
from collections import Counter

import pytest
import torch
from torch import nn

from trainlab import problems
from trainlab.constraints import InvalidArgument
from trainlab.problems import classify_stationary_point, flat_loss


def test_non_degenerate_saddle():
    p = classify_stationary_point(problems.get("saddle"), [0.0, 0.0])
    assert (p.kind, p.degenerate, p.method) == ("saddle", False, "hessian")
    assert p.eigenvalues.tolist() == [-2.0, 2.0] and p.condition_number == 1.0


def test_monkey_saddle_is_a_degenerate_saddle():
    p = classify_stationary_point(problems.get("monkey_saddle"), [0.0, 0.0])
    assert (p.kind, p.degenerate, p.method) == ("saddle", True, "probe")
    assert p.eigenvalues.abs().max() == 0 and math.isinf(p.condition_number)


@pytest.mark.parametrize("condition", [2.0, 100.0, 1e4])
def test_condition_number_of_quadratics(condition):
    p = classify_stationary_point(problems.get("quadratic", condition=condition), [0.0, 0.0])
    assert p.kind == "minimum" and not p.degenerate
    assert p.condition_number == pytest.approx(condition, rel=1e-12)


def test_elliptic_minimum_eigenvalues():
    p = classify_stationary_point(problems.get("elliptic"), [0.0, 0.0])
    assert p.kind == "minimum" and p.eigenvalues.tolist() == [2.0, 4.0] and p.condition_number == 2.0


def test_himmelblau_has_four_minima_one_maximum_four_saddles():
    h = problems.get("himmelblau")
    kinds = Counter(classify_stationary_point(h, x).kind for x in h.minima + h.stationary)
    assert kinds == {"minimum": 4, "maximum": 1, "saddle": 4}
    top = max(h.stationary, key=lambda x: float(h.value(x)))
    assert classify_stationary_point(h, top).kind == "maximum"
    assert float(h.value(top)) == pytest.approx(181.617, abs=1e-3)  # Himmelblau's local maximum


def test_beale_has_one_minimum_and_its_other_stationary_points_are_saddles():
    b = problems.get("beale")
    assert classify_stationary_point(b, (3.0, 0.5)).kind == "minimum"
    assert [classify_stationary_point(b, x).kind for x in b.stationary] == ["saddle", "saddle"]


def test_quartic_hump_is_a_maximum():
    q = problems.get("quartic")
    assert [classify_stationary_point(q, m).kind for m in q.minima] == ["minimum", "minimum"]
    assert classify_stationary_point(q, q.stationary[0]).kind == "maximum"


@pytest.mark.parametrize(
    ("fn", "kind"),
    [
        (lambda v: v[0] ** 4 + v[1] ** 4, "minimum"),
        (lambda v: -(v[0] ** 4) - v[1] ** 4, "maximum"),
        (lambda v: v[0] ** 2 + v[1] ** 3, "saddle"),
        (lambda v: v[0] ** 2 + v[1] ** 4, "minimum"),
        (lambda v: -(v[0] ** 2) + v[1] ** 4, "saddle"),
        (lambda v: -(v[0] ** 2) - v[1] ** 4, "maximum"),
    ],
)
def test_degenerate_points_are_decided_by_probing(fn, kind):
    p = classify_stationary_point(fn, torch.zeros(2, dtype=torch.float64))
    assert p.degenerate and p.kind == kind and p.method == "probe"


def test_a_point_with_a_non_zero_gradient_is_an_error_that_says_so():
    with pytest.raises(InvalidArgument, match=r"gradient there is not zero \(norm 27\.8"):
        classify_stationary_point(problems.get("beale"), [1.0, 1.0])


def test_bad_tolerances_are_rejected():
    with pytest.raises(InvalidArgument, match="'eig_tol'"):
        classify_stationary_point(problems.get("saddle"), [0.0, 0.0], eig_tol=-1.0)


def _tanh_net(d: int, hidden: int) -> nn.Module:
    net = nn.Sequential(nn.Linear(d, hidden), nn.Tanh(), nn.Linear(hidden, 1)).double()
    for p in net.parameters():
        nn.init.zeros_(p)
    return net


def test_zero_weights_of_a_tanh_net_are_a_degenerate_saddle_of_its_loss():
    # With all parameters 0 and zero-mean targets, every gradient of the MSE vanishes.
    # The Hessian's only non-zero entries: d2L/db2^2 = 2 and, per hidden unit j, the
    # block between W2_j and W1_j is [[0, c^T], [c, 0]] with c_k = -2 mean(y x_k).
    # So its eigenvalues are 2, +-|c| (once per hidden unit) and zeros.
    torch.manual_seed(0)
    n, d, hidden = 40, 3, 4
    x = torch.randn(n, d, dtype=torch.float64)
    w = torch.tensor([[1.0], [-2.0], [0.5]], dtype=torch.float64)
    y = x @ w + 0.1 * torch.randn(n, 1, dtype=torch.float64)
    y = y - y.mean()
    f, theta = flat_loss(_tanh_net(d, hidden), nn.functional.mse_loss, x, y)
    assert theta.abs().max() == 0
    p = classify_stationary_point(f, theta)
    c = float(torch.linalg.vector_norm(-2 * (y * x).mean(0)))
    nonzero = sorted([2.0, *[c] * hidden, *[-c] * hidden])
    assert (p.kind, p.degenerate) == ("saddle", True)
    eig = p.eigenvalues
    big = eig[eig.abs() > 1e-10].tolist()
    assert big == pytest.approx(nonzero, rel=1e-10)
    assert len(eig) - len(big) == theta.numel() - len(nonzero)


def test_least_squares_solution_is_a_minimum_with_the_normal_equations_spectrum():
    torch.manual_seed(1)
    x = torch.randn(50, 3, dtype=torch.float64)
    y = torch.randn(50, 1, dtype=torch.float64)
    model = nn.Linear(3, 1).double()
    design = torch.cat([x, torch.ones(50, 1, dtype=torch.float64)], 1)
    solution = torch.linalg.lstsq(design, y).solution[:, 0]
    with torch.no_grad():
        model.weight.copy_(solution[:3][None])
        model.bias.copy_(solution[3:])
    f, theta = flat_loss(model, nn.functional.mse_loss, x, y)
    p = classify_stationary_point(f, theta, grad_tol=1e-10)
    expected = torch.linalg.eigvalsh(2 / 50 * design.T @ design)
    assert p.kind == "minimum" and not p.degenerate
    assert torch.allclose(p.eigenvalues, expected, rtol=1e-10)
    assert p.condition_number == pytest.approx(float(expected.max() / expected.min()), rel=1e-10)


def test_random_parameters_of_a_network_are_not_stationary():
    torch.manual_seed(2)
    net = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)).double()
    x, y = torch.randn(10, 2, dtype=torch.float64), torch.randn(10, 1, dtype=torch.float64)
    f, theta = flat_loss(net, nn.functional.mse_loss, x, y)
    with pytest.raises(InvalidArgument, match="not zero"):
        classify_stationary_point(f, theta)
