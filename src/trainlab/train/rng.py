"""Random-number state: one seed for everything, and a capture/restore for checkpoints.

``seed_everything(seed)`` seeds Python's ``random``, NumPy's global generator and
torch (CPU and every GPU), so that one number fixes the initial weights of a
model built afterwards, any shuffling done with those generators, and dropout
masks. ``capture_rng`` / ``restore_rng`` save and restore all of them plus a
``numpy.random.Generator`` (the Trainer's data order) as plain lists, ints and
tensors, so a checkpoint holding them loads with ``weights_only=True``.

Example:
    >>> import torch
    >>> seed_everything(0); a = torch.rand(2)
    >>> state = capture_rng()
    >>> b = torch.rand(2)
    >>> restore_rng(state); torch.equal(torch.rand(2), b)
    True
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch

from trainlab.constraints import Interval, check

__all__ = ["SEED", "seed_everything", "capture_rng", "check_rng", "restore_rng"]

SEED = Interval(0, 2**32 - 1, closed="both", integer=True)


def seed_everything(seed: int) -> None:
    """Seed ``random``, ``numpy.random`` and torch (CPU and every GPU) with ``seed``."""
    check("seed_everything", "seed", seed, SEED)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


def capture_rng(generator: np.random.Generator | None = None) -> dict[str, Any]:
    """Every global random state (and ``generator``'s), in checkpoint-safe types."""
    legacy = np.random.get_state(legacy=False)
    state: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": {
            "key": torch.from_numpy(legacy["state"]["key"].astype(np.int64)),
            "pos": int(legacy["state"]["pos"]),
            "has_gauss": int(legacy["has_gauss"]),
            "gauss": float(legacy["gauss"]),
        },
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }
    if generator is not None:
        state["generator"] = generator.bit_generator.state
    return state


def check_rng(state: dict[str, Any], generator: np.random.Generator | None = None) -> None:
    """Raise if ``state`` cannot be restored: it is set on throwaway generators, nothing global changes."""
    random.Random().setstate(_as_tuple(state["python"]))
    np.random.RandomState().set_state(_numpy_legacy(state["numpy"]))
    torch.Generator().set_state(state["torch"])
    if generator is not None and "generator" in state:
        type(generator.bit_generator)().state = state["generator"]


def restore_rng(state: dict[str, Any], generator: np.random.Generator | None = None) -> None:
    """Put back what ``capture_rng`` saved (``generator`` is set in place)."""
    random.setstate(_as_tuple(state["python"]))
    np.random.set_state(_numpy_legacy(state["numpy"]))
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    if generator is not None and "generator" in state:
        generator.bit_generator.state = state["generator"]


def _numpy_legacy(legacy: dict[str, Any]) -> dict[str, Any]:
    """numpy's legacy global state from its checkpoint-safe form (``capture_rng``)."""
    return {
        "bit_generator": "MT19937",
        "state": {"key": legacy["key"].numpy().astype(np.uint32), "pos": legacy["pos"]},
        "has_gauss": legacy["has_gauss"],
        "gauss": legacy["gauss"],
    }


def _as_tuple(value: Any) -> Any:
    """``random.setstate`` needs tuples all the way down."""
    if isinstance(value, (list, tuple)):
        return tuple(_as_tuple(v) for v in value)
    return value
