"""The Curvature callback logs the top eigenvalue and trace beside 2/lr, matching direct calls."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from trainlab.constraints import InvalidArgument
from trainlab.diagnose import hessian
from trainlab.diagnose.curvature import Curvature
from trainlab.optim import SGD
from trainlab.train import Trainer
from tests.diagnose.models import mlp, regression


def _fit(callback, epochs=4, batch_size=None, lr=0.05):
    x, y = regression(n=32)
    model = mlp(nn.Tanh, widths=(4, 8, 1))
    trainer = Trainer(model, SGD(model.parameters(), lr=lr), epochs=epochs, batch_size=batch_size,
                      callbacks=[callback])
    return trainer, trainer.fit((x, y)), model, x, y


def test_logs_the_top_eigenvalue_and_trace_beside_two_over_lr_matching_direct_calls():
    curv = Curvature(every=2, batch="fixed", tol=1e-10, max_hvps=200, trace_samples=20)
    trainer, history, model, x, y = _fit(curv)
    assert [r["step"] for r in curv.records] == [2.0, 4.0]
    assert history["two_over_lr"][1] == pytest.approx(2 / 0.05)
    assert history["top_eigenvalue"][3] == curv.records[-1]["top_eigenvalue"]
    # the last measurement was taken at the final parameters, on all 32 rows (fixed, fixed_size None)
    loss_fn = hessian.model_loss(model, nn.functional.mse_loss, x, y)
    params = list(model.parameters())
    direct = hessian.eigenvalues(loss_fn, params, k=1, tol=1e-10)
    assert curv.records[-1]["top_eigenvalue"] == pytest.approx(float(direct.values[0]), rel=1e-8)
    true_trace = float(torch.trace(hessian.dense_hessian(loss_fn, params)))
    last = curv.records[-1]
    assert abs(last["hessian_trace"] - true_trace) < 5 * last["hessian_trace_se"]


def test_warm_start_needs_few_products_on_the_current_batch():
    curv = Curvature(every=1, batch="current", tol=1e-3, max_hvps=20, trace_samples=None)
    _fit(curv, epochs=3, batch_size=8)
    hvps = [r["hvps"] for r in curv.records]
    assert len(hvps) == 12 and max(hvps) <= 20
    assert sum(hvps[1:]) / len(hvps[1:]) <= hvps[0]  # warm starts cost no more than the cold one


def test_state_dict_round_trip():
    curv = Curvature(every=2, trace_samples=4)
    _fit(curv, epochs=2)
    other = Curvature(every=2, trace_samples=4)
    other.load_state_dict(curv.state_dict())
    assert other.records == curv.records and torch.equal(other.vector, curv.vector)


@pytest.mark.parametrize("kwargs, name", [({"every": 0}, "every"), ({"batch": "all"}, "batch"),
                                          ({"trace_samples": 1}, "trace_samples"), ({"max_hvps": 1}, "max_hvps")])
def test_bad_arguments(kwargs, name):
    with pytest.raises(InvalidArgument, match=f"'{name}' parameter of Curvature"):
        Curvature(**kwargs)
