"""A run of an MLP with batch norm and per-layer standard dropout resumes bit for bit (running statistics too)."""

from __future__ import annotations

import pytest
import torch

from tests.train.test_resume import Crash, CrashAt
from trainlab.nn import MLP
from trainlab.train import Checkpoint, Trainer, seed_everything


def build(directory=None, crash=None):
    seed_everything(7)
    model = MLP([3, 12, 12, 1], activation="tanh", dropout=[0.3, 0.1], dropout_form="standard", batch_norm=True)
    callbacks = []
    if directory is not None:
        callbacks.append(Checkpoint(directory, every=5))
    if crash is not None:
        callbacks.append(CrashAt(crash))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    return Trainer(model, opt, epochs=4, batch_size=16, seed=3, callbacks=callbacks)


def test_resume_after_a_crash_is_bit_identical(regression, tmp_path, same):
    train, val = regression
    reference = build()
    reference.fit(train, val)
    assert int(reference.model[1].num_batches_tracked) == 4 * 3  # 48 rows in batches of 16, 4 epochs
    crashed = build(tmp_path, crash=7)
    with pytest.raises(Crash):
        crashed.fit(train, val)
    resumed = build(tmp_path)
    history = resumed.resume(tmp_path, train, val)
    assert same(resumed.model, reference.model)  # parameters and the BatchNorm1d buffers
    assert history["val_loss"] == reference.history["val_loss"]
