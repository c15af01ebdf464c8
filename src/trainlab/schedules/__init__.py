"""Learning-rate schedules as functions of the step, the torch adapter, and the range test's rules.

A schedule is a small frozen dataclass, ``step -> float`` (after optax): easy to
read, plot, test and checkpoint. ``attach`` makes any schedule drive any
hyperparameter of a torch or trainlab optimizer as a torch ``LRScheduler``.

=================== ========================================================
``Constant``        one value
``Piecewise``       values between boundaries (MultiStepLR)
``Exponential``     ``init exp(-rate t)`` or ``init gamma^t``, staircase (StepLR)
``Power``           ``init (1 + beta t)^-alpha``
``Polynomial``      ``(init - end)(1 - t/T)^p + end`` (PolynomialLR)
``Linear``          straight line from ``init`` to ``end`` (LinearLR)
``Multiplicative``  ``init prod factor(k)`` (MultiplicativeLR)
``Cosine``          cosine annealing, warm restarts (SGDR)
``Cyclical``        triangular, triangular2, exp_range (CyclicLR)
``OneCycle``        one-cycle, cosine or linear, two or three phases (OneCycleLR)
``Warmup``          linear or exponential ramp in front of any schedule
``Join``            schedules one after another, each from its own step 0
``ReduceOnPlateau`` cut by a factor when a metric stalls (ReduceLROnPlateau)
``RangeTest``       what a learning-rate range test measured and suggests (the
                    loop that runs it is ``trainlab.train.lr_range_test``)
=================== ========================================================

Example:
    >>> import torch
    >>> from trainlab.schedules import OneCycle, attach
    >>> opt = torch.optim.SGD(torch.nn.Linear(3, 1).parameters(), lr=0.1, momentum=0.9)
    >>> lr = OneCycle(peak=0.1, total_steps=1000)
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
from trainlab.schedules.cosine_annealing import Cosine
from trainlab.schedules.cyclic import Cyclical, OneCycle, OneCycleMomentum
from trainlab.schedules.plateau import ReduceOnPlateau
from trainlab.deprecation import relocated
from trainlab.schedules.range_test import RangeTest


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
]

# The range test's loop trains a model, so it lives in trainlab.train; this old path
# works for one release and, being looked up lazily, imports nothing from trainlab.train.
# The lower-case names were second spellings of the classes; they work for one release.
__getattr__ = relocated(__name__, {
    "lr_range_test": "trainlab.train.range_test:lr_range_test",
    "constant": "trainlab.schedules:Constant",
    "piecewise": "trainlab.schedules:Piecewise",
    "exponential": "trainlab.schedules:Exponential",
    "power": "trainlab.schedules:Power",
    "polynomial": "trainlab.schedules:Polynomial",
    "linear": "trainlab.schedules:Linear",
    "multiplicative": "trainlab.schedules:Multiplicative",
    "cosine": "trainlab.schedules:Cosine",
    "cyclical": "trainlab.schedules:Cyclical",
    "onecycle": "trainlab.schedules:OneCycle",
    "warmup": "trainlab.schedules:Warmup",
    "join": "trainlab.schedules:Join",
})
