"""Network building blocks."""

from trainlab.nn.ensemble import Ensemble
from trainlab.nn.mlp import ACTIVATIONS, MLP
from trainlab.nn.multitask import MultiTaskLoss, MultiTaskNet

__all__ = ["ACTIVATIONS", "MLP", "Ensemble", "MultiTaskLoss", "MultiTaskNet"]
