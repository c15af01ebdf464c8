"""Hessian-vector products of a loss, without forming the Hessian (Pearlmutter 1994).

``hvp(loss_fn, params, v)`` returns ``H v`` where ``H`` is the Hessian of the
scalar ``loss_fn()`` with respect to the tensors ``params`` and ``v`` is shaped
like ``params`` (a list of tensors). Two routes give the same product:

* **forward-over-reverse** (``torch.func.jvp`` of ``torch.func.grad`` through
  ``torch.func.functional_call``): for a ``ModelLoss`` (``model_loss(model, loss,
  inputs, targets)``) whose ``params`` are parameters of its model. One HVP costs
  about one forward and one backward pass with dual numbers (~3 gradients of
  compute). Some losses lack a forward-mode derivative of their backward in torch
  (``huber_loss``; ``mse_loss`` in torch 2.13 fails on its target's zero tangent):
  the first failure switches that ``ModelLoss`` to double backward for good.
* **reverse-over-reverse** (double backward, ``torch.autograd.grad`` with
  ``create_graph=True``): for any other zero-argument closure, since torch.func
  cannot see tensors a closure captures. About 2-4 gradients of compute.

Memory: one HVP keeps the graph of one gradient (the activations of the batch),
plus ``v`` and the result: ``O(activations + 3 n)`` for ``n`` parameters, never
``n^2``. The Lanczos methods in ``trainlab.diagnose`` hold their basis besides
(``m`` vectors of ``n`` numbers).

``FlatOperator`` wraps the product as a function of one flat vector (the
parameters concatenated in ``params`` order, ``torch.cat([p.reshape(-1) ...])``)
and counts the products it computes.

Example:
    >>> import torch
    >>> w = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> loss = lambda: (w[0] ** 2) * w[1]      # H = [[2 w1, 2 w0], [2 w0, 0]] = [[4, 2], [2, 0]]
    >>> [t.tolist() for t in hvp(loss, [w], [torch.tensor([1.0, 0.0])])]
    [[4.0, 2.0]]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor, nn

from trainlab.constraints import fail

__all__ = ["FlatOperator", "ModelLoss", "check_params", "hvp", "model_loss", "scalar_loss"]


class ModelLoss:
    """``loss(model(inputs), targets)`` as a zero-argument function that ``hvp`` can differentiate forward-mode.

    Calling it returns the loss with the model's current parameters; ``hvp`` swaps
    the parameters in through ``torch.func.functional_call`` instead.
    """

    def __init__(self, model: nn.Module, loss: Callable[[Tensor, Tensor], Tensor], inputs: Any, targets: Any):
        if not isinstance(model, nn.Module):
            fail("model_loss", "model", "a torch.nn.Module", model)
        if not callable(loss):
            fail("model_loss", "loss", "a function loss(prediction, target)", loss)
        self.model, self.loss, self.inputs, self.targets = model, loss, inputs, targets
        self.forward_mode = True  # False once an op lacks forward-mode AD (hvp then uses double backward)

    def __call__(self) -> Tensor:
        return self.loss(self.model(self.inputs), self.targets)

    def of(self, named: dict[str, Tensor]) -> Tensor:
        """The loss with the parameters in ``named`` replaced (the others kept)."""
        return self.loss(torch.func.functional_call(self.model, named, (self.inputs,)), self.targets)


def model_loss(model: nn.Module, loss: Callable[[Tensor, Tensor], Tensor], inputs: Any, targets: Any) -> ModelLoss:
    """The loss of ``model`` on one batch (or the whole data set) as a ``loss_fn`` for ``trainlab.diagnose``."""
    return ModelLoss(model, loss, inputs, targets)


def check_params(owner: str, params: Any) -> list[Tensor]:
    """``params`` as a list of floating tensors that require grad, or one clear error."""
    if isinstance(params, Tensor):
        params = [params]
    try:
        params = list(params)
    except TypeError:
        fail(owner, "params", "a list of tensors requiring grad (e.g. list(model.parameters()))", params)
    bad = [i for i, p in enumerate(params) if not (isinstance(p, Tensor) and p.is_floating_point())]
    if bad:
        fail(owner, "params", "a list of floating-point tensors", f"item {bad[0]}: {params[bad[0]]!r}")
    params = [p for p in params if p.requires_grad]
    if not params:
        fail(owner, "params", "at least one tensor requiring grad (a model whose parameters are all frozen "
             "has no Hessian)", "no tensor requiring grad")
    return params


def scalar_loss(owner: str, loss: Any) -> Tensor:
    """The loss if it is a one-element tensor, else one clear error naming ``loss_fn``."""
    if not isinstance(loss, Tensor) or loss.numel() != 1:
        shape = tuple(loss.shape) if isinstance(loss, Tensor) else type(loss).__name__
        fail(owner, "loss_fn", "a function of no arguments returning a scalar loss tensor "
             "(reduce it, e.g. with .mean())", f"a result of shape {shape}")
    return loss.reshape(())


def _names_of(loss_fn: Any, params: Sequence[Tensor]) -> list[str] | None:
    """The model's names for ``params`` when every one is a parameter of a ModelLoss's model, else None."""
    if not isinstance(loss_fn, ModelLoss):
        return None
    by_id = {id(p): name for name, p in loss_fn.model.named_parameters()}
    names = [by_id.get(id(p)) for p in params]
    return None if any(n is None for n in names) else names


def _forward_over_reverse(loss_fn: ModelLoss, names: list[str], params: Sequence[Tensor],
                          v: Sequence[Tensor]) -> list[Tensor]:
    def loss_of(*values: Tensor) -> Tensor:
        return scalar_loss("hvp", loss_fn.of(dict(zip(names, values, strict=True))))

    primals = tuple(p.detach() for p in params)
    grad = torch.func.grad(loss_of, argnums=tuple(range(len(primals))))
    _, out = torch.func.jvp(grad, primals, tuple(v))
    return [t.detach() for t in out]


def _reverse_over_reverse(loss_fn: Callable[[], Tensor], params: Sequence[Tensor],
                          v: Sequence[Tensor]) -> list[Tensor]:
    with torch.enable_grad():
        loss = scalar_loss("hvp", loss_fn())
        grads = torch.autograd.grad(loss, params, create_graph=True, allow_unused=True)
        used = [(p, g, t) for p, g, t in zip(params, grads, v, strict=True) if g is not None and g.requires_grad]
        out = [torch.zeros_like(p) for p in params]
        if used:
            hv = torch.autograd.grad([g for _, g, _ in used], [p for p in params],
                                     grad_outputs=[t for _, _, t in used], allow_unused=True)
            out = [torch.zeros_like(p) if h is None else h.detach() for p, h in zip(params, hv, strict=True)]
    return out


def hvp(loss_fn: Callable[[], Tensor], params: Sequence[Tensor], v: Sequence[Tensor]) -> list[Tensor]:
    """``H v`` for the Hessian ``H`` of the scalar ``loss_fn()`` in ``params``; ``v`` shaped like ``params``.

    Forward-over-reverse (``torch.func``) for a ``ModelLoss`` over its model's
    parameters, double backward otherwise. Memory: the graph of one gradient plus
    ``3 n`` numbers; the Hessian is never formed.
    """
    params = check_params("hvp", params)
    v = list(v)
    if len(v) != len(params) or any(t.shape != p.shape for t, p in zip(v, params, strict=False)):
        fail("hvp", "v", f"tensors shaped like params {[tuple(p.shape) for p in params]}",
             [tuple(t.shape) for t in v])
    v = [t.to(device=p.device, dtype=p.dtype) for t, p in zip(v, params, strict=True)]
    names = _names_of(loss_fn, params)
    if names is not None and loss_fn.forward_mode:
        try:
            return _forward_over_reverse(loss_fn, names, params, v)
        except (RuntimeError, NotImplementedError):  # an op without a forward-mode derivative of its backward
            loss_fn.forward_mode = False
    return _reverse_over_reverse(loss_fn, params, v)


class FlatOperator:
    """``x -> H x`` on flat vectors of the ``n`` parameters (``params`` order), counting the products.

    Example:
        >>> w = torch.tensor([1.0, 2.0], requires_grad=True)
        >>> op = FlatOperator(lambda: (w ** 2).sum(), [w])
        >>> op(torch.tensor([1.0, -1.0])).tolist(), op.count, op.n
        ([2.0, -2.0], 1, 2)
    """

    def __init__(self, loss_fn: Callable[[], Tensor], params: Sequence[Tensor], owner: str = "hvp"):
        if not callable(loss_fn):
            fail(owner, "loss_fn", "a function of no arguments returning the scalar loss", loss_fn)
        self.loss_fn, self.params = loss_fn, check_params(owner, params)
        self.shapes = [p.shape for p in self.params]
        self.sizes = [math.prod(s) for s in self.shapes]
        self.n = sum(self.sizes)
        self.dtype, self.device = self.params[0].dtype, self.params[0].device
        self.count = 0
        with torch.enable_grad():  # a non-scalar loss is reported before any work
            scalar_loss(owner, loss_fn())

    def split(self, x: Tensor) -> list[Tensor]:
        """A flat vector as tensors shaped like the parameters."""
        return [t.reshape(s) for t, s in zip(torch.split(x, self.sizes), self.shapes, strict=True)]

    def flatten(self, tensors: Sequence[Tensor]) -> Tensor:
        """Tensors shaped like the parameters as one flat vector."""
        return torch.cat([t.reshape(-1) for t in tensors])

    def __call__(self, x: Tensor) -> Tensor:
        self.count += 1
        return self.flatten(hvp(self.loss_fn, self.params, self.split(x.to(self.dtype))))
