"""``trainlab train --augment/--ensemble``: examples in --help, a run that predict/evaluate average, clear errors."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from trainlab.cli import main
from trainlab.train.predict import load_run

SMALL = ["--data", "diabetes", "--model", "8", "--epochs", "3", "--batch-size", "64", "--quiet"]


def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=True)


def test_help_shows_an_example_of_each_flag():
    text = invoke("train", "--help").output
    assert "--augment NAMES" in text and "--ensemble KIND:K" in text
    assert "trainlab train --data digits --augment shift,rotate:degrees=15" in text
    assert "--ensemble bagging:5" in text and "--ensemble snapshot:4" in text


def test_an_augmented_bagging_run_is_evaluated_and_predicted_as_the_members_average(tmp_path, blank_figures):
    run = tmp_path / "run"
    result = invoke("train", *SMALL, "--ensemble", "bagging:3", "--augment", "noise:std=0.1", "--out", str(run))
    assert result.exit_code == 0, result.output
    config = json.loads((run / "config.json").read_text())
    assert config["ensemble"] == "bagging:3" and config["augment"] == "noise:std=0.1"
    rows = [[0.01] * 10, [-0.02] * 10]
    (tmp_path / "new.csv").write_text("\n".join([",".join(f"f{i}" for i in range(10))]
                                                + [",".join(map(str, r)) for r in rows]) + "\n")
    out = invoke("predict", str(run), "--csv", str(tmp_path / "new.csv"))
    assert out.exit_code == 0, out.output
    predicted = [float(r[0]) for r in list(csv.reader(out.output.splitlines()))[1:]]
    model, norm, _ = load_run(str(run))
    x = norm.inputs(np.array(rows))
    mean = torch.stack([m(x) for m in model.members]).mean(0).detach().double().numpy()[:, 0]
    by_hand = mean * norm.target_std[0] + norm.target_mean[0]
    np.testing.assert_allclose(predicted, by_hand, rtol=1e-6)
    assert len(set(np.round([m(x)[0, 0].item() for m in model.members], 6))) == 3  # three different members
    evaluated = invoke("evaluate", str(run))
    assert evaluated.exit_code == 0 and "mse" in evaluated.output


@pytest.mark.parametrize("args, words", [
    (["--augment", "rotat"], ["--augment", "flip, shift, brightness, rotate, distort, noise", "'rotat'"]),
    (["--augment", "rotate"], ["--augment", "perfect square", "rotate on 10 features"]),
    (["--ensemble", "bagging:0"], ["--ensemble", "bagging:K or snapshot:K", "'bagging:0'"]),
    (["--ensemble", "snapshot:2", "--schedule", "cosine"], ["--ensemble", "without a schedule"]),
])
def test_bad_values_are_one_message_and_exit_2(tmp_path, args, words):
    result = invoke("train", *SMALL, *args, "--out", str(tmp_path / "run"))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert all(w in result.output for w in words), result.output
    assert not (tmp_path / "run").exists()


def test_resume_refuses_the_new_flags_too(tmp_path):
    result = invoke("train", "--resume", str(tmp_path), "--ensemble", "bagging:2")
    assert result.exit_code == 2 and "drop --ensemble" in result.output
