"""What a run folder refuses up front, what its summary says, and where its files may be read from."""

from __future__ import annotations

import json
import os
import warnings

import pytest
import torch
from click.testing import CliRunner

from trainlab.cli import main
from trainlab.constraints import InvalidArgument
from trainlab.train.callbacks import Callback
from trainlab.train.run import RunConfig, dense_hessian_bytes, resume_run, start_run
from trainlab.nn import MLP

TINY = dict(hidden=[4], epochs=2, batch_size=None)


def train(*args):
    return CliRunner().invoke(main, ["train", "--quiet", *args])


@pytest.mark.parametrize(("data", "loss", "says"), [
    ("iris", "mse", "classification data set"),
    ("breast_cancer", "bce", "classification data set"),
    ("noisy_x2", "cross_entropy", "regression data set"),
])
def test_a_loss_that_does_not_fit_the_task_is_refused_naming_the_option(tmp_path, data, loss, says):
    result = train("--data", data, "--loss", loss, "--epochs", "1", "--out", str(tmp_path / "run"))
    assert result.exit_code == 2 and "'--loss'" in result.output and says in result.output, result.output
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("args", [
    ["--data", "iris", "--task", "classification"],
    ["--data", "diabetes", "--target", "y"],
    ["--data", "iris", "--samples", "50"],
])
def test_options_that_do_not_apply_are_refused_not_recorded(tmp_path, args):
    option = args[2]
    result = train(*args, "--epochs", "1", "--out", str(tmp_path / "run"))
    assert result.exit_code == 2 and f"'{option}'" in result.output and args[1] in result.output, result.output
    assert not (tmp_path / "run").exists()


def test_newton_on_a_large_model_is_refused_with_the_memory_it_needs(tmp_path):
    out = tmp_path / "run"
    result = train("--data", "diabetes", "--optimizer", "newton", "--model", "512,512", "--out", str(out))
    n = sum(p.numel() for p in MLP([10, 512, 512, 1]).parameters())
    assert dense_hessian_bytes(MLP([10, 512, 512, 1])) == 8 * n * n
    assert result.exit_code == 2 and f"{n:,} x {n:,}" in result.output and "GiB" in result.output, result.output
    assert not out.exists()  # no half-made folder


def test_line_search_with_mini_batches_warns(tmp_path):
    with pytest.warns(UserWarning, match="mini-batches of 8"):
        start_run(str(tmp_path / "run"), RunConfig(data="noisy_x2", optimizer="lbfgs", hidden=[4], epochs=1,
                                                   batch_size=8), progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        start_run(str(tmp_path / "full"), RunConfig(data="noisy_x2", optimizer="lbfgs", **TINY), progress=False)


def test_a_huge_learning_rate_still_writes_its_summary(tmp_path):
    """--lr 1e10: every val_loss is non-finite; the summary is written, without a best epoch."""
    result = train("--data", "diabetes", "--lr", "1e10", "--epochs", "3", "--model", "8", "--activation", "relu",
                   "--out", str(tmp_path / "run"))  # relu: tanh's bounded outputs keep the loss finite
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert summary["stop_reason"] in ("diverged", "non_finite") and "best_epoch" not in summary


def test_infinite_learning_rates_are_refused():
    with pytest.raises(InvalidArgument, match=r"\[0, inf\). Got inf"):
        start_run("never", RunConfig(data="noisy_x2", lr=float("inf"), **TINY), progress=False)
    assert not os.path.exists("never")


def test_after_early_stopping_the_summary_names_the_best_epoch_model_pt_holds(tmp_path):
    cfg = RunConfig(data="noisy_sine", hidden=[16], lr=0.05, epochs=200, batch_size=8, patience=3, seed=1)
    summary = start_run(str(tmp_path / "run"), cfg, progress=False)
    assert summary["stop_reason"] == "early_stopping"
    rows = [json.loads(json.dumps(r)) for r in _rows(tmp_path / "run" / "history.csv")]
    best = min(rows, key=lambda r: r["val_loss"])
    assert summary["best_epoch"] == summary["model_epoch"] == best["epoch"] < summary["last_epoch"] == rows[-1]["epoch"]
    assert summary["val_loss"] == pytest.approx(best["val_loss"]) == summary["best_val_loss"]
    assert summary["last_val_loss"] == pytest.approx(rows[-1]["val_loss"])
    # model.pt holds the weights of that epoch: its validation loss is the reported one
    from trainlab.data import load_dataset, split_standardized

    ds = load_dataset("noisy_sine", seed=1)
    val = split_standardized(ds.X, ds.y, val=cfg.val, test=cfg.test, seed=1).val
    model = MLP([1, 16, 1])
    model.load_state_dict(torch.load(tmp_path / "run" / "model.pt", weights_only=True))
    model.eval()
    with torch.no_grad():
        loss = torch.nn.functional.mse_loss(model(val.x), val.y).item()
    assert loss == pytest.approx(summary["val_loss"], rel=1e-5)


def _rows(path):
    import csv

    with open(path, newline="") as f:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]


class _Interrupt(Callback):
    def on_step_end(self, trainer, logs):
        if trainer.global_step == 2:
            raise KeyboardInterrupt


def test_a_csv_run_resumes_from_another_directory(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "points.csv").write_text("a,b,y\n" + "".join(f"{i % 7},{i % 5},{i % 3}\n" for i in range(40)))
    monkeypatch.chdir(tmp_path / "data")
    cfg = RunConfig(data="points.csv", target="y", hidden=[4], epochs=3, batch_size=8, checkpoint_every=1)
    with pytest.raises(KeyboardInterrupt):
        start_run(str(tmp_path / "run"), cfg, progress=False, callbacks=[_Interrupt()])
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["data"] == str(tmp_path / "data" / "points.csv")
    monkeypatch.chdir(tmp_path)
    assert resume_run(str(tmp_path / "run"), progress=False)["stop_reason"] == "completed"


def test_interrupted_writes_leave_no_temporaries_after_a_resume(tmp_path):
    cfg = RunConfig(data="noisy_x2", hidden=[4], epochs=3, batch_size=8, checkpoint_every=1)
    with pytest.raises(KeyboardInterrupt):
        start_run(str(tmp_path / "run"), cfg, progress=False, callbacks=[_Interrupt()])
    for folder in (tmp_path / "run", tmp_path / "run" / "checkpoints"):  # as a SIGKILL mid-write leaves them
        (folder / f".history.csv.tmp-{os.getpid() + 1}").write_bytes(b"half")
    resume_run(str(tmp_path / "run"), progress=False)
    left = [n for _, _, files in os.walk(tmp_path / "run") for n in files if ".tmp-" in n]
    assert left == []
