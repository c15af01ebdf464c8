"""Transforms: the building blocks an update rule is chained from.

A ``Transform`` rewrites the ``Update`` of each parameter group in place (see
``trainlab.optim.update``). It declares, once, the hyperparameters it reads from
the param group and what values each may take (``constraints``), and the
default value of each (its constructor arguments). Per-parameter buffers live in
``state[p]`` under names the transform chooses; they are created on first use.

A chain of transforms is itself a transform; wrapped in ``ChainOptimizer`` it is a
``torch.optim.Optimizer``::

    >>> import torch
    >>> from trainlab.optim import chain, ChainOptimizer
    >>> from trainlab.optim.transforms import clip_by_global_norm, scale_by_adam, scale_by_learning_rate
    >>> w = torch.nn.Parameter(torch.ones(3))
    >>> opt = ChainOptimizer([w], chain(clip_by_global_norm(1.0), scale_by_adam(), scale_by_learning_rate(1e-3)))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch
from torch import Tensor

from trainlab.constraints import Constraint, check, fail
from trainlab.optim.update import Update


@dataclass
class Batch:
    """The working set of one parameter group in one optimizer step."""

    group: dict[str, Any]
    params: list[Tensor]
    states: list[dict[str, Any]]
    steps: list[int]
    update: Update
    scratch: dict[str, Any] = field(default_factory=dict)

    def slot(self, name: str, init: Callable[[Tensor], Tensor] | None = None) -> list[Tensor]:
        """The buffer ``name`` of every parameter, created by ``init(p)`` (zeros) if missing."""
        make = init or (lambda p: torch.zeros_like(p, memory_format=torch.preserve_format))
        out = []
        for p, s in zip(self.params, self.states, strict=True):
            buf = s.get(name)
            if buf is None:
                buf = s[name] = make(p)
            out.append(buf)
        return out

    def has_slot(self, name: str) -> bool:
        """Whether every parameter already has buffer ``name``."""
        return all(name in s for s in self.states)

    @property
    def uniform_step(self) -> int | None:
        """The step count if it is the same for every parameter, else ``None``."""
        first = self.steps[0]
        return first if all(s == first for s in self.steps) else None


class Transform:
    """One building block of an update rule.

    Subclasses set ``constraints`` (hyperparameter name -> ``Constraint``), pass
    the default value of each to ``__init__`` and implement ``update``.
    """

    constraints: ClassVar[Mapping[str, Constraint]] = {}

    def __init__(self, **defaults: Any) -> None:
        unknown = set(defaults) - set(self.constraints)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no hyperparameter(s) {sorted(unknown)}")
        self.defaults: dict[str, Any] = dict(defaults)

    # -- validation ---------------------------------------------------------
    def all_constraints(self) -> dict[str, Constraint]:
        return dict(self.constraints)

    def check_group(self, group: Mapping[str, Any], owner: str) -> None:
        """Validate the hyperparameters this transform reads; relations in ``check_relations``."""
        for name, constraint in self.constraints.items():
            if name in group:
                check(owner, name, group[name], constraint)
        self.check_relations(group, owner)

    def check_relations(self, group: Mapping[str, Any], owner: str) -> None:
        """Constraints between hyperparameters (override where there are any)."""

    # -- the step -------------------------------------------------------------
    def __call__(self, batches: list[Batch]) -> None:
        """Rewrite the update of every group (override to look across groups)."""
        for b in batches:
            self.update(b)

    def update(self, b: Batch) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def after_apply(self, batches: list[Batch]) -> None:
        """Called once the update has been added to the parameters."""

    def transforms(self) -> list[Transform]:
        return [self]

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.defaults.items())
        return f"{type(self).__name__}({args})"


class Chain(Transform):
    """Transforms applied one after the other; itself a transform."""

    def __init__(self, *transforms: Transform) -> None:
        flat: list[Transform] = []
        for t in transforms:
            if not isinstance(t, Transform):
                raise TypeError(f"chain() takes Transform objects, got {type(t).__name__}")
            flat.extend(t.transforms())
        self.parts = flat
        defaults: dict[str, Any] = {}
        for t in flat:
            for key, value in t.defaults.items():
                if key in defaults and defaults[key] != value:
                    raise ValueError(
                        f"two transforms in the chain read hyperparameter {key!r} with different "
                        f"defaults ({defaults[key]!r} and {value!r}); give them the same value"
                    )
                defaults[key] = value
        self.defaults = defaults

    def all_constraints(self) -> dict[str, Constraint]:
        out: dict[str, Constraint] = {}
        for t in self.parts:
            out.update(t.all_constraints())
        return out

    def check_group(self, group: Mapping[str, Any], owner: str) -> None:
        for t in self.parts:
            t.check_group(group, owner)

    def __call__(self, batches: list[Batch]) -> None:
        for t in self.parts:
            t(batches)

    def after_apply(self, batches: list[Batch]) -> None:
        for t in self.parts:
            t.after_apply(batches)

    def transforms(self) -> list[Transform]:
        return list(self.parts)

    def __repr__(self) -> str:
        return "chain(" + ", ".join(repr(t) for t in self.parts) + ")"


def chain(*transforms: Transform) -> Chain:
    """Compose transforms into one: each rewrites the update the previous one left."""
    return Chain(*transforms)


def require(owner: str, name: str, ok: bool, requirement: str, got: Any) -> None:
    """Raise the standard error for a relation between hyperparameters."""
    if not ok:
        fail(owner, name, requirement, got)
