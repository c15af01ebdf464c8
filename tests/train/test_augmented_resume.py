"""A Trainer with augmentation (and a bagging sampler) resumes bit-identically: the generator is checkpointed."""

from __future__ import annotations

import pytest
import torch

from trainlab.data.bundled import load_bundled
from trainlab.nn import MLP
from trainlab.nn.ensemble import Ensemble
from trainlab.regularize import parse_augment
from trainlab.train import Callback, Checkpoint, Trainer, seed_everything
from trainlab.train.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from trainlab.train.ensemble import BootstrapBatches, bootstrap_indices


class Crash(Exception):
    pass


class CrashAt(Callback):
    order = 200

    def __init__(self, step):
        self.step = step

    def on_step_end(self, trainer, logs):
        if trainer.global_step == self.step:
            raise Crash


@pytest.fixture(scope="module")
def digits():
    X, y = load_bundled("digits")
    X = torch.as_tensor(X[:96], dtype=torch.float32)
    return (X - X.mean(0)) / X.std(0).clamp(min=1.0), torch.as_tensor(y[:96])


def build(directory=None, crash=None, bagging=False, dropout=0.1):
    seed_everything(11)
    make = lambda: MLP([64, 16, 10], dropout=dropout)  # noqa: E731
    model = Ensemble([make(), make()], combine="probabilities") if bagging else make()
    callbacks = [] if directory is None else [Checkpoint(directory, every=5)]
    if crash is not None:
        callbacks.append(CrashAt(crash))
    sampler = BootstrapBatches(bootstrap_indices(96, 2, seed=4)) if bagging else None
    return Trainer(model, torch.optim.Adam(model.parameters(), lr=1e-2), loss="cross_entropy", epochs=3,
                   batch_size=32, seed=5, callbacks=callbacks,
                   augment=parse_augment("flip,shift,brightness,rotate,distort,noise"), sampler=sampler)


@pytest.mark.parametrize("bagging", [False, True])
def test_a_killed_and_resumed_augmented_run_is_bit_identical(digits, tmp_path, same, bagging):
    reference = build(bagging=bagging)
    reference.fit(digits)
    crashed = build(tmp_path, crash=5, bagging=bagging)
    with pytest.raises(Crash):
        crashed.fit(digits)
    resumed = build(tmp_path, bagging=bagging)
    history = resumed.resume(tmp_path, digits)
    assert same(resumed.model, reference.model) and history["loss"] == reference.history["loss"]


def test_without_the_saved_generator_the_resumed_run_differs(digits, tmp_path, same):
    """The check above can fail: drop the augmentation state from the checkpoint and the bits change."""
    reference = build(dropout=0.0)
    reference.fit(digits)
    crashed = build(tmp_path, crash=5, dropout=0.0)
    with pytest.raises(Crash):
        crashed.fit(digits)
    path = latest_checkpoint(tmp_path)
    state = load_checkpoint(path)
    del state["augment_rng"]  # what a checkpoint from before augmentation holds: it still loads
    save_checkpoint(path, {k: v for k, v in state.items() if k not in ("format", "version")})
    resumed = build(tmp_path, dropout=0.0)
    resumed.augment_rng.manual_seed(999)
    resumed.resume(tmp_path, digits)
    assert resumed.global_step == reference.global_step and not same(resumed.model, reference.model)


def test_augmentation_changes_the_batches_and_a_fresh_fit_reseeds_it(digits, same):
    a, b = build(dropout=0.0), build(dropout=0.0)
    a.fit(digits)
    b.augment_rng.manual_seed(123)  # fit() starts a fresh run from the Trainer's seed
    b.fit(digits)
    assert same(a.model, b.model)
    plain = build(dropout=0.0)
    plain.augment = None
    plain.fit(digits)
    assert not same(plain.model, a.model)


def test_a_trainer_refuses_an_augment_or_sampler_that_is_not_callable():
    from trainlab.constraints import InvalidArgument

    model = MLP([2, 1])
    for name in ("augment", "sampler"):
        with pytest.raises(InvalidArgument, match=f"'{name}' parameter of Trainer must be None or a callable"):
            Trainer(model, torch.optim.SGD(model.parameters(), lr=0.1), **{name: "shift"})
