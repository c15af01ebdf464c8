"""``trainlab sweep``: flags or a file, a table and sweep.json, one clear message per bad input."""

from __future__ import annotations

import json
import sys

from click.testing import CliRunner

from trainlab.cli import main

FLAGS = ["--data", "noisy_x2", "--model", "6", "--epochs", "2", "--batch-size", "35", "--workers", "1"]


def sweep(*args):
    return CliRunner().invoke(main, ["sweep", *args], catch_exceptions=False)


def test_flags_make_the_grid_and_every_trial_is_a_run_folder_in_sweep_json(tmp_path):
    result = sweep(*FLAGS, "--optimizers", "sgd,adam", "--lr-grid", "1e-2,1e-1", "--seeds", "3", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    saved = json.loads((tmp_path / "sweep.json").read_text())
    params = [t["params"] for t in saved["trials"]]
    assert params == [{"optimizer": o, "lr": lr, "seed": 3} for o in ["sgd", "adam"] for lr in [0.01, 0.1]]
    for trial in saved["trials"]:
        config = json.loads((tmp_path / trial["trial"] / "config.json").read_text())
        assert (config["optimizer"], config["lr"], config["seed"], config["hidden"], config["epochs"]) == (
            trial["params"]["optimizer"], trial["params"]["lr"], 3, [6], 2)
        assert trial["metrics"] == json.loads((tmp_path / trial["trial"] / "summary.json").read_text())
    assert "trainlab sweep" in result.output and "sweep.json" in result.output
    again = sweep(*FLAGS, "--optimizers", "sgd,adam", "--lr-grid", "1e-2,1e-1", "--seeds", "3", "--out", str(tmp_path))
    assert again.output.count("finished before") >= 4


def test_an_invalid_sweep_file_is_one_message_naming_the_key_and_line(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("base:\n  data: iris\ngrid:\n  lr: [0.1]\n  epochz: [1]\n")
    result = sweep(str(path), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "grid.epochz (line 5)" in result.output and "Traceback" not in result.output


def test_ray_backend_without_ray_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    result = sweep(*FLAGS, "--backend", "ray", "--out", str(tmp_path))
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "pip install 'trainlab[ray]'" in errors[0] and "Traceback" not in result.output


def test_asha_without_ray_backend_and_a_file_with_flags_are_usage_errors(tmp_path):
    assert sweep(*FLAGS, "--asha").exit_code == 2
    path = tmp_path / "s.yaml"
    path.write_text("base:\n  data: iris\n")
    result = sweep(str(path), "--seeds", "0,1")
    assert result.exit_code == 2 and "--seeds" in result.output
