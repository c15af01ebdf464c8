"""The Trainer's fast paths change nothing: the kept forward pass, skipped mode switches, hooks, tensor history.

Each fast path is compared in float64 with the path it replaces, forced by a model
the Trainer cannot prove mode-free (a ``Sequential`` subclass with its own
``forward``): the History (every step and epoch value) and the parameters must be
identical, and the test checks which path each run took so it cannot pass by both
taking the same one.
"""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from trainlab.nn import MLP
from trainlab.train import Callback, EarlyStopping, Trainer, seed_everything
from trainlab.train.callbacks.base import CallbackList, overrides
from trainlab.train.evaluation import mode_free
from trainlab.train.history import History


class Opaque(nn.Sequential):
    """An ``MLP``'s layers and values, but a ``forward`` of its own: the Trainer must assume it reads the mode."""

    def forward(self, x):  # noqa: D102 - the point is only that it is overridden
        return super().forward(x)


def pair(opaque: bool, seed: int = 0, dropout: float = 0.0) -> nn.Module:
    seed_everything(seed)
    mlp = MLP([3, 16, 16, 1], activation="tanh", dropout=dropout).double()
    return Opaque(*mlp) if opaque else mlp


def data(n=48, seed=1):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 3, generator=g, dtype=torch.float64) * 2 - 1
    return x, torch.sin(3 * x[:, :1]) + x[:, 1:2] ** 2


def run(opaque: bool, *, epochs=25, callbacks=(), val=None, **kw):
    model = pair(opaque)
    trainer = Trainer(model, torch.optim.Adam(model.parameters(), lr=1e-2), epochs=epochs,
                      callbacks=list(callbacks), **kw)
    history = trainer.fit(data(), val)
    return trainer, history, model


def same_history(a: History, b: History) -> bool:
    """Every value equal (NaN equal to NaN, times aside)."""
    def eq(u, v):
        return u == v or (isinstance(u, float) and isinstance(v, float) and math.isnan(u) and math.isnan(v))
    columns = [c for c in a.steps if c != "time"]
    steps = all(len(a.steps[c]) == len(b.steps[c]) and all(map(eq, a.steps[c], b.steps[c])) for c in columns)
    rows = len(a.epochs) == len(b.epochs) and all(
        ra.keys() == rb.keys() and all(eq(ra[k], rb[k]) for k in ra if k != "time")
        for ra, rb in zip(a.epochs, b.epochs, strict=True))
    return steps and rows and a.stop_reason == b.stop_reason


def test_mode_free_knows_which_models_ignore_the_mode():
    assert mode_free(MLP([2, 4, 1])) and mode_free(MLP([2, 4, 1], activation="gelu"))
    assert not mode_free(MLP([2, 4, 1], dropout=0.1))
    assert not mode_free(MLP([2, 4, 4, 1], batch_norm=True))
    assert not mode_free(Opaque(nn.Linear(2, 1)))
    hooked = MLP([2, 4, 1])
    hooked[0].register_forward_hook(lambda *args: None)
    assert not mode_free(hooked)
    patched = MLP([2, 4, 1])
    patched.forward = lambda x: x  # an instance's own forward is unknown code too
    assert not mode_free(patched)


@pytest.mark.parametrize("metrics", [None, {"mae": lambda p, y: float((p - y).abs().mean())}])
def test_full_batch_fast_path_equals_the_slow_path_in_float64(metrics):
    fast, h_fast, m_fast = run(False, metrics=metrics, val=data(16, seed=2))
    slow, h_slow, m_slow = run(True, metrics=metrics, val=data(16, seed=2))
    assert fast.reuses_forward and not slow.reuses_forward
    assert same_history(h_fast, h_slow)
    assert all(torch.equal(p, q) for p, q in zip(m_fast.parameters(), m_slow.parameters(), strict=True))


def test_the_kept_forward_pass_replaces_the_steps_own():
    def counted(calls):
        def mse(pred, y):
            calls[0] += 1
            return torch.nn.functional.mse_loss(pred, y)
        return mse

    for model, per_epoch, first in [(pair(False), 1, 1), (pair(True), 2, 0)]:
        calls = [0]
        trainer = Trainer(model, torch.optim.Adam(model.parameters(), lr=1e-2), epochs=10, loss=counted(calls))
        trainer.fit(data())
        assert calls[0] == per_epoch * 10 + first  # fast: the first step's pass, then one per epoch end


class Shrink(Callback):
    """Changes the weights after each epoch's evaluation: the kept forward pass is stale."""

    def on_epoch_end(self, trainer, logs):
        with torch.no_grad():
            for p in trainer.model.parameters():
                p.mul_(0.99)


class ShrinkData(Callback):
    """As ``Shrink``, through ``p.data``: a write no version counter sees."""

    def on_epoch_end(self, trainer, logs):
        for p in trainer.model.parameters():
            p.data.mul_(0.99)


class Decay(Callback):
    """Lowers the learning rate every step (the forward pass does not depend on it)."""

    def on_step_start(self, trainer):
        for g in trainer.optimizer.param_groups:
            g["lr"] = 1e-2 / (1 + trainer.global_step)


@pytest.mark.parametrize("callbacks", [
    lambda: [Shrink()], lambda: [ShrinkData()], lambda: [Decay()],
    lambda: [EarlyStopping("train_loss", patience=2, min_delta=1e-3)]])
def test_callbacks_that_change_the_run_see_the_same_run_on_both_paths(callbacks):
    _, h_fast, m_fast = run(False, callbacks=callbacks(), epochs=40)
    _, h_slow, m_slow = run(True, callbacks=callbacks(), epochs=40)
    assert same_history(h_fast, h_slow)
    assert all(torch.equal(p, q) for p, q in zip(m_fast.parameters(), m_slow.parameters(), strict=True))


@pytest.mark.parametrize("kw", [{"batch_size": 10}, {"eval_train": False},
                                {"penalty": lambda model, out, y: 1e-3 * sum((p ** 2).sum() for p in model.parameters())},
                                ])
def test_runs_the_kept_pass_cannot_serve_take_the_slow_path_and_agree(kw):
    fast, h_fast, _ = run(False, epochs=6, **kw)
    _, h_slow, _ = run(True, epochs=6, **kw)
    assert not fast.reuses_forward or kw.get("eval_train") is False
    assert same_history(h_fast, h_slow)


def test_dropout_models_are_switched_to_eval_for_the_evaluation():
    torch.manual_seed(0)
    model = MLP([3, 32, 1], dropout=0.5).double()
    seen = []
    model.register_forward_pre_hook(lambda m, args: seen.append(m.training))
    Trainer(model, torch.optim.SGD(model.parameters(), lr=1e-2), epochs=3).fit(data())
    assert seen == [True, False] * 3  # step in train mode, evaluation in eval mode


class StepOnly(Callback):
    def __init__(self):
        self.grad_norms = []

    def on_step_end(self, trainer, logs):
        self.grad_norms.append(logs["grad_norm"])


def test_only_overridden_hooks_are_called_and_step_logs_hold_floats():
    cb = StepOnly()
    callbacks = CallbackList([cb, Callback()])
    assert overrides(cb, "on_step_end") and not overrides(cb, "on_epoch_end")
    assert callbacks.wants("on_step_end") and not callbacks.wants("on_after_backward")
    _, history, _ = run(False, callbacks=[cb], epochs=3)
    assert all(type(g) is float for g in cb.grad_norms) and cb.grad_norms == history["grad_norm"]


def test_history_flushes_tensor_values_into_the_floats_it_would_have_held():
    h, ref = History(), History()
    for i, g in enumerate([torch.tensor(0.1, dtype=torch.float32), torch.tensor(2.5, dtype=torch.float64)]):
        h.add_step(step=i + 1, epoch=0, loss=1.0, lr=0.1, grad_norm=g, time=0.0)
        ref.add_step(step=i + 1, epoch=0, loss=1.0, lr=0.1, grad_norm=float(g), time=0.0)
    assert h.steps == ref.steps and all(type(v) is float for v in h.steps["grad_norm"])
    assert all(torch.equal(h.state_dict()["steps"][c], ref.state_dict()["steps"][c]) for c in ref.steps)


class ShiftFirst(torch.optim.Adam):
    """Moves the parameters (through ``p.data``) before it evaluates the closure: not a torch.optim class."""

    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                p.data.add_(1e-3)
        return super().step(closure)


def test_an_optimizer_that_moves_the_parameters_before_the_closure_gets_a_fresh_pass():
    runs = []
    for opaque in (False, True):
        model = pair(opaque)
        trainer = Trainer(model, ShiftFirst(model.parameters(), lr=1e-2), epochs=8)
        runs.append((trainer, trainer.fit(data()), model))
    assert runs[0][0]._watch and runs[0][0].reuses_forward
    assert same_history(runs[0][1], runs[1][1])
    assert all(torch.equal(p, q) for p, q in zip(runs[0][2].parameters(), runs[1][2].parameters(), strict=True))
