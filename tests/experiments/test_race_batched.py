"""The batched race (grid x seeds as one stacked model) equals running each entry alone (float64)."""

import math
from dataclasses import replace

import pytest
import torch
from click.testing import CliRunner

from trainlab.cli import main
from trainlab.data import load_bundled, split_standardized
from trainlab.experiments.time_to_target import STACKABLE, compare_time_to_target, train_grid
from trainlab.nn import MLP
from trainlab.optim import registry


@pytest.fixture(scope="module")
def problem():
    X, y = load_bundled("diabetes")
    data = split_standardized(X, y, val=0.2, seed=0, dtype=torch.float64)
    starts = []
    for k in range(2):
        torch.manual_seed(k)
        starts.append(MLP([10, 16, 16, 1], activation="tanh").double())
    return data, starts


def _same_run(a, b, rel=1e-9):
    assert (a.lr, a.seed, a.stop_reason, a.steps_to_target) == (b.lr, b.seed, b.stop_reason, b.steps_to_target)
    for x, y in ((a.train_loss, b.train_loss), (a.val_loss, b.val_loss)):
        assert (x == y) if not math.isfinite(y) else x == pytest.approx(y, rel=rel, abs=1e-14)


@pytest.mark.parametrize("name", sorted(STACKABLE))
def test_every_stackable_optimizer_gives_each_rate_and_seed_its_single_run(name, problem):
    data, starts = problem
    grid = registry.get(name).lr_grid
    stacked = train_grid(name, grid, starts, data, steps=25, target=0.8)
    alone = train_grid(name, grid, starts, data, steps=25, target=0.8, batched=False)
    assert len(stacked) == len(alone) == len(grid) * len(starts)
    for a, b in zip(stacked, alone, strict=True):
        _same_run(a, b)


@pytest.mark.parametrize("name", ["asgd", "adabound", "lookahead"])
def test_optimizers_outside_stackable_are_not_exact_with_per_run_rates_so_they_run_alone(name, problem):
    from trainlab.experiments import time_to_target as ttt

    data, starts = problem
    grid = registry.get(name).lr_grid
    forced = ttt._train_stacked(registry.get(name), grid, starts[:1], data, 25, 0.8)
    alone = train_grid(name, grid, starts[:1], data, steps=25, target=0.8, batched=False)
    assert max(abs(a.train_loss - b.train_loss) / b.train_loss for a, b in zip(forced, alone, strict=True)) > 1e-6
    for a, b in zip(train_grid(name, grid, starts[:1], data, steps=25, target=0.8), alone, strict=True):
        assert replace(a, wall_time=0) == replace(b, wall_time=0)  # the fallback is the one-at-a-time path


def test_diverging_rates_stop_where_a_single_run_stops(problem):
    data, starts = problem
    rates = [0.1, 30.0, 1e4]  # the last two blow up
    stacked = train_grid("sgd", rates, starts, data, steps=60, target=0.8)
    alone = train_grid("sgd", rates, starts, data, steps=60, target=0.8, batched=False)
    assert [r.stop_reason for r in alone] == ["max_iter"] * 2 + ["diverged"] * 4
    for a, b in zip(stacked, alone, strict=True):
        _same_run(a, b)


@pytest.mark.parametrize("seeds", [1, 3])
def test_race_rows_batched_equal_one_at_a_time(seeds):
    kwargs = dict(steps=120, target=0.7, seeds=seeds, widths=(16, 16), dtype=torch.float64)
    names = ["sgd", "momentum", "adam", "rmsprop"]
    batched = compare_time_to_target(names, **kwargs)
    alone = compare_time_to_target(names, batched=False, **kwargs)
    assert any(r.steps_to_target is not None for r in alone)
    for a, b in zip(batched, alone, strict=True):
        assert (a.name, a.lr, a.steps_to_target, a.stop_reason, a.seeds) == (b.name, b.lr, b.steps_to_target,
                                                                          b.stop_reason, seeds)
        for f in ("train_loss", "val_loss", "val_loss_min", "val_loss_max"):
            assert getattr(a, f) == pytest.approx(getattr(b, f), rel=1e-9)


def test_seeds_report_the_median_and_spread_of_the_best_rates_validation_loss():
    rows = compare_time_to_target(["adam"], steps=40, seeds=3, widths=(8,), dtype=torch.float64)
    X, y = load_bundled("diabetes")
    data = split_standardized(X, y, val=0.2, seed=0, dtype=torch.float64)
    starts = []
    for k in range(3):
        torch.manual_seed(k)
        starts.append(MLP([10, 8, 1], activation="tanh").double())
    runs = [r for r in train_grid("adam", [rows[0].lr], starts, data, 40, 0.4, batched=False)]
    vals = sorted(r.val_loss for r in runs)
    row = rows[0]
    assert row.seeds == 3 and len(set(vals)) == 3
    assert (row.val_loss_min, row.val_loss, row.val_loss_max) == pytest.approx(vals, rel=1e-9)
    single = compare_time_to_target(["adam"], steps=40, seeds=1, widths=(8,), dtype=torch.float64)[0]
    assert single.val_loss_min == single.val_loss == single.val_loss_max


def test_cli_race_seeds_option():
    runner = CliRunner()
    out = runner.invoke(main, ["race", "--optimizers", "sgd", "--steps", "10", "--seeds", "2", "--no-tune"])
    assert out.exit_code == 0, out.output
    bad = runner.invoke(main, ["race", "--seeds", "0"])
    assert bad.exit_code != 0 and "--seeds" in bad.output and "Traceback" not in bad.output
