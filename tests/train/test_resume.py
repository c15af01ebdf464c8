"""Resuming from a checkpoint gives parameters bit-identical to an uninterrupted run.

Each case trains once without interruption, then again with checkpoints and a
crash (an exception raised right after a checkpoint), then a fresh Trainer built
the same way resumes from the newest checkpoint. Every parameter must be
``torch.equal`` to the uninterrupted run's, and the History must match too.
"""

from __future__ import annotations

import pytest
import torch

from trainlab.nn import MLP
from trainlab.optim import registry
from trainlab.train import (
    Callback,
    Checkpoint,
    EarlyStopping,
    GradientClipping,
    NaNGuard,
    ScheduleCallback,
    Trainer,
    seed_everything,
)


class Crash(Exception):
    pass


class CrashAt(Callback):
    order = 200  # after the checkpoint of the same step

    def __init__(self, step):
        self.step = step

    def on_step_end(self, trainer, logs):
        if trainer.global_step == self.step:
            raise Crash


def adam_step_lr(model):
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    return opt, [ScheduleCallback(torch.optim.lr_scheduler.StepLR(opt, step_size=5, gamma=0.7)), GradientClipping(1.0),
                 NaNGuard(), EarlyStopping(patience=100)]


def sgd_lambda(model):
    return torch.optim.SGD(model.parameters(), lr=0.0, momentum=0.9), [ScheduleCallback(lambda t: 0.05 / (1 + 0.01 * t))]


def lbfgs(model):
    return torch.optim.LBFGS(model.parameters(), lr=0.5, max_iter=4, history_size=5), []


def trainlab_chain(model):
    return registry.build("lookahead", model.parameters(), lr=1e-2), [EarlyStopping(patience=100)]


CASES = {
    # name: (optimizer factory, batch size, dropout, crash step)
    "adam-minibatch-dropout-steplr": (adam_step_lr, 16, 0.2, 7),
    "adam-crash-at-epoch-end": (adam_step_lr, 16, 0.2, 9),  # 3 steps per epoch: step 9 ends epoch 3
    "sgd-single-sample-lambda": (sgd_lambda, 1, 0.1, 61),
    "lbfgs-full-batch": (lbfgs, None, 0.0, 3),
    "lookahead-trainlab": (trainlab_chain, 10, 0.0, 12),
}


def build(case, directory=None, crash=None):
    make_opt, batch_size, dropout, _ = CASES[case]
    seed_everything(7)
    model = MLP([3, 12, 12, 1], activation="tanh", dropout=dropout)
    opt, callbacks = make_opt(model)
    if directory is not None:  # listed first: the Trainer must still run it after the schedule
        callbacks.insert(0, Checkpoint(directory, every=CASES[case][3], save_best=True))
    if crash is not None:
        callbacks.append(CrashAt(crash))
    return Trainer(model, opt, epochs=6, batch_size=batch_size, seed=3, callbacks=callbacks)


@pytest.mark.parametrize("case", sorted(CASES))
def test_resume_after_a_crash_is_bit_identical(regression, tmp_path, case, same):
    train, val = regression
    reference = build(case)
    reference.fit(train, val)

    crashed = build(case, tmp_path, crash=CASES[case][3])
    with pytest.raises(Crash):
        crashed.fit(train, val)
    assert not same(crashed.model, reference.model)  # the crash really happened before the end

    resumed = build(case, tmp_path)
    history = resumed.resume(tmp_path, train, val)
    assert resumed.global_step == reference.global_step
    assert same(resumed.model, reference.model)
    assert history["loss"] == reference.history["loss"] and history["lr"] == reference.history["lr"]
    assert history["val_loss"] == reference.history["val_loss"]
    assert history.stop_reason == reference.history.stop_reason


def test_resume_from_the_best_checkpoint_also_continues_exactly(regression, tmp_path, same):
    """best.pt is written at an epoch end; resuming it replays the rest of the run."""
    train, val = regression
    reference = build("adam-minibatch-dropout-steplr", tmp_path)
    reference.fit(train, val)
    resumed = build("adam-minibatch-dropout-steplr", tmp_path)
    resumed.resume(tmp_path / "best.pt", train, val)
    assert same(resumed.model, reference.model)


def test_resume_in_the_same_process_reuses_the_bound_data(regression, tmp_path, same):
    train, val = regression
    reference = build("adam-minibatch-dropout-steplr")
    reference.fit(train, val)
    crashed = build("adam-minibatch-dropout-steplr", tmp_path, crash=7)
    with pytest.raises(Crash):
        crashed.fit(train, val)
    crashed.callbacks.callbacks[-1].step = -1  # disarm the crash
    crashed.resume(tmp_path)
    assert same(crashed.model, reference.model)
    with pytest.raises(ValueError, match="'train' parameter of Trainer.resume must be the training data"):
        build("adam-minibatch-dropout-steplr").resume(tmp_path)


def test_resuming_a_finished_run_changes_nothing(regression, tmp_path, same):
    train, val = regression
    reference = build("lbfgs-full-batch", tmp_path)
    reference.fit(train, val)
    again = build("lbfgs-full-batch", tmp_path)
    history = again.resume(tmp_path, train, val)
    assert same(again.model, reference.model) and history["loss"] == reference.history["loss"]


def test_early_stopping_state_survives_a_resume(regression, tmp_path, same):
    """A resumed run stops at the same epoch and restores the same best weights."""
    train, val = regression

    def make(directory=None, crash=None):
        seed_everything(1)
        model = MLP([3, 64, 64, 1])
        callbacks = [EarlyStopping(patience=3)]
        if directory:
            callbacks.append(Checkpoint(directory, every=5))
        if crash:
            callbacks.append(CrashAt(crash))
        return Trainer(model, torch.optim.Adam(model.parameters(), lr=3e-2), epochs=60, batch_size=8,
                       callbacks=callbacks)

    reference = make()
    reference.fit(train, val)
    assert reference.history.stop_reason == "early_stopping"
    crash_step = reference.global_step - 7
    with pytest.raises(Crash):
        make(tmp_path, crash=crash_step).fit(train, val)
    resumed = make(tmp_path)
    resumed.resume(tmp_path, train, val)
    assert resumed.history.stop_reason == "early_stopping" and len(resumed.history) == len(reference.history)
    assert same(resumed.model, reference.model)
