"""Phases: Adam then L-BFGS from plain PyTorch, switch conditions, reasons, checkpoints."""

import copy
import io

import pytest
import torch
from tests.optim.second_order.cases import mse_closure, tiny_regression

from trainlab.constraints import InvalidArgument
from trainlab.optim import Adam
from trainlab.optim.phases import (
    AtStep, GradNormBelow, Phase, PhasedOptimizer, Plateau, adam_then_lbfgs,
)
from trainlab.optim.second_order import LBFGS


def test_switch_at_a_fixed_step_equals_running_the_two_optimizers_by_hand():
    net_a, x, y = tiny_regression()
    net_b, _, _ = tiny_regression()
    phased = PhasedOptimizer([
        Phase(Adam(net_a.parameters(), lr=1e-2), until=AtStep(30)),
        Phase(LBFGS(net_a.parameters(), max_iter=5)),
    ])
    for _ in range(34):
        phased.step(mse_closure(net_a, x, y, phased))
    adam, lbfgs = Adam(net_b.parameters(), lr=1e-2), LBFGS(net_b.parameters(), max_iter=5)
    for _ in range(30):
        adam.step(mse_closure(net_b, x, y, adam))
    for _ in range(4):
        lbfgs.step(mse_closure(net_b, x, y, lbfgs))
    for pa, pb in zip(net_a.parameters(), net_b.parameters(), strict=True):
        assert torch.equal(pa, pb)
    assert phased.switches == [{"step": 30, "from": "Adam", "to": "LBFGS", "reason": "reached step 30"}]
    assert phased.current is phased.phases[1].optimizer and phased.param_groups is phased.current.param_groups


def test_plateau_fires_when_the_window_improves_less_than_rel_tol():
    cond = Plateau(window=3, rel_tol=0.1)
    losses = [10.0, 9.0, 8.0, 7.0, 6.9, 6.8, 6.7]
    fired = [cond.check(i + 1, v, 1.0) for i, v in enumerate(losses)]
    # windows: (10 -> 7: 30%), (9 -> 6.9: 23%), (8 -> 6.8: 15%), (7 -> 6.7: 4.3% < 10%)
    assert fired[:6] == [None] * 6
    assert fired[6] is not None and "plateau" in fired[6]


def test_gradient_norm_condition_and_any_of():
    cond = AtStep(100) | GradNormBelow(1e-3)
    assert cond.check(5, 1.0, 1e-2) is None
    assert "gradient norm" in cond.check(6, 1.0, 1e-4)
    assert "step 100" in cond.check(100, 1.0, 1.0)


def test_switch_on_plateau_records_the_reason():
    net, x, y = tiny_regression()
    params = list(net.parameters())
    phased = PhasedOptimizer([
        Phase(Adam(params, lr=1e-3), until=Plateau(window=20, rel_tol=0.5) | AtStep(10_000)),
        Phase(LBFGS(params)),
    ])
    for _ in range(200):
        phased.step(mse_closure(net, x, y, phased))
        if phased.switches:
            break
    assert phased.switches and phased.switches[0]["reason"].startswith("loss plateau")
    assert 20 < phased.switches[0]["step"] < 200


def test_adam_then_lbfgs_beats_adam_alone_at_the_same_step_count():
    net, x, y = tiny_regression()
    opt = adam_then_lbfgs(net.parameters(), until=50, lr=1e-2, max_iter=10)
    for _ in range(60):
        opt.step(mse_closure(net, x, y, opt))
    hybrid = float(torch.nn.functional.mse_loss(net(x), y).detach())
    net_b, _, _ = tiny_regression()
    adam = Adam(net_b.parameters(), lr=1e-2)
    for _ in range(60):
        adam.step(mse_closure(net_b, x, y, adam))
    assert hybrid < 0.1 * float(torch.nn.functional.mse_loss(net_b(x), y).detach())


def _make(net):
    params = list(net.parameters())
    return PhasedOptimizer([
        Phase(Adam(params, lr=1e-2), until=AtStep(5) | Plateau(3, 0.0)),
        Phase(LBFGS(params, max_iter=3)),
    ])


@pytest.mark.parametrize("split", [3, 7])  # before and after the switch
def test_state_dict_round_trip_continues_exactly(split):
    net_a, x, y = tiny_regression()
    a = _make(net_a)
    for _ in range(split):
        a.step(mse_closure(net_a, x, y, a))
    buf = io.BytesIO()
    torch.save(a.state_dict(), buf)
    net_b, _, _ = tiny_regression()
    net_b.load_state_dict(net_a.state_dict())
    b = _make(net_b)
    buf.seek(0)
    b.load_state_dict(torch.load(buf, weights_only=True))
    assert b.phase == a.phase and b.switches == a.switches
    for _ in range(6):
        a.step(mse_closure(net_a, x, y, a))
        b.step(mse_closure(net_b, x, y, b))
    for pa, pb in zip(net_a.parameters(), net_b.parameters(), strict=True):
        assert torch.equal(pa, pb)
    assert a.switches == b.switches


def test_deepcopy_continues_exactly():
    net, x, y = tiny_regression()
    opt = _make(net)
    for _ in range(3):
        opt.step(mse_closure(net, x, y, opt))
    net2, opt2 = copy.deepcopy((net, opt))
    for _ in range(5):
        opt.step(mse_closure(net, x, y, opt))
        opt2.step(mse_closure(net2, x, y, opt2))
    for pa, pb in zip(net.parameters(), net2.parameters(), strict=True):
        assert torch.equal(pa, pb)


def test_plain_loop_without_closure_in_a_first_order_phase():
    net, x, y = tiny_regression()
    opt = PhasedOptimizer([Phase(Adam(net.parameters(), lr=1e-2), until=AtStep(3)), Phase(LBFGS(net.parameters()))])
    for _ in range(3):
        opt.zero_grad()
        torch.nn.functional.mse_loss(net(x), y).backward()
        opt.step()
    assert opt.phase == 1
    with pytest.raises(RuntimeError, match="closure"):
        opt.step()


def test_bad_arguments():
    net, _, _ = tiny_regression()
    with pytest.raises(InvalidArgument, match="'steps' parameter of AtStep"):
        AtStep(0)
    with pytest.raises(InvalidArgument, match="'window' parameter of Plateau"):
        Plateau(0)
    with pytest.raises(InvalidArgument, match="'threshold' parameter of GradNormBelow"):
        GradNormBelow(-1.0)
    with pytest.raises(InvalidArgument, match="'optimizer' parameter of Phase"):
        Phase("adam")
    with pytest.raises(InvalidArgument, match="each end on a condition"):
        PhasedOptimizer([Phase(Adam(net.parameters())), Phase(LBFGS(net.parameters()))])
    with pytest.raises(InvalidArgument, match="non-empty"):
        PhasedOptimizer([])
