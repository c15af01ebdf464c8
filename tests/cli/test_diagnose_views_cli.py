"""``diagnose line|plane|infoplane RUN_DIR``: the numbers they write, and their errors."""

from __future__ import annotations

import json
import os
import shutil

import pytest
import torch
from click.testing import CliRunner
from torch.nn import functional as F

from trainlab.cli.diagnose_views import infoplane, line, plane
from trainlab.train.predict import load_run
from trainlab.train.run import RunConfig, start_run


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("diagnose")
    run = str(root / "iris")
    start_run(run, RunConfig(data="iris", hidden=[6], epochs=6, keep_last=10), progress=False)
    other = str(root / "other")
    start_run(other, RunConfig(data="iris", hidden=[4], epochs=1), progress=False)
    return run, other


def _train_loss(run: str) -> float:
    from trainlab.diagnose.run_snapshots import load_run_snapshots

    snaps = load_run_snapshots(run)
    model, _, _ = load_run(run)
    with torch.no_grad():
        return F.cross_entropy(model(snaps.train.x), snaps.train.y).item()


def _read(run: str, name: str) -> dict:
    with open(os.path.join(run, "diagnose", f"{name}.json"), encoding="utf-8") as f:
        return json.load(f)


def test_line_ends_at_the_final_models_training_loss(run_dir):
    run, _ = run_dir
    result = CliRunner().invoke(line, [run, "--points", "5"])
    assert result.exit_code == 0, result.output
    data = _read(run, "line")
    assert data["train"][-1] == pytest.approx(_train_loss(run), rel=1e-6)
    assert data["start"] == "initialization" and len(data["validation"]) == 5
    assert os.path.getsize(os.path.join(run, "diagnose", "line.png")) > 10_000
    first = CliRunner().invoke(line, [run, "--points", "3", "--start", "first", "--alpha-range", "-0.5", "1.5"])
    assert first.exit_code == 0 and _read(run, "line")["start"] == "step 1"
    assert _read(run, "line")["alphas"] == [-0.5, 0.5, 1.5]


def test_plane_centre_is_the_final_model_and_the_path_ends_there(run_dir):
    run, _ = run_dir
    result = CliRunner().invoke(plane, [run, "--points", "5"])
    assert result.exit_code == 0, result.output
    data = _read(run, "plane-pca")
    assert data["center_loss"] == pytest.approx(_train_loss(run), rel=1e-6)
    assert data["path_labels"][0] == "initialization" and data["path_labels"][-1] == "final model"
    assert len(data["path"]) == len(data["path_labels"]) == 8  # init, six checkpoints, final
    assert data["path"][-1] == pytest.approx([0.0, 0.0], abs=1e-6)
    filtered = CliRunner().invoke(plane, [run, "--points", "3", "--directions", "filter", "--span", "0.1"])
    assert filtered.exit_code == 0 and _read(run, "plane-filter")["alphas"] == pytest.approx([-0.1, 0.0, 0.1])


def test_infoplane_measures_each_layer_at_each_checkpoint(run_dir):
    run, _ = run_dir
    result = CliRunner().invoke(infoplane, [run, "--bins", "10", "--kde-inputs", "64"])
    assert result.exit_code == 0, result.output
    data = _read(run, "infoplane")
    assert data["layers"] == ["layer 1 (6)", "output (3)"] and data["steps"] == [0, 1, 2, 3, 4, 5, 6]
    n = data["inputs"]
    for layer in data["binned"]:
        assert len(layer) == 7 and all(0 <= a <= torch.log2(torch.tensor(n)).item() + 1e-9 for a, _ in layer)
        assert all(b <= 1.585 for _, b in layer)  # I(T;Y) <= H(Y) <= log2(3)


def test_errors_are_one_message_and_a_non_zero_exit(run_dir, tmp_path):
    run, other = run_dir
    missing = CliRunner().invoke(line, [str(tmp_path / "nowhere")])
    assert missing.exit_code != 0 and "RUN_DIR" in missing.output and "config.json" in missing.output
    assert "Traceback" not in missing.output
    bad = CliRunner().invoke(plane, [run, "--points", "1"])
    assert bad.exit_code != 0 and "--points" in bad.output and "Got 1" in bad.output
    broken = str(tmp_path / "broken")
    shutil.copytree(run, broken)
    shutil.copy(os.path.join(other, "checkpoints", "step-00000001.pt"),
                os.path.join(broken, "checkpoints", "step-00000099.pt"))
    for command in (line, plane, infoplane):
        result = CliRunner().invoke(command, [broken])
        assert result.exit_code != 0 and "step-00000099.pt" in result.output and "Traceback" not in result.output
        assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


def test_help_shows_an_example():
    for command, name in ((line, "line"), (plane, "plane"), (infoplane, "infoplane")):
        text = CliRunner().invoke(command, ["--help"]).output
        assert f"trainlab diagnose {name} runs/" in text


def test_the_diagnose_group_runs_every_subcommand(run_dir):
    from trainlab.cli import main

    runner = CliRunner()
    listed = runner.invoke(main, ["diagnose", "--help"])
    assert listed.exit_code == 0
    for name in ("hessian", "line", "plane", "infoplane"):
        assert f"  {name} " in listed.output
    result = runner.invoke(main, ["diagnose", "line", run_dir[0], "--points", "3"])
    assert result.exit_code == 0, result.output
    assert len(_read(run_dir[0], "line")["alphas"]) == 3
