"""The J1/J2 comparison: each method is what it says (equal to torch where torch has it), on a shared budget."""

import pytest
import torch

from trainlab.experiments.hybrid import METHODS, TASKS, hybrid_study, run_one, summarize
from trainlab.nn import MLP
from trainlab.train.lsgd import ridge_solve

PARAMS = {"steps": 30, "lr": 1e-3, "adam_steps": 10, "history": 8, "ridge": 1e-6}


def _torch_losses(task, seed, make, steps, schedule=None):
    """The same run written with torch.optim: full-batch MSE, one step per evaluation."""
    x, y, _, _ = task.data(seed)
    torch.manual_seed(seed)
    net = MLP(list(task.widths), activation=task.activation).to(torch.float64)
    opt = make(net.parameters())
    sched = schedule(opt) if schedule else None
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = ((net(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
        if sched:
            sched.step()
    return losses


@pytest.mark.parametrize(("method", "make", "schedule"), [
    ("adam", lambda p: torch.optim.Adam(p, lr=1e-3), None),
    ("nadam", lambda p: torch.optim.NAdam(p, lr=1e-3), None),
    ("one_cycle", lambda p: torch.optim.Adam(p, lr=1e-3),
     lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=1e-2, total_steps=30, base_momentum=0.85,
                                                   max_momentum=0.95)),
])
def test_first_order_methods_equal_torch_in_float64(method, make, schedule):
    run = run_one(TASKS["J2"], method, 1, PARAMS)
    expected = _torch_losses(TASKS["J2"], 1, make, PARAMS["steps"], schedule)
    torch.testing.assert_close(torch.tensor(run.losses), torch.tensor(expected), rtol=1e-10, atol=0)
    assert run.evaluations == list(range(1, 31))


def test_every_method_starts_from_the_same_weights_and_stays_within_the_budget():
    study = hybrid_study("J1", list(METHODS), seeds=2, steps=25, adam_steps=5)
    for seed in range(2):
        first = {m: runs[seed].losses[0] for m, runs in study.runs.items() if m != "lsgd"}
        assert len(set(first.values())) == 1, first  # LSGD's first loss comes after its least-squares solve
        for runs in study.runs.values():
            assert runs[seed].evaluations[-1] <= 25 and runs[seed].evaluations == sorted(runs[seed].evaluations)
    lbfgs = study.runs["adam_lbfgs"][0]
    assert lbfgs.evaluations[:5] == [1, 2, 3, 4, 5] and lbfgs.evaluations[-1] == 25  # L-BFGS used the rest


def test_lsgd_ends_on_the_least_squares_head_of_its_final_basis():
    run = run_one(TASKS["J2"], "lsgd", 0, PARAMS)
    x, y, _, _ = TASKS["J2"].data(0)
    with torch.no_grad():
        weight, bias = ridge_solve(run.net[:-1](x), y, PARAMS["ridge"])
    torch.testing.assert_close(run.net[-1].weight, weight)
    torch.testing.assert_close(run.net[-1].bias, bias)


def test_summary_gives_median_min_max_and_every_seed():
    study = hybrid_study("J2", ["adam"], seeds=3, steps=5)
    row = summarize(study)["adam"]["test_mse"]
    values = [r.test_mse for r in study.runs["adam"]]
    assert row["seeds"] == values and row["min"] == min(values) and row["max"] == max(values)
    assert row["median"] == sorted(values)[1]
    assert "test_outside" in summarize(study)["adam"]  # J2 scores the points outside the jump apart
