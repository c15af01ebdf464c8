"""Building blocks of update rules; each rewrites the update in place.

Named optimizers in ``trainlab.optim`` are chains of these. Verbs (lower case)
are the public names, as in optax; the classes behind them carry the docs.

==============================  =============================================
block                           update rule
==============================  =============================================
``scale_by_learning_rate``      ``u <- -lr u``
``scale``                       ``u <- f u``
``weight_decay``                ``u <- u + wd p`` or decoupled ``p <- (1 - lr wd) p``
``trace``                       momentum, heavy ball or Nesterov, with dampening
``scale_by_adagrad``            ``u <- u / (sqrt(sum u^2) + eps)``
``scale_by_rms``                RMSProp, plain or centered
``scale_by_adadelta``           Adadelta
``scale_by_adam``               Adam, with/without bias correction, AMSGrad
``scale_by_adamax``             Adamax
``scale_by_nadam``              NAdam (torch's or Dozat's form)
``scale_by_radam``              RAdam
``scale_by_adabound``           AdaBound / AMSBound (includes lr)
``scale_by_asgd``               averaged SGD (includes lr)
``scale_by_sparse_adam``        SparseAdam: lazy Adam for sparse gradients
``clip_by_global_norm``         ``u <- u min(1, c / ||u||)``
``clip_by_value``               ``u <- clamp(u, -c, c)``
``scale_by_gradient_control``   seed 004's ``alpha <- alpha / (1 + a_cf sqrt|g|)``
``scale_by_decay``              seed 004's ``alpha <- K alpha`` each step
==============================  =============================================
"""

from trainlab.optim.transforms.adam import ScaleByAdam, ScaleByAdamax, ScaleByNadam, ScaleByRadam
from trainlab.optim.transforms.adaptive import ScaleByAdadelta, ScaleByAdagrad, ScaleByRms
from trainlab.optim.transforms.averaging import ScaleByAsgd
from trainlab.optim.transforms.basic import Scale, ScaleByDecay, ScaleByLearningRate, WeightDecay
from trainlab.optim.transforms.bounded import ScaleByAdaBound
from trainlab.optim.transforms.clipping import ClipByGlobalNorm, ClipByValue
from trainlab.optim.transforms.control import ScaleByGradientControl
from trainlab.optim.transforms.momentum import Trace
from trainlab.optim.transforms.sparse_adam import ScaleBySparseAdam

scale_by_learning_rate = ScaleByLearningRate
scale = Scale
weight_decay = WeightDecay
trace = Trace
scale_by_adagrad = ScaleByAdagrad
scale_by_rms = ScaleByRms
scale_by_adadelta = ScaleByAdadelta
scale_by_adam = ScaleByAdam
scale_by_adamax = ScaleByAdamax
scale_by_nadam = ScaleByNadam
scale_by_radam = ScaleByRadam
scale_by_adabound = ScaleByAdaBound
scale_by_asgd = ScaleByAsgd
clip_by_global_norm = ClipByGlobalNorm
clip_by_value = ClipByValue
scale_by_gradient_control = ScaleByGradientControl
scale_by_decay = ScaleByDecay
scale_by_sparse_adam = ScaleBySparseAdam

__all__ = [
    "ClipByGlobalNorm", "ClipByValue", "Scale", "ScaleByAdaBound", "ScaleByAdadelta",
    "ScaleByAdagrad", "ScaleByAdam", "ScaleByAdamax", "ScaleByAsgd", "ScaleByDecay",
    "ScaleByGradientControl", "ScaleByLearningRate", "ScaleByNadam", "ScaleByRadam",
    "ScaleByRms", "ScaleBySparseAdam", "Trace", "WeightDecay",
    "clip_by_global_norm", "clip_by_value", "scale", "scale_by_adabound", "scale_by_adadelta",
    "scale_by_adagrad", "scale_by_adam", "scale_by_adamax", "scale_by_asgd", "scale_by_decay",
    "scale_by_gradient_control", "scale_by_learning_rate", "scale_by_nadam", "scale_by_radam",
    "scale_by_rms", "scale_by_sparse_adam", "trace", "weight_decay",
]
