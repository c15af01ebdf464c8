"""``Constrained``: the one way a class declares its arguments and checks them.

Transforms (hyperparameters in a param group), closure optimizers (their one
param group) and schedules (dataclass fields) declare each argument once, in
``constraints`` (name -> ``Constraint``), and the rules that tie arguments
together in ``check_relations``. ``check_arguments`` runs both and raises the
standard ``InvalidArgument`` of ``trainlab.constraints``.

Example:
    >>> from trainlab.constraints import POSITIVE, Optional, fail
    >>> class Window(Constrained):
    ...     constraints = {"low": POSITIVE, "high": Optional(POSITIVE)}
    ...     def check_relations(self, values, owner):
    ...         if values.get("high") is not None and values["high"] < values["low"]:
    ...             fail(owner, "high", f"at least low = {values['low']}", values["high"])
    >>> Window().check_arguments({"low": 2.0, "high": 1.0})
    Traceback (most recent call last):
    ...
    trainlab.constraints.InvalidArgument: The 'high' parameter of Window must be at least low = 2.0. Got 1.0 instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any, ClassVar

from trainlab.constraints import Constraint, check

__all__ = ["Constrained"]


class Constrained:
    """Mixin: ``constraints`` declared once per class, checked by ``check_arguments``."""

    constraints: ClassVar[Mapping[str, Constraint]] = {}

    def check_arguments(self, values: Mapping[str, Any], owner: str | None = None) -> None:
        """Check every declared argument present in ``values``, then ``check_relations``.

        ``owner`` names the caller in the error (default: the class name).
        """
        owner = owner or type(self).__name__
        for name, value in values.items():
            constraint = self.constraints.get(name)
            if constraint is not None:
                check(owner, name, value, constraint)
        self.check_relations(values, owner)

    def check_relations(self, values: Mapping[str, Any], owner: str) -> None:
        """Rules between arguments (override where there are any; raise with ``fail``)."""

    def check_fields(self) -> None:
        """For a dataclass: every constructor field must be declared; check them all."""
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.init}  # type: ignore[arg-type]
        undeclared = [name for name in values if name not in self.constraints]
        if undeclared:  # a bug in the class, not in the call
            raise TypeError(f"{type(self).__name__} declares no constraint for field {undeclared[0]!r}")
        self.check_arguments(values)
