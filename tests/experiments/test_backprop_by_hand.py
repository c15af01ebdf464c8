"""The hand-written network trained with the NumPy optimizers gives the torch optimizers' curves."""

from __future__ import annotations

import numpy as np
import pytest

from trainlab.constraints import InvalidArgument
from trainlab.experiments.backprop_by_hand import METHODS, plot_backprop, run_backprop


@pytest.fixture(scope="module")
def result():
    return run_backprop(steps=40, n_hidden=4)


@pytest.mark.parametrize("name", list(METHODS))
def test_reference_and_torch_curves_agree(result, name):
    ours, theirs = result.reference[name], result.torch[name]
    assert ours.shape == theirs.shape == (41,)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10)


def test_every_method_lowers_the_training_loss(result):
    for name, curve in result.reference.items():
        assert curve[-1] < curve[0], name
    # one sample per update is noisier than full-batch GD: its curve goes up somewhere
    assert (np.diff(result.reference["SGD"]) > 0).any()
    assert not (np.diff(result.reference["GD"]) > 0).any()


def test_figure_and_bad_method(result, tmp_path):
    plot_backprop(result, tmp_path / "f.png")
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(InvalidArgument, match="'methods' parameter of run_backprop"):
        run_backprop(steps=2, methods=["Adamm"])
