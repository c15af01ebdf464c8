"""``trainlab diagnose hessian RUN_DIR``: a JSON and a figure beside the run, matching the dense spectrum."""

from __future__ import annotations

import json
import os

import pytest
import torch
from click.testing import CliRunner

from trainlab.cli import main
from trainlab.diagnose import hessian
from trainlab.diagnose.run_data import load_run_data

FAST = ["--k", "2", "--runs", "2", "--steps", "20", "--samples", "8"]


def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("diag") / "run"
    result = invoke("train", "--data", "noisy_x2", "--model", "6", "--epochs", "3", "--out", str(out))
    assert result.exit_code == 0, result.output
    return str(out)


def test_writes_json_and_figure_matching_the_dense_spectrum(run_dir):
    result = invoke("diagnose", "hessian", run_dir, *FAST)
    assert result.exit_code == 0, result.output
    summary = json.load(open(os.path.join(run_dir, "diagnose", "hessian.json")))
    assert os.path.getsize(os.path.join(run_dir, "diagnose", "hessian.png")) > 1000
    data = load_run_data(run_dir)  # the model.pt and the training split, rebuilt independently of the command
    exact = torch.linalg.eigvalsh(hessian.dense_hessian(data.loss_fn(), list(data.model.parameters())))
    scale = float(exact.abs().max())
    assert torch.allclose(torch.tensor(summary["largest"], dtype=torch.float64), exact.flip(0)[:2], atol=1e-6 * scale)
    assert torch.allclose(torch.tensor(summary["smallest"], dtype=torch.float64), exact[:2], atol=1e-6 * scale)
    assert summary["parameters"] == exact.numel() == 19 and summary["rows"] == len(data.x)
    assert "wrote" in result.output


def test_a_checkpoint_of_another_model_is_refused(run_dir, tmp_path):
    other = tmp_path / "other"
    assert invoke("train", "--data", "noisy_x2", "--model", "4", "--epochs", "1", "--out", str(other)).exit_code == 0
    result = CliRunner().invoke(main, ["diagnose", "hessian", run_dir, "--checkpoint", str(other / "model.pt")])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "--checkpoint" in result.output and "this run's model" in result.output


def test_a_step_checkpoint_of_the_run_is_accepted(run_dir, tmp_path):
    step = sorted(os.listdir(os.path.join(run_dir, "checkpoints")))[-1]
    result = invoke("diagnose", "hessian", run_dir, *FAST, "--checkpoint", os.path.join(run_dir, "checkpoints", step),
                    "--out", str(tmp_path / "d"))
    assert result.exit_code == 0, result.output
    assert json.load(open(tmp_path / "d" / "hessian.json"))["checkpoint"].endswith(step)


@pytest.mark.parametrize("args, words", [
    (["--k", "10"], ["'--k'", "[1, 9]", "Got 10"]),
    (["--k", "0"], ["'--k'"]),
    (["--rows", "0"], ["'--rows'"]),
    (["--runs", "0"], ["'--runs'"]),
])
def test_bad_options_are_one_message(run_dir, args, words):
    result = CliRunner().invoke(main, ["diagnose", "hessian", run_dir, *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for w in words:
        assert w in result.output


def test_a_folder_without_a_run(tmp_path):
    result = CliRunner().invoke(main, ["diagnose", "hessian", str(tmp_path)])
    assert result.exit_code != 0 and "RUN_DIR" in result.output and "config.json" in result.output


def test_help_has_an_example():
    result = invoke("diagnose", "hessian", "--help")
    assert "trainlab diagnose hessian runs/d" in result.output
    assert "hessian" in invoke("diagnose", "--help").output
