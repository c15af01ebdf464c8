"""Declarative argument constraints and the one error every bad argument raises.

Each hyperparameter is declared once, next to the code that reads it, as a
``Constraint``; ``check`` turns a violation into a single ``InvalidArgument`` with
one message template (after scikit-learn's ``_parameter_constraints``)::

    The 'lr' parameter of Adam must be a float in the range [0, inf). Got -0.1 instead.

Example:
    >>> from trainlab.constraints import Interval, check
    >>> check("Adam", "lr", -0.1, Interval(0, None))
    Traceback (most recent call last):
    ...
    trainlab.constraints.InvalidArgument: The 'lr' parameter of Adam must be a float in the range [0, inf). Got -0.1 instead.
"""

from __future__ import annotations

import difflib
import math
import sys
from collections.abc import Callable, Iterable, Sequence
from numbers import Integral, Real
from typing import Any

__all__ = [
    "InvalidArgument",
    "Constraint",
    "Interval",
    "Options",
    "Boolean",
    "Pair",
    "Optional",
    "Anything",
    "check",
    "fail",
    "unknown_name",
]


class InvalidArgument(ValueError):
    """A user-supplied argument is outside its valid range (a ``ValueError``)."""


class Constraint:
    """What values an argument may take; ``str(c)`` describes them for the error."""

    def accepts(self, value: Any) -> bool:  # pragma: no cover - interface
        raise NotImplementedError

    def __str__(self) -> str:  # pragma: no cover - interface
        raise NotImplementedError


def _is_real(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def is_number_tensor(value: Any) -> bool:
    """Whether ``value`` is a one-element real ``torch.Tensor`` (torch.optim accepts one as a number).

    torch is looked up, not imported: constraints stay usable without it.
    """
    torch = sys.modules.get("torch")
    return (
        torch is not None
        and isinstance(value, torch.Tensor)
        and value.numel() == 1
        and not value.is_complex()
        and value.dtype != torch.bool
    )


def as_number(value: Any) -> Any:
    """A one-element real tensor as a Python number; any other value unchanged."""
    return value.item() if is_number_tensor(value) else value


class Interval(Constraint):
    """A real (or integer) number in ``[low, high]`` with chosen open/closed ends.

    ``None`` for an end means unbounded, and an unbounded end is never reached:
    ``Interval(0, None)`` holds every finite number ``>= 0`` but not ``inf``. ``closed`` is one of ``"left"``,
    ``"right"``, ``"both"`` or ``"neither"``.
    """

    def __init__(
        self,
        low: float | None,
        high: float | None,
        closed: str = "left",
        integer: bool = False,
    ) -> None:
        if closed not in ("left", "right", "both", "neither"):
            raise ValueError(f"closed must be left/right/both/neither, got {closed!r}")
        self.low, self.high, self.closed, self.integer = low, high, closed, integer

    def accepts(self, value: Any) -> bool:
        if self.integer:
            if not isinstance(value, Integral) or isinstance(value, bool):
                return False
        elif not _is_real(value := as_number(value)) or math.isnan(float(value)):
            return False
        elif math.isinf(float(value)) and (self.high if value > 0 else self.low) is None:
            return False  # an open (unbounded) end is never reached: inf is not in [0, inf)
        left_closed = self.closed in ("left", "both")
        right_closed = self.closed in ("right", "both")
        if self.low is not None:
            if value < self.low or (value == self.low and not left_closed):
                return False
        if self.high is not None:
            if value > self.high or (value == self.high and not right_closed):
                return False
        return True

    def __str__(self) -> str:
        kind = "an int" if self.integer else "a float"
        lb = "[" if self.closed in ("left", "both") and self.low is not None else "("
        rb = "]" if self.closed in ("right", "both") and self.high is not None else ")"
        low = "-inf" if self.low is None else f"{self.low:g}"
        high = "inf" if self.high is None else f"{self.high:g}"
        return f"{kind} in the range {lb}{low}, {high}{rb}"


class Options(Constraint):
    """One of a fixed set of values (strings, usually)."""

    def __init__(self, values: Iterable[Any]) -> None:
        self.values = tuple(values)

    def accepts(self, value: Any) -> bool:
        return any(value == v and type(value) is type(v) for v in self.values)

    def __str__(self) -> str:
        return "one of {" + ", ".join(repr(v) for v in self.values) + "}"


class Boolean(Constraint):
    """``True`` or ``False`` (not 0/1)."""

    def accepts(self, value: Any) -> bool:
        return isinstance(value, bool)

    def __str__(self) -> str:
        return "a bool"


class Pair(Constraint):
    """A tuple or list of two values, each accepted by ``inner``.

    Both are numbers or both one-element tensors (torch.optim's rule for ``betas``).
    """

    def __init__(self, inner: Constraint) -> None:
        self.inner = inner

    def accepts(self, value: Any) -> bool:
        return (
            isinstance(value, (tuple, list))
            and len(value) == 2
            and is_number_tensor(value[0]) == is_number_tensor(value[1])
            and all(self.inner.accepts(v) for v in value)
        )

    def __str__(self) -> str:
        return f"a pair of values, each {self.inner}"


class Optional(Constraint):
    """``None`` or a value ``inner`` accepts; ``none`` says what ``None`` means.

    >>> str(Optional(POSITIVE_INT, none="full batch"))
    'None (full batch) or an int in the range [1, inf)'
    """

    def __init__(self, inner: Constraint, none: str | None = None) -> None:
        self.inner, self.none = inner, none

    def accepts(self, value: Any) -> bool:
        return value is None or self.inner.accepts(value)

    def __str__(self) -> str:
        meaning = f" ({self.none})" if self.none else ""
        return f"None{meaning} or {self.inner}"


class Anything(Constraint):
    """No restriction (for values checked elsewhere, e.g. callables)."""

    def accepts(self, value: Any) -> bool:
        return True

    def __str__(self) -> str:
        return "anything"


class Satisfies(Constraint):
    """A custom predicate with its own description."""

    def __init__(self, predicate: Callable[[Any], bool], description: str) -> None:
        self.predicate, self.description = predicate, description

    def accepts(self, value: Any) -> bool:
        return bool(self.predicate(value))

    def __str__(self) -> str:
        return self.description


def fail(owner: str, name: str, expected: str, value: Any) -> None:
    """Raise the standard error for argument ``name`` of ``owner``.

    The error carries ``owner``, ``argument`` and ``value`` for callers that
    translate it (e.g. ``trainlab.optim.torch_errors``).
    """
    err = InvalidArgument(
        f"The {name!r} parameter of {owner} must be {expected}. Got {value!r} instead."
    )
    err.owner, err.argument, err.value = owner, name, value
    raise err


def unknown_name(kind: str, name: str, known: Sequence[str]) -> InvalidArgument:
    """The error for a name not in a registry, with the closest match and the full list.

    ``raise unknown_name("optimizer", "adamm", names())`` ->
    "Unknown optimizer 'adamm'. Did you mean 'adam'? Known optimizers: sgd, ..."
    """
    close = difflib.get_close_matches(str(name), list(known), n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return InvalidArgument(f"Unknown {kind} {name!r}.{hint} Known {kind}s: {', '.join(known)}.")


def check(owner: str, name: str, value: Any, constraint: Constraint) -> None:
    """Raise ``InvalidArgument`` unless ``constraint`` accepts ``value``."""
    if not constraint.accepts(value):
        fail(owner, name, str(constraint), value)


# Shared constraints, named once so declarations read like documentation.
NONNEGATIVE = Interval(0, None, closed="left")
POSITIVE = Interval(0, None, closed="neither")
UNIT_HALF_OPEN = Interval(0, 1, closed="left")  # [0, 1)
UNIT_CLOSED = Interval(0, 1, closed="both")  # [0, 1]
POSITIVE_INT = Interval(1, None, closed="left", integer=True)
BOOL = Boolean()
