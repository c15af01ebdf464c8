"""Regularization: penalties added to the training loss, steps on the weights, noise, labels, data.

=========================== ============================================================
``L2(a)``, ``L1(a)``        ``(a/2)||w||^2``, ``a||w||_1`` on the weights (``penalties``)
``ToReference(b, a)``       ``(a/2)||w - b||^2`` toward a fixed copy (``reference``)
``Tie(m1, m2, a)``          ``(a/2)||theta_1 - theta_2||^2``; ``share_parameters`` hard-ties
``ActivityL1(model, L, a)`` ``a`` times the L1 norm of layers ``L``'s outputs (``activity``)
``LabelSmoothing(eps)``     cross-entropy against smoothed labels (``labels``)
``DecoupledWeightDecay``    ``w <- w - lr a w`` after any optimizer's step (``decay``)
``ProximalL1``              soft-threshold after each step: exact zeros (``decay``)
``WeightNoise``             loss and gradient at ``w + N(0, s^2)`` (``noise``)
``GradientNoise``           ``g + N(0, eta / (1 + t)^gamma)`` (``noise``)
``Augment``                 named, seeded augmentations of images and tabular data (``augment``)
=========================== ============================================================

Penalties add (``L1(1e-4) + L2(1e-3)``) and go to ``Trainer(..., penalty=...)`` or
into any loop as ``loss + penalty(model, output, target)``; the wrappers wrap any
optimizer. Biases and normalization layers are left out by default
(``select``). See docs/regularization.md.

Example:
    >>> import torch
    >>> from trainlab.regularize import L1, L2, ProximalL1
    >>> net = torch.nn.Linear(3, 1)
    >>> penalty = L1(1e-4) + L2(1e-3, layers={"": 1e-3})
    >>> opt = ProximalL1(torch.optim.SGD(net.parameters(), lr=0.1), net, 1e-3)
"""

from trainlab.regularize.activity import ActivityL1, activation_sparsity
from trainlab.regularize.augment import AUGMENTATIONS, Augment, parse_augment
from trainlab.regularize.decay import DecoupledWeightDecay, ProximalL1, soft_threshold
from trainlab.regularize.labels import LabelSmoothing, label_smoothing_cross_entropy
from trainlab.regularize.noise import GradientNoise, WeightNoise
from trainlab.regularize.penalties import L1, L2, Penalty, SumPenalty, WeightPenalty, weight_sparsity
from trainlab.regularize.reference import Tie, ToReference, share_parameters
from trainlab.regularize.select import NORM_TYPES, is_norm, parameter_groups, penalized
from trainlab.regularize.wrapper import StepWrapper

__all__ = [
    "AUGMENTATIONS", "ActivityL1", "Augment", "parse_augment", "DecoupledWeightDecay", "GradientNoise", "L1", "L2", "LabelSmoothing", "NORM_TYPES", "Penalty",
    "ProximalL1", "StepWrapper", "SumPenalty", "Tie", "ToReference", "WeightNoise", "WeightPenalty",
    "activation_sparsity", "is_norm", "label_smoothing_cross_entropy", "parameter_groups", "penalized", "share_parameters",
    "soft_threshold", "weight_sparsity",
]
