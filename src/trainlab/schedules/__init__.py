"""Learning-rate schedules as functions of the step, the torch adapter, and the range test's rules.

A schedule is a small frozen dataclass, ``step -> float`` (after optax): easy to
read, plot, test and checkpoint. ``attach`` makes any schedule drive any
hyperparameter of a torch or trainlab optimizer as a torch ``LRScheduler``.
The lower-case names are the same classes, for code that reads like optax.

=================== ========================================================
``constant``        one value
``piecewise``       values between boundaries (MultiStepLR)
``exponential``     ``init exp(-rate t)`` or ``init gamma^t``, staircase (StepLR)
``power``           ``init (1 + beta t)^-alpha``
``polynomial``      ``(init - end)(1 - t/T)^p + end`` (PolynomialLR)
``linear``          straight line from ``init`` to ``end`` (LinearLR)
``multiplicative``  ``init prod factor(k)`` (MultiplicativeLR)
``cosine``          cosine annealing, warm restarts (SGDR)
``cyclical``        triangular, triangular2, exp_range (CyclicLR)
``onecycle``        one-cycle, cosine or linear, two or three phases (OneCycleLR)
``warmup``          linear or exponential ramp in front of any schedule
``join``            schedules one after another, each from its own step 0
``ReduceOnPlateau`` cut by a factor when a metric stalls (ReduceLROnPlateau)
``RangeTest``       what a learning-rate range test measured and suggests (the
                    loop that runs it is ``trainlab.train.lr_range_test``)
=================== ========================================================

Example:
    >>> import torch
    >>> from trainlab.schedules import attach, onecycle
    >>> opt = torch.optim.SGD(torch.nn.Linear(3, 1).parameters(), lr=0.1, momentum=0.9)
    >>> lr = onecycle(peak=0.1, total_steps=1000)
    >>> schedulers = [attach(opt, lr), attach(opt, lr.momentum(), param="momentum")]
"""

from trainlab.schedules.attach import HyperparameterScheduler, PlateauScheduler, attach
from trainlab.schedules.base import Schedule
from trainlab.schedules.basic import (
    Constant,
    Exponential,
    Linear,
    Multiplicative,
    Piecewise,
    Polynomial,
    Power,
)
from trainlab.schedules.compose import Join, Warmup
from trainlab.schedules.cosine import Cosine
from trainlab.schedules.cyclic import Cyclical, OneCycle, OneCycleMomentum
from trainlab.schedules.plateau import ReduceOnPlateau
from trainlab.deprecation import relocated
from trainlab.schedules.range_test import RangeTest

constant = Constant
piecewise = Piecewise
exponential = Exponential
power = Power
polynomial = Polynomial
linear = Linear
multiplicative = Multiplicative
cosine = Cosine
cyclical = Cyclical
onecycle = OneCycle
warmup = Warmup
join = Join

__all__ = [
    "Constant",
    "Cosine",
    "Cyclical",
    "Exponential",
    "HyperparameterScheduler",
    "Join",
    "Linear",
    "Multiplicative",
    "OneCycle",
    "OneCycleMomentum",
    "Piecewise",
    "PlateauScheduler",
    "Polynomial",
    "Power",
    "RangeTest",
    "ReduceOnPlateau",
    "Schedule",
    "Warmup",
    "attach",
    "constant",
    "cosine",
    "cyclical",
    "exponential",
    "join",
    "linear",
    "multiplicative",
    "onecycle",
    "piecewise",
    "polynomial",
    "power",
    "warmup",
]

# The range test's loop trains a model, so it lives in trainlab.train; this old path
# works for one release and, being looked up lazily, imports nothing from trainlab.train.
__getattr__ = relocated(__name__, {"lr_range_test": "trainlab.train.range_test:lr_range_test"})
