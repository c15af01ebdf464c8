"""``trainlab train``: the run folder, resuming, CSV data and one clear error per bad input."""

from __future__ import annotations

import csv
import hashlib
import json
import os

import pytest
import torch
from click.testing import CliRunner

from trainlab.cli import main
from trainlab.nn import MLP
from tests.helpers import Marker

SMALL = ["--data", "diabetes", "--model", "8", "--epochs", "4", "--batch-size", "64", "--checkpoint-every", "5"]


def train(*args):
    return CliRunner().invoke(main, ["train", *args], catch_exceptions=False)


def snapshot(directory):
    """{relative path: sha256} of every file under ``directory``."""
    out = {}
    for root, _, files in os.walk(directory):
        for name in files:
            path = os.path.join(root, name)
            out[os.path.relpath(path, directory)] = hashlib.sha256(open(path, "rb").read()).hexdigest()
    return out


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "run"
    result = train(*SMALL, "--out", str(out))
    assert result.exit_code == 0, result.output
    return out, result.output


def test_help_shows_an_example():
    result = CliRunner().invoke(main, ["train", "--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.output and "trainlab train --data diabetes --model 64,64" in result.output
    assert "trainlab train --resume" in result.output


def test_run_folder_holds_history_figure_checkpoints_and_model(run_dir):
    out, output = run_dir
    assert "epoch 4/4" in output and "test_loss" in output and "completed" in output
    rows = list(csv.DictReader(open(out / "history.csv")))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3, 4]
    assert {"train_loss", "val_loss", "lr", "time"} <= set(rows[0])
    png = (out / "loss.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    state = torch.load(out / "model.pt", weights_only=True)
    MLP([10, 8, 1]).load_state_dict(state)  # strict: exactly the configured network
    steps = 4 * 5  # 310 training rows in batches of 64
    assert sorted(os.listdir(out / "checkpoints")) == ["best.pt"] + [f"step-{s:08d}.pt" for s in (10, 15, 20)]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps"] == steps and summary["stop_reason"] == "completed" and "test_loss" in summary
    assert json.loads((out / "config.json").read_text())["hidden"] == [8]


def test_resuming_a_finished_run_keeps_the_model(run_dir):
    out, _ = run_dir
    before = torch.load(out / "model.pt", weights_only=True)
    result = train("--resume", str(out), "--quiet")
    assert result.exit_code == 0, result.output
    after = torch.load(out / "model.pt", weights_only=True)
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_resume_takes_no_run_options(run_dir):
    out, _ = run_dir
    result = CliRunner().invoke(main, ["train", "--resume", str(out), "--lr", "0.1"])
    assert result.exit_code == 2 and "drop --lr" in result.output


def test_existing_run_is_not_overwritten(run_dir):
    out, _ = run_dir
    before = snapshot(out)
    result = CliRunner().invoke(main, ["train", *SMALL, "--out", str(out)])
    assert result.exit_code == 1 and f"continue that one with --resume {out}" in result.output.replace("\n", "")
    assert snapshot(out) == before


def test_csv_data_with_a_target_column(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("a,b,label\n" + "".join(f"{i % 7},{(i * 3) % 5},{int(i % 7 > 3)}\n" for i in range(60)))
    out = tmp_path / "run"
    result = train("--data", str(path), "--target", "label", "--task", "classification", "--model", "8",
                   "--epochs", "3", "--out", str(out), "--quiet")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(open(out / "history.csv")))
    assert "val_accuracy" in rows[0] and len(rows) == 3
    MLP([2, 8, 2]).load_state_dict(torch.load(out / "model.pt", weights_only=True))


@pytest.mark.parametrize(("args", "needle"), [
    (["--data", "diabetis"], "'--data': must be one of ['diabetes'"),
    (["--optimizer", "adamm"], "Unknown optimizer 'adamm'. Did you mean 'adam'?"),
    (["--lr", "-1"], "'--lr': must be a float in the range [0, inf). Got -1.0 instead."),
    (["--lr", "inf"], "'--lr': must be a float in the range [0, inf). Got inf instead."),
    (["--val", "0.7", "--test", "0.4"], "--val and --test: must be below 1"),
    (["--batch-size", "0"], "an int >= 1 or 'full'; got '0'"),
    (["--optimizer", "sparse-adam"], "'--optimizer': must be an optimizer for dense gradients"),
])
def test_bad_options_get_one_clear_error(tmp_path, args, needle):
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["train", *SMALL, "--out", str(out), *args])
    assert result.exit_code != 0 and needle in result.output.replace("\n", " ").replace("  ", " ")
    assert "parameter of" not in result.output  # the option, never a library function
    assert not out.exists()  # refused before the folder is made


def test_csv_with_nan_gets_one_clear_error(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("x,y\n1,2\n2,nan\n3,4\n")
    result = CliRunner().invoke(main, ["train", "--data", str(path), "--target", "y", "--out", str(tmp_path / "r")])
    assert result.exit_code == 1 and "'y' parameter of load_csv must be finite" in result.output


def _copy_run(src, out):
    for rel in snapshot(src):
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes((src / rel).read_bytes())


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_a_corrupt_newest_checkpoint_falls_back_to_the_previous_one(run_dir, tmp_path, damage):
    """A damaged newest file (full disk, bad copy): resume from the one before it, saying so."""
    src, _ = run_dir
    out = tmp_path / "copy"
    _copy_run(src, out)
    newest = out / "checkpoints" / "step-00000020.pt"
    newest.write_bytes(newest.read_bytes()[:5000] if damage == "truncated" else b"not a zip archive at all")
    previous = sorted(p.name for p in (out / "checkpoints").glob("step-*.pt"))[-2]
    result = CliRunner().invoke(main, ["train", "--resume", str(out)])
    said = result.output.replace("\n", " ")
    assert result.exit_code == 0, result.output
    assert "corrupt" in said and "Skipped it: resuming from" in said and previous in said
    assert torch.equal(*(torch.load(d / "model.pt", weights_only=True)["0.weight"] for d in (src, out)))


def test_a_folder_whose_every_checkpoint_is_corrupt_says_so(run_dir, tmp_path):
    src, _ = run_dir
    out = tmp_path / "copy"
    _copy_run(src, out)
    for path in (out / "checkpoints").glob("step-*.pt"):
        path.write_bytes(b"garbage")
    before = snapshot(out)
    result = CliRunner().invoke(main, ["train", "--resume", str(out)])
    assert result.exit_code == 1 and "step-00000020.pt" in result.output and "corrupt" in result.output
    assert snapshot(out) == before


@pytest.mark.parametrize("damage", ["pickled_code", "other_model", "not_a_run"])
def test_bad_checkpoint_on_resume_leaves_the_folder_intact(run_dir, tmp_path, damage):
    src, _ = run_dir
    out = tmp_path / "copy"
    _copy_run(src, out)
    newest = out / "checkpoints" / "step-00000020.pt"
    marker = tmp_path / "EXECUTED"
    if damage == "pickled_code":
        torch.save({"format": "trainlab-checkpoint", "version": 1, "x": Marker(marker)}, newest)
        needle = "carries pickled code"
    elif damage == "other_model":
        cfg = json.loads((out / "config.json").read_text())
        (out / "config.json").write_text(json.dumps({**cfg, "hidden": [9]}))
        needle = "was written for a different model: '0.weight' has shape [8, 10]"
    else:
        os.remove(out / "config.json")
        needle = "the run never started there (no config.json"
    before = snapshot(out)
    result = CliRunner().invoke(main, ["train", "--resume", str(out)])
    assert result.exit_code == 1 and needle in result.output.replace("\n", " ")
    assert snapshot(out) == before
    assert not marker.exists()


def test_a_run_killed_before_its_config_is_written_says_it_never_started(tmp_path):
    """Killed during start-up: the folder (or not even that) exists, config.json does not."""
    for out in (tmp_path / "never_created", tmp_path / "half_made"):
        if out.name == "half_made":
            (out / "checkpoints").mkdir(parents=True)
        result = CliRunner().invoke(main, ["train", "--resume", str(out)])
        text = " ".join(result.output.split())
        assert result.exit_code == 1
        assert f"--resume {out}: the run never started there" in text
        assert f"Start it with trainlab train --out {out}" in text
        assert str(tmp_path) + ":" not in text and "Traceback" not in result.output  # not the parent folder


def test_diverging_run_with_the_nan_guard_on_gets_advice_that_fits(tmp_path):
    """The NaN guard is on by default: the advice names the learning rate and lr-find, not NaNGuard."""
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["train", "--data", "heaviside", "--model", "16", "--optimizer", "sgd",
                                       "--lr", "50", "--epochs", "20", "--out", str(out)])
    text = " ".join(result.output.split())
    summary = json.loads((out / "summary.json").read_text())
    assert summary["stop_reason"] in ("diverged", "non_finite"), summary
    assert result.exit_code == 1
    assert "NaNGuard" not in summary["message"] and "lower the learning rate" in summary["message"]
    assert "trainlab lr-find --data heaviside --model 16 --optimizer sgd" in text
