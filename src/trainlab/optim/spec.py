"""``OptimizerSpec``: everything the rest of trainlab needs to know about one optimizer class.

One spec per class, in ``trainlab.optim.catalog``; from the specs are derived

* the registry (``trainlab.optim.registry``: ``build``, ``get``, ``names``) and so
  every CLI list (``trainlab race --list``, ``trainlab trajectories --list``);
* the lab's default learning rates (``trainlab.problems.settings``), from ``step_size``;
* the generic tests: torch parity (``torch_twin``), state-dict round trips, maximize,
  deepcopy, bad input (``samples``, ``invalid``), and the NumPy reference of each
  variant (``Variant.reference``).

A spec names its class's variants (a registry name and the fixed arguments that
make it, e.g. ``"nesterov"`` is ``SGD(momentum=0.9, nesterov=True)``).

Example:
    >>> import torch
    >>> from trainlab.optim.sgd import SGD
    >>> spec = OptimizerSpec(
    ...     SGD, variants=(Variant("heavy-ball", "momentum 0.9", "Polyak 1964", {"momentum": 0.9}),),
    ...     step_size="gradient", samples=({"lr": 0.1},))
    >>> opt = spec.build(torch.nn.Linear(2, 1).parameters(), **spec.variants[0].fixed, lr=0.1)
    >>> (spec.name, opt.param_groups[0]["momentum"])
    ('SGD', 0.9)
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from torch.optim import Optimizer

__all__ = ["GRADIENTS", "OptimizerSpec", "STEPS", "STEP_SIZES", "Variant"]

# how ``step`` is called: after ``backward()``; with a closure it calls several times;
# or the class wraps an inner optimizer (built from ``inner``)
STEPS = ("gradient", "closure", "wraps")
# what one unit of ``lr`` means, for the lab's default rates: a step of ``lr * gradient``;
# a step of about ``lr`` per coordinate (adaptive methods); or no unit (use the class default)
STEP_SIZES = ("gradient", "per_coordinate", "unit_free")
# the gradients the class takes (a sparse-only class is tested on ``nn.Embedding(sparse=True)``)
GRADIENTS = ("dense", "sparse")


@dataclass(frozen=True)
class Variant:
    """One registry name: the class with ``fixed`` arguments, its summary, source and rate grid.

    ``reference`` names the float64 NumPy version in ``trainlab.reference`` (e.g.
    ``"first_order.adam"``), if the variant has one; ``lr_grid`` (``None``: the
    spec's) holds the three rates ``trainlab race`` tries.
    """

    name: str
    summary: str
    source: str
    fixed: Mapping[str, Any] = field(default_factory=dict)
    lr_grid: tuple[float, ...] | None = None
    reference: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class OptimizerSpec:
    """One optimizer class and what is known about it (see the module docstring).

    ``samples`` are argument sets the generic tests run (each a valid call);
    ``invalid`` pairs an argument set (merged into ``samples[0]``) with a phrase of
    the error it must raise (``{cls}`` stands for the class name); a third element, if
    given, is the exception type (default ``ValueError``, torch's type for a bad value).
    """

    cls: type[Optimizer]
    variants: tuple[Variant, ...]
    step_size: str
    step: str = "gradient"
    lr_grid: tuple[float, ...] = (1e-3, 3e-3, 1e-2)
    torch_twin: type[Optimizer] | None = None
    gradients: str = "dense"
    inner: type[Optimizer] | None = None  # for step == "wraps": the optimizer it wraps
    samples: tuple[Mapping[str, Any], ...] = ()
    invalid: tuple[tuple[Any, ...], ...] = ()  # (arguments, phrase[, exception type])

    def __post_init__(self) -> None:
        for attr, allowed in (("step", STEPS), ("step_size", STEP_SIZES), ("gradients", GRADIENTS)):
            if getattr(self, attr) not in allowed:
                raise ValueError(f"OptimizerSpec({self.cls.__name__}): '{attr}' must be one of "
                                 f"{allowed}. Got {getattr(self, attr)!r} instead.")
        if (self.step == "wraps") != (self.inner is not None):
            raise ValueError(f"OptimizerSpec({self.cls.__name__}): give 'inner' exactly when step='wraps'")
        if not self.variants or not self.samples:
            raise ValueError(f"OptimizerSpec({self.cls.__name__}): needs at least one variant and one sample")

    @property
    def name(self) -> str:
        """The class name (``"Adam"``)."""
        return self.cls.__name__

    @property
    def takes_lr(self) -> bool:
        """Whether the class (or the one it wraps) has an ``lr`` argument."""
        return "lr" in _init_args(self.inner or self.cls)

    def build(self, params: Iterable[Any], **kwargs: Any) -> Optimizer:
        """The optimizer over ``params``; ``lr`` is dropped for a class without one, and a
        wrapper gets its own arguments while the rest go to the inner optimizer."""
        if "lr" in kwargs and not self.takes_lr:
            kwargs.pop("lr")  # e.g. Hessian-free sets its step by damping, not a learning rate
        if self.inner is None:
            return self.cls(params, **kwargs)
        own = _init_args(self.cls) - {"optimizer"}
        outer = {k: v for k, v in kwargs.items() if k in own}
        inner = {k: v for k, v in kwargs.items() if k not in own}
        return self.cls(self.inner(params, **inner), **outer)

    def grid(self, variant: Variant) -> tuple[float, ...]:
        """The learning rates ``trainlab race`` tries for ``variant``."""
        return variant.lr_grid if variant.lr_grid is not None else self.lr_grid


def _init_args(cls: type) -> set[str]:
    return set(inspect.signature(cls).parameters)
