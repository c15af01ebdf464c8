"""Bagging and snapshot ensembles: bootstrap batches, parity with separate training, snapshots, run folders."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from trainlab.constraints import InvalidArgument
from trainlab.nn import MLP
from trainlab.nn.ensemble import Ensemble
from trainlab.schedules import Cosine
from trainlab.train import Callback, Checkpoint, ScheduleCallback, Trainer, seed_everything
from trainlab.train.ensemble import (
    BootstrapBatches,
    Snapshots,
    bootstrap_indices,
    parse_ensemble,
    snapshot_ensemble,
    snapshot_schedule,
)
from trainlab.train.predict import evaluate_run, load_run, predict_rows
from trainlab.train.run import RunConfig, start_run


def test_bootstrap_rows_are_draws_with_replacement_and_batches_follow_them():
    boot = bootstrap_indices(50, 3, seed=1)
    assert boot.shape == (3, 50) and boot.min() >= 0 and boot.max() < 50
    assert all(len(set(row.tolist())) < 50 for row in boot)  # with replacement: repeats
    assert torch.equal(boot, bootstrap_indices(50, 3, seed=1)) and not torch.equal(boot, bootstrap_indices(50, 3, 2))
    x, y = torch.arange(100.0).reshape(50, 2), torch.arange(50)
    idx = torch.tensor([4, 0, 9])
    xb, yb = BootstrapBatches(boot)(x, y, idx)
    assert xb.shape == (3, 3, 2) and torch.equal(xb[2, 1], x[boot[2, 0]])
    assert torch.equal(yb, y[boot[:, idx].reshape(-1)])


class MemberRows:
    """A sampler that gives one model exactly member k's rows of BootstrapBatches."""

    def __init__(self, boot, k):
        self.rows = boot[k]

    def __call__(self, x, y, idx):
        return x[self.rows[idx]], y[self.rows[idx]]


def test_bagging_in_one_trainer_equals_training_each_member_alone(float64):
    """SGD on the joint loss moves each member exactly as SGD on its own bootstrap sample does."""
    rng = np.random.default_rng(0)
    X = torch.as_tensor(rng.standard_normal((40, 3)))
    y = torch.as_tensor(rng.standard_normal((40, 1)))
    boot = bootstrap_indices(40, 3, seed=2)
    torch.manual_seed(0)
    members = [MLP([3, 5, 1], activation="tanh") for _ in range(3)]
    starts = [{k: v.clone() for k, v in m.state_dict().items()} for m in members]
    ens = Ensemble(members, "mean")
    Trainer(ens, torch.optim.SGD(ens.parameters(), lr=0.1), epochs=3, batch_size=8, seed=4,
            sampler=BootstrapBatches(boot)).fit((X, y))
    for k, start in enumerate(starts):
        alone = MLP([3, 5, 1], activation="tanh")
        alone.load_state_dict(start)
        Trainer(alone, torch.optim.SGD(alone.parameters(), lr=0.1), epochs=3, batch_size=8, seed=4,
                sampler=MemberRows(boot, k)).fit((X, y))
        for a, b in zip(alone.parameters(), members[k].parameters(), strict=True):
            torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


class Crash(Exception):
    pass


class CrashAt(Callback):
    order = 200

    def on_step_end(self, trainer, logs):
        if trainer.global_step == 7:
            raise Crash


def snapshot_trainer(directory=None, crash=False):
    seed_everything(0)
    X = torch.linspace(-1, 1, 30).reshape(-1, 1)
    model = MLP([1, 8, 1], activation="tanh")
    schedule = snapshot_schedule(0.05, total_steps=4 * 4, size=3)  # 4 epochs of 4 batches
    snaps = Snapshots(schedule.period, 3)
    callbacks = [ScheduleCallback(schedule), snaps] + ([Checkpoint(directory, every=2)] if directory else [])
    callbacks += [CrashAt()] if crash else []
    trainer = Trainer(model, torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9), epochs=4, batch_size=8,
                      callbacks=callbacks)
    return trainer, snaps, (X, torch.sin(3 * X))


def test_snapshots_follow_the_cycles_of_huang_et_al_and_survive_a_resume(tmp_path, same):
    schedule = snapshot_schedule(0.1, total_steps=16, size=3)
    assert schedule == Cosine(init=0.1, period=math.ceil(16 / 3), restarts=True)
    assert schedule(0) == 0.1 and schedule(6) == 0.1 and schedule(5) < 0.01  # a restart every 6 steps
    trainer, snaps, data = snapshot_trainer()
    trainer.fit(data)
    assert snaps.steps == [6, 12, 16] and len(snaps.states) == 3
    assert torch.equal(snaps.states[-1]["0.weight"], trainer.model[0].weight)
    crashed, _, _ = snapshot_trainer(tmp_path, crash=True)
    with pytest.raises(Crash):
        crashed.fit(data)
    resumed, again, _ = snapshot_trainer(tmp_path)
    resumed.resume(tmp_path, data)
    assert again.steps == snaps.steps
    assert all(torch.equal(a[k], b[k]) for a, b in zip(again.states, snaps.states, strict=True) for k in a)
    ensemble = snapshot_ensemble(trainer.model, snaps.states, "mean")
    x = data[0]
    torch.testing.assert_close(ensemble(x), torch.stack([m(x) for m in ensemble.members]).mean(0))
    assert not torch.equal(ensemble.members[0](x), ensemble.members[2](x))


@pytest.mark.parametrize("spec", ["bagging:0", "bagging", "boost:3", "snapshot:x", "snapshot:-1", ""])
def test_bad_ensemble_specs_give_one_clear_error(spec):
    with pytest.raises(InvalidArgument, match=r"'ensemble' parameter .* bagging:K or snapshot:K .* Got"):
        parse_ensemble(spec)
    assert parse_ensemble("bagging:4").size == 4


@pytest.mark.parametrize("ensemble", ["bagging:2", "snapshot:2"])
def test_an_ensemble_run_stores_its_members_and_predict_evaluate_average_them(tmp_path, ensemble):
    run = tmp_path / "run"
    summary = start_run(str(run), RunConfig(data="iris", hidden=[6], epochs=4, batch_size=32, lr=0.05,
                                            ensemble=ensemble), progress=False)
    assert len(summary["test_member_loss"]) == 2
    model, norm, config = load_run(str(run))
    assert isinstance(model, Ensemble) and len(model) == 2 and config.ensemble == ensemble
    from trainlab.data import load_dataset
    from trainlab.data.split import split_indices

    ds = load_dataset("iris")
    _, _, test = split_indices(len(ds.X), config.val, config.test, config.seed)
    x = norm.inputs(ds.X[test])
    probs = np.mean([torch.softmax(m(x), 1).detach().numpy() for m in model.members], axis=0)
    report = evaluate_run(str(run))
    labels = ds.y[test]
    assert report["accuracy"] == pytest.approx(np.mean(probs.argmax(1) == labels))
    assert report["cross_entropy"] == pytest.approx(-np.mean(np.log(probs[np.arange(len(labels)), labels])),
                                                    rel=1e-5)
    assert report["cross_entropy"] == pytest.approx(summary["test_loss"], rel=1e-5)
    assert np.array_equal(predict_rows(str(run), ds.X[test]), probs.argmax(1))
    saved = json.loads((run / "config.json").read_text())
    assert saved["ensemble"] == ensemble


def test_a_config_json_from_before_these_fields_still_loads(tmp_path):
    old = json.loads(RunConfig(data="iris").to_json())
    del old["ensemble"], old["augment"]
    config = RunConfig.from_json(json.dumps(old))
    assert config.ensemble is None and config.augment is None


def test_snapshot_runs_refuse_a_schedule_of_their_own(tmp_path):
    with pytest.raises(InvalidArgument, match="'ensemble' parameter .*without a schedule"):
        start_run(str(tmp_path / "r"), RunConfig(data="iris", epochs=1, ensemble="snapshot:2", schedule="cosine"),
                  progress=False)
    assert not (tmp_path / "r").exists()


class StopAt(Callback):
    order = 200  # after the step's checkpoint

    def on_step_end(self, trainer, logs):
        if trainer.global_step == 5:
            raise Crash


@pytest.mark.parametrize("ensemble", ["bagging:2", "snapshot:2"])
def test_a_killed_augmented_ensemble_run_resumes_to_the_same_model(tmp_path, ensemble):
    from trainlab.train.run import resume_run

    config = RunConfig(data="digits", hidden=[8], epochs=3, batch_size=512, lr=0.05, checkpoint_every=1,
                       ensemble=ensemble, augment="shift,rotate,noise:std=0.05")
    start_run(str(tmp_path / "whole"), config, progress=False)
    with pytest.raises(Crash):
        start_run(str(tmp_path / "killed"), config, progress=False, callbacks=[StopAt()])
    resume_run(str(tmp_path / "killed"), progress=False)
    whole = torch.load(tmp_path / "whole" / "model.pt", weights_only=True)
    resumed = torch.load(tmp_path / "killed" / "model.pt", weights_only=True)
    assert whole.keys() == resumed.keys() and all(torch.equal(whole[k], resumed[k]) for k in whole)
