"""Curvature from a live autograd graph: the exact Hessian, Hessian- and Gauss-Newton-vector products.

All three start from ``loss_with_graph`` (the loss, optional model outputs and
differentiable gradients) and work on flat vectors laid out as
``flatten(params)``.

* ``hessian_matrix`` — the rows ``H e_i`` from vmapped vector-Jacobian products
  (``is_grads_batched``), in chunks.
* ``hessian_vector_product`` — ``H v`` by double backward (Pearlmutter 1994).
* ``GaussNewton`` — ``G v = J^T H_L J v`` for a loss of the outputs ``z``
  (Schraudolph 2002; Martens 2010): ``J v`` by the double-backward trick,
  ``H_L`` from the loss's own graph, ``J^T`` by one more backward. ``G`` is
  positive semi-definite whenever the loss is convex in ``z`` (MSE, cross-entropy).

Example:
    >>> import torch
    >>> from trainlab.optim.second_order._closure import loss_with_graph
    >>> w = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    >>> loss, _, grads = loss_with_graph(lambda: (w[0] ** 2 * w[1]), [w])
    >>> hessian_matrix(grads, [w]).tolist()
    [[4.0, 2.0], [2.0, 0.0]]
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from trainlab.optim.second_order._closure import flatten

__all__ = ["GaussNewton", "hessian_matrix", "hessian_vector_product"]


def _grad(outputs: Tensor | Sequence[Tensor], inputs: Sequence[Tensor], grad_outputs, **kw) -> tuple[Tensor, ...]:  # noqa: ANN001
    return torch.autograd.grad(
        outputs, list(inputs), grad_outputs=grad_outputs, allow_unused=True, materialize_grads=True, **kw
    )


def _split(vec: Tensor, like: Sequence[Tensor]) -> list[Tensor]:
    out, offset = [], 0
    for t in like:
        out.append(vec[offset : offset + t.numel()].view_as(t))
        offset += t.numel()
    return out


def hessian_vector_product(grads: Sequence[Tensor], params: Sequence[Tensor], v: Tensor) -> Tensor:
    """``H v`` from differentiable ``grads`` (the graph is kept for more products)."""
    return flatten(_grad(list(grads), params, _split(v, grads), retain_graph=True))


def hessian_matrix(grads: Sequence[Tensor], params: Sequence[Tensor], chunk: int = 512) -> Tensor:
    """The full ``n x n`` Hessian from differentiable ``grads``.

    Rows come ``chunk`` at a time from one vmapped backward pass; below 64
    parameters a plain loop of backward passes is faster (vmap's fixed cost dominates).
    """
    flat = flatten(grads)
    n = flat.numel()
    eye = torch.eye(n, dtype=flat.dtype, device=flat.device)
    rows = []
    for start in range(0, n, chunk):
        basis = eye[start : start + chunk]
        parts = None
        if n > 64:
            try:
                parts = _grad(flat, params, basis, retain_graph=True, is_grads_batched=True)
            except RuntimeError:  # an op without a batching rule: one row at a time
                parts = None
        if parts is not None:
            rows.append(torch.cat([p.reshape(basis.shape[0], -1) for p in parts], dim=1))
        else:
            rows.extend(flatten(_grad(flat, params, e, retain_graph=True)).unsqueeze(0) for e in basis)
    hess = torch.cat(rows, dim=0)
    return 0.5 * (hess + hess.T)  # symmetric up to round-off; make it exactly so


class GaussNewton:
    """``v -> G v`` with ``G = J^T H_L J`` for ``loss = L(outputs)``.

    Build one per iteration from ``loss_with_graph``'s results; each product
    costs about three backward passes.
    """

    def __init__(self, loss: Tensor, outputs: Tensor, params: Sequence[Tensor]) -> None:
        if not isinstance(outputs, Tensor) or not outputs.requires_grad:
            raise TypeError(
                "Gauss-Newton products need the closure to return (loss, outputs) with outputs a "
                "tensor computed from the parameters"
            )
        self.params, self.outputs = list(params), outputs
        (self.loss_grad,) = torch.autograd.grad(loss, outputs, create_graph=True, retain_graph=True)
        # a dummy vector u; J^T u is linear in u, and differentiating it in u gives J v
        self._u = torch.zeros_like(outputs, requires_grad=True)
        self._jt_u = _grad(outputs, self.params, self._u, create_graph=True, retain_graph=True)

    def jvp(self, v: Tensor) -> Tensor:
        """``J v`` (shape of the outputs)."""
        pairs = [(j, vi) for j, vi in zip(self._jt_u, _split(v, self.params), strict=True) if j.requires_grad]
        if not pairs:
            return torch.zeros_like(self.outputs)
        js, vs = zip(*pairs, strict=True)
        return _grad(list(js), [self._u], list(vs), retain_graph=True)[0]

    def __call__(self, v: Tensor) -> Tensor:
        jv = self.jvp(v)
        if not self.loss_grad.requires_grad:  # a loss linear in the outputs has H_L = 0
            return torch.zeros_like(flatten(self.params))
        (hjv,) = _grad(self.loss_grad, [self.outputs], jv, retain_graph=True)
        return flatten(_grad(self.outputs, self.params, hjv, retain_graph=True))
