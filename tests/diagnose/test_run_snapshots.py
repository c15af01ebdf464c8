"""A run folder read back for diagnostics: the exact initialization, the data, the checkpoints."""

from __future__ import annotations

import copy
import os
import shutil

import pytest
import torch

from trainlab.diagnose.information import binned_information
from trainlab.diagnose.layer_information import information_trajectory, layer_outputs
from trainlab.diagnose.run_snapshots import load_run_snapshots
from trainlab.nn import MLP
from trainlab.train import Callback
from trainlab.train.checkpoint import CheckpointError
from trainlab.train.run import RunConfig, start_run


class _Initial(Callback):
    """Keeps the model's weights when training starts (the run's initialization)."""

    def on_fit_start(self, trainer) -> None:
        self.state = copy.deepcopy(trainer.model.state_dict())


def test_initialization_data_and_checkpoints_are_those_of_the_run(tmp_path):
    seen = _Initial()
    run = str(tmp_path / "run")
    start_run(run, RunConfig(data="iris", hidden=[5], epochs=3, seed=4), progress=False, callbacks=[seen])
    snaps = load_run_snapshots(run)
    assert snaps.initial.keys() == seen.state.keys()
    assert all(torch.equal(snaps.initial[k], seen.state[k]) for k in seen.state)
    assert [s for s, _ in snaps.checkpoints] == [1, 2, 3] and snaps.loss == "cross_entropy"
    assert all(torch.equal(snaps.checkpoints[-1][1][k], snaps.final[k]) for k in snaps.final)
    assert len(snaps.path()) == 5 and snaps.val is not None and snaps.train.y.dtype == torch.long
    other = str(tmp_path / "other")
    start_run(other, RunConfig(data="iris", hidden=[7], epochs=1), progress=False)
    shutil.copy(os.path.join(other, "checkpoints", "step-00000001.pt"),
                os.path.join(run, "checkpoints", "step-00000009.pt"))
    with pytest.raises(CheckpointError, match="step-00000009.pt"):
        load_run_snapshots(run)


def test_information_trajectory_measures_each_layer_of_each_snapshot():
    torch.manual_seed(0)
    net = MLP([3, 6, 4, 2], activation="tanh")
    x, y = torch.randn(200, 3), torch.randint(0, 2, (200,))
    later = copy.deepcopy(net)
    with torch.no_grad():
        for p in later.parameters():
            p.mul_(3)
    before = copy.deepcopy(net.state_dict())
    plane = information_trajectory(net, [net.state_dict(), later.state_dict()], x, y, bins=8, kde_inputs=50)
    assert plane.layers == ["layer 1 (6)", "layer 2 (4)", "output (2)"]
    hidden = layer_outputs(later.eval(), x)[1]
    low, high = plane.ranges[1]
    assert low == pytest.approx(min(float(layer_outputs(n.eval(), x)[1].min()) for n in (net, later)))
    assert plane.binned[1][1] == pytest.approx(list(binned_information(hidden, y, 8, (low, high))))
    assert plane.ranges[2] == [0.0, 1.0]  # softmax output
    assert len(plane.kde[0]) == 2 and all(0 <= i <= 50 for pair in plane.kde[0] for i in pair)
    assert all(torch.equal(v, before[k]) for k, v in net.state_dict().items())
    assert plane.compression() == [max(p[0] for p in c) - c[-1][0] for c in plane.binned]
