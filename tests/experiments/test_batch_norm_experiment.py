"""The batch-norm study at tiny sizes: paired runs, its definitions, figures and JSON."""

import json
import math

import pytest
from PIL import Image

from trainlab.constraints import InvalidArgument
from trainlab.experiments.batch_norm import BatchNormRun, BatchNormStudy, batch_norm_study, main


@pytest.fixture(scope="module")
def study():
    return batch_norm_study(lrs=(0.1, 1e4), seeds=(0, 1), steps=6, eval_every=3, depth=3, width=8, target=2.0)


def test_every_network_rate_and_seed_runs_once(study):
    keys = sorted((r.batch_norm, r.lr, r.seed) for r in study.runs)
    assert keys == sorted((bn, lr, s) for bn in (False, True) for lr in (0.1, 1e4) for s in (0, 1))
    assert study.widths == [64, 8, 8, 8, 10]


def test_a_seed_fixes_the_initial_weights(study):
    # same seed: the same initial weights whatever the rate; another seed: other weights
    plain = {(r.seed, r.lr): r.losses[0] for r in study.select(False)}
    assert plain[(0, 0.1)] == plain[(0, 1e4)] and plain[(0, 0.1)] != plain[(1, 0.1)]


def test_a_huge_rate_is_unstable_and_its_losses_end_early_or_stay_high(study):
    for r in study.select(False, 1e4):
        assert not r.stable
        assert r.steps_to_target is None or r.losses[r.steps.index(r.steps_to_target)] <= study.target


def test_the_definitions_follow_the_recorded_losses(study):
    for r in study.runs:
        finite = all(math.isfinite(v) for v in r.losses)
        assert r.stable == (finite and r.steps[-1] == 6 and r.losses[-1] <= 0.5 * r.losses[0])
        first = next((s for s, v in zip(r.steps, r.losses) if v <= study.target), None)
        assert r.steps_to_target == first
    for bn in (False, True):
        expected = [max([r.lr for r in study.select(bn) if r.seed == s and r.stable], default=None) for s in (0, 1)]
        assert study.largest_stable(bn) == expected


def run(bn, lr, seed, reached):
    return BatchNormRun(bn, lr, seed, [0, 1], [1.0, 0.1], 1.0, True, reached)


def test_the_fastest_rate_needs_every_seed_to_reach_the_target_and_then_the_smallest_median():
    runs = [run(False, 0.1, 0, 5), run(False, 0.1, 1, 7), run(False, 1.0, 0, 2), run(False, 1.0, 1, None),
            run(False, 0.3, 0, 5), run(False, 0.3, 1, 5)]  # median 5 beats 0.1's median 6
    study = BatchNormStudy([1, 1], "he", 2, 0.5, [0.1, 0.3, 1.0], [0, 1], runs)
    assert study.fastest_lr(False) == 0.3 and study.fastest_lr(True) is None


def test_the_command_writes_figures_and_the_json_it_quotes(tmp_path, monkeypatch):
    import trainlab.experiments.batch_norm as module

    small = dict(lrs=(0.1,), steps=4, eval_every=2, depth=2, width=8, target=5.0)
    original = module.batch_norm_study
    monkeypatch.setattr(module, "batch_norm_study", lambda **kw: original(**{**kw, **small}))
    numbers = main(["--out", str(tmp_path), "--seeds", "2", "--default-init-seeds", "1"])
    saved = json.loads((tmp_path / "batch-norm.json").read_text())
    assert saved["he"]["seeds"] == [0, 1] and saved["torch_default"]["seeds"] == [0]
    assert saved["he"]["plain"]["largest_stable_lr"] == numbers["he"]["plain"]["largest_stable_lr"]
    for name in ("batch-norm-lr-sweep", "batch-norm-curves", "batch-norm-lr-sweep-default-init"):
        with Image.open(tmp_path / f"{name}.png") as image:
            assert image.size[0] >= 640


@pytest.mark.parametrize("kwargs, argument", [({"lrs": ()}, "lrs"), ({"seeds": (0.5,)}, "seeds"),
                                              ({"batch_size": 1}, "batch_size"), ({"depth": 0}, "depth")])
def test_bad_settings_name_themselves(kwargs, argument):
    with pytest.raises(InvalidArgument, match=f"'{argument}' parameter of batch_norm_study"):
        batch_norm_study(**kwargs)
