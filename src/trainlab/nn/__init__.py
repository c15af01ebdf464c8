"""Network building blocks."""

from trainlab.nn.batch_norm import BatchNorm1d
from trainlab.nn.dropout import Dropout
from trainlab.nn.mlp import ACTIVATIONS, MLP

__all__ = ["ACTIVATIONS", "BatchNorm1d", "Dropout", "MLP"]
