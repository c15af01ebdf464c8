"""``trainlab train --momentum --weight-decay --schedule --set --warmup``, and one activation default."""

from __future__ import annotations

import csv
import json

import pytest
import torch
from click.testing import CliRunner

from trainlab.cli import main
from trainlab.cli.options import DEFAULT_ACTIVATION
from trainlab.constraints import InvalidArgument
from trainlab.schedules import Cosine, OneCycle, Warmup
from trainlab.train.run_options import build_run_optimizer, run_schedule

SMALL = ["--data", "diabetes", "--model", "8", "--epochs", "4", "--batch-size", "64"]


def train(*args):
    return CliRunner().invoke(main, ["train", *args], catch_exceptions=False)


def lrs(out):
    with open(out / "history.csv", newline="") as f:
        return [(int(r["step"]), float(r["lr"])) for r in csv.DictReader(f)]


def test_a_schedule_takes_its_rate_from_lr_and_its_horizon_from_the_run(tmp_path):
    out = tmp_path / "run"
    result = train(*SMALL, "--optimizer", "sgd", "--lr", "0.05", "--schedule", "cosine", "--set", "end=0.001",
                   "--out", str(out))
    assert result.exit_code == 0, result.output
    steps = lrs(out)
    total = steps[-1][0]  # 4 epochs of ceil(309 / 64) = 5 steps
    expected = Cosine(0.05, period=total, end=0.001)
    assert total == 20 and [lr for _, lr in steps] == [expected(s - 1) for s, _ in steps]
    config = json.loads((out / "config.json").read_text())
    assert config["schedule"] == "cosine" and config["schedule_settings"] == {"end": "0.001"}


def test_warmup_and_momentum_and_weight_decay_reach_the_optimizer(tmp_path):
    out = tmp_path / "run"
    result = train(*SMALL, "--optimizer", "sgd", "--lr", "0.01", "--momentum", "0.9", "--weight-decay", "1e-3",
                   "--warmup", "10", "--out", str(out))
    assert result.exit_code == 0, result.output
    expected = Warmup(lambda t: 0.01, steps=10)
    assert [lr for _, lr in lrs(out)] == pytest.approx([expected(s - 1) for s, _ in lrs(out)], rel=1e-12)
    config = json.loads((out / "config.json").read_text())
    assert (config["momentum"], config["weight_decay"], config["warmup"]) == (0.9, 1e-3, 10)


def test_build_run_optimizer_passes_momentum_and_weight_decay():
    p = [torch.nn.Parameter(torch.ones(2))]
    group = build_run_optimizer("sgd", p, 0.1, momentum=0.9, weight_decay=1e-4).param_groups[0]
    assert (group["lr"], group["momentum"], group["weight_decay"]) == (0.1, 0.9, 1e-4)
    with pytest.raises(InvalidArgument, match="'momentum' parameter does not apply to the optimizer 'adam'"):
        build_run_optimizer("adam", p, 0.1, momentum=0.9)


def test_run_schedule_keeps_what_set_gives():
    s = run_schedule("onecycle", {"peak": "0.3", "anneal": "linear"}, lr=0.1, total_steps=200)
    assert s == OneCycle(0.3, 200, anneal="linear")


@pytest.mark.parametrize(("args", "words"), [
    (["--optimizer", "adam", "--momentum", "0.9"], "'momentum' parameter does not apply"),
    (["--set", "end=0"], "--set"),
    (["--schedule", "nosuch"], "nosuch"),
    (["--schedule", "cosine", "--set", "end"], "KEY=VALUE"),
    (["--schedule", "cosine", "--set", "period=-3"], "period"),
])
def test_bad_schedule_options_are_one_clear_error(tmp_path, args, words):
    result = CliRunner().invoke(main, ["train", *SMALL, *args, "--out", str(tmp_path / "r")])
    assert result.exit_code != 0 and words in result.output and "Traceback" not in result.output


def test_resume_refuses_new_schedule_options(tmp_path):
    result = CliRunner().invoke(main, ["train", "--resume", str(tmp_path), "--schedule", "cosine"])
    assert result.exit_code != 0 and "--schedule" in result.output


@pytest.mark.parametrize("command", ["train", "lr-find", "race"])
def test_one_activation_default_for_every_command_that_builds_an_mlp(command):
    cmd = main.get_command(None, command)
    option = next(p for p in cmd.params if p.name == "activation")
    assert option.default == DEFAULT_ACTIVATION
