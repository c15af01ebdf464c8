"""L-BFGS: torch.optim.LBFGS's iterates in float64, convergence on the proof problems, stop reasons."""

import io

import pytest
import torch
from tests.benchmark_scripts import load_benchmark
from tests.optim.second_order.cases import PROOF_CASES, closure_for, mse_closure, point, tiny_regression

from trainlab import problems
from trainlab.optim.second_order import LBFGS, StopReason
from trainlab.optim.second_order.lbfgs import two_loop
from trainlab.reference.second_order import lbfgs_direction


def _pair(make_kwargs, start):
    xs = [point(start), point(start)]
    return xs, torch.optim.LBFGS([xs[0]], **make_kwargs), LBFGS([xs[1]], torch_compat=True, **make_kwargs)


@pytest.mark.parametrize("line_search_fn,lr", [(None, 5e-4), ("strong_wolfe", 1.0)])
@pytest.mark.parametrize("history_size", [3, 100])
def test_follows_torch_iterates_on_extended_rosenbrock(line_search_fn, lr, history_size):
    prob = problems.get("rosenbrock", dim=10)
    kw = dict(lr=lr, max_iter=7, history_size=history_size, line_search_fn=line_search_fn)
    (xa, xb), a, b = _pair(kw, prob.starts[0])
    for _ in range(25):  # 25 steps x 7 iterations, history carried across steps
        la = a.step(closure_for(prob, xa, a))
        lb = b.step(closure_for(prob, xb, b))
        assert float(la.detach()) == float(lb.detach())
        torch.testing.assert_close(xb, xa, rtol=0, atol=1e-13)
    assert a.state[xa]["func_evals"] == b.evaluations
    assert a.state[xa]["n_iter"] == b.iterations


def test_follows_torch_iterates_on_a_small_mlp():
    net_a, x, y = tiny_regression()
    net_b, _, _ = tiny_regression()
    kw = dict(max_iter=5, history_size=10, line_search_fn="strong_wolfe")
    a, b = torch.optim.LBFGS(net_a.parameters(), **kw), LBFGS(net_b.parameters(), torch_compat=True, **kw)

    for _ in range(30):
        a.step(mse_closure(net_a, x, y, a))
        b.step(mse_closure(net_b, x, y, b))
        for pa, pb in zip(net_a.parameters(), net_b.parameters(), strict=True):
            torch.testing.assert_close(pb, pa, rtol=0, atol=1e-12)


def test_continues_from_a_torch_lbfgs_state_dict():
    prob = problems.get("rosenbrock")
    kw = dict(max_iter=4, line_search_fn="strong_wolfe")
    (xa, xb), a, b = _pair(kw, (-1.2, 1.0))
    for _ in range(3):
        a.step(closure_for(prob, xa, a))
    buf = io.BytesIO()
    torch.save(a.state_dict(), buf)
    with torch.no_grad():
        xb.copy_(xa)
    buf.seek(0)
    b.load_state_dict(torch.load(buf, weights_only=True))
    for _ in range(3):
        a.step(closure_for(prob, xa, a))
        b.step(closure_for(prob, xb, b))
    torch.testing.assert_close(xb, xa, rtol=0, atol=1e-14)


@pytest.mark.parametrize("line_search_fn,initial_step", [("strong_wolfe", "lr"), ("more_thuente", "lr"),
                                                         ("more_thuente", "previous_decrease")])
@pytest.mark.parametrize("label,prob,start", PROOF_CASES)
def test_converges_to_the_minimum(label, prob, start, line_search_fn, initial_step):
    x = point(start)
    opt = LBFGS([x], max_iter=500, tolerance_grad=1e-10, line_search_fn=line_search_fn, initial_step=initial_step)
    opt.step(closure_for(prob, x, opt))
    assert torch.linalg.vector_norm(x.detach() - torch.tensor(prob.global_minimum, dtype=torch.float64)) < 1e-6
    assert opt.stop_reason in (StopReason.CONVERGED, StopReason.TOLERANCE)


@pytest.mark.parametrize("line_search_fn", ["strong_wolfe", "more_thuente"])
def test_float32_converges_and_keeps_dtype(line_search_fn):
    prob = problems.get("rosenbrock")
    x = point((-1.2, 1.0), torch.float32)
    opt = LBFGS([x], max_iter=200, tolerance_grad=1e-5, line_search_fn=line_search_fn)
    opt.step(closure_for(prob, x, opt))
    assert x.dtype == torch.float32 and opt._global["d"].dtype == torch.float32
    assert torch.allclose(x.detach(), torch.ones(2), atol=1e-3)


def test_does_not_stop_early_on_a_tiny_loss_scale_where_torch_does():
    """torch tests |f - f_prev| < 1e-9 absolutely: a loss scaled by 1e-9 stops it at once."""
    prob = problems.get("rosenbrock")

    def run(opt_cls, **kw):
        x = point((-1.2, 1.0))
        opt = opt_cls([x], max_iter=1000, tolerance_grad=1e-20, line_search_fn="strong_wolfe", **kw)

        def closure():
            opt.zero_grad()
            loss = 1e-9 * prob.value(x)
            loss.backward()
            return loss

        opt.step(closure)
        return float(torch.linalg.vector_norm(x.detach() - 1))

    assert run(torch.optim.LBFGS) > 1e-2
    assert run(LBFGS) < 1e-6


def test_counts_every_closure_call():
    prob, calls = problems.get("beale"), []
    x = point((1.0, 1.0))
    opt = LBFGS([x], max_iter=15)
    for _ in range(3):
        opt.step(closure_for(prob, x, opt, calls))
    assert opt.evaluations == len(calls) > 3


def test_stop_reasons():
    prob = problems.get("rosenbrock")
    x = point((-1.2, 1.0))
    opt = LBFGS([x], max_iter=3)
    opt.step(closure_for(prob, x, opt))
    assert opt.stop_reason is StopReason.BUDGET and "max_iter" in opt.stop_message

    opt = LBFGS([x], max_iter=10, max_eval=4)
    opt.step(closure_for(prob, x, opt))
    assert opt.stop_reason is StopReason.BUDGET and "max_eval" in opt.stop_message

    opt = LBFGS([x], max_iter=1000)
    opt.step(closure_for(prob, x, opt))
    assert opt.stop_reason in (StopReason.CONVERGED, StopReason.TOLERANCE)
    opt.step(closure_for(prob, x, opt))  # at the minimum already
    assert opt.stop_reason is StopReason.CONVERGED


def test_non_finite_loss_is_reported():
    x = point((1.0, 2.0))
    opt = LBFGS([x])
    opt.step(lambda: (x * float("nan")).sum())
    assert opt.stop_reason is StopReason.NON_FINITE


def test_closure_without_backward_is_differentiated():
    prob = problems.get("beale")
    x = point((1.0, 1.0))
    opt = LBFGS([x], max_iter=200)
    opt.step(lambda: prob.value(x))
    assert torch.allclose(x.detach(), torch.tensor([3.0, 0.5], dtype=torch.float64), atol=1e-6)


def test_two_loop_matches_the_reference_recursion():
    gen = torch.Generator().manual_seed(0)
    n, m = 7, 4
    s = [torch.randn(n, dtype=torch.float64, generator=gen) for _ in range(m)]
    a = torch.randn(n, n, dtype=torch.float64, generator=gen)
    hess = a @ a.T + n * torch.eye(n, dtype=torch.float64)
    y = [hess @ si for si in s]  # curvature pairs of a convex quadratic: y.s > 0
    g = torch.randn(n, dtype=torch.float64, generator=gen)
    gamma = float(s[-1] @ y[-1] / (y[-1] @ y[-1]))
    got = two_loop(g, y, s, [1.0 / (yi @ si) for si, yi in zip(s, y, strict=True)], torch.tensor(gamma, dtype=torch.float64))
    expected = -lbfgs_direction(g.numpy(), [v.numpy() for v in s], [v.numpy() for v in y], gamma)
    torch.testing.assert_close(got, torch.from_numpy(expected), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("label,prob,start", PROOF_CASES)
def test_needs_no_more_evaluations_than_scipy_lbfgsb(label, prob, start):
    """The issue's goal, measured as in benchmarks/second_order.py (evaluations to 1e-6)."""
    bench = load_benchmark("second_order")
    ours, _ = bench.first_hit(prob, start, bench.METHODS["trainlab LBFGS"], 1e-6)
    scipy_evals, _ = bench.first_hit(prob, start, bench.METHODS["scipy L-BFGS-B"], 1e-6)
    assert ours is not None and scipy_evals is not None
    assert ours <= scipy_evals


@pytest.mark.parametrize("line_search_fn", ["strong_wolfe", "backtracking"])
def test_failed_line_search_leaves_the_parameters_where_they_were(line_search_fn):
    x = point((1.0, 2.0))
    opt = LBFGS([x], max_iter=5, line_search_fn=line_search_fn)

    def closure():  # the loss rises in every direction the optimizer is told is downhill
        opt.zero_grad()
        loss = (x**2).sum()
        x.grad = -2 * x.detach()
        return loss

    opt.step(closure)
    assert opt.stop_reason is StopReason.LINE_SEARCH_FAILED
    assert torch.equal(x.detach(), torch.tensor([1.0, 2.0], dtype=torch.float64))


@pytest.mark.parametrize("rule", ["previous_decrease", "slope_ratio"])
def test_initial_step_falls_back_to_lr_when_the_slope_is_not_negative(rule):
    from trainlab.optim.second_order.line_search_loop import LineSearchOptimizer

    grad = torch.tensor([1.0, -2.0], dtype=torch.float64)
    args = dict(lr=0.5, grad=grad, fresh=False, t_prev=1.0, gtd_prev=-1.0, loss=1.0, older_loss=2.0)
    assert LineSearchOptimizer._initial_step(rule, gtd=0.0, **args) == 0.5
    assert LineSearchOptimizer._initial_step(rule, gtd=-4.0, **args) == pytest.approx(
        min(0.5, 2.02 * (1.0 - 2.0) / -4.0) if rule == "previous_decrease" else 0.25)
