"""``examine`` leaves the caller's model alone; ``Doctor`` works as a plain Trainer callback."""

from __future__ import annotations

import pytest
import torch

from tests.doctor.cases import mlp, regression
from trainlab.constraints import InvalidArgument
from trainlab.doctor import Doctor, examine
from trainlab.train import Trainer


def test_examine_leaves_the_model_its_gradients_and_the_global_rng_untouched() -> None:
    net = mlp([2, 16, 1])
    net(regression()[0]).sum().backward()  # the caller has gradients of its own
    before = {k: v.clone() for k, v in net.state_dict().items()}
    grads = [p.grad.clone() for p in net.parameters()]
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    examine(net, regression(), loss="mse", epochs=5, lr=1e-2)
    assert torch.equal(torch.rand(3), expected)
    assert all(torch.equal(v, net.state_dict()[k]) for k, v in before.items())
    assert all(torch.equal(g, p.grad) for g, p in zip(grads, net.parameters()))


def test_examine_is_reproducible_for_a_seed() -> None:
    a = examine(mlp([2, 16, 1]), regression(), loss="mse", epochs=5, optimizer="sgd", lr=0.1, seed=3)
    b = examine(mlp([2, 16, 1]), regression(), loss="mse", epochs=5, optimizer="sgd", lr=0.1, seed=3)
    assert a.measurements["train"] == b.measurements["train"]


def test_the_doctor_as_a_callback_measures_every_epoch_and_reports_at_the_end() -> None:
    net = mlp([2, 16, 1])
    doctor = Doctor(curvature=True)
    Trainer(net, torch.optim.SGD(net.parameters(), lr=0.05), epochs=6, batch_size=32,
            callbacks=[doctor]).fit(regression(), regression(seed=1))
    m = doctor.last.measurements
    assert len(m["train"]) == len(m["val"]) == 7 and len(m["probes"]) == 7 and len(m["update_ratio"]) == 6
    assert m["trivial"] == pytest.approx(float(regression()[1].var(unbiased=False)), rel=1e-5)
    top = [s["top"] for s in m["sharpness"]]
    assert len(top) == 3 and all(t > 0 for t in top) and m["sharpness"][0]["bound"] == pytest.approx(2 / 0.05)


def test_bad_arguments_are_one_clear_error() -> None:
    with pytest.raises(InvalidArgument, match="'data' parameter of examine"):
        examine(mlp([2, 4, 1]), regression()[0], loss="mse")
    with pytest.raises(InvalidArgument, match="'lr' parameter of examine"):
        examine(mlp([2, 4, 1]), regression(), loss="mse", lr=-1.0)
    with pytest.raises(InvalidArgument, match="'probe_size' parameter of Doctor"):
        Doctor(probe_size=0)
