"""classify_critical_point at a known minimum, a saddle with a known index, and degenerate points."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from trainlab import problems
from trainlab.constraints import InvalidArgument
from trainlab.diagnose import hessian
from tests.diagnose.models import regression


def test_least_squares_solution_is_a_minimum():
    x, y = regression()
    model = nn.Linear(4, 1).double()
    a = torch.cat([x, torch.ones(len(x), 1, dtype=x.dtype)], 1)
    sol = torch.linalg.lstsq(a, y).solution
    with torch.no_grad():
        model.weight.copy_(sol[:4].T)
        model.bias.copy_(sol[4])
    p = hessian.classify_critical_point(lambda: nn.functional.mse_loss(model(x), y), list(model.parameters()),
                                        grad_tol=1e-10)
    assert (p.kind, p.index, p.index_method) == ("minimum", 0.0, "exact")
    assert p.grad_norm < 1e-10
    assert p.smallest == pytest.approx(float(torch.linalg.eigvalsh(2 * a.T @ a / len(x))[0]), rel=1e-9)


def _deep_linear(hidden=3, seed=0):
    """y ~ w2 w1 x at w1 = w2 = 0: a saddle. The Hessian's non-zero eigenvalues are +-s (s = ||X^T y|| / N),
    each repeated ``hidden`` times (one copy per hidden unit): the index is hidden / n."""
    x, y = regression(seed=seed)
    model = nn.Sequential(nn.Linear(4, hidden, bias=False), nn.Linear(hidden, 1, bias=False)).double()
    for p in model.parameters():
        nn.init.zeros_(p)
    return model, (lambda: 0.5 * ((model(x) - y) ** 2).mean()), x, y


def test_deep_linear_origin_is_a_saddle_with_its_index():
    model, loss_fn, x, y = _deep_linear(hidden=3)
    n = sum(p.numel() for p in model.parameters())
    p = hessian.classify_critical_point(loss_fn, list(model.parameters()), generator=torch.Generator().manual_seed(0))
    s = float(torch.linalg.vector_norm(x.T @ y)) / len(x)
    assert p.kind == "saddle"
    assert p.index == pytest.approx(3 / n)
    assert (p.smallest, p.largest) == (pytest.approx(-s, rel=1e-8), pytest.approx(s, rel=1e-8))
    # the same verdict without the whole spectrum: extremes by Lanczos, index by quadrature
    q = hessian.classify_critical_point(loss_fn, list(model.parameters()), exact_limit=1, runs=20, steps=n,
                                        generator=torch.Generator().manual_seed(0))
    assert (q.kind, q.index_method) == ("saddle", "slq")
    assert abs(q.index - 3 / n) < 0.1


def test_degenerate_points():
    # a minimum of a deep linear network: flat along the rescaling w1 -> a w1, w2 -> w2 / a
    model, loss_fn, x, y = _deep_linear(hidden=1)
    beta = torch.linalg.lstsq(x, y).solution  # (4, 1)
    with torch.no_grad():
        model[0].weight.copy_(beta.T)
        model[1].weight.fill_(1.0)
    p = hessian.classify_critical_point(loss_fn, list(model.parameters()), grad_tol=1e-10)
    assert (p.kind, p.index) == ("degenerate", 0.0)
    assert abs(p.smallest) <= p.zero_tol
    # the monkey saddle x^3 - 3 x y^2 at 0: an all-zero Hessian
    w = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    monkey = problems.get("monkey_saddle").fn
    assert hessian.classify_critical_point(lambda: monkey(w), [w]).kind == "degenerate"


@pytest.mark.parametrize("name, kind", [("saddle", "saddle"), ("quadratic", "minimum")])
def test_lecture_problems(name, kind):
    problem = problems.get(name)
    w = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    p = hessian.classify_critical_point(lambda: problem.fn(w), [w], grad_tol=1e-8)
    assert p.kind == kind
    assert p.kind == problems.classify_stationary_point(problem.fn, [0.0, 0.0]).kind


def test_a_point_with_a_large_gradient_is_refused_when_grad_tol_is_set():
    w = torch.ones(2, dtype=torch.float64, requires_grad=True)
    p = hessian.classify_critical_point(lambda: (w**2).sum(), [w])
    assert p.grad_norm == pytest.approx(2 * 2**0.5)
    with pytest.raises(InvalidArgument, match="gradient there is not zero"):
        hessian.classify_critical_point(lambda: (w**2).sum(), [w], grad_tol=1e-6)
