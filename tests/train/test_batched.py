"""The many-runs engine: each stacked run equals that run trained alone (float64)."""

import pytest
import torch
from torch.nn import functional as F

from trainlab import init
from trainlab.constraints import InvalidArgument
from trainlab.nn import MLP
from trainlab.optim import SGD, Adagrad, Adam, RMSprop
from trainlab.train.batched import StackedMLP, run_seeds, train_stacked

X = torch.linspace(-1.7, 1.7, 24, dtype=torch.float64)[:, None]
Y = X * torch.sin(5 * X)

OPTIMIZERS = {
    "adam": lambda p: Adam(p, lr=1e-2),
    "sgd": lambda p: SGD(p, lr=0.05),
    "momentum": lambda p: SGD(p, lr=0.02, momentum=0.9, nesterov=True),
    "rmsprop": lambda p: RMSprop(p, lr=1e-3),
    "adagrad": lambda p: Adagrad(p, lr=0.05),
}


def _alone(model, opt, steps, loss):
    fn = F.mse_loss if loss == "mse" else F.l1_loss
    for _ in range(steps):
        opt.zero_grad()
        fn(model(X), Y).backward()
        opt.step()
    return model


@pytest.mark.parametrize("widths", [[1, 2, 2, 2, 1], [1, 6, 5, 1]])  # broadcast and bmm paths
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_each_stacked_run_equals_training_it_alone(name, widths):
    loss = "mae" if name == "sgd" else "mse"
    stacked = StackedMLP.create(widths, runs=5, activation="relu", init="he", seed=3, dtype=torch.float64)
    singles = [stacked.unstack(r) for r in range(5)]
    final = train_stacked(stacked, X, Y, OPTIMIZERS[name](stacked.parameters()), steps=60, loss=loss)
    for r, model in enumerate(singles):
        _alone(model, OPTIMIZERS[name](model.parameters()), 60, loss)
        trained = stacked.unstack(r)
        for a, b in zip(trained.parameters(), model.parameters(), strict=True):
            assert torch.allclose(a, b, rtol=1e-10, atol=1e-12)
        fn = F.mse_loss if loss == "mse" else F.l1_loss
        assert final[r].item() == pytest.approx(fn(model(X), Y).item(), rel=1e-10, abs=1e-14)


def test_per_run_learning_rates_equal_runs_alone_with_those_rates():
    stacked = StackedMLP.create([1, 3, 3, 1], runs=3, activation="tanh", init="xavier_normal", seed=1,
                                dtype=torch.float64)
    singles = [stacked.unstack(r) for r in range(3)]
    scales = torch.tensor([0.5, 1.0, 3.0], dtype=torch.float64)
    train_stacked(stacked, X, Y, Adam(stacked.parameters(), lr=1e-2), steps=40, lrs=scales)
    for r, model in enumerate(singles):
        _alone(model, Adam(model.parameters(), lr=1e-2 * scales[r].item()), 40, "mse")
        for a, b in zip(stacked.unstack(r).parameters(), model.parameters(), strict=True):
            assert torch.allclose(a, b, rtol=1e-9, atol=1e-12)


def test_broadcast_and_bmm_forward_passes_agree():
    stacked = StackedMLP.create([1, 3, 4, 2], runs=7, activation="gelu", init="he", seed=0, dtype=torch.float64)
    from trainlab.train.batched import _forward_bmm, _forward_broadcast

    tensors = (list(stacked.weights), list(stacked.biases))
    for x in (X, torch.randn(7, 5, 1, dtype=torch.float64)):
        assert torch.allclose(_forward_broadcast(*tensors, x, stacked._act), _forward_bmm(*tensors, x, stacked._act),
                              rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("scheme", ["he", "torch", "xavier_uniform"])
def test_create_draws_run_r_like_mlp_with_its_own_generator(scheme):
    widths = [1, 4, 4, 1]
    stacked = StackedMLP.create(widths, runs=4, init=scheme, seed=9)
    for r, s in enumerate(run_seeds(9, 4)):
        torch.manual_seed(0)
        expected = MLP(widths, init=scheme, generator=torch.Generator().manual_seed(s))
        if scheme == "torch":  # MLP keeps its constructor's draws; re-draw them from the run's generator
            init.initialize(expected, "torch", generator=torch.Generator().manual_seed(s))
        for a, b in zip(stacked.unstack(r).parameters(), expected.parameters(), strict=True):
            assert torch.equal(a, b)


def test_run_seeds_are_distinct_and_reproducible():
    seeds = run_seeds(0, 1000)
    assert len(set(seeds)) == 1000 and seeds == run_seeds(0, 1000) and seeds[:5] != run_seeds(1, 5)


def test_bad_input():
    with pytest.raises(InvalidArgument, match="'runs' parameter of StackedMLP.create"):
        StackedMLP.create([1, 2, 1], runs=0)
    with pytest.raises(InvalidArgument, match="Unknown initialization scheme"):
        StackedMLP.create([1, 2, 1], runs=2, init="hee")
    stacked = StackedMLP.create([1, 2, 1], runs=2)
    with pytest.raises(InvalidArgument, match="'lrs' parameter of train_stacked"):
        train_stacked(stacked, X.float(), Y.float(), Adam(stacked.parameters()), 1, lrs=torch.ones(3))
    with pytest.raises(InvalidArgument, match="'loss' parameter of train_stacked"):
        train_stacked(stacked, X.float(), Y.float(), Adam(stacked.parameters()), 1, loss="huber")


def test_history_holds_each_runs_loss_curve_and_stops_a_diverging_run_where_descend_stops():
    from trainlab.train.batched import train_stacked_history
    from trainlab.train.descent import descend

    stacked = StackedMLP.create([1, 6, 5, 1], runs=3, activation="tanh", init="he", seed=2, dtype=torch.float64)
    singles = [stacked.unstack(r) for r in range(3)]
    rates = torch.tensor([0.05, 0.2, 500.0], dtype=torch.float64)  # the last one blows up
    history = train_stacked_history(stacked, X, Y, SGD(stacked.parameters(), lr=1.0), 80, lrs=rates)
    assert history.losses.shape == (81, 3)
    for r, model in enumerate(singles):
        res = descend(model, F.mse_loss, X, Y, SGD(model.parameters(), lr=rates[r].item()), max_iter=80)
        assert (res.stop_reason == "diverged") == (history.diverged_at[r].item() >= 0)
        assert history.diverged_at[r].item() in (-1, res.iterations)
        curve = history.losses[: len(res.losses), r]
        finite = torch.isfinite(curve)
        assert torch.allclose(curve[finite], torch.tensor(res.losses, dtype=torch.float64)[finite], rtol=1e-10)
        for a, b in zip(stacked.unstack(r).parameters(), model.parameters(), strict=True):
            assert torch.allclose(a, b, rtol=1e-10, atol=1e-12, equal_nan=True)
    assert history.diverged_at.tolist()[:2] == [-1, -1] and history.diverged_at[2].item() > 0
    assert history.steps_to(history.losses[40, 0].item())[0] <= 40
