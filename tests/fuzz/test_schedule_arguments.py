"""Fuzzed arguments of every schedule in the registry: declared constraints decide, values stay sane.

For each registered schedule and each of its fields, Hypothesis draws a value of
any kind over the entry's demo arguments. A value the field's declared
constraint accepts builds the schedule (or a relation between fields fails with
one ``InvalidArgument`` naming a field) and the schedule then gives a real,
non-negative, non-NaN value at every step, including far past its horizon. A
value it rejects raises one ``ValueError``/``TypeError`` naming the field. The
same holds for the step passed to ``schedule(step)`` and for text arguments
given as on the command line (``registry.build(name, field="...")``).
"""

from __future__ import annotations

import dataclasses
import math
import re

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from trainlab.constraints import InvalidArgument  # noqa: E402
from trainlab.schedules import registry  # noqa: E402

ENTRIES = [registry.get(n) for n in registry.names()]
CASES = [(e, f) for e in ENTRIES for f in e.fields()]
STEPS = (0, 1, 7, 99, 1000, 12345, 10**7)


def names(name, message):
    return re.search(rf"\b{re.escape(name)}\b", message) is not None


def values(constraint):
    kinds = [
        st.floats(allow_nan=True, allow_infinity=True),
        st.floats(min_value=-1.0, max_value=2.0),
        st.sampled_from([0.0, 1.0, 1e-300, 1e300, math.inf, -math.inf, math.nan]),
        st.integers(min_value=-5, max_value=3000),
        st.booleans(),
        st.none(),
        st.sampled_from(["", "linear", "cos", "triangular", "exp_range"]),
        st.lists(st.integers(-10, 2000), max_size=4).map(tuple),
        st.lists(st.floats(-0.5, 1.0), max_size=4).map(tuple),
    ]
    options = getattr(constraint, "values", None)
    if options:
        kinds.append(st.sampled_from(list(options)))
    return st.one_of(*kinds)


def finite(value):
    """No infinity anywhere in ``value`` (infinite arguments have their own test below)."""
    items = value if isinstance(value, tuple) else (value,)
    return not any(isinstance(v, float) and math.isinf(v) for v in items)


def check_values(schedule):
    for t in STEPS:  # a growing schedule (gamma or factor above 1) saturates at inf
        v = schedule(t)
        assert isinstance(v, float) and not math.isnan(v) and v >= 0.0, f"{schedule!r}({t}) = {v!r}"


@pytest.mark.parametrize(("entry", "name"), CASES, ids=[f"{e.name}-{f}" for e, f in CASES])
@settings(max_examples=10)
@given(data=st.data())
def test_a_fuzzed_schedule_argument_builds_or_fails_clearly(entry, name, data):
    constraint = entry.cls.constraints[name]
    value = data.draw(values(constraint), label=name)
    kwargs = {**entry.defaults, name: value}
    if constraint.accepts(value):
        if not finite(value):
            return  # test_an_infinite_argument_is_refused_or_harmless
        try:
            schedule = entry.cls(**kwargs)
        except InvalidArgument as err:  # a relation between fields
            assert any(names(f, str(err)) for f in kwargs), err
            return
        check_values(schedule)
    else:
        with pytest.raises((ValueError, TypeError)) as err:
            entry.cls(**kwargs)
        assert names(name, str(err.value)), f"{entry.cls.__name__}({name}={value!r}): {err.value}"


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.name for e in ENTRIES])
@settings(max_examples=10)
@given(step=st.one_of(st.integers(-10**6, -1), st.floats(allow_nan=True), st.booleans(), st.none(),
                      st.text(max_size=3)))
def test_a_bad_step_is_one_clear_error(entry, step):
    schedule = registry.build(entry.name)
    with pytest.raises(InvalidArgument, match=r"'step' parameter"):
        schedule(step)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.name for e in ENTRIES])
@settings(max_examples=10)
@given(data=st.data())
def test_text_arguments_as_the_command_line_gives_them(entry, data):
    """``--set KEY=VALUE``: any text for a known field builds or fails with ``InvalidArgument``."""
    name = data.draw(st.sampled_from(entry.fields()))
    text = data.draw(st.one_of(st.text(max_size=8), st.sampled_from(["1e400", "-1", "nan", "inf", "1,2", ",",
                                                                     "none",
                                                                     "true", "0", "0.5", "1,2,3"])))
    try:
        schedule = registry.build(entry.name, **{name: text})
    except InvalidArgument as err:
        assert names(name, str(err)) or any(names(f, str(err)) for f in entry.fields()), err
        return
    if finite(schedule.arguments()[name]):  # "1e400" parses to inf: see the test below
        check_values(schedule)


INFINITE = [(e, f) for e, f in CASES if e.cls.constraints[f].accepts(math.inf)]
# Interval(0, None) ("[0, inf)") accepts inf, and these schedules then give NaN.
NAN_FROM_INF = {"exponential-init", "exponential-rate", "step-init", "power-beta", "polynomial-end",
                "linear-init",
                "linear-end", "multiplicative-init", "cosine-init", "cosine-end", "sgdr-end", "cyclical-peak",
                "onecycle-peak", "onecycle-momentum-peak", "piecewise-values"}


def _infinite_case(entry, name):
    case = f"{entry.name}-{name}"
    reason = "the declared range '[0, inf)' (Interval(0, None)) accepts inf, and the schedule then gives NaN"
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if case in NAN_FROM_INF else []
    return pytest.param(entry, name, id=case, marks=marks)


@pytest.mark.parametrize(("entry", "name"), [_infinite_case(e, f) for e, f in INFINITE])
def test_an_infinite_argument_is_refused_or_harmless(entry, name):
    default = entry.defaults.get(name)
    value = (math.inf,) * len(default) if isinstance(default, tuple) else math.inf
    try:
        schedule = entry.cls(**{**entry.defaults, name: value})
    except InvalidArgument as err:
        assert names(name, str(err)), err
        return
    for t in STEPS:
        assert not math.isnan(schedule(t)), f"{schedule!r}({t}) is NaN"


@pytest.mark.parametrize("name", ["exponential", "multiplicative"])
def test_a_growing_schedule_saturates_instead_of_raising(name):
    growth = {"gamma": 2.0, "rate": None} if name == "exponential" else {"factor": 2.0}
    schedule = registry.build(name, **growth)
    assert schedule(10**4) == math.inf


def test_linear_one_cycle_stays_at_its_final_value_past_its_end():
    schedule = registry.build("onecycle", anneal="linear")
    final = schedule(schedule.arguments()["total_steps"] - 1)
    assert all(schedule(t) == final for t in (1000, 1001, 5000))
