"""LSGD: the ridge solve against scikit-learn and NumPy, the alternation, and its arguments."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import Ridge
from tests.optim.second_order.cases import tiny_regression

from trainlab.constraints import InvalidArgument
from trainlab.nn import MLP
from trainlab.optim import Adam
from trainlab.train.lsgd import LSGDTrainer, ridge_solve


@pytest.mark.parametrize("solver", ["cholesky", "lstsq"])
def test_ridge_solve_matches_scikit_learn(solver):
    rng = np.random.default_rng(0)
    feats, targets = rng.standard_normal((50, 6)), rng.standard_normal((50, 2))
    ridge = 0.3
    w, b = ridge_solve(torch.from_numpy(feats), torch.from_numpy(targets), ridge, solver)
    expected = Ridge(alpha=ridge * 50, fit_intercept=True).fit(feats, targets)  # sklearn: |r|^2 + alpha |w|^2
    np.testing.assert_allclose(w.numpy(), expected.coef_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(b.numpy(), expected.intercept_, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("solver", ["cholesky", "lstsq"])
def test_ridge_solve_without_ridge_is_least_squares(solver):
    rng = np.random.default_rng(1)
    feats, targets = rng.standard_normal((30, 4)), rng.standard_normal((30, 1))
    w, b = ridge_solve(torch.from_numpy(feats), torch.from_numpy(targets), 0.0, solver)
    design = np.hstack([feats, np.ones((30, 1))])
    coef = np.linalg.lstsq(design, targets, rcond=None)[0]
    np.testing.assert_allclose(np.append(w.numpy().ravel(), b.numpy()), coef.ravel(), rtol=1e-9, atol=1e-12)


def test_singular_features_fall_back_to_lstsq():
    feats = torch.ones(10, 3, dtype=torch.float64)  # rank one, and equal to the bias column
    w, b = ridge_solve(feats, torch.full((10, 1), 2.0, dtype=torch.float64), 0.0, "cholesky")
    assert torch.allclose(feats @ w.T + b, torch.full((10, 1), 2.0, dtype=torch.float64))


def test_solve_head_makes_the_last_layer_optimal():
    net, x, y = tiny_regression()
    lsgd = LSGDTrainer(net, ridge=0.0)
    lsgd.solve_head(x, y)
    loss = torch.nn.functional.mse_loss(net(x), y)
    grads = torch.autograd.grad(loss, list(net[-1].parameters()))
    assert max(float(g.abs().max()) for g in grads) < 1e-10


def test_gradient_steps_touch_only_the_hidden_layers():
    net, x, y = tiny_regression()
    lsgd = LSGDTrainer(net, lr=1e-2)
    head_ids = {id(p) for p in net[-1].parameters()}
    assert all(id(p) not in head_ids for g in lsgd.optimizer.param_groups for p in g["params"])
    hidden_before = net[0].weight.detach().clone()
    lsgd.step(x, y)
    assert not torch.equal(net[0].weight, hidden_before)
    assert all(p.grad is None for p in net[-1].parameters())


def test_beats_adam_alone_at_equal_steps():
    net, x, y = tiny_regression()
    lsgd = LSGDTrainer(net, lr=1e-2)
    for _ in range(100):
        lsgd.step(x, y)
    lsgd.solve_head(x, y)
    net_b, _, _ = tiny_regression()
    adam = Adam(net_b.parameters(), lr=1e-2)
    for _ in range(100):
        adam.zero_grad()
        torch.nn.functional.mse_loss(net_b(x), y).backward()
        adam.step()
    mse = lambda n: float(torch.nn.functional.mse_loss(n(x), y).detach())  # noqa: E731
    assert mse(net) < 0.1 * mse(net_b)


def test_custom_features_head_and_optimizer_and_state_dict():
    torch.manual_seed(0)
    body = torch.nn.Sequential(torch.nn.Linear(1, 6), torch.nn.Tanh()).double()
    head = torch.nn.Linear(6, 1).double()
    model = torch.nn.Sequential(body, head)
    x = torch.linspace(-1, 1, 20, dtype=torch.float64).unsqueeze(1)
    lsgd = LSGDTrainer(model, optimizer=lambda ps: torch.optim.SGD(ps, lr=0.1), features=body, head=head, gd_steps=2)
    lsgd.step(x, x**2)
    state = lsgd.state_dict()
    other = LSGDTrainer(model, optimizer=lambda ps: torch.optim.SGD(ps, lr=0.1), features=body, head=head)
    other.load_state_dict(state)
    assert other.steps == 1


def test_bad_arguments():
    net = MLP([1, 4, 1])
    with pytest.raises(InvalidArgument, match="'ridge' parameter of LSGDTrainer"):
        LSGDTrainer(net, ridge=-1.0)
    with pytest.raises(InvalidArgument, match="'solver' parameter of LSGDTrainer"):
        LSGDTrainer(net, solver="qr")
    with pytest.raises(InvalidArgument, match="'gd_steps' parameter of LSGDTrainer"):
        LSGDTrainer(net, gd_steps=0)
    with pytest.raises(InvalidArgument, match="'model' parameter of LSGDTrainer"):
        LSGDTrainer(torch.nn.Sequential(torch.nn.Linear(1, 2), torch.nn.Tanh()))
    with pytest.raises(InvalidArgument, match="'features' parameter of LSGDTrainer"):
        LSGDTrainer(net, head=net[-1])


def test_fit_is_repeated_steps() -> None:
    """``fit(x, y, steps)`` gives the same losses and weights as calling ``step`` that often."""
    x = torch.linspace(-1, 1, 40, dtype=torch.float64).unsqueeze(1)
    runs = []
    for use_fit in (True, False):
        torch.manual_seed(3)
        net = MLP([1, 8, 1], activation="tanh").double()
        trainer = LSGDTrainer(net, lr=1e-2)
        losses = trainer.fit(x, x**2, steps=5) if use_fit else [trainer.step(x, x**2) for _ in range(5)]
        runs.append((losses, [p.detach().clone() for p in net.parameters()]))
    assert runs[0][0] == runs[1][0]
    assert all(torch.equal(a, b) for a, b in zip(runs[0][1], runs[1][1], strict=True))


def test_old_lsgd_paths_warn_and_give_the_trainer() -> None:
    import trainlab.optim as optim
    from trainlab.optim import lsgd as old_module

    with pytest.warns(DeprecationWarning, match="trainlab.train.lsgd.LSGDTrainer"):
        assert optim.LSGD is LSGDTrainer
    with pytest.warns(DeprecationWarning, match="moved to trainlab.train.lsgd"):
        assert old_module.LSGD is LSGDTrainer
    assert "LSGD" not in optim.__all__
