"""The Trainer: batching modes, closure steps, seeds, History, metrics, divergence and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from trainlab.constraints import InvalidArgument
from trainlab.nn import MLP
from trainlab.optim import registry
from trainlab.train.descent import batch_order
from trainlab.train import Callback, Trainer, seed_everything


def net(dropout=0.0, seed=0):
    seed_everything(seed)
    return MLP([3, 16, 1], activation="tanh", dropout=dropout)


class Recorder(Callback):
    """Keeps the indices of every batch and counts closure evaluations."""

    def __init__(self):
        self.batches, self.backwards = [], 0

    def on_step_start(self, trainer):
        self.batches.append((trainer.epoch, trainer.order[trainer.batch_index].tolist()))

    def on_after_backward(self, trainer, loss):
        self.backwards += 1


@pytest.mark.parametrize(("batch_size", "per_epoch", "sizes"), [
    (None, 1, {48}), (1, 48, {1}), (10, 5, {10, 8}), (100, 1, {48}),
])
def test_batching_modes_cover_every_sample_once_per_epoch(regression, batch_size, per_epoch, sizes):
    train, _ = regression
    model = net()
    rec = Recorder()
    history = Trainer(model, torch.optim.SGD(model.parameters(), lr=0.01), epochs=3, batch_size=batch_size,
                      callbacks=[rec]).fit(train)
    assert len(history["loss"]) == 3 * per_epoch and len(history) == 3
    orders = []
    for epoch in range(3):
        batches = [b for e, b in rec.batches if e == epoch]
        assert len(batches) == per_epoch and {len(b) for b in batches} == sizes
        flat = [i for b in batches for i in b]
        assert sorted(flat) == list(range(48))
        orders.append(flat)
    if per_epoch > 1:
        assert orders[0] != orders[1]  # reshuffled every epoch
    else:
        assert orders[0] == list(range(48))


def test_steps_match_a_hand_written_loop_bit_for_bit(regression):
    """Same init, same batch_order protocol, plain SGD: the Trainer adds nothing to the math."""
    (X, y), _ = regression
    model = net()
    Trainer(model, torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9), epochs=4, batch_size=8,
            seed=5).fit((X, y))
    ref = net()
    opt = torch.optim.SGD(ref.parameters(), lr=0.05, momentum=0.9)
    rng = np.random.default_rng(5)
    for _ in range(4):
        for idx in batch_order(48, 8, rng):
            idx = torch.as_tensor(idx)
            opt.zero_grad()
            torch.nn.functional.mse_loss(ref(X[idx]), y[idx]).backward()
            opt.step()
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), ref.parameters(), strict=True))


def test_lbfgs_runs_through_the_closure(regression):
    train, val = regression
    model = net()
    rec = Recorder()
    trainer = Trainer(model, torch.optim.LBFGS(model.parameters(), lr=1, max_iter=10, history_size=10,
                                               line_search_fn="strong_wolfe"), epochs=5, callbacks=[rec])
    history = trainer.fit(train, val)
    assert len(history["loss"]) == 5
    assert rec.backwards > 5  # the line search evaluated the closure more than once per step
    assert history["train_loss"][-1] < 0.2 * history["loss"][0]


@pytest.mark.parametrize("name", ["sgd", "momentum", "rmsprop-nesterov", "adam", "adabound", "lookahead"])
def test_trainlab_optimizers_train(regression, name):
    train, _ = regression
    model = net()
    lr = registry.get(name).lr_grid[-1]
    history = Trainer(model, registry.build(name, model.parameters(), lr=lr), epochs=15, batch_size=16).fit(train)
    assert history["train_loss"][-1] < history["train_loss"][0]


def test_one_seed_fixes_init_order_and_dropout(regression, same):
    train, _ = regression

    def run(seed):
        model = net(dropout=0.3, seed=seed)
        Trainer(model, torch.optim.Adam(model.parameters(), lr=1e-2), epochs=3, batch_size=8, seed=seed).fit(train)
        return model

    assert same(run(1), run(1))
    assert not same(run(1), run(2))
    # with the initialization fixed, the trainer's seed alone still changes order and dropout
    a, b = net(dropout=0.3, seed=0), net(dropout=0.3, seed=0)
    for model, seed in ((a, 1), (b, 2)):
        Trainer(model, torch.optim.SGD(model.parameters(), lr=0.1), epochs=1, seed=seed).fit(train)
    assert not same(a, b)


def test_the_trainer_seed_alone_fixes_dropout(regression, same):
    """Whatever drew from torch's generator before fit, the same Trainer seed gives the same masks."""
    train, _ = regression
    models = []
    for extra_draws in (0, 7):
        model = net(dropout=0.5, seed=0)
        torch.rand(extra_draws)
        Trainer(model, torch.optim.SGD(model.parameters(), lr=0.1), epochs=3, seed=4).fit(train)
        models.append(model)
    assert same(*models)


def test_history_records_loss_lr_gradient_norm_and_time(regression):
    (X, y), val = regression
    model = net()
    start = net()
    loss0 = torch.nn.functional.mse_loss(start(X), y)
    loss0.backward()
    norm0 = math.sqrt(sum(float((p.grad ** 2).sum()) for p in start.parameters()))
    history = Trainer(model, torch.optim.SGD(model.parameters(), lr=0.03), epochs=6).fit((X, y), val)
    assert history["loss"][0] == pytest.approx(float(loss0.detach()), rel=1e-6)
    assert history["grad_norm"][0] == pytest.approx(norm0, rel=1e-5)
    assert history["lr"] == [0.03] * 6
    assert history["step"] == list(range(1, 7)) and history["epoch"] == list(range(6))
    times = history["time"]
    assert all(b >= a for a, b in zip(times, times[1:])) and times[0] >= 0
    assert history.columns() == ["epoch", "step", "train_loss", "val_loss", "lr", "time"]
    with torch.no_grad():
        assert history["val_loss"][-1] == pytest.approx(float(torch.nn.functional.mse_loss(model(val[0]), val[1])))
    assert history.stop_reason == "completed" and "6 epochs" in history.message


def test_classification_metrics_on_both_splits():
    from trainlab.data import load_dataset, split_standardized

    ds = load_dataset("iris")
    parts = split_standardized(ds.X, ds.y, val=0.3, seed=0)
    seed_everything(0)
    model = MLP([4, 16, 3])
    trainer = Trainer(model, torch.optim.Adam(model.parameters(), lr=1e-2), loss="cross_entropy", epochs=30,
                      batch_size=16, metrics={"accuracy": "accuracy"})
    history = trainer.fit(parts.train, parts.val)
    with torch.no_grad():
        manual = float((model(parts.val.x).argmax(1) == parts.val.y).float().mean())
    assert history["val_accuracy"][-1] == pytest.approx(manual)
    assert history["val_accuracy"][-1] > 0.8 and "train_accuracy" in history.columns()


def test_divergence_stops_the_run_and_says_why(regression):
    train, _ = regression
    model = net()
    history = Trainer(model, torch.optim.SGD(model.parameters(), lr=1e6), epochs=50, batch_size=8).fit(train)
    assert history.stop_reason == "diverged"
    assert "lower the learning rate" in history.message
    assert len(history["loss"]) < 50 * 6


@pytest.mark.parametrize(("kwargs", "needle"), [
    ({"epochs": 0}, "'epochs' parameter of Trainer must be an int in the range [1, inf). Got 0"),
    ({"batch_size": 0}, "'batch_size' parameter of Trainer must be None (full batch) or an int in the range [1, inf). Got 0"),
    ({"loss": "hinge"}, "'loss' parameter of Trainer must be one of {'mse', 'mae', 'cross_entropy', 'bce'}"),
    ({"seed": -1}, "'seed' parameter of Trainer"),
    ({"metrics": {"acc": "auc"}}, "\"metrics['acc']\" parameter of Trainer must be one of {'accuracy'}"),
])
def test_bad_arguments_get_one_clear_error(kwargs, needle):
    model = net()
    with pytest.raises(InvalidArgument) as err:
        Trainer(model, torch.optim.SGD(model.parameters(), lr=0.1), **kwargs)
    assert needle in str(err.value)


def test_not_an_optimizer():
    with pytest.raises(InvalidArgument, match="'optimizer' parameter of Trainer must be an optimizer with step"):
        Trainer(net(), "adam")


def test_unknown_optimizer_name():
    with pytest.raises(InvalidArgument, match="Unknown optimizer 'adamm'. Did you mean 'adam'?"):
        registry.build("adamm", net().parameters())


@pytest.mark.parametrize(("bad", "needle"), [
    ("nan_x", r"'X' parameter of Trainer.fit must be finite \(no NaN or Inf\). Got '1 non-finite values, first in row 5'"),
    ("inf_y", r"'y' parameter of Trainer.fit must be finite"),
    ("short_y", r"'y' parameter of Trainer.fit must be as long as X \(48 rows\). Got '47 rows'"),
    ("not_a_pair", r"'train' parameter of Trainer.fit must be a pair \(X, y\)"),
])
def test_bad_data_gets_one_clear_error(regression, bad, needle):
    (X, y), _ = regression
    X, y = X.clone(), y.clone()
    data = {"nan_x": lambda: (X.index_put_((torch.tensor(5), torch.tensor(1)), torch.tensor(math.nan)), y),
            "inf_y": lambda: (X, y.fill_(math.inf)),
            "short_y": lambda: (X, y[:-1]),
            "not_a_pair": lambda: X}[bad]()
    model = net()
    with pytest.raises(InvalidArgument, match=needle):
        Trainer(model, torch.optim.SGD(model.parameters(), lr=0.1)).fit(data)


def test_mlp_slices_are_sequentials_sharing_parameters():
    from trainlab.nn import MLP

    net = MLP([2, 8, 8, 1], activation="tanh", dropout=0.1)
    body = net[:-1]
    assert isinstance(body, torch.nn.Sequential) and len(body) == len(net) - 1
    assert body[0].weight is net[0].weight
    assert isinstance(net[-1], torch.nn.Linear)
