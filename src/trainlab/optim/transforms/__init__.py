"""Building blocks of update rules; each rewrites the update in place.

Named optimizers in ``trainlab.optim`` are chains of these. The verbs (lower
case, as in optax) are the public names; each is a ``Transform`` class, defined
(and documented) in the submodule of its family: ``adam``, ``adaptive``,
``averaging``, ``basic``, ``bounded``, ``clipping``, ``control``, ``momentum``.

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
``scale_by_gradient_control``   SUTD 50.039 notes' ``alpha <- alpha / (1 + a_cf sqrt|g|)``
``scale_by_decay``              SUTD 50.039 notes' ``alpha <- K alpha`` each step
==============================  =============================================
"""

from trainlab.optim.transforms.adam import ScaleByAdam as scale_by_adam
from trainlab.optim.transforms.adam import ScaleByAdamax as scale_by_adamax
from trainlab.optim.transforms.adam import ScaleByNadam as scale_by_nadam
from trainlab.optim.transforms.adam import ScaleByRadam as scale_by_radam
from trainlab.optim.transforms.adaptive import ScaleByAdadelta as scale_by_adadelta
from trainlab.optim.transforms.adaptive import ScaleByAdagrad as scale_by_adagrad
from trainlab.optim.transforms.adaptive import ScaleByRms as scale_by_rms
from trainlab.optim.transforms.averaging import ScaleByAsgd as scale_by_asgd
from trainlab.optim.transforms.basic import Scale as scale
from trainlab.optim.transforms.basic import ScaleByDecay as scale_by_decay
from trainlab.optim.transforms.basic import ScaleByLearningRate as scale_by_learning_rate
from trainlab.optim.transforms.basic import WeightDecay as weight_decay
from trainlab.optim.transforms.bounded import ScaleByAdaBound as scale_by_adabound
from trainlab.optim.transforms.clipping import ClipByGlobalNorm as clip_by_global_norm
from trainlab.optim.transforms.clipping import ClipByValue as clip_by_value
from trainlab.optim.transforms.control import ScaleByGradientControl as scale_by_gradient_control
from trainlab.optim.transforms.momentum import Trace as trace
from trainlab.optim.transforms.sparse_adam import ScaleBySparseAdam as scale_by_sparse_adam

__all__ = [
    "clip_by_global_norm", "clip_by_value", "scale", "scale_by_adabound", "scale_by_adadelta",
    "scale_by_adagrad", "scale_by_adam", "scale_by_adamax", "scale_by_asgd", "scale_by_decay",
    "scale_by_gradient_control", "scale_by_learning_rate", "scale_by_nadam", "scale_by_radam",
    "scale_by_rms", "scale_by_sparse_adam", "trace", "weight_decay",
]
