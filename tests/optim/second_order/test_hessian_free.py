"""Hessian-free: curvature products against explicit matrices, Martens' CG, convergence, damping."""

import math

import pytest
import torch
from tests.optim.second_order.cases import PROOF_CASES, point, residuals, tiny_regression

from trainlab import problems
from trainlab.optim.second_order import HessianFree
from trainlab.optim.second_order._closure import loss_with_graph
from trainlab.optim.second_order.curvature import GaussNewton, hessian_matrix, hessian_vector_product
from trainlab.optim.second_order.hessian_free import martens_cg


def gn_closure(label, x):
    def closure():
        r = residuals(label, x)
        return (r**2).sum(), r
    return closure


@pytest.mark.parametrize("label,prob,start", PROOF_CASES)
def test_residual_forms_are_the_registered_functions(label, prob, start):
    x = torch.tensor(start, dtype=torch.float64)
    assert float((residuals(label, x) ** 2).sum()) == pytest.approx(float(prob.value(x)), rel=1e-14)


@pytest.mark.parametrize("label,prob,start", PROOF_CASES)
def test_gauss_newton_converges_to_the_minimum(label, prob, start):
    x = point(start)
    opt = HessianFree([x], max_iter=300, tolerance_grad=1e-10)
    opt.step(gn_closure(label, x))
    target = torch.tensor(prob.global_minimum, dtype=torch.float64)
    assert torch.linalg.vector_norm(x.detach() - target) < 1e-6, opt.stop_message


@pytest.mark.parametrize("label,prob,start", PROOF_CASES[:2])
def test_exact_hessian_converges_to_the_minimum(label, prob, start):
    x = point(start)
    opt = HessianFree([x], curvature="hessian", max_iter=300, tolerance_grad=1e-10)
    opt.step(lambda: prob.value(x))
    target = torch.tensor(prob.global_minimum, dtype=torch.float64)
    assert torch.linalg.vector_norm(x.detach() - target) < 1e-6, opt.stop_message


@pytest.mark.parametrize("dim", [5, 70])  # a loop of backward passes, then vmapped chunks
def test_hessian_products_match_the_problem_hessian(dim):
    prob = problems.get("rosenbrock", dim=dim)
    x = point(prob.starts[0])
    _, _, grads = loss_with_graph(lambda: prob.value(x), [x])
    hess = prob.hessian(x.detach())
    v = torch.linspace(-1, 2, dim, dtype=torch.float64)
    torch.testing.assert_close(hessian_vector_product(grads, [x], v), hess @ v)
    torch.testing.assert_close(hessian_matrix(grads, [x], chunk=32), hess)


def test_gauss_newton_product_is_jt_hl_j():
    net, xs, ys = tiny_regression()
    params = list(net.parameters())
    loss, outputs, _ = loss_with_graph(lambda: ((lambda z: (((z - ys) ** 2).mean(), z))(net(xs))), params)
    gn = GaussNewton(loss, outputs, params)

    names = [n for n, _ in net.named_parameters()]
    flat0 = torch.cat([p.detach().reshape(-1) for p in params])

    def outputs_of(flat):
        tensors, offset = {}, 0
        for name, p in zip(names, params, strict=True):
            tensors[name] = flat[offset : offset + p.numel()].view_as(p)
            offset += p.numel()
        return torch.func.functional_call(net, tensors, (xs,)).reshape(-1)

    jac = torch.autograd.functional.jacobian(outputs_of, flat0)  # (n_out, n_params)
    h_l = 2.0 / ys.numel() * torch.eye(ys.numel(), dtype=torch.float64)  # MSE's Hessian in the outputs
    v = torch.randn(flat0.numel(), dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(gn(v), jac.T @ h_l @ jac @ v, rtol=1e-10, atol=1e-12)


def test_martens_cg_solves_a_positive_definite_system_and_keeps_iterates():
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(40, 40, dtype=torch.float64, generator=gen)
    mat = a @ a.T + 40 * torch.eye(40, dtype=torch.float64)
    b = torch.randn(40, dtype=torch.float64, generator=gen)
    res = martens_cg(lambda v: mat @ v, b, torch.zeros(40, dtype=torch.float64), max_iter=200, tol=1e-14)
    torch.testing.assert_close(res.x, torch.linalg.solve(mat, b), rtol=1e-8, atol=1e-10)
    assert len(res.kept) >= 5 and torch.equal(res.kept[-1], res.x)
    quad = lambda v: float(0.5 * v @ mat @ v - b @ v)  # noqa: E731
    assert res.kept_phi == pytest.approx([quad(v) for v in res.kept], rel=1e-9)
    # iterates kept at i = ceil(1.3^j): 1, 2, 3, 4, 5, 7, 9, 11, ...
    short = martens_cg(lambda v: mat @ v, b, torch.zeros(40, dtype=torch.float64), max_iter=11, tol=1e-14)
    kept_at = sorted({math.ceil(1.3**j) for j in range(0, 12) if math.ceil(1.3**j) <= 11})
    assert len(short.kept) == len(kept_at)


def test_martens_cg_stops_at_negative_curvature():
    mat = torch.diag(torch.tensor([1.0, -1.0], dtype=torch.float64))
    res = martens_cg(lambda v: mat @ v, torch.tensor([0.0, 1.0], dtype=torch.float64),
                     torch.zeros(2, dtype=torch.float64))
    assert res.reason == "negative curvature"
    assert float(res.x @ torch.tensor([0.0, 1.0], dtype=torch.float64)) > 0  # still downhill for -g = b


def test_damping_shrinks_by_two_thirds_when_the_model_is_exact():
    prob = problems.get("quadratic", condition=10.0, dim=4)
    x = point(prob.starts[0])
    opt = HessianFree([x], curvature="hessian", damping=1.0, max_iter=1, tolerance_grad=0.0)
    damping = []
    for _ in range(3):
        opt.step(lambda: prob.value(x))
        damping.append(opt.damping)
    assert damping == pytest.approx([2 / 3, 4 / 9, 8 / 27])


def test_damping_grows_by_three_halves_when_the_model_overpromises():
    """sqrt(1 + x^2) at x = 3: curvature 0.03, so the Newton step (-30) overshoots badly (rho < 0)."""
    x = point((3.0,))
    opt = HessianFree([x], curvature="hessian", damping=1e-3, max_iter=1)
    opt.step(lambda: torch.sqrt(1 + x**2).sum())
    assert opt.damping == pytest.approx(1.5e-3)
    assert abs(float(x.detach())) < 3  # the backtracking line search still found a decrease


def test_gauss_newton_trains_a_small_mlp():
    net, xs, ys = tiny_regression()
    opt = HessianFree(net.parameters(), damping=1.0)

    def closure():
        out = net(xs)
        return torch.nn.functional.mse_loss(out, ys), out

    first = float(closure()[0].detach())
    for _ in range(30):
        opt.step(closure)
    assert float(closure()[0].detach()) < 1e-3 * first


def test_gauss_newton_needs_outputs():
    x = point((1.0, 2.0))
    opt = HessianFree([x])
    with pytest.raises(TypeError, match=r"\(loss, outputs\)"):
        opt.step(lambda: (x**2).sum())


def test_preconditioned_cg_reaches_the_same_solution_in_fewer_iterations():
    gen = torch.Generator().manual_seed(1)
    scales = torch.logspace(0, 4, 60, dtype=torch.float64)
    a = torch.randn(60, 60, dtype=torch.float64, generator=gen) * 0.1
    mat = torch.diag(scales) + a @ a.T  # badly scaled, nearly diagonal
    b = torch.randn(60, dtype=torch.float64, generator=gen)
    zero = torch.zeros(60, dtype=torch.float64)
    plain = martens_cg(lambda v: mat @ v, b, zero, max_iter=500, tol=1e-12)
    jacobi = martens_cg(lambda v: mat @ v, b, zero, max_iter=500, tol=1e-12, precondition=torch.diag(mat))
    exact = torch.linalg.solve(mat, b)
    torch.testing.assert_close(jacobi.x, exact, rtol=1e-6, atol=1e-9)
    assert jacobi.iterations < plain.iterations


def test_hessian_free_calls_the_preconditioner_with_the_gradient_and_damping():
    seen = []

    def precondition(grad, damping):
        seen.append((grad.shape, damping))
        return grad.abs() + damping

    x = point((-1.2, 1.0))
    opt = HessianFree([x], max_iter=5, damping=0.5, preconditioner=precondition)
    before = float(problems.get("rosenbrock").value(x.detach()))
    opt.step(gn_closure("rosenbrock", x))
    assert seen[0] == (torch.Size([2]), 0.5) and len(seen) == opt.iterations
    assert float(problems.get("rosenbrock").value(x.detach())) < before
    assert opt.state_dict()["param_groups"][0]["preconditioner"] is None  # not checkpointed
