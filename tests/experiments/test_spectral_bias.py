"""Spectral bias at tiny size: the record, the learned step, the outputs."""

from __future__ import annotations

import json

from trainlab.experiments import spectral_bias as sb


def test_low_frequencies_are_fitted_before_high_ones():
    run = sb.spectral_bias_run(seed=0, steps=150, every=50, width=64, frequencies=(1, 9))
    assert run.steps == [0, 50, 100, 150]
    assert all(0.5 < e < 1.5 for e in run.errors[0])  # an untrained net misses every component
    assert run.errors[-1][0] < 0.5 * run.errors[-1][1]


def test_learned_step_and_summary():
    run = sb.SpectralRun(0, [1, 3], [0, 10, 20], [[1.0, 1.0], [0.05, 0.5], [0.01, 0.2]], 0.0)
    assert sb.learned_step(run) == [10, None]
    other = sb.SpectralRun(1, [1, 3], [0, 10, 20], [[1.0, 1.0], [0.5, 0.5], [0.01, 0.05]], 0.0)
    summary = sb.summarize([run, other])
    assert summary["learned_step_mean"] == [15, 20] and summary["never_learned"] == [0, 1]
    assert summary["learned_step_std"] == [5, 0]


def test_main_writes_the_heat_map_and_the_json(tmp_path):
    sb.main(["--seeds", "2", "--steps", "4", "--every", "2", "--width", "8", "--out", str(tmp_path)])
    data = json.loads((tmp_path / "spectral_bias.json").read_text())
    assert data["frequencies"] == list(sb.FREQUENCIES) and len(data["runs"]) == 2
    assert (tmp_path / "spectral_bias.png").stat().st_size > 10_000
