"""The rules' measures: rising share, the noise band, and thresholds that adapt to the task."""

from __future__ import annotations

import numpy as np
import pytest

from trainlab.doctor.rules import diagnose, noise, rises


def measurements(train, val=(), **extra):
    m = {"task": "regression", "epochs": len(train) - 1, "trivial": 1.0, "linear": None, "train": list(train),
         "val": list(val), "update_ratio": [1e-3] * (len(train) - 1), "probes": [], "nonfinite_step": None,
         "optimizer": {"lr": 0.01, "momentum": 0.0, "weight_decay": 0.0, "adaptive": False},
         "model": {"dropout": 0.0, "min_width": 32, "depth": 3}, "sharpness": [], "step_loss": []}
    m.update(extra)
    return m


def codes(m) -> list[str]:
    return [f.code for f in diagnose(m) if f.severity != "info"]


def test_rises_is_zero_for_a_descent_and_half_for_a_zigzag() -> None:
    assert rises([3.0, 2.0, 1.5, 1.0]) == (0.0, 0.0)
    share, amplitude = rises([1.0, 2.0, 1.0, 2.0, 1.0])
    assert share == 0.5 and amplitude == 2.0


def test_noise_estimates_the_standard_deviation_of_white_noise_on_a_trend() -> None:
    rng = np.random.default_rng(0)
    estimates = [noise(list(np.linspace(5, 1, 200) + rng.normal(0, 0.3, 200))) for _ in range(50)]
    assert np.mean(estimates) == pytest.approx(0.3, rel=0.1)  # the trend does not count as noise


def test_a_noisy_validation_curve_is_not_overfitting_a_real_rise_is() -> None:
    rng = np.random.default_rng(1)
    train = list(np.linspace(1.0, 0.3, 41))
    noisy = list(0.6 + rng.normal(0, 0.05, 41))  # flat around 0.6, inside its noise band
    assert "overfitting" not in codes(measurements(train, noisy))
    rising = list(np.r_[np.linspace(0.9, 0.5, 15), np.linspace(0.5, 1.2, 26)] + rng.normal(0, 0.01, 41))
    assert codes(measurements(train, rising))[0] == "overfitting"


def test_stalling_is_judged_against_the_trivial_loss() -> None:
    flat = [2.0] * 21  # 2.0 is high in absolute terms but 20% of this task's trivial loss: learned, not stalled
    assert "stalled" not in codes(measurements(flat, trivial=10.0))
    assert codes(measurements(flat, trivial=2.05)) == ["stalled"]


def test_tiny_steps_with_no_progress_are_lr_too_low_normal_steps_at_a_high_loss_are_not() -> None:
    curve = list(np.linspace(1.0, 0.99, 21))
    assert codes(measurements(curve, update_ratio=[1e-7] * 20))[0] == "lr_too_low"
    assert "lr_too_low" not in codes(measurements(curve, update_ratio=[1e-2] * 20))


def test_a_steady_slow_descent_with_small_steps_is_lr_too_low_a_converged_one_is_underfitting() -> None:
    falling = list(np.linspace(1.0, 0.6, 31))
    assert codes(measurements(falling, update_ratio=[1e-4] * 30))[0] == "lr_too_low"
    converged = list(np.r_[np.linspace(1.0, 0.8, 10), [0.8] * 21])
    found = codes(measurements(converged, update_ratio=[1e-3] * 30, linear=0.3))
    assert found == ["underfitting"]


def test_swings_are_oscillation_with_heavy_momentum_and_lr_too_high_without() -> None:
    swing = [1.0, 0.6, 0.9, 0.5, 0.8, 0.45, 0.7, 0.4, 0.65, 0.4, 0.6]
    heavy = {"lr": 0.01, "momentum": 0.99, "weight_decay": 0.0, "adaptive": False}
    assert codes(measurements(swing, optimizer=heavy))[0] == "oscillation"
    assert codes(measurements(swing))[0] == "lr_too_high"


def test_divergence_to_nan_is_lr_too_high_then_non_finite() -> None:
    assert codes(measurements([1.0, 3.0, 50.0, float("nan")], nonfinite_step=3)) == ["lr_too_high", "non_finite"]
    assert codes(measurements([1.0, 0.9, float("nan")], nonfinite_step=2, step_loss=[1.0, 0.9])) == ["non_finite"]
