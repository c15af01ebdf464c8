"""The property table for the closure-based (second-order) optimizers, as torch's OptimizerInfo tests.

Every row of the catalog with ``step="closure"`` (LBFGS, BFGS, ConjugateGradient,
Newton, HessianFree), every sample argument set: tensor ``lr``, closures returning
numbers, no-op without gradients, the caller's gradients kept, state_dict
determinism across save/load, deepcopy, parameter groups, ``maximize``, complex
parameters and bad arguments.
"""

from __future__ import annotations

import copy

import pytest
import torch

from tests.optim.optimizer_rows import CLOSURE_ROWS, invalid_cases, samples
from trainlab.constraints import POSITIVE
from tests.helpers import roundtrip

# complex parameters: treated as their real view (LBFGS, BFGS, CG), refused with a clear error
# by the methods that form curvature from second derivatives (Newton, Hessian-free)
REAL_ONLY = {"Newton", "HessianFree"}
TENSOR_LR = pytest.mark.skipif(not POSITIVE.accepts(torch.tensor(1.0)),
                               reason="constraints do not yet accept a one-element tensor as a number")


def problem(seed=0):
    """torch's test_state_dict_deterministic problem: ``|W x + b|^2`` in float64."""
    g = torch.Generator().manual_seed(seed)
    w = torch.nn.Parameter(torch.randn(2, 3, generator=g, dtype=torch.float64))
    b = torch.nn.Parameter(torch.randn(2, generator=g, dtype=torch.float64))
    x = torch.randn(3, generator=g, dtype=torch.float64)
    return [w, b], x


def closure_for(opt, params, x):
    w, b = params

    def closure():
        opt.zero_grad()
        loss = (w.mv(x) + b).pow(2).sum() + 0.1 * (w.pow(4).sum() + b.pow(4).sum())
        loss.backward()
        return loss

    return closure


def steps(opt, params, x, n):
    closure = closure_for(opt, params, x)
    for _ in range(n):
        opt.step(closure)


@TENSOR_LR
@pytest.mark.parametrize("spec,kwargs", samples(CLOSURE_ROWS))
def test_tensor_lr_gives_the_same_iterates_as_a_float(spec, kwargs):
    if "lr" not in kwargs:
        pytest.skip(f"{spec.name} takes no lr")
    a, x = problem()
    b, _ = problem()
    steps(spec.build(a, **kwargs), a, x, 2)
    steps(spec.build(b, **{**kwargs, "lr": torch.tensor(kwargs["lr"], dtype=torch.float64)}), b, x, 2)
    assert all(torch.equal(p, q) for p, q in zip(a, b, strict=True))


@pytest.mark.parametrize("spec,kwargs", samples(CLOSURE_ROWS))
def test_closure_returning_a_number_uses_the_callers_gradients(spec, kwargs):
    """torch's test_non_empty_state and test_grads_are_never_inplaced_into."""
    params, x = problem()
    opt = spec.build(params, **kwargs)
    closure_for(opt, params, x)()  # the caller's backward
    grads = [(p.grad, p.grad.clone(), p.grad._version) for p in params]
    if spec.name in REAL_ONLY:  # curvature needs the loss's graph
        with pytest.raises(RuntimeError, match="differentiates the loss twice"):
            opt.step(lambda: 1.0)
        return
    result = opt.step(lambda: 1.0)
    assert result == 1.0 and type(result) is float
    assert opt.state and all(len(s) > 0 for s in opt.state.values())
    for p, (grad, value, version) in zip(params, grads, strict=True):
        assert p.grad is grad and p.grad._version == version and torch.equal(p.grad, value)


@pytest.mark.parametrize("spec,kwargs", samples(CLOSURE_ROWS))
def test_step_without_gradients_changes_nothing(spec, kwargs):
    """torch's test_step_is_noop_when_params_have_no_grad: the closure returns a constant tensor."""
    params = [torch.randn(2, 3, dtype=torch.float64) for _ in range(2)]
    before = [p.clone() for p in params]
    opt = spec.build(params, **kwargs)
    result = opt.step(lambda: torch.tensor([1.0], dtype=torch.float64))
    assert torch.equal(result, torch.tensor([1.0], dtype=torch.float64))
    assert all(torch.equal(p, q) for p, q in zip(params, before, strict=True))
    assert opt.stop_reason.value == "converged"


@pytest.mark.parametrize("spec,kwargs", samples(CLOSURE_ROWS))
def test_state_dict_save_load_continues_exactly(spec, kwargs):
    """torch's test_state_dict_deterministic: same keys after a load, the same iterates after it."""
    params, x = problem()
    opt = spec.build(params, **kwargs)
    steps(opt, params, x, 2)
    clones = [torch.nn.Parameter(p.detach().clone()) for p in params]
    fresh = spec.build(clones, **kwargs)
    fresh.load_state_dict(roundtrip(opt.state_dict()))
    assert fresh.state_dict()["param_groups"][0].keys() == opt.state_dict()["param_groups"][0].keys()
    steps(opt, params, x, 2)
    steps(fresh, clones, x, 2)
    assert all(torch.equal(p, q) for p, q in zip(params, clones, strict=True))
    assert fresh.evaluations == opt.evaluations


@pytest.mark.parametrize("spec,kwargs", samples(CLOSURE_ROWS))
def test_deepcopy_steps_like_the_original(spec, kwargs):
    params, x = problem()
    opt = spec.build(params, **kwargs)
    steps(opt, params, x, 1)
    params2, opt2 = copy.deepcopy((params, opt))
    steps(opt, params, x, 2)
    steps(opt2, params2, x, 2)
    assert all(torch.equal(p, q) for p, q in zip(params, params2, strict=True))


@pytest.mark.parametrize("spec", CLOSURE_ROWS, ids=lambda s: s.name)
def test_one_parameter_group_only_with_a_clear_error(spec):
    """torch.optim.LBFGS refuses parameter groups too (it works on one flat vector)."""
    params, _ = problem()
    with pytest.raises(ValueError, match="a single parameter group"):
        spec.build([{"params": [params[0]]}, {"params": [params[1]]}], **spec.samples[0])
    opt = spec.build([params[0]], **spec.samples[0])
    with pytest.raises(ValueError, match="a single parameter group"):
        opt.add_param_group({"params": [params[1]]})


@pytest.mark.parametrize("spec", CLOSURE_ROWS, ids=lambda s: s.name)
def test_maximize_is_not_an_argument(spec):
    """As torch.optim.LBFGS: no ``maximize``; minimize the negated loss instead."""
    params, _ = problem()
    with pytest.raises(TypeError, match="maximize"):
        spec.build(params, **spec.samples[0], maximize=True)


@pytest.mark.parametrize("spec,kwargs", samples(CLOSURE_ROWS))
def test_complex_parameters_step_as_their_real_and_imaginary_parts(spec, kwargs):
    """torch's test_complex_2d, exactly: a complex parameter steps as two real ones, its parts."""
    g = torch.Generator().manual_seed(1)
    z = torch.nn.Parameter(torch.randn(3, generator=g, dtype=torch.complex128))
    target = torch.randn(3, generator=g, dtype=torch.complex128)
    if spec.name in REAL_ONLY:
        with pytest.raises(ValueError, match="real tensors"):
            spec.build([z], **kwargs)
        return
    re, im = (torch.nn.Parameter(part.detach().clone()) for part in (z.real, z.imag))

    def run(params, as_complex):
        opt = spec.build(params, **kwargs)

        def closure():
            opt.zero_grad()
            w = as_complex(*params)
            loss = ((w - target).abs() ** 2).sum() + (w.abs() ** 4).sum()
            loss.backward()
            return loss

        for _ in range(3):
            opt.step(closure)
        return opt

    ours = run([z], lambda p: p)
    twin = run([re, im], torch.complex)
    assert torch.equal(z.real, re) and torch.equal(z.imag, im)
    assert ours.evaluations == twin.evaluations and ours.evaluations > 1


@pytest.mark.parametrize("spec,case", invalid_cases(CLOSURE_ROWS))
def test_invalid_arguments_raise_one_clear_error(spec, case):
    kwargs, message, error = case
    params, _ = problem()
    with pytest.raises(error) as err:
        spec.build(params, **{**spec.samples[0], **kwargs})
    assert message in str(err.value)


@pytest.mark.parametrize("spec", CLOSURE_ROWS, ids=lambda s: s.name)
def test_extreme_tolerance_grad_is_accepted(spec):
    """torch's test_second_order_optims_return_consistent_types: tolerance_grad = +-inf."""
    params, x = problem()
    kwargs = {**spec.samples[0], "max_iter": 2}
    stopped = spec.build(params, **kwargs, tolerance_grad=float("inf"))
    before = [p.detach().clone() for p in params]
    stopped.step(closure_for(stopped, params, x))
    assert all(torch.equal(p, q) for p, q in zip(params, before, strict=True))
    going = spec.build(params, **kwargs, tolerance_grad=-float("inf"))
    going.step(closure_for(going, params, x))
    assert not all(torch.equal(p, q) for p, q in zip(params, before, strict=True))


@pytest.mark.parametrize("spec", CLOSURE_ROWS, ids=lambda s: s.name)
def test_older_state_dict_missing_keys_take_the_defaults(spec):
    """torch's test_can_load_older_state_dict: a group saved without newer keys still loads and steps."""
    params, x = problem()
    opt = spec.build(params, **spec.samples[0])
    steps(opt, params, x, 1)
    saved = roundtrip(opt.state_dict())
    for key in list(saved["param_groups"][0]):
        if key not in ("params", "lr"):
            del saved["param_groups"][0][key]
    fresh = spec.build(params, **spec.samples[0])
    fresh.load_state_dict(saved)
    assert fresh.param_groups[0].keys() == opt.param_groups[0].keys()
    steps(fresh, params, x, 1)
