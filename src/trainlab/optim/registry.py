"""Every optimizer by name, for the CLI, the experiments and the generic tests.

Derived from the catalog (``trainlab.optim.catalog``): each ``Variant`` of each
``OptimizerSpec`` is one name. ``build(name, params, **overrides)`` makes one;
``names()`` lists them; ``get(name)`` gives the entry with its summary, source and
demo learning rates.

Example:
    >>> import torch
    >>> from trainlab.optim import registry
    >>> opt = registry.build("rmsprop-nesterov", torch.nn.Linear(2, 1).parameters(), lr=1e-3)
    >>> type(opt).__name__
    'RMSprop'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from torch.optim import Optimizer

from trainlab.constraints import InvalidArgument, unknown_name
from trainlab.optim.catalog import SPECS
from trainlab.optim.spec import OptimizerSpec, Variant

__all__ = ["OptimizerEntry", "build", "get", "names", "with_step_size", "ALIASES"]


@dataclass(frozen=True)
class OptimizerEntry:
    """One named optimizer: a spec's class with the fixed arguments of one of its variants."""

    spec: OptimizerSpec
    variant: Variant

    @property
    def name(self) -> str:
        return self.variant.name

    @property
    def cls(self) -> type[Optimizer]:
        return self.spec.cls

    @property
    def summary(self) -> str:
        return self.variant.summary

    @property
    def source(self) -> str:
        return self.variant.source

    @property
    def fixed(self) -> Mapping[str, Any]:
        return self.variant.fixed

    @property
    def lr_grid(self) -> tuple[float, ...]:
        return self.spec.grid(self.variant)

    @property
    def closure(self) -> bool:
        """Second order: ``step(closure)`` re-evaluates the loss several times."""
        return self.spec.step == "closure"

    @property
    def wraps(self) -> bool:
        """Wraps an inner optimizer (Lookahead): its arguments go to the inner one."""
        return self.spec.step == "wraps"

    @property
    def step_size(self) -> str:
        """What one unit of ``lr`` means (``OptimizerSpec.step_size``)."""
        return self.spec.step_size

    def build(self, params: Iterable[Any], **overrides: Any) -> Optimizer:
        return self.spec.build(params, **{**self.fixed, **overrides})


_ENTRIES = [OptimizerEntry(spec, v) for spec in SPECS for v in spec.variants]
_REGISTRY: dict[str, OptimizerEntry] = {e.name: e for e in _ENTRIES}

# Other names people type for the same optimizers.
ALIASES = {alias: e.name for e in _ENTRIES for alias in e.variant.aliases}


KINDS = (None, "first_order", "closure", "sparse")


def _kind(e: OptimizerEntry) -> str:
    if e.spec.gradients == "sparse":
        return "sparse"
    return "closure" if e.closure else "first_order"


def names(kind: str | None = None) -> list[str]:
    """Optimizer names in registry order: all, or one kind: ``"first_order"`` (``step()`` after
    ``backward()``, dense gradients: what ``trainlab race`` runs), ``"closure"`` (second order)
    or ``"sparse"`` (sparse gradients only)."""
    if kind not in KINDS:
        raise InvalidArgument(f"kind must be one of {KINDS}, got {kind!r}")
    return [e.name for e in _ENTRIES if kind is None or _kind(e) == kind]


def get(name: str) -> OptimizerEntry:
    """The entry called ``name`` (or an alias); a clear error lists the known names."""
    key = ALIASES.get(name.lower(), name.lower())
    if key not in _REGISTRY:
        raise unknown_name("optimizer", name, names())
    return _REGISTRY[key]


def build(name: str, params: Iterable[Any], **overrides: Any) -> Optimizer:
    """Construct the optimizer called ``name`` over ``params``."""
    return get(name).build(params, **overrides)


def with_step_size(kind: str) -> frozenset[str]:
    """The names whose ``lr`` means ``kind`` (``"gradient"``, ``"per_coordinate"``, ``"unit_free"``)."""
    return frozenset(e.name for e in _ENTRIES if e.step_size == kind)
