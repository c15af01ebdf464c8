"""The validation race: each vectorized run equals that optimizer trained alone; rows, ranking, output."""

import copy
import json
import math

import pytest
import torch
from click.testing import CliRunner
from torch.nn import functional as F

from trainlab.cli import main
from trainlab.constraints import InvalidArgument
from trainlab.data import load_bundled, split_standardized
from trainlab.experiments.optimizer_race import run_race, train_runs
from trainlab.nn import MLP
from trainlab.optim import registry
from trainlab.train.run_index import RunIndex

STEPS, EVERY, PATIENCE = 60, 5, 10


def _data():
    X, y = load_bundled("diabetes")
    return split_standardized(X, y, val=0.2, seed=0, dtype=torch.float64)


def _starts(seeds, widths=(8,)):
    starts = []
    for k in range(seeds):
        torch.manual_seed(k)
        starts.append(MLP([10, *widths, 1], activation="tanh").double())
    return starts


def _alone(name, lr, start, data, steps=STEPS, every=EVERY, patience=PATIENCE):
    """The protocol written as one plain loop over one model: curves, best step, where it stopped."""
    model = copy.deepcopy(start)
    opt = registry.get(name).build(model.parameters(), lr=lr)
    train, val, steps_seen, best, best_step = [], [], [], math.inf, -1
    for step in range(steps + 1):
        opt.zero_grad()
        loss = F.mse_loss(model(data.train.x), data.train.y)
        train.append(loss.item())
        if not math.isfinite(train[-1]):
            return train, val, best_step, step, True
        if step % every == 0 or step == steps:
            with torch.no_grad():
                val.append(F.mse_loss(model(data.val.x), data.val.y).item())
            steps_seen.append(step)
            if val[-1] < best:
                best, best_step = val[-1], step
            if step - best_step >= patience:
                return train, val, best_step, step, False
        if step == steps:
            return train, val, best_step, step, False
        loss.backward()
        opt.step()


def _same(run, alone):
    train, val, best_step, stopped, diverged = alone
    assert (run.best_step, run.stopped_at, run.stop_reason == "diverged") == (best_step, stopped, diverged)
    finite = [(a, b) for a, b in zip(run.train, train, strict=True) if math.isfinite(b)]
    assert [a for a, _ in finite] == pytest.approx([b for _, b in finite], rel=1e-9, abs=1e-14)
    assert run.val == pytest.approx(val, rel=1e-9, abs=1e-14)


@pytest.mark.parametrize("name", ["adam", "momentum", "asgd", "lookahead"])  # per-run rates; one stack per rate
def test_each_vectorized_run_equals_that_optimizer_trained_alone(name):
    data, starts = _data(), _starts(2)
    grid = list(registry.get(name).lr_grid)
    lrs = [lr for lr in grid for _ in starts]
    runs, seconds = train_runs(name, lrs, starts * len(grid), [0, 1] * len(grid), data, STEPS, 0.6, EVERY, PATIENCE)
    assert seconds > 0 and len(runs) == len(lrs)
    if name in ("adam", "momentum"):  # runs leave the stack (and the optimizer's state) at different steps
        assert len({r.stopped_at for r in runs}) > 1
    for run, lr, start in zip(runs, lrs, starts * len(grid), strict=True):
        assert run.lr == lr
        _same(run, _alone(name, lr, start, data))


def test_a_diverging_run_stops_where_it_would_alone_and_the_others_go_on():
    data, starts = _data(), _starts(1, widths=(16, 16))
    lrs = [0.1, 30.0]
    runs, _ = train_runs("sgd", lrs, starts * 2, [0, 0], data, STEPS, 0.6, EVERY, None)
    assert [r.stop_reason for r in runs] == ["max steps", "diverged"]
    for run, lr in zip(runs, lrs, strict=True):
        _same(run, _alone("sgd", lr, starts[0], data, patience=math.inf))


@pytest.fixture(scope="module")
def race():
    return run_race(["sgd", "adam", "rmsprop"], steps=STEPS, seeds=3, widths=(8,), dtype=torch.float64,
                    eval_every=EVERY, patience=PATIENCE, target=0.6)


def test_rows_are_medians_over_seeds_at_the_rate_the_rule_picks_ranked_by_best_validation(race):
    assert [r.name for r in race.rows] == sorted(("sgd", "adam", "rmsprop"),
                                                 key=lambda n: race.row(n).rank_key)
    assert [r.best_val.median for r in race.rows] == sorted(r.best_val.median for r in race.rows)
    for row in race.rows:
        runs = race.runs[row.name]
        grid = runs[:3]  # the grid on the first seed, then the other seeds at the chosen rate
        key = [(math.inf if r.steps_to_target is None else r.steps_to_target, r.best_val) for r in grid]
        assert row.lr == grid[key.index(min(key))].lr
        chosen = [r for r in runs if r.lr == row.lr and (r.seed == 0 or r in runs[3:])]
        assert sorted(r.seed for r in chosen) == [0, 1, 2] and row.seeds == 3
        vals = sorted(r.best_val for r in chosen)
        assert (row.best_val.low, row.best_val.median, row.best_val.high) == tuple(vals)
        assert row.final_train.median == sorted(r.final_train for r in chosen)[1]
        assert row.overfit == pytest.approx(row.final_val.median - row.best_val.median)


def test_the_summary_line_and_results_json_come_from_the_numbers(race):
    first = min((r for r in race.rows if r.steps_to_target is not None), key=lambda r: r.steps_to_target)
    assert f"{first.name} ({first.steps_to_target})" in race.summary
    worst = max(race.rows, key=lambda r: r.overfit)
    assert f"largest validation rise after the best step: {worst.name} ({worst.overfit:+.3f})" in race.summary
    doc = json.loads(json.dumps(race.to_json()))
    assert [r["name"] for r in doc["rows"]] == [r.name for r in race.rows]
    assert doc["rows"][0]["best_val"]["median"] == race.rows[0].best_val.median
    assert doc["config"]["seeds"] == 3 and doc["summary"] == race.summary
    curves = doc["curves"][race.rows[0].name]
    assert len(curves["val_steps"]) == len(curves["val_median"]) and curves["train_median"][0] > 0


def test_bad_input():
    with pytest.raises(InvalidArgument, match="seeds"):
        run_race(["sgd"], seeds=0)
    with pytest.raises(ValueError, match="Did you mean 'adam'"):
        run_race(["adamm"], steps=5)


def test_cli_writes_table_results_and_figure_and_rejects_bad_options(tmp_path):
    runner = CliRunner()
    out = runner.invoke(main, ["race", "--optimizers", "sgd,adam", "--steps", "30", "--seeds", "2", "--no-tune",
                               "--out", str(tmp_path / "race")])
    assert out.exit_code == 0, out.output
    assert "Optimizer race" in out.output and "largest validation rise" in out.output
    doc = json.loads((tmp_path / "race" / "results.json").read_text())
    assert {r["name"] for r in doc["rows"]} == {"sgd", "adam"}
    assert (tmp_path / "race" / "curves.png").stat().st_size > 1000
    recorded, = RunIndex(str(tmp_path)).runs()  # the race folder is a run of the index at its parent
    assert (recorded.name, recorded.kind, recorded.status) == ("race", "race", "completed")
    assert recorded.metrics["best_optimizer"] == doc["rows"][0]["name"]
    for args, option in ((["--seeds", "0"], "--seeds"), (["--optimizers", "adamm"], "Did you mean 'adam'"),
                         (["--target", "-1"], "--target"), (["--patience", "-2"], "--patience")):
        bad = runner.invoke(main, ["race", *args])
        assert bad.exit_code != 0 and option in bad.output and "Traceback" not in bad.output, bad.output
