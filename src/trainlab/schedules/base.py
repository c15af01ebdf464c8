"""``Schedule``: a value as a pure function of the step.

A schedule is a small frozen dataclass with ``__call__(step) -> float`` (after
optax): easy to read, plot and test, picklable, and checkpointed by its
arguments plus the step count. Each subclass declares what its arguments may
be once, in ``constraints`` (``trainlab.constraints``); construction checks every
field against it and then calls ``check_relations`` for rules that tie arguments
together (``trainlab.constrained.Constrained``, shared with transforms and optimizers).

Example:
    >>> from trainlab.schedules import Power
    >>> s = Power(init=0.8, beta=0.0008, alpha=0.5)
    >>> round(s(1000), 6)
    0.596285
    >>> s
    Power(init=0.8, beta=0.0008, alpha=0.5)
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from numbers import Integral
from typing import Any

from trainlab.constrained import Constrained
from trainlab.constraints import Satisfies, check, fail

__all__ = ["SCHEDULE", "STEP", "Schedule", "check_step", "is_schedule"]

# A step index: an int >= 0 (numpy ints count).
STEP = Satisfies(lambda v: isinstance(v, Integral) and not isinstance(v, bool) and v >= 0, "an int >= 0")


def is_schedule(value: Any) -> bool:
    """Whether ``value`` can serve as a schedule: a ``Schedule`` or any callable."""
    return callable(value)


SCHEDULE = Satisfies(is_schedule, "a schedule (a callable step -> float)")


def check_step(owner: str, step: Any) -> int:
    """``step`` as an int, or the standard error for a step that is not an int >= 0."""
    check(owner, "step", step, STEP)
    return int(step)


@dataclass(frozen=True)
class Schedule(Constrained):
    """Base of every schedule: validated arguments, ``value(step)`` for the math.

    Subclasses set ``constraints`` (field name -> ``Constraint``) for every field,
    override ``check_relations`` for rules between fields (raise with ``_fail``)
    and implement ``_at(step: int) -> float``; ``__call__`` checks the step.
    """

    def __post_init__(self) -> None:
        for f in fields(self):  # lists are kept as tuples: the schedule stays immutable and hashable
            if f.init and isinstance(getattr(self, f.name), list):
                object.__setattr__(self, f.name, tuple(getattr(self, f.name)))
        self.check_fields()

    def _fail(self, name: str, expected: str, value: Any) -> None:
        fail(type(self).__name__, name, expected, value)

    def __call__(self, step: int) -> float:
        return float(self._at(check_step(type(self).__name__, step)))

    def _at(self, step: int) -> float:  # pragma: no cover - interface
        raise NotImplementedError

    def arguments(self) -> dict[str, Any]:
        """The constructor arguments (enough to rebuild the schedule)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.init}
