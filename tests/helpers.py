"""Helpers shared by several test packages (one copy each).

- ``roundtrip(obj)``: save and load back the way checkpoints do (``weights_only=True``);
- ``Marker(path)``: an object whose unpickling would create ``path`` - proof that code ran.
"""

from __future__ import annotations

import io
import os

import torch


def roundtrip(obj):
    """Serialize and load back as a checkpoint would (``weights_only=True``: no code runs)."""
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=True)


class Marker:
    """Unpickling this object would create a file: proof that code ran."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))
