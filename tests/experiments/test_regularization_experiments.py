"""The regularization experiments at tiny sizes: their splits, rules and summaries hold what they claim."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from trainlab.data.bundled import load_bundled
from trainlab.experiments import augmentation, batch_size, ensembles, transfer
from trainlab.experiments.digits_lab import digits_split, mean_spread


def test_digits_splits_are_disjoint_relabelled_and_stratified():
    split = digits_split(3, classes=[5, 6, 7, 8, 9], per_class=4)
    assert sorted(split.y_train.tolist()) == sorted(list(range(5)) * 4)
    assert split.x_train.max() <= 1 and split.x_train.min() >= 0
    rows = {tuple(r) for r in split.x_train.tolist()}
    assert not any(tuple(r) in rows for r in split.x_test.tolist()[:200])
    _, labels = load_bundled("digits")
    assert len(split.x_train) + len(split.x_test) == int(np.sum(labels >= 5))
    assert mean_spread([1.0, 3.0]) == {"mean": 2.0, "std": math.sqrt(2.0), "min": 1.0, "max": 3.0, "n": 2}


def test_batch_size_study_follows_its_square_root_rule_and_reports_gaps():
    r = batch_size.batch_size_study(batch_sizes=[4, 32], seeds=[0, 1], epochs=1, n_train=32)
    assert r["batches"]["4"]["lr"] == pytest.approx(1e-3 * math.sqrt(0.5))
    assert r["batches"]["32"]["lr"] == pytest.approx(1e-3 * 2)
    for row in r["batches"].values():
        assert row["gap_error"]["mean"] == pytest.approx(row["test_error"]["mean"] - row["train_error"]["mean"])
        assert row["gap_loss"]["n"] == 2
    first, last = r["batches"]["4"], r["batches"]["32"]
    assert first["gap_error_minus_smallest"]["max"] == 0.0
    assert last["gap_error_minus_smallest"]["mean"] == pytest.approx(last["gap_error"]["mean"]
                                                                      - first["gap_error"]["mean"])


def test_transfer_study_compares_every_method_on_the_same_rows():
    r = transfer.transfer_study(per_class=[2], seeds=[0], pretrain_epochs=1, epochs=2)
    assert set(r["2"]) == set(transfer.METHODS)
    assert all(0 <= v["mean"] <= 1 for v in r["2"].values())


def test_ensemble_study_measures_each_member_and_the_average(tmp_path):
    r = ensembles.ensemble_study(seeds=[0], size=3, epochs=3, n_train=60, batch=20)
    for method in ("bagging", "snapshot"):
        run = r[method]["runs"][0]
        assert len(run["member_error"]) == 3 and len(set(run["member_loss"])) == 3  # different members
        assert r[method]["gain_over_mean"]["mean"] == pytest.approx(np.mean(run["member_error"])
                                                                    - run["ensemble_error"])
    ensembles.plot_ensembles(r, str(tmp_path / "e.png"))
    assert (tmp_path / "e.png").stat().st_size > 1000


def test_augmentation_study_and_its_figures(tmp_path):
    settings = {"none": None, "shift": "shift"}
    r = augmentation.augmentation_study(settings=settings, seeds=[0], epochs=1, n_train=40)
    assert set(r["test_error"]) == set(r["perturbed_test_error"]) == {"none", "shift"}
    augmentation.plot_augmentation(r, str(tmp_path / "a.png"))
    augmentation.plot_examples(str(tmp_path / "x.png"), settings, n=2)
    assert (tmp_path / "a.png").stat().st_size > 1000 and (tmp_path / "x.png").stat().st_size > 500
