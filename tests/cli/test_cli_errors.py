"""Every command speaks in options: interrupts, outputs, second-order refusals, the range test's bounds."""

from __future__ import annotations

import math
import shlex

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from trainlab.cli import main
from trainlab.cli import train as train_cli
from trainlab.cli.errors import OPTIONS, translate
from trainlab.constraints import NONNEGATIVE, POSITIVE, Interval, InvalidArgument
from trainlab.optim import SGD, Adam
from trainlab.schedules.range_test import read_curve
from trainlab.train.callbacks import Callback
from trainlab.train.run import start_run

RUN = ["train", "--data", "noisy_x2", "--samples", "40", "--model", "4", "--epochs", "3", "--batch-size", "8",
       "--quiet"]


def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=True)


class _InterruptAt(Callback):
    def __init__(self, step):
        self.step = step

    def on_step_end(self, trainer, logs):
        if trainer.global_step == self.step:
            raise KeyboardInterrupt


@pytest.mark.parametrize(("checkpoint_every", "says"), [(100, "before the first step checkpoint"),
                                                         (1, "the newest checkpoint (step 1)")])
def test_ctrl_c_prints_the_truth_and_a_resume_command_on_its_own_line(tmp_path, monkeypatch, blank_figures,
                                                                       checkpoint_every, says):
    monkeypatch.setattr(train_cli, "start_run", lambda root, config, progress, callbacks: start_run(
        root, config, progress=progress, callbacks=[*callbacks, _InterruptAt(2)]))
    out = str(tmp_path / "a run folder")  # a space: the command must still paste as one argument
    result = invoke(*RUN, "--checkpoint-every", str(checkpoint_every), "--out", out)
    assert result.exit_code == 130 and says in result.output, result.output
    command = f"  trainlab train --resume {shlex.quote(out)}"
    assert command in result.output.splitlines()  # one whole line, whatever the terminal width
    monkeypatch.undo()
    resumed = invoke(*shlex.split(command.strip())[1:], "--quiet")
    reference = invoke(*RUN, "--checkpoint-every", str(checkpoint_every), "--out", str(tmp_path / "reference"))
    assert resumed.exit_code == 0 and reference.exit_code == 0, resumed.output
    a, b = (torch.load(f"{d}/model.pt", weights_only=True) for d in (out, tmp_path / "reference"))
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_schedules_plot_refuses_a_suffix_it_would_mislabel(tmp_path):
    result = invoke("schedules", "plot", "cosine", "--steps", "20", "--out", str(tmp_path / "x.jpg"))
    assert result.exit_code == 2 and "'--out'" in result.output and ".png" in result.output
    assert not (tmp_path / "x.jpg").exists()
    result = invoke("schedules", "plot", "cosine", "--steps", "20", "--out", str(tmp_path / "x.png"))
    assert result.exit_code == 0 and (tmp_path / "x.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("out", ["/proc/trainlab-lr.png", "{file}/lr.png"])
def test_lr_find_into_an_unwritable_place_names_out(tmp_path, out):
    (tmp_path / "file").write_text("x")
    result = invoke("lr-find", "--data", "iris", "--model", "4", "--steps", "8", "--out",
                    out.replace("{file}", str(tmp_path / "file")))
    assert result.exit_code == 1 and "--out" in result.output and "cannot write there" in result.output
    assert ".tmp-" not in result.output and "Traceback" not in result.output


def test_race_refuses_second_order_optimizers():
    result = invoke("race", "--optimizers", "sgd,lbfgs", "--steps", "2")
    assert result.exit_code == 2 and "--optimizers" in result.output and "second-order" in result.output
    assert "closure" not in result.output


def test_translate_names_options_not_functions():
    err = InvalidArgument("The 'val + test' parameter of split_indices must be below 1. Got 1.1 instead.")
    assert translate(err).format_message() == "Invalid value for --val and --test: must be below 1. Got 1.1 instead."
    lr = InvalidArgument("The 'lr' parameter of SGD must be a float in the range [0, inf). Got -1 instead.")
    assert "'--start'" in str(translate(lr, {"lr": "--start"}).format_message())
    unknown = translate(InvalidArgument("Unknown optimizer 'adamm'. Did you mean 'adam'? Known optimizers: adam."))
    assert unknown.format_message().startswith("Invalid value for '--optimizer': Unknown optimizer")
    assert all(option.startswith("--") for option in OPTIONS.values())


def test_unbounded_interval_ends_are_never_reached():
    assert POSITIVE.accepts(1e308) and not POSITIVE.accepts(math.inf) and not NONNEGATIVE.accepts(math.inf)
    assert not Interval(None, None).accepts(-math.inf) and Interval(None, math.inf, closed="both").accepts(math.inf)
    for opt in (SGD, Adam):
        with pytest.raises(InvalidArgument, match=r"'lr' parameter .* \[0, inf\). Got inf"):
            opt([torch.zeros(1, requires_grad=True)], lr=math.inf)


def test_a_suggestion_never_leaves_the_scanned_range():
    """A curve that falls from the first rate on: the rule reads below the start; the start is suggested."""
    lrs = np.geomspace(1e-6, 10.0, 100)
    losses = np.where(lrs < 1e-2, 1.0 / (1.0 + 1e5 * lrs), 1e3 * lrs)  # falls from the start, then blows up
    result = read_curve(lrs, losses, smoothing=None, diverge=4.0, diverged=True)
    assert lrs[0] <= result.suggestion <= lrs[-1]
    assert all(lrs[0] <= v <= lrs[-1] for v in result.candidates.values())


def test_lr_find_on_diabetes_with_adam_suggests_inside_its_scan():
    """The issue's reproducer: it suggested 3.3e-7 for a scan that starts at 1e-6."""
    from trainlab.train.lr_find import find_on_dataset

    result = find_on_dataset("diabetes", (64, 64), "tanh", "adam", batch_size=32)
    assert 1e-6 <= result.suggestion <= 10.0
    assert result.confidence == "low" or result.suggestion > 1e-6
