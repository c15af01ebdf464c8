"""Shared fixtures for the training tests: tiny data sets (one-thread torch is set in tests/conftest.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch


@pytest.fixture
def regression():
    """48 training and 16 validation rows of a noisy linear+sine target (float32)."""
    rng = np.random.default_rng(123)
    X = rng.uniform(-1, 1, size=(64, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + np.sin(3 * X[:, 0]) + 0.05 * rng.standard_normal(64)
    X, y = torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.float32).reshape(-1, 1)
    return (X[:48], y[:48]), (X[48:], y[48:])


def params_equal(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    """Bit-identical state dicts (same keys, ``torch.equal`` on every tensor)."""
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


@pytest.fixture
def same():
    """``same(model_a, model_b)``: bit-identical parameters and buffers."""
    return params_equal
