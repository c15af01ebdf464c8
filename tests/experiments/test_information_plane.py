"""The 12-bit task rebuilt from Shwartz-Ziv & Tishby 2017, and the information-plane experiment at tiny size."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from trainlab.constraints import InvalidArgument
from trainlab.experiments import information_plane as ip


def _rotation(axis: np.ndarray, angle: float) -> np.ndarray:
    axis = axis / np.linalg.norm(axis)
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + math.sin(angle) * k + (1 - math.cos(angle)) * k @ k


def _permutation(v: np.ndarray, transform: np.ndarray) -> list[int]:
    moved = v @ transform.T
    return [int(np.argmin(np.linalg.norm(v - m, axis=1))) for m in moved]


def test_twelve_bit_task_is_balanced_complete_and_rotation_invariant():
    x, y = ip.twelve_bit_task()
    assert torch.unique(x, dim=0).shape == (4096, 12)
    assert abs(y.float().mean().item() - 0.5) < 0.01
    v = ip.icosahedron()
    assert np.allclose(np.linalg.norm(v, axis=1), 1)
    for transform in (-np.eye(3), _rotation(v[0], 2 * math.pi / 5)):  # antipodal map, 5-fold turn about a vertex
        perm = _permutation(v, transform)
        assert sorted(perm) == list(range(12)) and np.allclose(v[perm], v @ transform.T)
        moved = x[:, perm]  # the same set of points, moved by a symmetry of the sphere
        index = (moved.long() * (2 ** torch.arange(11, -1, -1))).sum(1)
        assert torch.equal(y[index], y)


def test_record_epochs_are_log_spaced_and_include_the_ends():
    epochs = ip.record_epochs(1000, 10)
    assert epochs[0] == 0 and epochs[-1] == 1000 and epochs == sorted(set(epochs))
    gaps = np.diff(epochs)
    assert gaps[-1] > gaps[0]


def test_a_short_run_measures_every_layer_within_its_bounds(tmp_path):
    run = ip.information_plane("relu", epochs=2, records=3, seed=1, kde_inputs=64)
    assert run.epochs == [0, 1, 2] and len(run.layers) == 6
    for layer in run.binned:
        for i_xt, i_ty in layer:
            assert 0 <= i_xt <= 12 + 1e-9 and 0 <= i_ty <= 1 + 1e-9
    for layer in run.kde:
        for i_xt, _ in layer:
            assert i_xt <= math.log2(64) + 1e-9
    with pytest.raises(InvalidArgument, match="'activation' parameter of information_plane"):
        ip.information_plane("sigmoid")


def test_main_writes_the_figure_and_the_json(tmp_path):
    ip.main(["--epochs", "1", "--seeds", "1", "--records", "2", "--kde-inputs", "64", "--out", str(tmp_path)])
    data = json.loads((tmp_path / "information_plane.json").read_text())
    assert set(data["compression_bits_mean_std"]) == {"tanh", "relu"}
    assert len(data["runs"]) == 2 and (tmp_path / "information_plane.png").stat().st_size > 10_000
