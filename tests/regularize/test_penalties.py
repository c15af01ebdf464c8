"""L2 is ridge regression and coupled weight decay; L1 with the proximal step is the lasso."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.linear_model import Lasso, Ridge

from trainlab.constraints import InvalidArgument
from trainlab.regularize import (
    L1,
    L2,
    DecoupledWeightDecay,
    ProximalL1,
    parameter_groups,
    penalized,
    weight_sparsity,
)
from trainlab.train import Trainer


def linear_problem(n=40, d=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w = np.array([2.0, -1.0, 0.0, 0.0, 0.5, 0.0])[:d]
    y = X @ w + 0.3 * rng.standard_normal(n)
    return X, y


def tensors(X, y):
    return torch.from_numpy(X), torch.from_numpy(y)[:, None]


def linear_model(d):
    model = torch.nn.Linear(d, 1, bias=False).double()
    torch.nn.init.zeros_(model.weight)
    return model


def test_l2_training_to_convergence_is_the_ridge_closed_form_and_sklearn_ridge():
    X, y = linear_problem()
    n, d = X.shape
    alpha = 0.3
    model = linear_model(d)
    # loss (1/n)||Xw - y||^2 + (alpha/2)||w||^2: Hessian (2/n) X^T X + alpha I; step 2 / (l_min + l_max)
    eig = np.linalg.eigvalsh(2 / n * X.T @ X + alpha * np.eye(d))
    opt = torch.optim.SGD(model.parameters(), lr=2 / (eig[0] + eig[-1]))
    Trainer(model, opt, epochs=300, eval_train=False, penalty=L2(alpha)).fit(tensors(X, y))
    w = model.weight.detach().numpy().ravel()
    a = n * alpha / 2  # the ridge strength of (1/n) MSE + (alpha/2)||w||^2
    closed = np.linalg.solve(X.T @ X + a * np.eye(d), X.T @ y)
    np.testing.assert_allclose(w, closed, rtol=0, atol=1e-8)
    ridge = Ridge(alpha=a, fit_intercept=False, solver="cholesky").fit(X, y).coef_
    np.testing.assert_allclose(w, ridge, rtol=0, atol=1e-8)


def test_l2_penalty_gradient_is_coupled_weight_decay_of_sgd_and_adam():
    torch.manual_seed(0)
    x, y = torch.randn(16, 3, dtype=torch.float64), torch.randn(16, 1, dtype=torch.float64)
    for make in (lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9), lambda p: torch.optim.Adam(p, lr=1e-2)):
        a = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1)).double()
        b = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1)).double()
        b.load_state_dict(a.state_dict())
        opt_a, opt_b = make(a.parameters()), make(b.parameters())
        for group in opt_b.param_groups:
            group["weight_decay"] = 0.05
        penalty = L2(0.05, include_bias=True)
        for _ in range(20):
            for model, opt, pen in ((a, opt_a, penalty), (b, opt_b, None)):
                opt.zero_grad()
                loss = torch.nn.functional.mse_loss(model(x), y)
                (loss + pen(model) if pen else loss).backward()
                opt.step()
        for p, q in zip(a.parameters(), b.parameters(), strict=True):
            torch.testing.assert_close(p, q, rtol=1e-12, atol=1e-13)


def test_decoupled_weight_decay_around_adam_is_torch_adamw_with_two_groups_and_a_reload():
    torch.manual_seed(1)
    x, y = torch.randn(32, 4, dtype=torch.float64), torch.randn(32, 1, dtype=torch.float64)
    a = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.ReLU(), torch.nn.Linear(5, 1)).double()
    b = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.ReLU(), torch.nn.Linear(5, 1)).double()
    b.load_state_dict(a.state_dict())

    def groups(m):
        return [{"params": m[0].parameters(), "lr": 1e-2}, {"params": m[2].parameters(), "lr": 3e-3}]

    mine = DecoupledWeightDecay(torch.optim.Adam(groups(a)), a, 0.1, include_bias=True)
    ref = torch.optim.AdamW(groups(b), weight_decay=0.1)
    for t in range(40):
        if t == 20:
            state = mine.state_dict()
            mine = DecoupledWeightDecay(torch.optim.Adam(groups(a)), a, 0.1, include_bias=True)
            mine.load_state_dict(state)
        for model, opt in ((a, mine), (b, ref)):
            def closure(model=model, opt=opt):
                opt.zero_grad()
                loss = torch.nn.functional.mse_loss(model(x), y)
                loss.backward()
                return loss
            opt.step(closure)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=1e-12, atol=1e-14)


def test_proximal_l1_reaches_the_lasso_solution_with_exact_zeros():
    X, y = linear_problem(n=60, seed=3)
    n, d = X.shape
    lam = 0.2
    model = linear_model(d)
    lipschitz = np.linalg.eigvalsh(2 / n * X.T @ X)[-1]
    opt = ProximalL1(torch.optim.SGD(model.parameters(), lr=1 / lipschitz), model, lam)
    Trainer(model, opt, epochs=2000, eval_train=False).fit(tensors(X, y))
    w = model.weight.detach().numpy().ravel()
    lasso = Lasso(alpha=lam / 2, fit_intercept=False, tol=1e-14, max_iter=100_000).fit(X, y).coef_
    np.testing.assert_allclose(w, lasso, rtol=0, atol=1e-7)
    assert ((w == 0) == (lasso == 0)).all() and (w == 0).sum() >= 2
    assert weight_sparsity(model, threshold=0.0) == (lasso == 0).mean()


def test_plain_l1_subgradient_gets_near_zero_but_not_exact_zeros():
    X, y = linear_problem(n=60, seed=3)
    model = linear_model(X.shape[1])
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    Trainer(model, opt, epochs=2000, eval_train=False, penalty=L1(0.2)).fit(tensors(X, y))
    assert weight_sparsity(model, threshold=0.0) == 0.0  # the subgradient oscillates around zero
    assert weight_sparsity(model, threshold=0.05) >= 2 / 6  # ... within a step of it


def test_penalties_skip_biases_and_norm_layers_by_class_not_by_name():
    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(3, 4)
            self.bn = torch.nn.BatchNorm1d(4)
            self.ln = torch.nn.LayerNorm(4)
            self.gn = torch.nn.GroupNorm(2, 4)
            self.norm = torch.nn.Linear(4, 2)  # a norm by name only
            self.gain = torch.nn.Parameter(torch.ones(2))  # 1-D but not called bias

    net = Net()
    assert [n for n, _, _ in penalized(net, 1.0)] == ["gain", "fc.weight", "norm.weight"]
    every = [n for n, _, _ in penalized(net, 1.0, include_bias=True, include_norm=True)]
    assert sorted(every) == sorted(n for n, _ in net.named_parameters())
    strengths = {n: s for n, _, s in penalized(net, 1.0, layers={"fc": 0.25, "": 0.5})}
    assert strengths == {"gain": 0.5, "fc.weight": 0.25, "norm.weight": 0.5}
    value = L2(1.0, layers={"fc": 0.25, "": 0.5})(net)
    squares = [w.pow(2).sum() for w in (net.gain, net.fc.weight, net.norm.weight)]
    expected = 0.5 * (0.5 * squares[0] + 0.25 * squares[1] + 0.5 * squares[2])
    torch.testing.assert_close(value, expected)


def test_parameter_groups_give_the_optimizer_the_penalties_rules_and_adamw_leaves_biases_alone():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.LayerNorm(4), torch.nn.Linear(4, 1)).double()
    groups = parameter_groups(net, 0.1, layers={"2": 0.5})
    assert [g["weight_decay"] for g in groups] == [0.1, 0.5, 0.0]
    assert sorted(id(p) for g in groups for p in g["params"]) == sorted(id(p) for p in net.parameters())
    before = {n: p.detach().clone() for n, p in net.named_parameters()}
    opt = torch.optim.AdamW(groups, lr=0.1)
    for p in net.parameters():
        p.grad = torch.zeros_like(p)  # zero gradient: only the decay moves a parameter
    opt.step()
    moved = {n for n, p in net.named_parameters() if not torch.equal(p, before[n])}
    assert moved == {"0.weight", "2.weight"}
    torch.testing.assert_close(net[2].weight, before["2.weight"] * (1 - 0.1 * 0.5))


@pytest.mark.parametrize(("make", "name"), [
    (lambda: L2(-1.0), "'strength'"),
    (lambda: L1(0.1, layers={"0": -2.0}), "'layers\\[0\\]'"),
])
def test_negative_strengths_are_one_error_naming_the_argument(make, name):
    with pytest.raises(InvalidArgument, match=f"The {name} parameter .* range \\[0, inf\\). Got -"):
        make()


def test_an_unknown_layer_name_is_an_error_naming_layers():
    with pytest.raises(InvalidArgument, match="'layers' parameter of L2"):
        L2(0.1, layers={"nosuch": 1.0})(torch.nn.Sequential(torch.nn.Linear(2, 1)))
