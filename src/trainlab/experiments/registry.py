"""Every lecture demonstration by name: one declarative ``Experiment`` entry each.

An entry holds what a user needs to run and cite a demonstration: its name, a
one-line description, its lecture source (a lecture title or the original
paper), its parameters (each with a default and a ``Constraint``, checked like
every trainlab argument), a *quick* preset (seconds; the tests run it) and a
*full* one (the lecture's size; the defaults), the results keys it always
writes, and ``run(params, out, tick) -> Outcome`` (its figures and a flat dict of
numbers). The entries themselves live in ``trainlab.experiments.entries_*`` and
are imported on the first look-up. ``trainlab run`` runs them
(``trainlab.experiments.execute`` writes the run folder).

Example:
    >>> from trainlab.experiments import registry
    >>> entry = registry.get("quartic")
    >>> entry.resolve({"steps": 20}, quick=False)["steps"]
    20
    >>> registry.get("quartc")
    Traceback (most recent call last):
    ...
    trainlab.constraints.InvalidArgument: Unknown experiment 'quartc'. Did you mean 'quartic'? Known experiments: ...
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trainlab.constraints import Constraint, check, unknown_name

__all__ = ["Parameter", "Outcome", "Experiment", "register", "get", "names", "entries", "flatten"]

# modules whose import registers entries (kept apart so the registry itself stays small)
ENTRY_MODULES = ("trainlab.experiments.entries_lab", "trainlab.experiments.entries_studies",
                 "trainlab.experiments.entries_hybrid")

Tick = Callable[[int, int, str], None]  # tick(done, total, what): progress of a run


@dataclass(frozen=True)
class Parameter:
    """One argument of an experiment: its full-size default, its constraint, one line of help."""

    name: str
    default: Any
    constraint: Constraint
    help: str = ""


@dataclass
class Outcome:
    """What one run produced: the figures it wrote and a flat dict of its numbers."""

    figures: list[Path]
    results: dict[str, Any]


@dataclass(frozen=True)
class Experiment:
    """A registered demonstration; ``run(params, out, tick)`` writes figures into ``out``."""

    name: str
    description: str
    source: str
    parameters: tuple[Parameter, ...]
    run: Callable[[dict[str, Any], Path, Tick], Outcome]
    keys: tuple[str, ...]
    quick: Mapping[str, Any] = field(default_factory=dict)
    quick_time: str = "seconds"
    full_time: str = "seconds"
    group: str = "study"

    @property
    def defaults(self) -> dict[str, Any]:
        """The full preset: every parameter at its default."""
        return {p.name: p.default for p in self.parameters}

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise unknown_name("parameter", name, [p.name for p in self.parameters]) from None

    def resolve(self, overrides: Mapping[str, Any] | None = None, quick: bool = False) -> dict[str, Any]:
        """The parameters of one run: defaults, then the quick preset if asked, then ``overrides``, all checked."""
        values = self.defaults
        if quick:
            values.update(self.quick)
        for name, value in (overrides or {}).items():
            self.parameter(name)  # unknown names: "did you mean"
            values[name] = value
        for p in self.parameters:
            check(self.name, p.name, values[p.name], p.constraint)
        return values


_REGISTRY: dict[str, Experiment] = {}


def register(experiment: Experiment) -> Experiment:
    """Add ``experiment`` (each name once; a quick preset names only declared parameters)."""
    if experiment.name in _REGISTRY:
        raise ValueError(f"experiment {experiment.name!r} is registered twice")
    declared = {p.name for p in experiment.parameters}
    stray = sorted(set(experiment.quick) - declared)
    if stray:
        raise ValueError(f"the quick preset of {experiment.name!r} sets undeclared parameters {stray}")
    _REGISTRY[experiment.name] = experiment
    return experiment


def _load() -> None:
    for module in ENTRY_MODULES:
        importlib.import_module(module)


def names(group: str | None = None) -> list[str]:
    """Registered names (of one ``group`` if given: ``"lab"``, ``"study"``, ``"hybrid"``), sorted."""
    _load()
    return sorted(n for n, e in _REGISTRY.items() if group is None or e.group == group)


def entries() -> list[Experiment]:
    """Every registered experiment, sorted by name."""
    return [_REGISTRY[n] for n in names()]


def get(name: str) -> Experiment:
    """The experiment called ``name``; an unknown name raises ``InvalidArgument`` with the closest match."""
    _load()
    if name not in _REGISTRY:
        raise unknown_name("experiment", name, sorted(_REGISTRY))
    return _REGISTRY[name]


def flatten(nested: Mapping[str, Any], prefix: str = "", longest: int = 100) -> dict[str, Any]:
    """Nested JSON-like numbers as one flat dict with dotted keys.

    Lists of numbers or strings are kept whole (up to ``longest`` values: per-seed
    numbers stay, curves go); lists holding dicts or lists are left out.

    >>> flatten({"a": {"b": 1, "c": [1, 2]}, "runs": [{"x": 1}], "d": "text"})
    {'a.b': 1, 'a.c': [1, 2], 'd': 'text'}
    """
    out: dict[str, Any] = {}
    for key, value in nested.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{name}.", longest))
        elif isinstance(value, (list, tuple)):
            if len(value) <= longest and all(v is None or isinstance(v, (int, float, str, bool)) for v in value):
                out[name] = list(value)
        elif value is None or isinstance(value, (int, float, str, bool)):
            out[name] = value
    return out
