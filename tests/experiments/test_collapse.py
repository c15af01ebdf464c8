"""Collapse of deep narrow ReLU nets, trained many at once."""

import json

import pytest
import torch
from scipy.stats import binomtest

from trainlab.constraints import InvalidArgument
from trainlab.experiments import collapse as module
from trainlab.experiments.collapse import collapse_map, collapse_study, wilson_interval


def test_dead_at_init_runs_stay_collapsed_and_deep_narrow_nets_mostly_die():
    r = collapse_study(depth=10, width=2, runs=60, steps=30, seed=1)
    assert r.runs == 60 and not r.interrupted
    assert all(rec.collapsed for rec in r.records if rec.dead_at_init)
    assert r.dead_at_init_rate > 0.5  # Lu et al. 2018: most depth-10 width-2 ReLU nets are born dead
    wide = collapse_study(depth=2, width=16, runs=60, steps=30, seed=1)
    assert wide.dead_at_init_rate < 0.1


def test_mse_collapses_to_the_mean_and_mae_to_the_median(monkeypatch):
    """A skewed target, exp(2x) on 63 points: mean about 4.6, median exactly exp(0) = 1."""
    monkeypatch.setitem(module.TARGETS, "skewed", lambda x: torch.exp(2 * x))
    kwargs = dict(depth=10, width=2, runs=30, target="skewed", steps=600, lr=5e-2, seed=2, points=63)
    mse = collapse_study(loss="mse", **kwargs)
    mae = collapse_study(loss="mae", **kwargs)
    assert mse.target_mean - mse.target_median > 3
    assert mse.collapsed_to()["mean"] < 0.1 < 3 < mse.collapsed_to()["median"]
    assert mae.collapsed_to()["median"] < 0.1 < 3 < mae.collapsed_to()["mean"]


@pytest.mark.parametrize("k,n", [(0, 10), (3, 10), (93, 100), (930, 1000), (50, 50)])
def test_wilson_interval_matches_scipy(k, n):
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert wilson_interval(k, n, z=1.959963984540054) == pytest.approx((ci.low, ci.high), rel=1e-9, abs=1e-12)


def test_ctrl_c_keeps_the_finished_runs(monkeypatch):
    calls = {"n": 0}
    real = module.train_stacked

    def interrupted_on_second_chunk(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "train_stacked", interrupted_on_second_chunk)
    r = collapse_study(runs=30, chunk=10, steps=5)
    assert r.interrupted and r.runs == 10 and [rec.run for rec in r.records] == list(range(10))


def test_command_writes_figure_and_json(tmp_path, capsys):
    r = module.main(["--runs", "12", "--steps", "10", "--out", str(tmp_path)])
    data = json.loads((tmp_path / "collapse-d10-w2-abs-mse.json").read_text())
    assert data["summary"]["runs"] == 12 == len(data["records"]) == r.runs
    assert (tmp_path / "collapse-d10-w2-abs-mse.png").stat().st_size > 1000
    assert "collapsed" in capsys.readouterr().out


def test_map_has_one_rate_per_cell(tmp_path):
    grid = collapse_map(depths=(2, 6), widths=(2, 4), runs=8, steps=5)
    assert len(grid.collapse) == 2 and all(len(row) == 2 for row in grid.collapse)
    assert grid.plot(tmp_path / "map.png").exists()


def test_bad_input():
    with pytest.raises(InvalidArgument, match="'depth' parameter of collapse_study.*Got 0"):
        collapse_study(depth=0)
    with pytest.raises(InvalidArgument, match="'runs' parameter of collapse_study"):
        collapse_study(runs=0)
    with pytest.raises(InvalidArgument, match="Unknown target 'sin'"):
        collapse_study(target="sin")


def test_command_rejects_bad_input_with_a_message(tmp_path):
    with pytest.raises(SystemExit, match="'width' parameter of collapse_study"):
        module.main(["--width", "0", "--out", str(tmp_path)])
