"""The Hessian of a loss, one import: products, extreme eigenvalues, trace, density, critical points.

``loss_fn()`` takes no arguments and returns the scalar loss computed from the
tensors in ``params`` (a list of tensors requiring grad, e.g.
``list(model.parameters())``); ``model_loss(model, loss, inputs, targets)`` builds
one whose products run forward-over-reverse through ``torch.func``.

* ``hvp(loss_fn, params, v)``: ``H v`` (``trainlab.diagnose.hvp``);
* ``eigenvalues(loss_fn, params, k, which)``: Lanczos (``trainlab.diagnose.spectrum``);
* ``trace`` (Hutchinson) and ``density`` (stochastic Lanczos quadrature)
  (``trainlab.diagnose.stochastic``);
* ``classify_critical_point`` (``trainlab.diagnose.critical``);
* ``dense_hessian`` for small models (refused over ``DENSE_HESSIAN_LIMIT``).

Example:
    >>> import torch
    >>> from trainlab.diagnose import hessian
    >>> w = torch.tensor([0.0, 0.0], dtype=torch.float64, requires_grad=True)
    >>> saddle = lambda: w[0] ** 2 - w[1] ** 2
    >>> [round(v, 12) for v in hessian.eigenvalues(saddle, [w], k=1, which="both").values.tolist()]
    [2.0, -2.0]
"""

from trainlab.diagnose.critical import CriticalPoint, classify_critical_point
from trainlab.diagnose.hvp import ModelLoss, hvp, model_loss
from trainlab.diagnose.spectrum import DENSE_HESSIAN_LIMIT, Spectrum, dense_hessian, eigenvalues
from trainlab.diagnose.stochastic import SpectralDensity, TraceEstimate, density, trace

__all__ = ["DENSE_HESSIAN_LIMIT", "CriticalPoint", "ModelLoss", "SpectralDensity", "Spectrum", "TraceEstimate",
           "classify_critical_point", "dense_hessian",
           "density", "eigenvalues", "hvp", "model_loss", "trace"]
