"""Every closure-based optimizer: argument errors, one group, state_dict, deepcopy, dtypes."""

import copy
import inspect
import io

import pytest
import torch
from tests.optim.second_order.cases import closure_for, point, residuals

from trainlab import problems
from trainlab.constraints import InvalidArgument
from trainlab.optim.second_order import BFGS, LBFGS, ConjugateGradient, HessianFree, Newton

ALL = [LBFGS, BFGS, ConjugateGradient, Newton, HessianFree]

# (optimizer, argument, bad value, words the message must contain)
BAD = [
    (LBFGS, "lr", 0.0, "(0, inf)"),
    (LBFGS, "max_iter", 0, "[1, inf)"),
    (LBFGS, "max_eval", 2.5, "None or an int"),
    (LBFGS, "tolerance_grad", float("nan"), "[-inf, inf]"),  # any number, -inf included, as torch
    (LBFGS, "tolerance_change", float("nan"), "[0, inf)"),
    (LBFGS, "history_size", 0, "[1, inf)"),
    (LBFGS, "line_search_fn", "wolfe", "'strong_wolfe'"),
    (LBFGS, "initial_step", "big", "'previous_decrease'"),
    (LBFGS, "c1", 1.0, "(0, 1)"),
    (LBFGS, "c2", 1e-5, "greater than c1"),
    (LBFGS, "torch_compat", 1, "a bool"),
    (BFGS, "max_iter", -3, "[1, inf)"),
    (BFGS, "scale_initial", "yes", "a bool"),
    (ConjugateGradient, "line_search_fn", "armijo", "'more_thuente'"),
    (ConjugateGradient, "beta", "hestenes_stiefel", "'polak_ribiere'"),
    (ConjugateGradient, "restart_every", 0, "None or an int"),
    (Newton, "damping", -1.0, "[0, inf)"),
    (Newton, "damping_increase", 1.0, "(1, inf)"),
    (Newton, "damping_decrease", 1.0, "(0, 1)"),
    (Newton, "min_damping", 0.0, "(0, inf)"),
    (HessianFree, "curvature", "fisher", "'gauss_newton'"),
    (HessianFree, "damping", 0.0, "(0, inf)"),
    (HessianFree, "cg_max_iter", 0, "[1, inf)"),
    (HessianFree, "cg_decay", 1.5, "[0, 1]"),
    (HessianFree, "preconditioner", "diag", "None or a callable"),
]


@pytest.mark.parametrize("cls,name,value,words", BAD)
def test_bad_argument_names_the_argument_the_range_and_the_value(cls, name, value, words):
    with pytest.raises(InvalidArgument) as err:
        cls([point((1.0, 2.0))], **{name: value})
    message = str(err.value)
    assert f"'{name}' parameter of {cls.__name__}" in message
    assert words in message and repr(value) in message


@pytest.mark.parametrize("cls", ALL)
def test_every_constructor_argument_has_a_constraint(cls):
    args = [p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "params")]
    assert set(args) <= set(cls.constraints)


@pytest.mark.parametrize("cls", ALL)
def test_one_parameter_group_only(cls):
    with pytest.raises(InvalidArgument, match="single parameter group"):
        cls([{"params": [point((1.0,))]}, {"params": [point((2.0,))]}])


@pytest.mark.parametrize("cls", ALL)
def test_bad_value_in_a_param_group_dict_is_caught(cls):
    with pytest.raises(InvalidArgument, match="max_iter"):
        cls([{"params": [point((1.0,))], "max_iter": 0}])


@pytest.mark.parametrize("cls", ALL)
def test_step_needs_a_closure(cls):
    opt = cls([point((1.0,))])
    with pytest.raises((RuntimeError, TypeError)):
        opt.step()


def _closure(cls, x, opt):
    prob = problems.get("rosenbrock")
    if cls is HessianFree:
        def closure():
            r = residuals("rosenbrock", x)
            return (r**2).sum(), r
        return closure
    return closure_for(prob, x, opt)


def _make(cls, x):
    return cls([x], max_iter=2) if cls is not HessianFree else cls([x], max_iter=2, damping=0.1)


@pytest.mark.parametrize("cls", ALL)
def test_state_dict_round_trip_midway_continues_exactly(cls):
    x = point((-1.2, 1.0))
    opt = _make(cls, x)
    for _ in range(3):
        opt.step(_closure(cls, x, opt))
    buf = io.BytesIO()
    torch.save(opt.state_dict(), buf)
    y = point(x.detach().tolist())
    other = _make(cls, y)
    buf.seek(0)
    other.load_state_dict(torch.load(buf, weights_only=True))
    assert other.stop_reason == opt.stop_reason and other.stop_message == opt.stop_message
    assert other.evaluations == opt.evaluations
    for _ in range(3):
        opt.step(_closure(cls, x, opt))
        other.step(_closure(cls, y, other))
    assert torch.equal(x.detach(), y.detach())


@pytest.mark.parametrize("cls", ALL)
def test_deepcopy_continues_exactly(cls):
    x = point((-1.2, 1.0))
    opt = _make(cls, x)
    opt.step(_closure(cls, x, opt))
    y, twin = copy.deepcopy((x, opt))
    for _ in range(3):
        opt.step(_closure(cls, x, opt))
        twin.step(_closure(cls, y, twin))
    assert torch.equal(x.detach(), y.detach())
    assert twin._params[0] is y


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("cls", ALL)
def test_keeps_the_dtype_and_lowers_the_loss(cls, dtype):
    x = point((-1.2, 1.0), dtype)
    opt = _make(cls, x)
    before = float(problems.get("rosenbrock").value(x.detach()))
    for _ in range(3):
        opt.step(_closure(cls, x, opt))
    assert x.dtype == dtype
    assert float(problems.get("rosenbrock").value(x.detach())) < before


@pytest.mark.parametrize("cls", ALL)
def test_works_on_several_parameter_tensors(cls):
    """A model with weight and bias: flattened and restored in the right places."""
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(20, 3, dtype=torch.float64, generator=gen)
    b = a @ torch.tensor([[1.0], [-2.0], [0.5]], dtype=torch.float64) + 0.3
    model = torch.nn.Linear(3, 1).double()
    opt = cls(model.parameters(), max_iter=50) if cls is not HessianFree else cls(model.parameters(), max_iter=30, damping=1e-4)

    def closure():
        opt.zero_grad()
        out = model(a)
        loss = ((out - b) ** 2).mean()
        if cls is HessianFree:
            return loss, out
        loss.backward()
        return loss

    opt.step(closure)
    torch.testing.assert_close(model.weight.detach(), torch.tensor([[1.0, -2.0, 0.5]], dtype=torch.float64), atol=1e-5, rtol=0)
    torch.testing.assert_close(model.bias.detach(), torch.tensor([0.3], dtype=torch.float64), atol=1e-5, rtol=0)
