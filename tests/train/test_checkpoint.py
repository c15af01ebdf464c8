"""The checkpoint file: atomic writes, safe loading, and one clear error per bad file."""

from __future__ import annotations

import os
import pickle
import random

import numpy as np
import pytest
import torch

from trainlab.nn import MLP
from trainlab.train import CheckpointError, Checkpoint, Trainer, capture_rng, load_checkpoint, restore_rng
from trainlab.atomic import atomic_write, atomic_write_text
from trainlab.train.checkpoint import latest_checkpoint, model_signature, save_checkpoint
from tests.helpers import Marker


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "config.json"
    atomic_write_text(path, "old")

    def half_then_crash(f):
        f.write(b"new but incomp")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(path, half_then_crash)
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["config.json"]  # no temporary left behind


def test_round_trip_holds_tensors_and_plain_data(tmp_path):
    model = MLP([2, 3, 1])
    payload = {"model": model.state_dict(), "signature": model_signature(model), "numbers": [1, 2.5, None],
               "big": 2**100}
    save_checkpoint(tmp_path / "c.pt", payload)
    back = load_checkpoint(tmp_path / "c.pt", model=model)
    assert back["numbers"] == [1, 2.5, None] and back["big"] == 2**100
    assert all(torch.equal(back["model"][k], v) for k, v in model.state_dict().items())


def test_rng_capture_restores_every_generator():
    gen = np.random.default_rng(5)
    state = capture_rng(gen)
    first = (random.random(), np.random.rand(), torch.rand(3), gen.permutation(10))
    restore_rng(state, gen)
    again = (random.random(), np.random.rand(), torch.rand(3), gen.permutation(10))
    assert first[0] == again[0] and first[1] == again[1]
    assert torch.equal(first[2], again[2]) and np.array_equal(first[3], again[3])


@pytest.fixture
def good_file(tmp_path):
    model = MLP([2, 3, 1])
    path = tmp_path / "good.pt"
    save_checkpoint(path, {"model": model.state_dict(), "signature": model_signature(model)})
    return path


@pytest.mark.parametrize("how", ["torch_save", "raw_pickle", "inside_a_real_checkpoint"])
def test_pickled_code_is_refused_and_never_executed(tmp_path, how):
    marker = tmp_path / "EXECUTED"
    path = tmp_path / "evil.pt"
    evil = Marker(marker)
    if how == "raw_pickle":
        path.write_bytes(pickle.dumps({"format": "trainlab-checkpoint", "x": evil}))
    else:
        model = MLP([2, 3, 1])
        payload = {"format": "trainlab-checkpoint", "version": 1, "payload": evil}
        if how == "inside_a_real_checkpoint":
            payload.update(model=model.state_dict(), signature=model_signature(model))
        torch.save(payload, path)
    with pytest.raises(CheckpointError, match=r"Refusing to load checkpoint .*evil.pt: it carries pickled code "
                                              r".*posix.system.*Nothing in it was executed"):
        load_checkpoint(path)
    assert not marker.exists()


@pytest.mark.parametrize(("damage", "needle"), [
    ("truncate", "the file is truncated or corrupt"),
    ("garbage", "corrupt"),
    ("empty", "the file is truncated or corrupt"),
    ("flip_tail", "corrupt"),
])
def test_damaged_files_get_one_clear_error(good_file, damage, needle):
    data = good_file.read_bytes()
    rng = np.random.default_rng(0)
    good_file.write_bytes({"truncate": data[: len(data) // 2],
                           "garbage": rng.bytes(len(data)),
                           "empty": b"",
                           "flip_tail": data[:-30] + rng.bytes(30)}[damage])
    with pytest.raises(CheckpointError, match=f"good.pt.*{needle}"):
        load_checkpoint(good_file)


def test_not_a_trainlab_checkpoint(tmp_path):
    torch.save({"weight": torch.ones(2)}, tmp_path / "plain.pt")
    with pytest.raises(CheckpointError, match="is not a trainlab checkpoint"):
        load_checkpoint(tmp_path / "plain.pt")
    with pytest.raises(CheckpointError, match="No checkpoint file at"):
        load_checkpoint(tmp_path / "missing.pt")
    with pytest.raises(CheckpointError, match=r"No checkpoints \(step-\*.pt\) in"):
        latest_checkpoint(tmp_path)


def test_newer_format_version_is_refused(tmp_path):
    torch.save({"format": "trainlab-checkpoint", "version": 99}, tmp_path / "new.pt")
    with pytest.raises(CheckpointError, match="format version 99; this trainlab reads up to 1"):
        load_checkpoint(tmp_path / "new.pt")


def test_checkpoint_of_a_different_model(good_file):
    with pytest.raises(CheckpointError, match=r"different model: '0.weight' has shape \[3, 2\] \(float32\) in the "
                                              r"checkpoint, \[5, 2\] \(float32\) in the model"):
        load_checkpoint(good_file, model=MLP([2, 5, 1]))
    with pytest.raises(CheckpointError, match="'4.weight' is missing from the checkpoint"):
        load_checkpoint(good_file, model=MLP([2, 3, 3, 1]))


def run_with_checkpoints(directory, regression, optimizer="adam", batch_size=16):
    train, val = regression
    torch.manual_seed(0)
    model = MLP([3, 8, 1])
    opt = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}[optimizer](model.parameters(), lr=1e-2)
    return Trainer(model, opt, epochs=2, batch_size=batch_size, callbacks=[Checkpoint(directory, every=2)])


def test_resume_refuses_another_optimizer_batch_size_or_data(regression, tmp_path):
    train, val = regression
    run_with_checkpoints(tmp_path, regression).fit(train, val)
    with pytest.raises(CheckpointError, match="written with optimizer Adam, this Trainer has SGD"):
        run_with_checkpoints(tmp_path, regression, optimizer="sgd").resume(tmp_path, train, val)
    with pytest.raises(CheckpointError, match="batch_size=16, this Trainer has batch_size=8"):
        run_with_checkpoints(tmp_path, regression, batch_size=8).resume(tmp_path, train, val)
    shifted = (train[0] + 1, train[1])
    with pytest.raises(CheckpointError, match="written for different data"):
        run_with_checkpoints(tmp_path, regression).resume(tmp_path, shifted, val)
