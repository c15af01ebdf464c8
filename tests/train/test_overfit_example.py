"""A large network fits 10 points to ~0 training loss and generalizes worse than a regularized fit."""

from __future__ import annotations

import pytest

from trainlab.experiments.overfit import plot_overfit, run_overfit


@pytest.fixture(scope="module")
def result():
    return run_overfit()


def test_large_network_interpolates_the_10_points(result):
    big = result.overfit
    assert len(result.train[0]) == 10
    assert big.train_loss < 1e-4
    assert big.test_loss > 100 * big.train_loss
    # the History shows the same gap between the training and validation curves
    assert big.history["val_loss"][-1] > 100 * big.history["train_loss"][-1]
    assert big.history.stop_reason == "completed"


def test_regularized_fit_trades_training_loss_for_test_loss(result):
    big, reg = result.overfit, result.regularized
    assert reg.train_loss > 10 * big.train_loss
    assert reg.test_loss < big.test_loss
    assert reg.gap < big.gap
    # early stopping kept the epoch with the lowest validation loss
    assert reg.history.stop_reason == "early_stopping"
    assert reg.val_loss == pytest.approx(min(reg.history["val_loss"]), rel=1e-6)


def test_figure(result, tmp_path):
    path = tmp_path / "overfit.png"
    plot_overfit(result, path)
    data = path.read_bytes()
    assert data[:4] == b"\x89PNG" and len(data) > 20_000
