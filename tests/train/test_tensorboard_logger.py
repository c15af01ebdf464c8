"""``TensorBoardLogger``: the events TensorBoard reads hold the run's own numbers; a missing extra is one line."""

from __future__ import annotations

import sys

import pytest
import torch
from click.testing import CliRunner

from trainlab.cli import main
from trainlab.nn import MLP
from trainlab.train import Trainer, seed_everything
from trainlab.train.callbacks.tensorboard import MissingExtra, TensorBoardLogger


def _events(log_dir):
    accumulator = pytest.importorskip(
        "tensorboard.backend.event_processing.event_accumulator",
        reason="tensorboard is not installed (pip install 'trainlab[tensorboard]')")
    events = accumulator.EventAccumulator(str(log_dir))
    events.Reload()
    return {tag: [(e.step, e.value) for e in events.Scalars(tag)] for tag in events.Tags()["scalars"]}


def test_scalars_are_the_history_of_the_run(tmp_path):
    pytest.importorskip("tensorboard", reason="tensorboard is not installed (pip install 'trainlab[tensorboard]')")
    seed_everything(0)
    x = torch.randn(40, 3)
    y = x.sum(1, keepdim=True)
    model = MLP([3, 8, 1])
    trainer = Trainer(model, torch.optim.SGD(model.parameters(), lr=0.05), epochs=3, batch_size=10,
                      callbacks=[TensorBoardLogger(tmp_path)])
    history = trainer.fit((x[:30], y[:30]), (x[30:], y[30:]))
    events = _events(tmp_path)
    assert {"step/loss", "step/lr", "step/grad_norm", "epoch/train_loss", "epoch/val_loss"} <= set(events)
    assert [s for s, _ in events["step/loss"]] == history["step"]
    assert [v for _, v in events["step/loss"]] == pytest.approx(history["loss"], rel=1e-6)  # stored as float32
    assert events["epoch/val_loss"] == [(row["step"], pytest.approx(row["val_loss"], rel=1e-6))
                                        for row in history.epochs]


def test_a_missing_tensorboard_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # import fails as if not installed
    with pytest.raises(MissingExtra, match=r"pip install 'trainlab\[tensorboard\]'"):
        TensorBoardLogger(tmp_path)
    result = CliRunner().invoke(main, ["train", "--data", "noisy_x2", "--epochs", "1", "--quiet",
                                       "--tensorboard", str(tmp_path / "tb"), "--out", str(tmp_path / "run")])
    assert result.exit_code == 2 and "'--tensorboard'" in result.output and "trainlab[tensorboard]" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "run").exists()


def test_trainlab_train_writes_tensorboard_events(tmp_path):
    pytest.importorskip("tensorboard", reason="tensorboard is not installed (pip install 'trainlab[tensorboard]')")
    result = CliRunner().invoke(main, ["train", "--data", "noisy_x2", "--model", "4", "--epochs", "2", "--quiet",
                                       "--tensorboard", str(tmp_path / "tb"), "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    assert len(_events(tmp_path / "tb")["epoch/train_loss"]) == 2
