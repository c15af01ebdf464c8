"""Float64 NumPy references, written the way the lecture notes write them.

They are the readable version of each algorithm for learners and the oracle the
torch implementations are tested against. First-order methods are in
``trainlab.reference.first_order`` (re-exported here), second-order methods
(Newton, BFGS, the L-BFGS two-loop recursion) in ``trainlab.reference.second_order``.
"""

from trainlab.reference.first_order import (
    adabound,
    adagrad,
    adam,
    adam_no_bias_correction,
    amsgrad,
    gd,
    gd_lr_decay,
    gradient_controlled_gd,
    momentum,
    momentum_of_steps,
    nadam,
    nadam_momentum_schedule,
    nesterov,
    nesterov_change_of_variables,
    rmsprop,
    rmsprop_momentum,
    rmsprop_nesterov,
)
from trainlab.reference.stochastic import minibatch_sgd, sgd

__all__ = [
    "adabound", "adagrad", "adam", "adam_no_bias_correction", "amsgrad", "gd", "gd_lr_decay",
    "gradient_controlled_gd", "minibatch_sgd", "momentum", "momentum_of_steps", "nadam",
    "nadam_momentum_schedule", "nesterov", "nesterov_change_of_variables", "rmsprop",
    "rmsprop_momentum", "rmsprop_nesterov", "sgd",
]
