"""Transforms: the building blocks an update rule is chained from.

A ``Transform`` rewrites the ``Update`` of each parameter group through its
methods (see ``trainlab.optim.update``). It declares, once, the hyperparameters
it provides, what values each may take (``constraints``) and the default of
each (its constructor arguments), and the hyperparameters it reads from other
transforms (``reads``); ``chain`` checks these declarations when it is built.
Per-parameter buffers live in ``state[p]`` under names the transform chooses;
they are created on first use.

A chain of transforms is itself a transform; wrapped in ``ChainOptimizer`` it is a
``torch.optim.Optimizer``::

    >>> import torch
    >>> from trainlab.optim import chain, ChainOptimizer
    >>> from trainlab.optim.transforms import clip_by_global_norm, scale_by_adam, scale_by_learning_rate
    >>> w = torch.nn.Parameter(torch.ones(3))
    >>> opt = ChainOptimizer([w], chain(clip_by_global_norm(1.0), scale_by_adam(), scale_by_learning_rate(1e-3)))
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch
from torch import Tensor

from trainlab.constrained import Constrained
from trainlab.constraints import Constraint, InvalidArgument, fail
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


class Transform(Constrained):
    """One building block of an update rule.

    Subclasses declare, once:

    * ``constraints``: the hyperparameters the transform *provides* (name ->
      ``Constraint``); ``__init__`` receives the default value of each;
    * ``reads``: hyperparameters it reads but another transform of the chain
      provides (name -> what for), e.g. decoupled weight decay reads ``lr``;
      override ``inputs`` where this depends on the hyperparameters;

    and implement ``update``. A chain checks at construction that every name read
    is provided, and that no two transforms provide the same name (a param group
    holds one value per name).
    """

    reads: ClassVar[Mapping[str, str]] = {}
    # whether the math is elementwise within each parameter group, so that a fused
    # step may run it on the group's parameters concatenated into one flat buffer
    elementwise: ClassVar[bool] = True
    verb: ClassVar[str] = ""  # the public (lower-case) name; derived from the class name if empty

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__dict__.get("verb"):
            cls.verb = re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()

    def __init__(self, **defaults: Any) -> None:
        unknown = set(defaults) - set(self.constraints)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no hyperparameter(s) {sorted(unknown)}")
        missing = set(self.constraints) - set(defaults)
        if missing:  # a bug in the class, not in the call
            raise TypeError(f"{type(self).__name__} gives no default for hyperparameter(s) {sorted(missing)}")
        self.defaults: dict[str, Any] = dict(defaults)

    # -- declarations and validation --------------------------------------------
    def all_constraints(self) -> dict[str, Constraint]:
        return dict(self.constraints)

    def inputs(self, group: Mapping[str, Any]) -> Mapping[str, str]:
        """The hyperparameters of other transforms read under ``group`` (name -> what for)."""
        return self.reads

    def check_group(self, group: Mapping[str, Any], owner: str) -> None:
        """Validate the hyperparameters of ``group`` (missing ones take this transform's defaults)."""
        values = {**self.defaults, **group}
        self.check_arguments(values, owner)
        for name, why in self.inputs(values).items():
            if name not in values:
                raise InvalidArgument(
                    _missing_input(self, name, why, f"neither the param group nor a transform of {owner}")
                )

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
        return f"{self.verb}({args})"


def _providers(name: str) -> list[str]:
    """The public names of trainlab's transforms that provide hyperparameter ``name``, simplest first."""
    found: dict[str, int] = {}
    todo = list(Transform.__subclasses__())
    while todo:
        cls = todo.pop(0)
        todo.extend(cls.__subclasses__())
        if name in cls.constraints and cls.__module__.startswith("trainlab."):
            found.setdefault(cls.verb, len(cls.constraints))
    return sorted(found, key=lambda verb: (found[verb], verb))


def _missing_input(t: Transform, name: str, why: str, nobody: str) -> str:
    """The error for a hyperparameter ``t`` reads that ``nobody`` provides."""
    providers = _providers(name)
    hint = f"; add a transform that does: {', '.join(providers)}" if providers else ""
    return f"{t.verb} reads hyperparameter {name!r} ({why}), but {nobody} provides it{hint}"


class Chain(Transform):
    """Transforms applied one after the other; itself a transform.

    Construction checks the declarations: each hyperparameter is provided by one
    transform only, and every hyperparameter a transform reads is provided.
    """

    verb = "chain"

    def __init__(self, *transforms: Transform) -> None:
        flat: list[Transform] = []
        for t in transforms:
            if not isinstance(t, Transform):
                raise TypeError(f"chain() takes Transform objects, got {type(t).__name__}")
            flat.extend(t.transforms())
        self.parts = flat
        defaults: dict[str, Any] = {}
        provider: dict[str, Transform] = {}
        for t in flat:
            for key, value in t.defaults.items():
                if key in provider:
                    raise InvalidArgument(
                        f"{provider[key].verb} and {t.verb} both provide hyperparameter {key!r}; a param "
                        f"group holds one value per name, so one setting would silently drive both. "
                        f"Chain transforms that provide different hyperparameters (a transform that "
                        f"uses another's declares it in 'reads')"
                    )
                provider[key] = t
                defaults[key] = value
        self.defaults = defaults
        for t in flat:
            for key, why in t.inputs(defaults).items():
                if key not in defaults:
                    raise InvalidArgument(_missing_input(t, key, why, f"no transform in {self!r}"))

    def all_constraints(self) -> dict[str, Constraint]:
        out: dict[str, Constraint] = {}
        for t in self.parts:
            out.update(t.all_constraints())
        return out

    def check_group(self, group: Mapping[str, Any], owner: str) -> None:
        values = {**self.defaults, **group}
        for t in self.parts:
            t.check_group(values, owner)

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
    """Compose transforms into one: each rewrites the update the previous one left.

    >>> from trainlab.optim.transforms import scale, scale_by_adam, weight_decay
    >>> chain(weight_decay(0.1, decoupled=True), scale_by_adam(), scale(-1e-3))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    trainlab.constraints.InvalidArgument: weight_decay reads hyperparameter 'lr' ...
    """
    return Chain(*transforms)


def require(owner: str, name: str, ok: bool, requirement: str, got: Any) -> None:
    """Raise the standard error for a relation between hyperparameters."""
    if not ok:
        fail(owner, name, requirement, got)
