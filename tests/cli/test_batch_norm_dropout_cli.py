"""``trainlab train --batch-norm --dropout P[,P...] --dropout-form``: recorded, rebuilt, refused clearly."""

from __future__ import annotations

import json

import pytest
import torch
from click.testing import CliRunner

from trainlab.cli import main
from trainlab.nn import MLP, BatchNorm1d, Dropout
from trainlab.train.predict import load_run
from trainlab.train.run import RunConfig

SMALL = ["--data", "noisy_x2", "--model", "6,5", "--epochs", "2", "--batch-size", "16", "--quiet"]


def train(*args):
    return CliRunner().invoke(main, ["train", *args], catch_exceptions=True)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("bn") / "run"
    result = train(*SMALL, "--batch-norm", "--dropout", "0.5,0.2", "--dropout-form", "standard", "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


def test_the_options_are_recorded_and_the_saved_model_is_that_network(run_dir):
    config = json.loads((run_dir / "config.json").read_text())
    assert (config["dropout"], config["dropout_form"], config["batch_norm"]) == ([0.5, 0.2], "standard", True)
    net = MLP([1, 6, 5, 1], activation=config["activation"], dropout=[0.5, 0.2], dropout_form="standard",
              batch_norm=True)
    state = torch.load(run_dir / "model.pt", weights_only=True)
    net.load_state_dict(state)  # strict: BatchNorm buffers included
    assert int(state["1.num_batches_tracked"]) == 2 * 5  # 70 training points in batches of 16, 2 epochs


def test_the_loaded_run_rebuilds_batch_norm_and_standard_dropout_in_eval_mode(run_dir):
    model, _, _ = load_run(str(run_dir))
    assert not model.training
    assert [type(m) for m in model if isinstance(m, (BatchNorm1d, Dropout))] == [BatchNorm1d, Dropout] * 2
    assert [m.form for m in model if isinstance(m, Dropout)] == ["standard", "standard"]
    x = torch.randn(3, 1)
    assert torch.equal(model(x), model(x))  # inference is deterministic: running statistics, scaled units


def test_resume_refuses_the_options_it_reads_from_the_config(run_dir):
    result = train("--resume", str(run_dir), "--batch-norm")
    assert result.exit_code != 0 and "--batch-norm" in result.output


def test_an_old_config_without_the_new_fields_still_loads():
    old = {"data": "noisy_x2", "hidden": [4], "dropout": 0.1}
    config = RunConfig.from_json(json.dumps(old))
    assert (config.dropout, config.dropout_form, config.batch_norm) == (0.1, "inverted", False)
    assert repr(MLP([1, 4, 1], **config.model_options())) == "MLP(1-4-1, relu, dropout=0.1)"


@pytest.mark.parametrize("args, option", [
    (["--dropout", "0.1,0.2,0.3"], "--dropout"),  # three rates for two hidden layers
    (["--dropout", "0.1,x"], "--dropout"),
    (["--dropout", "1.5"], "--dropout"),
    (["--dropout-form", "scaled"], "--dropout-form"),
    (["--batch-norm", "--batch-size", "1"], "--batch-size"),
    (["--batch-norm", "--batch-size", "23"], "--batch-size"),  # 70 = 3 * 23 + 1: a last batch of one
])
def test_bad_values_name_the_option_without_a_traceback(args, option, tmp_path):
    result = train(*SMALL, *args, "--out", str(tmp_path / "run"))
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert option in result.output and "Traceback" not in result.output
    assert not (tmp_path / "run").exists()


def test_help_documents_the_options_with_an_example():
    result = CliRunner().invoke(main, ["train", "--help"])
    assert "--batch-norm" in result.output and "--dropout-form" in result.output
    assert "--dropout 0.75,0.6,0.01" in result.output
