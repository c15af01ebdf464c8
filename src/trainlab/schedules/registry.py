"""Every schedule by name, with demo arguments, for the CLI and the generic tests.

``build(name, **overrides)`` makes one (arguments given as strings are parsed
with ``parse_value``); ``names()`` lists them; ``get(name)`` gives the entry.

Taught in the lectures (full references in docs/references.md): Loshchilov & Hutter 2017, Smith 2017
and Smith & Topin 2019 in the Brown/NVIDIA notes.

Example:
    >>> from trainlab.schedules import registry
    >>> registry.build("cosine", init=0.5, period=200)
    Cosine(init=0.5, period=200, end=0.0, restarts=False, period_mult=1)
    >>> round(registry.build("power", alpha="1")(1000), 6)
    0.444444
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

from trainlab.constraints import InvalidArgument, unknown_name
from trainlab.schedules.base import Schedule
from trainlab.schedules.basic import (
    Constant,
    Exponential,
    Linear,
    Multiplicative,
    Piecewise,
    Polynomial,
    Power,
)
from trainlab.schedules.cosine_annealing import Cosine
from trainlab.schedules.cyclic import Cyclical, OneCycle, OneCycleMomentum

__all__ = ["ScheduleEntry", "build", "get", "names", "parse_value"]


@dataclass(frozen=True)
class ScheduleEntry:
    """One named schedule: a class, demo arguments, what it is and where it comes from."""

    name: str
    cls: type[Schedule]
    summary: str
    source: str
    defaults: dict[str, Any] = field(default_factory=dict)

    def fields(self) -> list[str]:
        return [f.name for f in dataclasses.fields(self.cls) if f.init]

    def build(self, **overrides: Any) -> Schedule:
        unknown = sorted(set(overrides) - set(self.fields()))
        if unknown:
            raise InvalidArgument(
                f"{self.cls.__name__} has no argument {unknown[0]!r}. "
                f"Its arguments: {', '.join(self.fields())}."
            )
        types = {f.name: str(f.type) for f in dataclasses.fields(self.cls)}
        kwargs = dict(self.defaults)
        for key, value in overrides.items():
            value = parse_value(value) if isinstance(value, str) else value
            if types[key].startswith("tuple") and not isinstance(value, tuple):
                value = (value,)
            kwargs[key] = value
        return self.cls(**kwargs)


_ENTRIES = [
    ScheduleEntry("constant", Constant, "one value", "Brown/NVIDIA notes (constant_lr)", {"value": 0.1}),
    ScheduleEntry(
        "piecewise",
        Piecewise,
        "values between boundaries (MultiStepLR)",
        "Brown/NVIDIA notes",
        {"boundaries": (300, 600, 900), "values": (0.1, 0.03, 0.01, 0.003)},
    ),
    ScheduleEntry(
        "exponential",
        Exponential,
        "init exp(-rate t) or init gamma^t",
        "Brown/NVIDIA notes",
        {"init": 0.1, "rate": 0.003},
    ),
    ScheduleEntry(
        "step",
        Exponential,
        "staircase: init gamma^(t // step_size) (StepLR)",
        "SUTD 50.039 notes",
        {"init": 0.1, "gamma": 0.5, "step_size": 200},
    ),
    ScheduleEntry(
        "power",
        Power,
        "init (1 + beta t)^-alpha",
        "Brown/NVIDIA notes (power scheduling)",
        {"init": 0.8, "beta": 0.0008, "alpha": 0.5},
    ),
    ScheduleEntry(
        "polynomial",
        Polynomial,
        "(init - end)(1 - t/steps)^power + end",
        "Brown/NVIDIA notes (lr_poly)",
        {"init": 0.1, "steps": 1000, "power": 0.5},
    ),
    ScheduleEntry(
        "linear",
        Linear,
        "straight line from init to end",
        "Brown/NVIDIA notes (linear_decay)",
        {"init": 0.8, "end": 0.0, "steps": 1000},
    ),
    ScheduleEntry(
        "multiplicative",
        Multiplicative,
        "init factor^t (MultiplicativeLR)",
        "SUTD 50.039 notes (alpha <- K alpha)",
        {"init": 0.1, "factor": 0.997},
    ),
    ScheduleEntry(
        "cosine",
        Cosine,
        "cosine annealing from init to end",
        "Loshchilov & Hutter 2017",
        {"init": 0.1, "period": 1000},
    ),
    ScheduleEntry(
        "sgdr",
        Cosine,
        "cosine with warm restarts, periods growing by period_mult",
        "Loshchilov & Hutter 2017",
        {"init": 0.1, "period": 100, "restarts": True, "period_mult": 2},
    ),
    ScheduleEntry(
        "cyclical",
        Cyclical,
        "triangular, triangular2 or exp_range cycles (CyclicLR)",
        "Smith 2017",
        {"base": 1e-4, "peak": 1e-3, "step_size_up": 100},
    ),
    ScheduleEntry(
        "onecycle",
        OneCycle,
        "warm up to peak, anneal far below the start (OneCycleLR)",
        "Smith & Topin 2019",
        {"peak": 0.1, "total_steps": 1000},
    ),
    ScheduleEntry(
        "onecycle-momentum",
        OneCycleMomentum,
        "the momentum that mirrors one-cycle",
        "Smith & Topin 2019",
        {"base": 0.85, "peak": 0.95, "total_steps": 1000},
    ),
]

_REGISTRY = {e.name: e for e in _ENTRIES}


def names() -> list[str]:
    """All schedule names, in registry order."""
    return [e.name for e in _ENTRIES]


def get(name: str) -> ScheduleEntry:
    """The entry called ``name``; a clear error lists the known names."""
    if name not in _REGISTRY:
        raise unknown_name("schedule", name, names())
    return _REGISTRY[name]


def build(name: str, **overrides: Any) -> Schedule:
    """The schedule ``name`` with its demo arguments, updated by ``overrides``."""
    return get(name).build(**overrides)


_INT = re.compile(r"[+-]?\d+")


def parse_value(text: str) -> Any:
    """A command-line value: ``true``/``false``, ``none``, an int, a float, ``a,b,...`` (a tuple) or text."""
    text = text.strip()
    if "," in text:
        return tuple(parse_value(part) for part in text.split(",") if part.strip())
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "none":
        return None
    if _INT.fullmatch(text):
        return int(text)
    try:
        return float(text)
    except ValueError:
        return text
