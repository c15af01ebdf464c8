"""Properties every first-order optimizer must have, driven by its entry in trainlab.optim.catalog."""

import copy
import inspect

import pytest
import torch

import trainlab.optim as tl
from tests.optim.helpers import mlp, regression_data, take_steps
from tests.optim.optimizer_rows import ROWS, invalid_cases, samples
from tests.helpers import roundtrip


def quadratic_loss(w):
    target = 0.1 * torch.arange(1.0, 1.0 + w.numel(), dtype=w.dtype)
    return 0.5 * ((w - target) ** 2 * torch.linspace(1, 3, w.numel(), dtype=w.dtype)).sum()


def run_quadratic(row, kwargs, steps=300):
    w = torch.nn.Parameter(torch.zeros(5, dtype=torch.float64))
    opt = row.build([w], **kwargs)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = quadratic_loss(w)
        losses.append(loss.item())
        loss.backward()
        opt.step()
    losses.append(quadratic_loss(w).item())
    return losses


@pytest.mark.parametrize("row,kwargs", samples())
def test_descends_a_convex_problem_or_ascends_with_maximize(row, kwargs):
    losses = run_quadratic(row, kwargs)
    if kwargs.get("maximize"):
        assert losses[-1] > 2 * losses[0]
    else:
        assert losses[-1] < 0.5 * losses[0]


@pytest.mark.parametrize("row,kwargs", samples())
def test_state_dict_roundtrip_continues_exactly(row, kwargs):
    """60 steps, save (serialized), load into a fresh optimizer, 60 more == 120 straight."""
    X, y = regression_data()
    maximize = kwargs.get("maximize", False)
    straight, resumed = mlp(), mlp()
    take_steps(straight, row.build(straight.parameters(), **kwargs), X, y, 120, maximize)
    first = row.build(resumed.parameters(), **kwargs)
    take_steps(resumed, first, X, y, 60, maximize)
    second = row.build(resumed.parameters(), **kwargs)
    second.load_state_dict(roundtrip(first.state_dict()))
    take_steps(resumed, second, X, y, 60, maximize)
    for a, b in zip(straight.parameters(), resumed.parameters(), strict=True):
        assert torch.equal(a, b)


@pytest.mark.parametrize("row,kwargs", samples())
def test_deepcopy_of_optimizer_still_steps(row, kwargs):
    X, y = regression_data()
    model = mlp()
    opt = row.build(model.parameters(), **kwargs)
    take_steps(model, opt, X, y, 5)
    model2, opt2 = copy.deepcopy((model, opt))
    take_steps(model, opt, X, y, 5)
    take_steps(model2, opt2, X, y, 5)
    for a, b in zip(model.parameters(), model2.parameters(), strict=True):
        assert torch.equal(a, b)


@pytest.mark.parametrize("row,kwargs", samples())
def test_step_with_no_gradients_changes_nothing(row, kwargs):
    model = mlp()
    before = [p.detach().clone() for p in model.parameters()]
    opt = row.build(model.parameters(), **kwargs)
    opt.step()
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
    assert len(opt.state) == 0


@pytest.mark.parametrize("row,kwargs", samples())
def test_parameters_without_gradient_are_skipped(row, kwargs):
    X, y = regression_data()
    model = mlp()
    model[0].weight.requires_grad_(False)
    frozen = model[0].weight.detach().clone()
    opt = row.build(model.parameters(), **kwargs)
    take_steps(model, opt, X, y, 3)
    assert torch.equal(model[0].weight, frozen)
    assert model[0].weight not in opt.state
    assert not torch.equal(model[2].weight, mlp()[2].weight)


@pytest.mark.parametrize("row,kwargs", samples())
def test_float32_stays_float32_and_closure_returns_loss(row, kwargs):
    X, y = regression_data(dtype=torch.float32)
    model = mlp(dtype=torch.float32)
    opt = row.build(model.parameters(), **kwargs)

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(X), y)
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert isinstance(loss, torch.Tensor) and torch.isfinite(loss)
    for p in model.parameters():
        assert p.dtype == torch.float32
        for v in opt.state[p].values():
            if isinstance(v, torch.Tensor):
                assert v.dtype == torch.float32


@pytest.mark.parametrize("row,case", invalid_cases())
def test_invalid_arguments_raise_one_clear_error(row, case):
    kwargs, message, error = case
    base = dict(row.samples[0])
    base.update(kwargs)
    with pytest.raises(error) as err:
        row.build(mlp().parameters(), **base)
    assert message in str(err.value)


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_every_constructor_argument_has_a_declared_constraint(row):
    opt = row.build(mlp().parameters(), **row.samples[0])
    declared = opt.hyperparameter_constraints()
    for name in inspect.signature(row.cls).parameters:
        if name != "params":
            assert name in declared, f"{row.name}({name}=...) has no declared constraint"


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_bad_param_groups_are_rejected(row):
    kwargs = row.samples[0]
    with pytest.raises(ValueError, match="'params' parameter of .* must be a non-empty"):
        row.build([], **kwargs)
    model = mlp()
    with pytest.raises(ValueError, match="appear in one group only"):
        row.build([{"params": model.parameters()}, {"params": [model[0].weight]}], **kwargs)
    opt = row.build(model[0].parameters(), **kwargs)
    with pytest.raises(ValueError, match="'lr' parameter"):
        opt.add_param_group({"params": model[2].parameters(), "lr": -3.0})


def test_error_message_template_is_exact():
    with pytest.raises(ValueError) as err:
        tl.Adam(mlp().parameters(), lr=-0.1)
    assert str(err.value) == (
        "The 'lr' parameter of Adam must be a float in the range [0, inf). Got -0.1 instead."
        " (torch.optim: Invalid learning rate: -0.1)"
    )


def test_torch_scheduler_drives_trainlab_optimizer():
    w = torch.nn.Parameter(torch.ones(2))
    opt = tl.Adam([w], lr=0.1)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.1)
    lrs = []
    for _ in range(5):
        opt.zero_grad()
        w.sum().backward()
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    assert lrs == pytest.approx([0.1, 0.01, 0.01, 0.001, 0.001])
