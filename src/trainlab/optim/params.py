"""What every optimizer shell does first with its ``params`` argument.

Example:
    >>> import torch
    >>> len(materialize_params(torch.zeros(2), "SGD"))
    1
    >>> materialize_params([], "SGD")
    Traceback (most recent call last):
    ...
    trainlab.constraints.InvalidArgument: The 'params' parameter of SGD must be a non-empty iterable of tensors or param-group dicts. Got [] instead.
"""

from __future__ import annotations

from typing import Any

from torch import Tensor

from trainlab.constraints import fail

__all__ = ["materialize_params"]


def materialize_params(params: Any, owner: str) -> list[Any]:
    """``params`` (a tensor, or an iterable of tensors or param-group dicts) as a non-empty list."""
    if isinstance(params, Tensor):
        return [params]
    params = list(params)
    if not params:
        fail(owner, "params", "a non-empty iterable of tensors or param-group dicts", params)
    return params
