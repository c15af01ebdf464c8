"""With vs without input normalization, at small sizes: the properties the doc reports."""

from __future__ import annotations

import json

import numpy as np
import pytest

from trainlab.constraints import InvalidArgument
from trainlab.experiments.input_normalization import plot_comparison, run_lecture_target, run_wine, summary


@pytest.fixture(scope="module")
def target():
    return run_lecture_target(seeds=2, steps=250)


@pytest.fixture(scope="module")
def wine():
    return run_wine(seeds=1, steps=150, names=("none", "standard", "zca"))


def test_standardized_inputs_reach_the_target_first_on_every_seed(target):
    none, standard = target.curves
    assert standard.reached() == 2
    for slow, fast in zip(none.steps_to_target, standard.steps_to_target):
        assert slow is None or slow > fast
    assert (standard.losses[:, -1] < none.losses[:, -1]).all()
    assert np.array_equal(none.losses[:, 0], none.losses[:, 0])  # finite curves from the same start
    assert np.isfinite(none.losses).all() and np.isfinite(standard.losses).all()


def test_steps_to_target_is_the_first_step_at_or_below_it(target):
    for c in target.curves:
        for curve, step in zip(c.losses, c.steps_to_target):
            below = np.flatnonzero(curve <= target.target)
            assert step == (int(below[0]) if len(below) else None)


def test_wine_trains_faster_on_normalized_features(wine):
    by_name = {c.name: c for c in wine.curves}
    assert by_name["standard"].losses[0, -1] < 0.5 * by_name["none"].losses[0, -1]
    assert by_name["zca"].losses[0, -1] < 0.5 * by_name["none"].losses[0, -1]
    assert all(0 <= acc <= 1 for c in wine.curves for acc in c.val_metric)


def test_summary_and_figure(target, wine, tmp_path):
    numbers = json.loads(json.dumps(summary([target, wine])))
    rows = numbers["wine"]["normalizations"]
    assert set(rows) == {"none", "standard", "zca"} and "val_accuracy_mean" in rows["zca"]
    assert numbers[target.problem]["normalizations"]["standard"]["reached"] == "2/2"
    plot_comparison([target, wine], tmp_path / "f.png")
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"


def test_bad_settings_name_the_argument():
    with pytest.raises(InvalidArgument, match="'scale' parameter of run_lecture_target"):
        run_lecture_target(scale=0.0)
    with pytest.raises(InvalidArgument, match="Unknown normalization 'whiten'"):
        run_wine(steps=1, seeds=1, names=("whiten",))
