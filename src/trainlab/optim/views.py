"""What a transform sees in one step: real tensors and plain-number hyperparameters.

torch.optim accepts two things a transform need not know about; the shell hands
every transform a view in which they are gone:

- **complex parameters**: a complex parameter ``z = x + iy`` is updated as the
  real parameter ``(x, y)`` (``torch.view_as_real``), exactly as torch.optim does,
  so an optimizer gives the same numbers on ``z`` as on its real twin. Its
  state keeps torch's layout (complex buffers, shape of ``z``): ``ComplexState``
  shows each buffer to the transforms as its real view and stores what they
  create as a complex tensor sharing the memory.
- **tensor hyperparameters**: a one-element tensor ``lr`` (or ``betas`` of
  two such tensors), as schedulers and compiled steps use, is read as a
  number at every step (so a scheduler that changes it in place is followed);
  ``number_group`` gives the group with those values as Python floats.

Example:
    >>> import torch
    >>> from trainlab.optim.views import number_group
    >>> number_group({"lr": torch.tensor(0.5), "betas": (0.9, 0.99)})["lr"]
    0.5
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

import torch
from torch import Tensor

from trainlab.constraints import as_number, is_number_tensor

__all__ = ["ComplexState", "number_group", "real_view"]


def _has_tensor_number(value: Any) -> bool:
    if isinstance(value, (tuple, list)):
        return any(is_number_tensor(v) for v in value)
    return is_number_tensor(value)


def _numbers(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return type(value)(as_number(v) for v in value)
    return as_number(value)


class _GroupView(dict):
    """A param group with tensor numbers read as floats; writes go to the group too."""

    def __init__(self, group: dict[str, Any]) -> None:
        super().__init__({k: (v if k == "params" else _numbers(v)) for k, v in group.items()})
        self._group = group

    def __setitem__(self, key: str, value: Any) -> None:
        self._group[key] = value
        super().__setitem__(key, value)

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]


def number_group(group: dict[str, Any]) -> dict[str, Any]:
    """``group`` itself, or a view of it with one-element tensors read as Python numbers."""
    if any(_has_tensor_number(v) for k, v in group.items() if k != "params"):
        return _GroupView(group)
    return group


def real_view(t: Tensor) -> Tensor:
    """``t`` itself, or the real view ``(..., 2)`` of a complex ``t``."""
    return torch.view_as_real(t) if t.is_complex() else t


class ComplexState(MutableMapping):
    """The state of a complex parameter, seen as the state of its real view.

    Tensors stored by a transform in the real layout ``(*shape, 2)`` are kept as
    complex tensors of ``shape`` sharing the same memory; reading gives the real
    view back. Anything else (step counts, scalars) passes through.
    """

    def __init__(self, state: dict[str, Any], shape: torch.Size) -> None:
        self._state, self._shape = state, tuple(shape)

    def __getitem__(self, key: str) -> Any:
        value = self._state[key]
        return real_view(value) if isinstance(value, Tensor) else value

    def __setitem__(self, key: str, value: Any) -> None:
        if (
            isinstance(value, Tensor)
            and value.is_floating_point()
            and not value.is_sparse
            and tuple(value.shape) == (*self._shape, 2)
        ):
            try:
                value = torch.view_as_complex(value)
            except RuntimeError:  # strides that no complex tensor can share: keep it real
                pass
        self._state[key] = value

    def __delitem__(self, key: str) -> None:
        del self._state[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._state)

    def __len__(self) -> int:
        return len(self._state)
