"""``trainlab train --l1 --l2 --label-smoothing --weight-decay``: recorded, applied, refused clearly."""

from __future__ import annotations

import csv
import dataclasses
import json

import pytest
from click.testing import CliRunner

from trainlab.cli import main
from trainlab.regularize import L1, L2, LabelSmoothing, SumPenalty
from trainlab.train.run import RunConfig
from trainlab.train.run_options import run_penalty

SMALL = ["--data", "iris", "--model", "8", "--epochs", "2", "--quiet"]


def train(*args):
    return CliRunner().invoke(main, ["train", *args])


def test_help_shows_an_example_of_each_regularization_flag():
    examples = [line for line in train("--help").output.splitlines() if "trainlab train --data" in line]
    for flag in ("--l1 ", "--l2 ", "--label-smoothing ", "--weight-decay "):
        assert any(flag in line for line in examples), flag


def test_penalties_are_recorded_applied_and_logged(tmp_path):
    out = tmp_path / "run"
    result = train(*SMALL, "--l1", "1e-3", "--l2", "1e-2", "--label-smoothing", "0.1", "--out", str(out))
    assert result.exit_code == 0, result.output
    config = json.loads((out / "config.json").read_text())
    assert (config["l1"], config["l2"], config["label_smoothing"]) == (1e-3, 1e-2, 0.1)
    with open(out / "history.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert all(float(r["penalty"]) > 0 for r in rows if r.get("penalty"))
    assert any(r.get("penalty") for r in rows)


def test_run_penalty_builds_the_terms_and_weight_decay_becomes_l2_only_without_an_optimizer_argument():
    base = RunConfig(data="iris", optimizer="lbfgs", weight_decay=0.1)
    penalty = run_penalty(base, "cross_entropy")
    assert isinstance(penalty, L2) and penalty.include_bias and penalty.strength == 0.1
    assert run_penalty(dataclasses.replace(base, optimizer="adamw"), "cross_entropy") is None
    both = run_penalty(dataclasses.replace(base, optimizer="sgd", l1=1e-3, label_smoothing=0.2), "cross_entropy")
    assert isinstance(both, SumPenalty) and [type(t) for t in both.terms] == [L1, LabelSmoothing]


@pytest.mark.parametrize("optimizer", ["lbfgs", "newton", "gd-decay", "adamw", "sgd"])
def test_weight_decay_works_with_optimizers_with_and_without_their_own(tmp_path, optimizer):
    result = train(*SMALL, "--optimizer", optimizer, "--lr", "0.01", "--weight-decay", "1e-3",
                   "--out", str(tmp_path / "r"))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("args", "words"), [
    (["--l1", "-1"], "Invalid value for '--l1': must be None (off) or a float in the range [0, inf). Got -1.0"),
    (["--l2", "-0.5"], "'--l2'"),
    (["--weight-decay", "-0.5"], "'--weight-decay'"),
    (["--label-smoothing", "1.5"], "'--label-smoothing': must be None (off) or a float in the range [0, 1]"),
    (["--data", "diabetes", "--label-smoothing", "0.1"], "'--label-smoothing': must be left out for a mse run"),
])
def test_bad_regularization_options_are_one_clear_error(tmp_path, args, words):
    result = train(*SMALL, *args, "--out", str(tmp_path / "r"))
    assert result.exit_code != 0 and words in result.output and "Traceback" not in result.output
    assert not (tmp_path / "r").exists()


def test_an_old_config_without_the_new_fields_still_loads():
    old = {"data": "iris", "hidden": [8], "epochs": 2, "weight_decay": None}
    config = RunConfig.from_json(json.dumps(old))
    assert (config.l1, config.l2, config.label_smoothing) == (None, None, None)


def test_resume_refuses_new_penalties(tmp_path):
    result = train("--resume", str(tmp_path), "--l2", "0.1")
    assert result.exit_code != 0 and "--l2" in result.output
