"""Old import paths that keep working for one release, with a ``DeprecationWarning``.

A module whose contents moved keeps a module-level ``__getattr__`` made by
``relocated``: the old name is looked up in its new home only when someone asks
for it, so importing the old module imports nothing from the new one (the layer
order of the packages holds), and the warning says where the name lives now.
Names listed here go away in the release after ``REMOVED_IN`` is announced.

Example:
    >>> import warnings
    >>> __getattr__ = relocated("old.place", {"sqrt": "math:sqrt"})
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     __getattr__("sqrt")(4.0), caught[0].category.__name__
    (2.0, 'DeprecationWarning')
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["REMOVED_IN", "relocated"]

REMOVED_IN = "0.2.0"


def relocated(old_module: str, moved: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` serving ``moved`` (``name -> "new.module:new_name"``) with a warning."""

    def __getattr__(name: str) -> Any:
        if name not in moved:
            raise AttributeError(f"module {old_module!r} has no attribute {name!r}")
        module, _, new_name = moved[name].partition(":")
        warnings.warn(
            f"{old_module}.{name} moved to {module}.{new_name}; the old path is removed in trainlab {REMOVED_IN}.",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(module), new_name)

    return __getattr__
