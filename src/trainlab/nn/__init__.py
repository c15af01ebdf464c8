"""Network building blocks."""

from trainlab.nn.batch_norm import BatchNorm1d
from trainlab.nn.dropout import Dropout
from trainlab.nn.ensemble import Ensemble
from trainlab.nn.mlp import ACTIVATIONS, MLP
from trainlab.nn.multitask import MultiTaskLoss, MultiTaskNet

__all__ = ["ACTIVATIONS", "BatchNorm1d", "Dropout", "Ensemble", "MLP", "MultiTaskLoss", "MultiTaskNet"]
