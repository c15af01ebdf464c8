"""The Trainer's view of a data split: two tensors on the model's device, checked once.

``as_pair`` accepts ``(X, y)`` (tensors or arrays) or any object with ``.x`` and
``.y`` (``trainlab.data.Split``); features and a float target take the model's
dtype, integer targets stay class labels (``long``), and a 1-D float target
becomes a column so that ``mse`` against an ``(n, 1)`` output does not broadcast.
``fingerprint`` hashes the values so a checkpoint can tell it is resumed on the
data it was trained on.

Example:
    >>> import torch
    >>> pair = as_pair((torch.zeros(4, 2), torch.arange(4.0)), "Trainer.fit", "train",
    ...                (torch.device("cpu"), torch.float32))
    >>> tuple(pair.y.shape)
    (4, 1)
"""

from __future__ import annotations

import hashlib
from typing import Any, NamedTuple

import torch
from torch import Tensor

from trainlab.constraints import fail
from trainlab.data.checks import check_xy

__all__ = ["TensorPair", "as_pair", "fingerprint"]


class TensorPair(NamedTuple):
    x: Tensor
    y: Tensor


def as_pair(data: Any, owner: str, name: str, device_dtype: tuple[torch.device, torch.dtype]) -> TensorPair:
    """``data`` as checked tensors on ``device`` (floats in ``dtype``)."""
    if hasattr(data, "x") and hasattr(data, "y"):
        x, y = data.x, data.y
    elif isinstance(data, (tuple, list)) and len(data) == 2:
        x, y = data
    else:
        fail(owner, name, "a pair (X, y) or an object with .x and .y", type(data).__name__)
    check_xy(owner, x, y)
    device, dtype = device_dtype
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    x = x.to(device, dtype) if x.is_floating_point() else x.to(device)
    if y.is_floating_point():
        y = y.to(device, dtype)
        if y.ndim == 1:
            y = y.reshape(-1, 1)
    else:
        y = y.to(device, torch.long)
    return TensorPair(x, y)


def fingerprint(*pairs: TensorPair | None) -> str:
    """A SHA-256 of the shapes and values of every pair (``None`` counts as absent)."""
    h = hashlib.sha256()
    for pair in pairs:
        if pair is None:
            h.update(b"none")
            continue
        for t in pair:
            h.update(str((tuple(t.shape), t.dtype)).encode())
            h.update(t.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()
