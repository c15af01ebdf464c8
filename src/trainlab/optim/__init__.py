"""Optimizers: composable transforms, the ``ChainOptimizer`` shell, and named optimizers.

Named optimizers take torch.optim's class names, arguments and defaults where
torch has the algorithm, and are tested equal to it in float64::

    >>> import torch
    >>> import trainlab.optim as optim
    >>> model = torch.nn.Linear(4, 1)
    >>> opt = optim.Adam(model.parameters(), lr=1e-3)

Second-order methods (``LBFGS``, ``BFGS``, ``ConjugateGradient``, ``Newton``,
``HessianFree``) step with a closure, like ``torch.optim.LBFGS``; ``PhasedOptimizer``
switches between optimizers (Adam, then L-BFGS). LSGD, which solves the last
layer by least squares, steps on data rather than a closure: it is
``trainlab.train.LSGDTrainer``.

Compose your own from ``trainlab.optim.transforms``::

    >>> from trainlab.optim.transforms import clip_by_global_norm, scale_by_rms, trace, scale_by_learning_rate
    >>> mine = optim.ChainOptimizer(model.parameters(), optim.chain(
    ...     clip_by_global_norm(1.0), scale_by_rms(alpha=0.9), trace(momentum=0.9, nesterov=True),
    ...     scale_by_learning_rate(1e-3)))
"""

from trainlab.deprecation import relocated
from trainlab.optim.adam import AdaBound, Adam, Adamax, AdamW, NAdam, RAdam
from trainlab.optim.adaptive import Adadelta, Adagrad, RMSprop
from trainlab.optim.asgd import ASGD
from trainlab.optim.finite import ApplyIfFinite
from trainlab.optim.lookahead import Lookahead
from trainlab.optim.phases import AnyOf, AtStep, GradNormBelow, Phase, PhasedOptimizer, Plateau, adam_then_lbfgs
from trainlab.optim.second_order import BFGS, LBFGS, ConjugateGradient, HessianFree, Newton, StopReason
from trainlab.optim.sgd import SGD, DecayingGD, GradientControlled, Momentum
from trainlab.optim.sparse_adam import SparseAdam
from trainlab.optim.shell import ChainOptimizer
from trainlab.optim.transform import Batch, Chain, Transform, chain

__all__ = [
    "ASGD", "AdaBound", "ApplyIfFinite", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "Batch", "Chain",
    "ChainOptimizer", "DecayingGD", "GradientControlled", "Lookahead", "Momentum", "NAdam",
    "RAdam", "RMSprop", "SGD", "SparseAdam", "Transform", "chain",
    # second order and hybrids (closure-based)
    "AnyOf", "AtStep", "BFGS", "ConjugateGradient", "GradNormBelow", "HessianFree", "LBFGS",
    "Newton", "Phase", "PhasedOptimizer", "Plateau", "StopReason", "adam_then_lbfgs",
]

# LSGD is no torch optimizer (it steps on data): trainlab.train.LSGDTrainer. This old
# name works for one release; being looked up lazily, it imports nothing from trainlab.train.
__getattr__ = relocated(__name__, {"LSGD": "trainlab.train.lsgd:LSGDTrainer"})
