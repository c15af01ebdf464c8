"""``trainlab train --normalize``: the fitted statistics travel with the run (resume, predict, old folders)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from trainlab.cli import main
from trainlab.data import ZCAWhiten, load_bundled
from trainlab.train.checkpoint import CheckpointError, list_checkpoints, load_checkpoint
from trainlab.train.predict import load_run, predict_rows
from trainlab.train.run import RunConfig, resume_run, start_run
from tests.train.test_resume import Crash, CrashAt  # an exception right after the checkpoint of a step

CONFIG = RunConfig(data="wine", hidden=[8], epochs=4, batch_size=32, checkpoint_every=3, normalize="zca", lr=1e-2)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("zca")
    whole, resumed = str(root / "whole"), str(root / "resumed")
    start_run(whole, CONFIG, progress=False)
    with pytest.raises(Crash):
        start_run(resumed, CONFIG, progress=False, callbacks=[CrashAt(7)])
    resume_run(resumed, progress=False)
    rows = root / "rows.csv"
    X, _ = load_bundled("wine")
    with open(rows, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([f"x{j}" for j in range(X.shape[1])])
        writer.writerows(X[::9].tolist())
    return whole, resumed, rows, X[::9]


def test_a_resumed_zca_run_ends_with_the_uninterrupted_model(runs):
    whole, resumed, _, _ = runs
    a = torch.load(f"{whole}/model.pt", weights_only=True)
    b = torch.load(f"{resumed}/model.pt", weights_only=True)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert json.load(open(f"{whole}/normalization.json")) == json.load(open(f"{resumed}/normalization.json"))


def test_predict_uses_the_zca_statistics_the_run_trained_with(runs):
    whole, resumed, rows, X = runs
    model, norm, _ = load_run(whole)
    assert type(norm.normalizer()) is ZCAWhiten
    # the saved whitening is the one of the training split: its covariance there is the identity
    from trainlab.data import load_dataset, split_standardized

    ds = load_dataset("wine")
    parts = split_standardized(ds.X, ds.y, val=CONFIG.val, test=CONFIG.test, seed=CONFIG.seed,
                               dtype=torch.float64, normalize="zca")
    assert torch.equal(norm.normalizer().matrix, parts.x_scaler.matrix)
    with torch.no_grad():
        logits = model(parts.x_scaler.transform(torch.as_tensor(X)).float())
    assert np.array_equal(predict_rows(whole, X), logits.argmax(1).numpy())
    outputs = [CliRunner().invoke(main, ["predict", run, "--csv", str(rows)]) for run in (whole, resumed)]
    assert all(r.exit_code == 0 for r in outputs), outputs[0].output
    assert outputs[0].output == outputs[1].output
    names = ["class_0", "class_1", "class_2"]
    assert outputs[0].output.splitlines()[1:] == [names[k] for k in predict_rows(whole, X)]


def test_every_checkpoint_carries_the_fitted_normalizer(runs):
    whole, _, _, _ = runs
    saved = json.load(open(f"{whole}/normalization.json"))["feature_normalizer"]
    for _, path in list_checkpoints(f"{whole}/checkpoints"):
        state = load_checkpoint(path)["extra"]["normalizer"]  # read with weights_only=True
        assert state["name"] == "zca" and np.array_equal(state["components"].numpy(), saved["components"])


def test_a_run_resumes_with_its_saved_statistics_not_refitted(tmp_path):
    """Resuming reads normalization.json: with its statistics changed, the rebuilt training data differs
    from what the checkpoint was trained on, and the checkpoint's data fingerprint refuses it."""
    config = RunConfig(data="wine", hidden=[4], epochs=2, batch_size=64, normalize="zca")
    run = str(tmp_path / "run")
    with pytest.raises(Crash):
        start_run(run, config, progress=False, callbacks=[CrashAt(2)])
    path = f"{run}/normalization.json"
    saved = json.load(open(path))
    saved["feature_normalizer"]["mean"][0] += 1.0
    json.dump(saved, open(path, "w"))
    with pytest.raises(CheckpointError, match="written for different data"):
        resume_run(run, progress=False)


def test_an_old_run_folder_still_predicts(tmp_path):
    """A normalization.json of mean/std only and a config.json without 'normalize' load as standardization."""
    run = str(tmp_path / "old")
    start_run(run, RunConfig(data="wine", hidden=[4], epochs=1), progress=False)
    X, _ = load_bundled("wine")
    before = predict_rows(run, X)
    norm = json.load(open(f"{run}/normalization.json"))
    assert norm["feature_normalizer"]["name"] == "standard"
    del norm["feature_normalizer"]
    json.dump(norm, open(f"{run}/normalization.json", "w"))
    config = json.load(open(f"{run}/config.json"))
    del config["normalize"]
    json.dump(config, open(f"{run}/config.json", "w"))
    assert np.array_equal(predict_rows(run, X), before)


def test_unknown_normalization_is_one_message_and_a_non_zero_exit(tmp_path):
    result = CliRunner().invoke(main, ["train", "--data", "wine", "--normalize", "zcaa", "--out", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "Invalid value for '--normalize': 'zcaa' is not one of 'none', 'standard', 'pca', 'zca'" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "r").exists()
    with pytest.raises(ValueError, match=r"The 'normalize' parameter of start_run must be one of \{'none', "):
        start_run(str(tmp_path / "lib"), RunConfig(data="wine", normalize="zcaa"), progress=False)


def test_help_shows_the_option_with_an_example():
    result = CliRunner().invoke(main, ["train", "--help"])
    assert "--normalize [none|standard|pca|zca]" in result.output and "--normalize zca" in result.output


def test_rank_deficient_csv_with_zca_is_a_clear_cli_error(tmp_path):
    data = tmp_path / "dup.csv"
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=40), rng.normal(size=40)
    with open(data, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["a", "b", "a_again", "y"])
        writer.writerows(zip(a, b, a, a + b))
    result = CliRunner().invoke(main, ["train", "--data", str(data), "--target", "y", "--normalize", "zca",
                                       "--epochs", "1", "--out", str(tmp_path / "r")])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "full column rank" in result.output and "rank 2 for 3 columns" in result.output
