"""``trainlab runs`` and ``trainlab report``: the index of real training runs, and one error per bad input."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner
from PIL import Image

from trainlab.cli import main
from trainlab.cli import train as train_cli
from trainlab.train.callbacks import Callback
from trainlab.train.run import start_run
from trainlab.train.run_index import INDEX_FILE, RunIndex

RUN = ["train", "--data", "noisy_x2", "--samples", "40", "--model", "4", "--epochs", "3", "--batch-size", "8",
       "--quiet"]


def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=True)


def ok(result):
    assert result.exit_code == 0 and result.exception is None, result.output
    return result.output


def refused(result, *words):
    assert result.exit_code != 0 and "Traceback" not in result.output, result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    for word in words:
        assert word in result.output, result.output
    return result.output


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """runs/adam and runs/sgd trained by `trainlab train`: recorded in runs/index.sqlite."""
    base = tmp_path_factory.mktemp("runs") / "runs"
    ok(invoke(*RUN, "--out", str(base / "adam"), "--optimizer", "adam", "--lr", "0.01"))
    ok(invoke(*RUN, "--out", str(base / "sgd"), "--optimizer", "sgd", "--lr", "0.05"))
    return base


def test_train_runs_are_recorded_with_config_status_and_metrics(root):
    runs = RunIndex(root).runs()
    assert [(r.id, r.name, r.kind, r.status) for r in runs] == [(1, "adam", "train", "completed"),
                                                                (2, "sgd", "train", "completed")]
    summary = json.loads((root / "adam" / "summary.json").read_text())
    assert runs[0].metrics == summary and runs[0].config["optimizer"] == "adam" and runs[0].config["lr"] == 0.01
    assert runs[1].folder == str(root / "sgd")


def test_runs_list_show_and_filters(root):
    listed = ok(invoke("runs", "list", "--root", str(root)))
    assert "adam" in listed and "sgd" in listed and "completed" in listed
    only = ok(invoke("runs", "list", "--root", str(root), "--name", "sg"))
    assert "sgd" in only and "adam" not in only
    assert "no matching runs" in ok(invoke("runs", "list", "--root", str(root), "--status", "failed"))
    shown = ok(invoke("runs", "show", "2", "--root", str(root)))
    assert "config optimizer" in shown and "sgd" in shown and "metric best_val_loss" in shown
    refused(invoke("runs", "list", "--root", str(root), "--status", "done"), "--status", "completed")


def test_runs_compare_puts_runs_side_by_side_and_overlays_their_curves(root, tmp_path):
    png = tmp_path / "compare.png"
    out = ok(invoke("runs", "compare", "1", "2", "--root", str(root), "--out", str(png)))
    assert "1: adam" in out and "2: sgd" in out and "config optimizer" in out and "best_val_loss" in out
    assert Image.open(png).size[0] > 500


@pytest.mark.parametrize("command", [["runs", "show", "9"], ["runs", "compare", "1", "9"], ["report", "9"]])
def test_unknown_run_ids_name_the_ids_there_are(root, command):
    refused(invoke(*command, "--root", str(root)), "Unknown run id '9'", "holds ids 1, 2")


def test_report_of_folders_and_ids(root, tmp_path):
    html = tmp_path / "r.html"
    assert "report of 2 runs" in ok(invoke("report", str(root), "--out", str(html)))
    text = html.read_text()
    assert text.count('<section class="run"') == 2 and "http" not in text.split("<script")[0].replace(
        "http://www.w3.org", "")
    ok(invoke("report", "2", str(root / "sgd"), "--root", str(root), "--out", str(html)))  # one run, named twice
    assert html.read_text().count('<section class="run"') == 1


@pytest.mark.parametrize(("argument", "says"), [("missing", "does not exist"), ("empty", "holds no runs"),
                                                ("file.txt", "is a file, not a run folder")])
def test_report_of_a_missing_or_empty_folder_is_one_clear_error(tmp_path, argument, says):
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    (tmp_path / "file.txt").write_text("x")
    out = tmp_path / "r.html"
    refused(invoke("report", str(tmp_path / argument), "--out", str(out)), says, "DIR_OR_ID")
    assert not out.exists()


def test_report_into_an_unwritable_place_names_out(root, tmp_path):
    (tmp_path / "file").write_text("x")
    refused(invoke("report", str(root), "--out", str(tmp_path / "file" / "r.html")), "--out", "cannot write")


def test_a_corrupt_index_is_rebuilt_from_the_run_folders_with_a_message(root, tmp_path):
    import shutil

    copy = tmp_path / "runs"
    shutil.copytree(root, copy)
    (copy / INDEX_FILE).write_bytes(b"\x00garbage" * 500)
    out = ok(invoke("runs", "list", "--root", str(copy)))
    assert "rebuilt it from the run folders" in out and "2 runs found" in out
    assert "adam" in out and "sgd" in out
    assert "run" in ok(invoke("report", "1", "--root", str(copy), "--out", str(tmp_path / "r.html")))


def test_default_folder_is_recorded_under_runs_and_trainlab_runs_overrides(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRAINLAB_RUNS", raising=False)
    ok(invoke(*RUN))  # runs/train/noisy_x2-TIME-PID, recorded in runs/index.sqlite
    (run,) = RunIndex("runs").runs()
    assert run.folder.startswith(str(tmp_path / "runs" / "train")) and run.status == "completed"
    monkeypatch.setenv("TRAINLAB_RUNS", str(tmp_path / "elsewhere"))
    ok(invoke(*RUN, "--out", "mine/x"))
    assert [r.name for r in RunIndex(tmp_path / "elsewhere").runs()] == ["x"]
    assert "x" in ok(invoke("runs", "list"))  # --root defaults to $TRAINLAB_RUNS too


class _InterruptAt(Callback):
    def on_step_end(self, trainer, logs):
        if trainer.global_step == 2:
            raise KeyboardInterrupt


def test_an_interrupted_or_refused_train_run(tmp_path, monkeypatch):
    monkeypatch.setattr(train_cli, "start_run", lambda root, config, progress, callbacks: start_run(
        root, config, progress=progress, callbacks=[*callbacks, _InterruptAt()]))
    assert invoke(*RUN, "--out", str(tmp_path / "k")).exit_code == 130
    monkeypatch.undo()
    refused(invoke(*RUN, "--lr", "-1", "--out", str(tmp_path / "never")), "--lr")
    assert [(r.name, r.status) for r in RunIndex(tmp_path).runs()] == [("k", "interrupted")]
    ok(invoke("train", "--resume", str(tmp_path / "k"), "--quiet"))  # the resumed run is a new, completed row
    assert [(r.name, r.status) for r in RunIndex(tmp_path).runs()] == [("k", "interrupted"), ("k", "completed")]
    refused(invoke(*RUN, "--out", str(tmp_path / "k")), "already holds a run")  # refused: no row
    assert len(RunIndex(tmp_path).runs()) == 2


def test_a_lab_command_is_recorded_and_its_folder_reported(tmp_path, blank_figures):
    out = tmp_path / "lab" / "beale"
    ok(invoke("trajectories", "--problem", "beale", "--start", "2,-2", "--steps", "30", "--optimizers", "gd,adam",
              "--no-gif", "--out", str(out)))
    (run,) = RunIndex(tmp_path / "lab").runs()
    assert (run.name, run.kind, run.status, run.config["optimizers"]) == ("trajectories-beale", "lab", "completed",
                                                                          ["gd", "adam"])
    assert set(run.metrics) == {"gd final loss", "adam final loss"}
    html = tmp_path / "r.html"
    ok(invoke("report", str(tmp_path / "lab"), "--out", str(html)))  # found through the index: no results.json
    text = html.read_text()
    assert text.count('<section class="run"') == 1 and "adam final loss" in text and "beale_loss.png" in text
