"""Fuzzed constructor arguments of every optimizer: the declared constraints are the whole truth.

For each optimizer class that ``trainlab.optim`` exports and each argument of its
constructor (read with ``inspect``), Hypothesis draws values of every kind (NaN,
infinities, negatives, huge numbers, ints, bools, None, strings, tuples, lists).
The optimizer's own declaration (``opt.hyperparameter_constraints()``) decides:

* a value it accepts builds the optimizer and one step runs (or a relation
  between arguments fails with one ``InvalidArgument`` naming the argument);
* a value it rejects raises one ``ValueError``/``TypeError`` naming the argument,
  never another exception and never silently.

Only the class, its signature and its declared constraints are used here.
"""

from __future__ import annotations

import functools
import inspect
import math
import re

import pytest
import torch

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import trainlab.optim as tl  # noqa: E402
from trainlab.constraints import POSITIVE_INT, UNIT_CLOSED, InvalidArgument  # noqa: E402

GENERIC = {"ChainOptimizer", "PhasedOptimizer"}  # built from transforms/phases, not from hyperparameters
CLASSES = [getattr(tl, n) for n in tl.__all__
           if inspect.isclass(getattr(tl, n)) and issubclass(getattr(tl, n), torch.optim.Optimizer)
           and n not in GENERIC]
# Lookahead checks k and alpha itself and exposes no hyperparameter_constraints(): these mirror its checks.
LOOKAHEAD = {"k": POSITIVE_INT, "alpha": UNIT_CLOSED}


def build(cls, **kwargs):
    w = torch.nn.Parameter(torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64))
    if cls in (tl.Lookahead, tl.ApplyIfFinite):  # wrappers of another optimizer
        return cls(tl.Adam([w], lr=0.01), **kwargs), w
    return cls([w], **kwargs), w


@functools.cache
def constraints_of(cls):
    if cls is tl.Lookahead:
        return LOOKAHEAD
    opt, _ = build(cls)
    return opt.hyperparameter_constraints()


def arguments(cls):
    skip = {"params", "optimizer"}
    return [p for p in inspect.signature(cls).parameters if p not in skip]


CASES = [(cls, name) for cls in CLASSES for name in arguments(cls)]


def one_step(opt, w):
    """One step on a smooth function of three float64 weights (with a closure where the class needs one)."""
    needs_closure = getattr(opt, "requires_closure", False)
    if not needs_closure:
        opt.zero_grad()
        ((w - 1.0) ** 2 + torch.sin(w)).sum().backward()
        if isinstance(opt, tl.SparseAdam):  # takes sparse gradients only, as torch.optim.SparseAdam
            w.grad = w.grad.to_sparse()
        opt.step()
        return
    gauss_newton = opt.param_groups[0].get("curvature") == "gauss_newton"

    def closure():
        opt.zero_grad()
        residuals = torch.cat([w - 1.0, 0.3 * w ** 2])
        loss = (residuals ** 2).sum()
        loss.backward()
        return (loss, residuals) if gauss_newton else loss

    opt.step(closure)


def default_of(cls, name):
    return inspect.signature(cls).parameters[name].default


def valid(cls, name, constraint, value):
    """Accepted by the declaration, or the constructor's own default (``max_eval=None``, resolved in it)."""
    default = default_of(cls, name)
    return constraint.accepts(value) or (value is default if default is None else False)


def values(constraint):
    """Every kind of value, plus the constraint's own options where it has a fixed set."""
    kinds = [
        st.builds(torch.tensor, st.sampled_from([0.01, -1.0, 0.5])),  # 0-dim tensors (as a tensor lr)
        st.floats(allow_nan=True, allow_infinity=True),
        st.floats(min_value=-2.0, max_value=2.0),
        st.sampled_from([0.0, 1.0, -0.0, 1e-300, 1e300, math.inf, -math.inf, math.nan]),
        st.integers(min_value=-3, max_value=40),
        st.booleans(),
        st.none(),
        st.sampled_from(["", "0.1", "adam", "lr", "none"]),
        st.tuples(st.floats(-0.5, 1.5), st.floats(-0.5, 1.5)),
        st.lists(st.floats(0.0, 1.0), max_size=3),
    ]
    options = getattr(constraint, "values", None)
    if options:
        kinds.append(st.sampled_from(list(options)))
    return st.one_of(*kinds)


TYPICAL = [0.0, 1e-8, 0.1, 0.5, 0.9, 0.99, 1.0, 2.0, 10.0, 1, 2, 5, 20, True, False, None,
           (0.9, 0.999), (0.0, 0.5)]


def valid_values(cls, name, constraint):
    """Values the declaration accepts: typical ones, the options, and random numbers in range."""
    ok = lambda v: valid(cls, name, constraint, v)  # noqa: E731
    typical = [v for v in [*TYPICAL, *(getattr(constraint, "values", None) or ())] if ok(v)]
    typical.append(default_of(cls, name))
    return st.one_of(st.sampled_from(typical), st.floats(0.0, 1.0).filter(ok), st.floats(1.0, 1e6).filter(ok),
                     st.integers(1, 30).filter(ok))


def names(name, message):
    return re.search(rf"\b{re.escape(name)}\b", message) is not None


def test_every_constructor_argument_has_a_declared_constraint():
    for cls in CLASSES:
        declared = constraints_of(cls)
        missing = [a for a in arguments(cls) if a not in declared]
        assert not missing, f"{cls.__name__}: {missing} have no declared constraint"


@pytest.mark.parametrize(("cls", "name"), CASES, ids=[f"{c.__name__}-{n}" for c, n in CASES])
@settings(max_examples=8)
@given(data=st.data())
def test_a_fuzzed_argument_builds_and_steps_or_fails_clearly(cls, name, data):
    constraint = constraints_of(cls)[name]
    value = data.draw(values(constraint), label=name)
    if valid(cls, name, constraint, value):
        try:
            opt, w = build(cls, **{name: value})
        except InvalidArgument as err:  # a relation with another argument's default
            assert names(name, str(err)), err
            return
        one_step(opt, w)
    else:
        with pytest.raises((ValueError, TypeError)) as err:
            build(cls, **{name: value})
        assert names(name, str(err.value)), f"{cls.__name__}({name}={value!r}): {err.value}"


TOGETHER = [c for c in CLASSES if len(arguments(c)) >= 2]


@pytest.mark.parametrize("cls", TOGETHER, ids=[c.__name__ for c in TOGETHER])
@settings(max_examples=20, suppress_health_check=[hypothesis.HealthCheck.filter_too_much])
@given(data=st.data())
def test_valid_arguments_together_build_and_step(cls, data):
    """Two or three accepted values at once: relations between them fail clearly or the step runs."""
    declared = constraints_of(cls)
    chosen = data.draw(st.lists(st.sampled_from(arguments(cls)), min_size=2, max_size=3, unique=True))
    kwargs = {name: data.draw(valid_values(cls, name, declared[name]), label=name) for name in chosen}
    try:
        opt, w = build(cls, **kwargs)
    except InvalidArgument as err:
        assert any(names(n, str(err)) for n in kwargs), err
        return
    one_step(opt, w)


def test_asgd_with_a_huge_alpha_steps_with_rate_zero():
    """Found by the fuzzing: (1 + lambd lr t)^alpha overflowed (OverflowError) for alpha = 7e8."""
    opt, w = build(tl.ASGD, alpha=1e12)
    before = w.detach().clone()
    one_step(opt, w)  # the first step uses the initial rate lr; the rate after it underflows to 0
    one_step(opt, w)
    assert opt.state[w]["eta"] == 0.0
    after_first = w.detach().clone()
    one_step(opt, w)
    assert torch.equal(w.detach(), after_first) and not torch.equal(after_first, before)
