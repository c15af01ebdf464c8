"""``RunLayout`` names the run folder's files; ``start_run``/``resume_run`` raise library errors about it."""

from __future__ import annotations

import os

import pytest
import torch

from trainlab.train import GradientClipping, NaNGuard, Trainer
from trainlab.train.checkpoint import CheckpointError
from trainlab.train.run import RunAlreadyStarted, RunConfig, RunNeverStarted, resume_run, start_run
from trainlab.train.run_layout import RunLayout

TINY = RunConfig(data="noisy_x2", hidden=[4], epochs=2, batch_size=35)


def test_a_finished_run_leaves_exactly_the_files_the_layout_names(tmp_path):
    layout = RunLayout(tmp_path / "run")
    start_run(layout.root, TINY, progress=False)
    for path in (layout.config, layout.history, layout.model, layout.summary):
        assert os.path.isfile(path), path
    assert os.listdir(layout.checkpoints) and layout.started
    assert not os.path.exists(layout.figure)  # the library draws no figure unless asked (LossFigure)
    expected = ["config.json", ".lock"] + [n.rstrip("/") for n in layout.outputs() if n != "loss.png"]
    assert sorted(os.listdir(layout.root)) == sorted(expected)


def test_the_run_folder_of_a_checkpoint_file_is_two_levels_up(tmp_path):
    layout = RunLayout(tmp_path / "run")
    start_run(layout.root, TINY, progress=False)
    newest = sorted(os.listdir(layout.checkpoints))[-1]
    assert RunLayout.of(os.path.join(layout.checkpoints, newest)) == layout
    assert RunLayout.of(layout.root) == layout
    assert RunLayout.of(tmp_path / "not_made_yet").root == str(tmp_path / "not_made_yet")  # not its parent


def test_starting_over_a_run_and_resuming_a_run_that_never_started_are_library_errors(tmp_path):
    layout = RunLayout(tmp_path / "run")
    start_run(layout.root, TINY, progress=False)
    with pytest.raises(RunAlreadyStarted, match="already holds a run") as err:
        start_run(layout.root, TINY, progress=False)
    assert err.value.layout == layout and "--" not in str(err.value)  # no CLI option names in the library
    for never in (tmp_path / "never_created", tmp_path / "no_config"):
        if never.name == "no_config":
            (never / "checkpoints").mkdir(parents=True)
        with pytest.raises(RunNeverStarted, match="the run never started") as err:
            resume_run(str(never), progress=False)
        assert err.value.layout.root == str(never) and isinstance(err.value, CheckpointError)
        assert "--" not in str(err.value)


def test_divergence_advice_names_only_the_guards_that_are_not_on():
    model = torch.nn.Linear(1, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    bare = Trainer(model, opt).divergence_advice()
    assert bare.startswith("lower the learning rate") and bare.endswith("or add GradientClipping or NaNGuard")
    guarded = Trainer(model, opt, callbacks=[NaNGuard()]).divergence_advice()
    assert "NaNGuard" not in guarded and guarded.endswith("or add GradientClipping")
    both = Trainer(model, opt, callbacks=[NaNGuard(), GradientClipping(1.0)]).divergence_advice()
    assert "add" not in both and "lower the learning rate" in both


def test_a_guarded_run_that_diverges_does_not_advise_the_guard_it_has():
    torch.manual_seed(0)
    x = torch.linspace(-1, 1, 32).unsqueeze(1)
    model = torch.nn.Sequential(torch.nn.Linear(1, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
    trainer = Trainer(model, torch.optim.SGD(model.parameters(), lr=1e3), epochs=30, callbacks=[NaNGuard()])
    history = trainer.fit((x, 100 * x**2))
    assert history.stop_reason in ("diverged", "non_finite"), history.message
    assert "lower the learning rate" in history.message and "NaNGuard" not in history.message
