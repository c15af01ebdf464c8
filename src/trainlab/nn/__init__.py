"""Network building blocks."""

from trainlab.nn.mlp import ACTIVATIONS, MLP

__all__ = ["ACTIVATIONS", "MLP"]
