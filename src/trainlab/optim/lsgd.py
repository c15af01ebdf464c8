"""Deprecated: LSGD steps on data, not on a closure, so it moved to ``trainlab.train.lsgd`` as ``LSGDTrainer``."""

from trainlab.deprecation import relocated

__getattr__ = relocated(__name__, {"LSGD": "trainlab.train.lsgd:LSGDTrainer",
                                   "ridge_solve": "trainlab.train.lsgd:ridge_solve"})
