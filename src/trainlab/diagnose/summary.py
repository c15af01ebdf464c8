"""One summary of a loss's Hessian: both ends of the spectrum, trace, density and the critical-point verdict.

``summarize_hessian`` runs, on one ``loss_fn`` and ``params``:

* ``eigenvalues(k, which="both")`` (Lanczos): the ``k`` largest and ``k`` smallest;
* ``trace(samples)`` (Hutchinson) with its standard error;
* ``density(runs, steps)`` (stochastic Lanczos quadrature);
* the second-order verdict from the two ends (``trainlab.diagnose.critical``'s rules,
  ``z = eig_tol * max|lambda|``) with the gradient norm it was judged at, and the
  index (fraction of negative eigenvalues) estimated from the density.

and returns plain data (lists and numbers) for a JSON file; ``trainlab diagnose
hessian`` writes it and draws it.

Example:
    >>> import torch
    >>> w = torch.zeros(4, dtype=torch.float64, requires_grad=True)
    >>> d = torch.tensor([3.0, 1.0, -1.0, -2.0], dtype=torch.float64)
    >>> s = summarize_hessian(lambda: 0.5 * (d * w ** 2).sum(), [w], k=1, runs=2, steps=4, samples=4)
    >>> [round(v, 9) for v in s["largest"] + s["smallest"]], s["kind"], round(s["index"], 9)
    ([3.0, -2.0], 'saddle', 0.5)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor

from trainlab.diagnose.critical import LANCZOS_TOL, gradient_norm, verdict
from trainlab.diagnose.hvp import check_params
from trainlab.diagnose.spectrum import effective_tol, eigenvalues
from trainlab.diagnose.stochastic import density, trace

__all__ = ["summarize_hessian"]


def summarize_hessian(loss_fn: Callable[[], Tensor], params: Sequence[Tensor], k: int = 5, runs: int = 10,
                      steps: int = 80, samples: int = 100, points: int = 500,
                      generator: torch.Generator | None = None) -> dict[str, Any]:
    """Both ends of the Hessian's spectrum, its trace, density and verdict, as plain data."""
    params = check_params("summarize_hessian", params)
    n = sum(p.numel() for p in params)
    tol = effective_tol(LANCZOS_TOL, params[0].dtype)
    spec = eigenvalues(loss_fn, params, k=k, which="both", tol=tol, generator=generator)
    largest, smallest = spec.largest.double(), spec.smallest.double()
    tr = trace(loss_fn, params, samples=samples, generator=generator)
    dens = density(loss_fn, params, runs=runs, steps=steps, points=points, generator=generator)
    kind, zero = verdict(float(smallest.min()), float(largest.max()), 100 * tol)
    return {
        "parameters": n, "dtype": str(params[0].dtype).removeprefix("torch."),
        "largest": largest.tolist(), "smallest": smallest.tolist(), "eigen_hvps": spec.hvp_count,
        "eigen_converged": spec.converged, "residuals": spec.residuals.double().tolist(), "lanczos_tol": tol,
        "trace": tr.estimate, "trace_se": tr.standard_error, "trace_samples": tr.samples,
        "density": {"grid": dens.grid.tolist(), "density": dens.density.tolist(), "sigma": dens.sigma,
                    "runs": runs, "steps": int(dens.nodes.shape[1]), "nodes": dens.nodes.tolist(),
                    "weights": dens.weights.tolist()},
        "kind": kind, "zero_tol": zero, "index": dens.fraction_below(-zero), "index_method": "slq",
        "grad_norm": gradient_norm("summarize_hessian", loss_fn, params),
        "hvps": spec.hvp_count + tr.hvp_count + dens.hvp_count,
    }
