"""Callbacks: early stopping, checkpoints, clipping, schedules, the NaN guard, progress and logs."""

from __future__ import annotations

import csv
import io
import json
import math
import os

import pytest
import torch
from rich.console import Console

from trainlab.constraints import InvalidArgument
from trainlab.nn import MLP
from trainlab.train import (
    Callback,
    Checkpoint,
    EarlyStopping,
    GradientClipping,
    HistoryLogger,
    NaNGuard,
    ProgressBar,
    ScheduleCallback,
    Trainer,
    load_checkpoint,
    seed_everything,
)


def net(seed=0):
    seed_everything(seed)
    return MLP([3, 16, 1], activation="tanh")


def scripted(values):
    """A metric that returns ``values`` one per validation evaluation (epoch)."""
    calls = {"n": 0}

    def metric(pred, target):
        if pred.shape[0] != 16:  # the training split: not scripted
            return 0.0
        calls["n"] += 1
        return values[calls["n"] - 1]

    return metric


class Snapshots(Callback):
    """The model's weights after every epoch (runs before EarlyStopping copies them)."""

    order = -1

    def __init__(self):
        self.weights = {}

    def on_epoch_end(self, trainer, logs):
        self.weights[logs["epoch"]] = {k: v.clone() for k, v in trainer.model.state_dict().items()}


# -- early stopping ---------------------------------------------------------------
@pytest.mark.parametrize(("values", "patience", "min_delta", "stopped_at", "best"), [
    ([5, 4, 3, 3.5, 3.2, 3.9, 4.1, 1, 1, 1], 3, 0.0, 6, 3),  # three epochs without a new best after epoch 3
    ([5, 4, 3, 2.9, 2.8, 2.7, 2.6, 1, 1, 1], 3, 0.5, 6, 3),  # improvements of 0.1 do not count with min_delta 0.5
    ([5, 4, 3, 2.9, 2.8, 2.7, 2.6, 2.5, 2.4, 2.3], 3, 0.0, 10, 10),  # always improving: runs to the end
])
def test_early_stopping_waits_patience_epochs_and_restores_the_best(regression, values, patience, min_delta,
                                                                     stopped_at, best):
    train, val = regression
    model = net()
    snaps = Snapshots()
    stopper = EarlyStopping(monitor="val_score", patience=patience, min_delta=min_delta)
    trainer = Trainer(model, torch.optim.SGD(model.parameters(), lr=0.05), epochs=10,
                      metrics={"score": scripted(values)}, callbacks=[stopper, snaps])
    history = trainer.fit(train, val)
    assert len(history) == stopped_at
    assert history.stop_reason == ("early_stopping" if stopped_at < 10 else "completed")
    assert stopper.best_epoch == best
    state = model.state_dict()
    assert all(torch.equal(state[k], snaps.weights[best][k]) for k in state)
    if best != stopped_at:
        assert not torch.equal(state["0.weight"], snaps.weights[stopped_at]["0.weight"])


@pytest.mark.parametrize(("callback", "owner"), [(EarlyStopping, "EarlyStopping"),
                                               (lambda: Checkpoint("unused", save_best=True), "Checkpoint")])
def test_monitoring_a_missing_metric_fails_before_training(regression, callback, owner):
    train, _ = regression
    model = net()
    trainer = Trainer(model, torch.optim.SGD(model.parameters(), lr=0.05), callbacks=[callback()])
    with pytest.raises(InvalidArgument, match=rf"'monitor' parameter of {owner} must be a logged metric, "
                                              r"one of \[.*'train_loss'.*\] \(pass validation data to fit\)"):
        trainer.fit(train)
    assert trainer.global_step == 0 and not trainer.history["loss"]


def test_a_typo_in_monitor_names_the_logged_metrics(regression):
    train, val = regression
    model = net()
    trainer = Trainer(model, torch.optim.SGD(model.parameters(), lr=0.05), metrics={"accuracy": "accuracy"},
                      callbacks=[EarlyStopping(monitor="val_acc")])
    with pytest.raises(InvalidArgument, match=r"one of \['epoch', 'step', 'train_loss', 'train_accuracy', "
                                              r"'val_loss', 'val_accuracy', 'lr', 'time'\]. Got 'val_acc' instead"):
        trainer.fit(train, val)


# -- checkpoints -------------------------------------------------------------------
def test_checkpoint_every_n_steps_best_and_last(regression, tmp_path):
    train, val = regression
    model = net()
    ckpt = Checkpoint(tmp_path, every=4, save_best=True, keep_last=2)
    trainer = Trainer(model, torch.optim.Adam(model.parameters(), lr=1e-2), epochs=5, batch_size=16,
                      callbacks=[ckpt])
    history = trainer.fit(train, val)  # 3 steps per epoch, 15 steps
    written = [os.path.basename(p) for p in ckpt.saved if "step-" in p]
    assert written == [f"step-{s:08d}.pt" for s in (4, 8, 12, 15)]
    assert sorted(os.listdir(tmp_path)) == ["best.pt", "step-00000012.pt", "step-00000015.pt"]
    last = load_checkpoint(tmp_path / "step-00000015.pt", model=model)
    assert last["trainer"]["finished"] and last["position"]["global_step"] == 15
    best = load_checkpoint(tmp_path / "best.pt")
    best_epoch = history.best("val_loss")["epoch"]
    assert best["position"]["epoch"] == best_epoch
    assert best["callbacks"]["Checkpoint"]["best"] == pytest.approx(min(history["val_loss"]))


# -- gradient clipping ---------------------------------------------------------------
class GradProbe(Callback):
    order = 50  # after clipping

    def __init__(self):
        self.norms, self.max_abs = [], []

    def on_after_backward(self, trainer, loss):
        grads = [p.grad for p in trainer.model.parameters()]
        self.norms.append(float(torch.sqrt(sum((g ** 2).sum() for g in grads))))
        self.max_abs.append(max(float(g.abs().max()) for g in grads))


def test_clipping_by_norm_and_by_value(regression):
    train, _ = regression
    for clip, key, limit in ((GradientClipping(max_norm=0.1), "norms", 0.1),
                             (GradientClipping(clip_value=0.01), "max_abs", 0.01)):
        model = net()
        probe = GradProbe()
        history = Trainer(model, torch.optim.SGD(model.parameters(), lr=0.1), epochs=5, batch_size=8,
                          callbacks=[probe, clip]).fit(train)
        assert max(getattr(probe, key)) <= limit * (1 + 1e-4)
        assert max(history["grad_norm"]) > 0.1  # the raw gradient was larger: clipping acted


@pytest.mark.parametrize("kwargs", [{}, {"max_norm": 1.0, "clip_value": 1.0}])
def test_clipping_needs_exactly_one_rule(kwargs):
    with pytest.raises(InvalidArgument, match="'max_norm' parameter of GradientClipping must be given, or "
                                              "clip_value given, but not both"):
        GradientClipping(**kwargs)


# -- schedules ---------------------------------------------------------------------------
def test_callable_schedule_sets_the_rate_every_step(regression):
    train, _ = regression
    model = net()
    fn = lambda t: 0.1 / (1 + t)  # noqa: E731
    history = Trainer(model, torch.optim.SGD(model.parameters(), lr=9.0), epochs=3, batch_size=16,
                      callbacks=[ScheduleCallback(fn)]).fit(train)
    assert history["lr"] == [fn(t) for t in range(9)]


def test_callable_schedule_per_epoch_and_other_hyperparameters(regression):
    train, _ = regression
    model = net()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.0)
    seen = []

    class Momentum(Callback):
        def on_step_end(self, trainer, logs):
            seen.append(trainer.optimizer.param_groups[0]["momentum"])

    Trainer(model, opt, epochs=3, batch_size=16,
            callbacks=[ScheduleCallback(lambda e: 0.5 + 0.1 * e, param="momentum", interval="epoch"), Momentum()]).fit(train)
    assert seen == pytest.approx([0.5] * 3 + [0.6] * 3 + [0.7] * 3)


def test_torch_scheduler_steps_per_step_or_epoch(regression):
    train, _ = regression
    for interval, per in (("step", 1), ("epoch", 3)):
        model = net()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        history = Trainer(model, opt, epochs=4, batch_size=16,
                          callbacks=[ScheduleCallback(sched, interval=interval)]).fit(train)
        expected = [0.1 * 0.5 ** ((t // per) // 2) for t in range(12)]
        assert history["lr"] == pytest.approx(expected)


def test_schedule_rejects_a_number():
    with pytest.raises(InvalidArgument, match="'schedule' parameter of ScheduleCallback must be a callable"):
        ScheduleCallback(0.1)


# -- NaN guard -----------------------------------------------------------------------------
def poisoned_mse(bad_steps):
    """MSE that is NaN on the given (1-based) steps."""
    calls = {"n": 0}

    def loss(pred, target):
        if pred.requires_grad:
            calls["n"] += 1
        value = torch.nn.functional.mse_loss(pred, target)
        return value * math.nan if pred.requires_grad and calls["n"] in bad_steps else value

    return loss


class ParamLog(Callback):
    order = 50

    def __init__(self):
        self.after = {}

    def on_step_end(self, trainer, logs):
        self.after[trainer.global_step] = [p.detach().clone() for p in trainer.model.parameters()]


class CountingSGD(torch.optim.SGD):
    """SGD that records, per step, whether it saw any gradient."""

    def step(self, closure=None):
        loss = super().step(closure)
        self.saw = getattr(self, "saw", []) + [any(p.grad is not None for p in self.param_groups[0]["params"])]
        return loss


def test_nan_guard_skips_bad_steps_and_lowers_the_rate(regression):
    train, _ = regression
    model = net()
    log = ParamLog()
    opt = CountingSGD(model.parameters(), lr=0.1)
    trainer = Trainer(model, opt, loss=poisoned_mse({3, 4}), epochs=2, batch_size=8,
                      callbacks=[NaNGuard(factor=0.5, patience=3), log])
    history = trainer.fit(train)
    assert opt.saw == [True, True, False, False] + [True] * 8  # the optimizer never saw the NaN gradients
    assert history.stop_reason == "completed" and len(history["loss"]) == 12
    assert math.isnan(history["loss"][2]) and math.isnan(history["loss"][3])
    assert all(torch.equal(a, b) for a, b in zip(log.after[2], log.after[4], strict=True))  # 3 and 4 skipped
    assert not all(torch.equal(a, b) for a, b in zip(log.after[4], log.after[5], strict=True))
    assert history["lr"][:3] == [0.1] * 3 and history["lr"][4:] == pytest.approx([0.025] * 8)
    assert trainer.lr_scale == 0.25


def test_nan_guard_stops_after_patience_keeping_the_last_good_state(regression):
    train, _ = regression
    model = net()
    log = ParamLog()
    trainer = Trainer(model, torch.optim.SGD(model.parameters(), lr=0.1), loss=poisoned_mse(set(range(5, 99))),
                      epochs=3, batch_size=8, callbacks=[NaNGuard(patience=3), log])
    history = trainer.fit(train)
    assert history.stop_reason == "non_finite" and len(history["loss"]) == 7
    assert "3 non-finite steps in a row" in history.message
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), log.after[4], strict=True))


class Overflow(torch.optim.SGD):
    """SGD whose third step writes infinities into the parameters (finite gradient, bad result)."""

    def step(self, closure=None):
        loss = super().step(closure)
        self.calls = getattr(self, "calls", 0) + 1
        if self.calls == 3:
            with torch.no_grad():
                for group in self.param_groups:
                    for p in group["params"]:
                        p.fill_(math.inf)
        return loss


def test_nan_guard_restores_parameters_that_became_non_finite(regression):
    train, _ = regression
    model = net()
    log = ParamLog()
    trainer = Trainer(model, Overflow(model.parameters(), lr=0.1, momentum=0.9), epochs=1, batch_size=8,
                      callbacks=[NaNGuard(), log])
    history = trainer.fit(train)
    assert history.stop_reason == "completed"
    assert all(torch.equal(a, b) for a, b in zip(log.after[2], log.after[3], strict=True))
    assert all(bool(torch.isfinite(p).all()) for p in model.parameters())
    assert trainer.optimizer.param_groups[0]["lr"] == 0.05


def test_without_a_guard_the_same_run_diverges(regression):
    train, _ = regression
    model = net()
    history = Trainer(model, torch.optim.SGD(model.parameters(), lr=0.1), loss=poisoned_mse({3}), epochs=2,
                      batch_size=8).fit(train)
    assert history.stop_reason == "diverged" and "step 3" in history.message


# -- progress and logs ---------------------------------------------------------------------
def test_progress_prints_lines_when_not_a_terminal(regression):
    train, val = regression
    out = io.StringIO()
    model = net()
    Trainer(model, torch.optim.SGD(model.parameters(), lr=0.05), epochs=20,
            callbacks=[ProgressBar(Console(file=out, force_terminal=False, width=120), lines=4)]).fit(train, val)
    text = out.getvalue()
    assert [line.split()[1] for line in text.splitlines() if line.startswith("epoch")] == \
        ["5/20", "10/20", "15/20", "20/20"]
    assert "val_loss" in text and "stopped: completed" in text


def test_progress_bar_on_a_terminal(regression):
    train, _ = regression
    out = io.StringIO()
    model = net()
    Trainer(model, torch.optim.SGD(model.parameters(), lr=0.05), epochs=3, batch_size=16,
            callbacks=[ProgressBar(Console(file=out, force_terminal=True, width=120))]).fit(train)
    assert "9/9" in out.getvalue()


def test_history_logger_csv_and_json_match_the_history(regression, tmp_path):
    train, val = regression
    model = net()
    history = Trainer(model, torch.optim.SGD(model.parameters(), lr=0.05), epochs=4,
                      callbacks=[HistoryLogger(tmp_path / "h.csv"), HistoryLogger(tmp_path / "h.json"),
                                 HistoryLogger(tmp_path / "steps.csv", steps=True)]).fit(train, val)
    rows = list(csv.DictReader(open(tmp_path / "h.csv")))
    assert [float(r["val_loss"]) for r in rows] == history["val_loss"]
    data = json.loads((tmp_path / "h.json").read_text())
    assert data["epochs"] == history.epochs and data["stop_reason"] == "completed"
    steps = list(csv.DictReader(open(tmp_path / "steps.csv")))
    assert [float(r["loss"]) for r in steps] == history["loss"]


def test_history_logger_needs_a_known_suffix():
    with pytest.raises(InvalidArgument, match="'path' parameter of HistoryLogger must be a file name ending in "
                                              ".csv or .json. Got 'log.txt'"):
        HistoryLogger("log.txt")


def test_schedule_callback_keeps_its_checkpoint_key_and_old_name():
    """Renamed from ``Schedule`` (the schedules' base class name): old checkpoints still match, old name warns."""
    from trainlab.train.callbacks.base import CallbackList

    model = torch.nn.Linear(1, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(opt, step_size=2)
    callbacks = CallbackList([ScheduleCallback(scheduler), ScheduleCallback(lambda t: 0.1, param="momentum")])
    assert callbacks.keys == ["Schedule", "Schedule#1"]
    assert set(callbacks.state_dict()) == {"Schedule"}
    import trainlab.train as train

    with pytest.warns(DeprecationWarning, match="ScheduleCallback"):
        assert train.Schedule is ScheduleCallback
