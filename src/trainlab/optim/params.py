"""What every optimizer shell does first with its ``params`` argument.

As in ``torch.optim``: a bare tensor (or anything not iterable) is a ``TypeError``;
an empty list is a ``ValueError`` (``InvalidArgument``) with torch's phrase added.

Example:
    >>> import torch
    >>> materialize_params(torch.zeros(2), "SGD")
    Traceback (most recent call last):
    ...
    TypeError: The 'params' parameter of SGD must be an iterable of tensors or param-group dicts. Got Tensor instead (torch.optim: params argument given to the optimizer should be an iterable of Tensors or dicts).
    >>> len(group_params(torch.zeros(2), "SGD"))
    1
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from torch import Tensor

from trainlab.constraints import fail
from trainlab.optim.torch_errors import speaking_torch

__all__ = ["materialize_params", "group_params", "check_new_group"]

_PARAMS_TYPE = "params argument given to the optimizer should be an iterable of Tensors or dicts"


def materialize_params(params: Any, owner: str) -> list[Any]:
    """The optimizer's ``params`` argument as a non-empty list (a bare tensor is a TypeError, as in torch)."""
    if isinstance(params, Tensor) or not isinstance(params, Iterable):
        raise TypeError(
            f"The 'params' parameter of {owner} must be an iterable of tensors or param-group "
            f"dicts. Got {type(params).__name__} instead (torch.optim: {_PARAMS_TYPE})."
        )
    params = list(params)
    if not params:
        with speaking_torch():
            fail(owner, "params", "a non-empty iterable of tensors or param-group dicts", params)
    return params


def group_params(params: Any, owner: str) -> list[Any]:
    """A param group's ``params``: one tensor or a non-empty iterable of them."""
    return [params] if isinstance(params, Tensor) else materialize_params(params, owner)


def check_new_group(param_group: Any, param_groups: list[dict[str, Any]], owner: str) -> None:
    """A new group is a dict whose parameters are in no earlier group (torch's checks, in torch's order).

    Its ``params`` are materialized in place (one tensor or a non-empty iterable).
    """
    if not isinstance(param_group, dict):
        raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
    param_group["params"] = group_params(param_group["params"], owner)
    seen = {id(p) for g in param_groups for p in g["params"]}
    for i, p in enumerate(param_group["params"]):
        if isinstance(p, Tensor) and id(p) in seen:
            with speaking_torch():
                fail(
                    owner,
                    "params",
                    "parameters that each appear in one group only",
                    f"parameter #{i} of shape {tuple(p.shape)} already in an earlier group",
                )
