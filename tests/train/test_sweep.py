"""Sweeps: the trials a spec makes, restarts that skip finished trials, local and Ray backends agreeing."""

from __future__ import annotations

import importlib.util
import json
import os
import re
from pathlib import Path

import numpy as np
import pytest

from trainlab.train.callbacks import Callback
from trainlab.train.run import start_run
from trainlab.train.run_index import RunIndex
from trainlab.train.sweep import run_sweep
from trainlab.train.sweep_spec import SweepFileError, SweepSpec, load_sweep

BASE = {"data": "noisy_x2", "hidden": [6], "epochs": 3, "batch_size": 20}


def _metrics(results):
    """Each trial's summary without its wall time (the only entry that depends on the machine)."""
    return {r.trial.name: {k: v for k, v in r.metrics.items() if k != "wall_time"} for r in results}


def test_grid_is_every_combination_in_order_with_values_in_each_config():
    spec = SweepSpec(base=BASE, grid={"optimizer": ["sgd", "adam"], "lr": [0.01, 0.1, 1.0], "seed": [0, 1]})
    trials = spec.trials()
    assert len(trials) == 12
    expected = [(o, lr, s) for o in ["sgd", "adam"] for lr in [0.01, 0.1, 1.0] for s in [0, 1]]
    assert [(t.config.optimizer, t.config.lr, t.config.seed) for t in trials] == expected
    assert len({t.name for t in trials}) == 12 and all(t.config.hidden == [6] for t in trials)


def test_random_draws_are_reproducible_in_range_and_crossed_with_the_grid():
    random = {"lr": {"loguniform": [1e-4, 1e-1]}, "momentum": {"uniform": [0.5, 0.9]},
              "activation": {"choice": ["relu", "tanh"]}, "warmup": {"randint": [0, 5]}}
    spec = SweepSpec(base=BASE, grid={"seed": [0, 1]}, random=random, samples=50, search_seed=3)
    trials = spec.trials()
    assert len(trials) == 100
    assert [t.params for t in trials] == [t.params for t in SweepSpec(
        base=BASE, grid={"seed": [0, 1]}, random=random, samples=50, search_seed=3).trials()]
    lrs = np.array([t.config.lr for t in trials[::2]])
    assert lrs.min() >= 1e-4 and lrs.max() <= 1e-1 and len(set(lrs)) == 50
    assert (np.log10(lrs) < -2.5).mean() > 0.3  # log-uniform: half the draws below the log-midpoint, not 1.5%
    assert all(0.5 <= t.config.momentum <= 0.9 and 0 <= t.config.warmup < 5 for t in trials)
    assert {t.config.activation for t in trials} == {"relu", "tanh"}
    assert all(trials[2 * i].params["lr"] == trials[2 * i + 1].params["lr"] for i in range(50))  # one draw, two seeds


@pytest.mark.parametrize("text, key, line", [
    ("base:\n  data: iris\ngrid:\n  lr: [0.1]\n  optimiser: [sgd]\n", "grid.optimiser", 5),
    ("base:\n  data: iris\n  epochs: many\n", "base.epochs", 3),
    ("base:\n  data: iris\ngrid:\n  lr: 0.1\n", "grid.lr", 4),
    ("base:\n  data: iris\nrandom:\n  lr: {loguniform: [0, 1]}\n", "random.lr", 4),
    ("base:\n  data: iris\nsamples: 0\n", "samples", 3),
    ("base:\n  data: iris\ngird:\n  lr: [1]\n", "gird", 3),
    ("base:\n  data: iris\ngrid:\n  optimizer: [sgd, adamm]\n", "grid.optimizer", 4),
])
def test_an_invalid_sweep_file_names_the_key_and_its_line(tmp_path, text, key, line):
    path = tmp_path / "sweep.yaml"
    path.write_text(text)
    with pytest.raises(SweepFileError, match=rf"{key} \(line {line}\)"):
        load_sweep(str(path))


def test_yaml_and_json_files_give_the_same_trials_and_yaml_11_exponents_are_numbers(tmp_path):
    yaml_file, json_file = tmp_path / "s.yaml", tmp_path / "s.json"
    yaml_file.write_text("base:\n  data: iris\n  hidden: [4]\ngrid:\n  lr: [1e-3, 1.0e-2]\n  seed: [0, 1]\n")
    json_file.write_text(json.dumps({"base": {"data": "iris", "hidden": [4]},
                                     "grid": {"lr": [1e-3, 1e-2], "seed": [0, 1]}}))
    a, b = load_sweep(str(yaml_file)).trials(), load_sweep(str(json_file)).trials()
    assert [t.config for t in a] == [t.config for t in b]
    assert [t.config.lr for t in a] == [1e-3, 1e-3, 1e-2, 1e-2]


class _KillAtEpoch(Callback):
    """Stands in for a kill: raises after epoch ``at`` ends (and its checkpoint is written)."""

    def __init__(self, at: int) -> None:
        self.at = at

    def on_epoch_end(self, trainer, logs) -> None:
        if trainer.epoch == self.at:
            raise KeyboardInterrupt


def test_a_restarted_sweep_skips_finished_trials_and_continues_the_cut_one_to_the_same_metrics(tmp_path):
    spec = SweepSpec(base=BASE, grid={"lr": [0.01, 0.1], "seed": [0, 1]})
    whole = run_sweep(spec, str(tmp_path / "whole"), workers=1)
    assert [r.status for r in whole] == ["completed"] * 4
    cut = tmp_path / "cut"
    trials = spec.trials()
    start_run(str(cut / trials[0].name), trials[0].config, progress=False)  # finished before the kill
    with pytest.raises(KeyboardInterrupt):  # killed in its second epoch
        start_run(str(cut / trials[1].name), trials[1].config, progress=False, callbacks=[_KillAtEpoch(2)])
    again = run_sweep(spec, str(cut), workers=1)
    assert [r.status for r in again] == ["finished before", "completed", "completed", "completed"]
    assert _metrics(again) == _metrics(whole)
    saved = json.loads((cut / "sweep.json").read_text())
    assert [t["metrics"]["val_loss"] for t in saved["trials"]] == [r.metrics["val_loss"] for r in whole]
    assert all(os.path.isfile(os.path.join(t["folder"], "model.pt")) for t in saved["trials"])
    indexed = RunIndex(str(cut)).runs()  # the trials this sweep trained, not the one finished before it
    assert sorted(r.name for r in indexed) == sorted(t.name for t in trials[1:])
    assert {r.status for r in indexed} == {"completed"}
    assert {r.kind for r in indexed} == {"sweep"}


def test_a_trial_folder_of_another_configuration_is_an_error_not_a_silent_skip(tmp_path):
    spec = SweepSpec(base=BASE, grid={"lr": [0.01]})
    run_sweep(spec, str(tmp_path), workers=1)
    changed = SweepSpec(base={**BASE, "epochs": 4}, grid={"lr": [0.01]})
    result, = run_sweep(changed, str(tmp_path), workers=1)
    assert result.status == "error" and "another configuration" in result.error


@pytest.mark.slow
def test_local_workers_and_ray_tune_give_the_same_trial_metrics_and_asha_stops_only_unfinished_trials(tmp_path):
    spec = SweepSpec(base=BASE, grid={"optimizer": ["sgd", "adam"], "seed": [0, 1]})
    one = run_sweep(spec, str(tmp_path / "one"), workers=1)
    two = run_sweep(spec, str(tmp_path / "two"), workers=2)
    assert _metrics(one) == _metrics(two)
    assert all(r.status == "completed" for r in one)
    if importlib.util.find_spec("ray") is None:  # CI installs it with the dev extra: there it must run
        (pytest.fail if os.environ.get("CI") else pytest.skip)(
            "Ray Tune is not installed (pip install 'trainlab[ray]'); the local half ran")
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:  # one Ray instance for both sweeps (run_sweep leaves a running one alone)
        tuned = run_sweep(spec, str(tmp_path / "ray"), backend="ray", workers=2)
        assert [r.status for r in tuned] == ["completed"] * 4
        assert _metrics(tuned) == _metrics(one)
        lrs = SweepSpec(base={**BASE, "epochs": 8}, grid={"lr": [1e-4, 1e-3, 1e-2, 0.1, 0.3, 3.0]})
        asha = run_sweep(lrs, str(tmp_path / "asha"), backend="ray", workers=2, asha=True)
        local = {r.trial.name: r for r in run_sweep(lrs, str(tmp_path / "asha-local"), workers=1)}
    finally:
        ray.shutdown()
    assert {r.status for r in asha} <= {"completed", "early stopped"}
    for r in asha:
        summary = os.path.join(r.folder, "summary.json")
        if r.status == "completed":  # ran to its end: the same numbers as without Ray
            assert _metrics([r]) == _metrics([local[r.trial.name]])
        else:  # stopped at a rung: its folder has checkpoints to continue from, no summary
            assert not os.path.exists(summary) and 1 <= r.metrics["epoch"] < 8


def test_the_sweep_file_of_the_docs_loads_to_the_trials_it_describes(tmp_path):
    docs = (Path(__file__).resolve().parents[2] / "docs" / "scale.md").read_text()
    block = re.search(r"```yaml\n(.*?)```", docs, re.S).group(1)
    (tmp_path / "sweep.yaml").write_text(block)
    trials = load_sweep(str(tmp_path / "sweep.yaml")).trials()
    assert len(trials) == 2 * 3 * 3 * 4  # optimizers x rates x seeds, times 4 draws
    assert {t.config.activation for t in trials} <= {"relu", "tanh"}
    assert all(1e-5 <= t.config.weight_decay <= 1e-2 and t.config.hidden == [32] for t in trials)
