"""Flat parameter vectors and closure evaluation, shared by every closure-based optimizer.

The closure protocol is ``torch.optim.LBFGS``'s: ``closure()`` recomputes the
loss, usually after ``zero_grad()`` and ``loss.backward()``, and returns it.
A closure that returns the loss without calling ``backward`` works too: the
gradient is then taken here. Methods that differentiate twice (Newton,
Hessian-free) run the closure with ``Tensor.backward`` deferred, so the graph
survives for Hessian-vector products; such a closure may also return
``(loss, outputs)`` for Gauss-Newton products.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor
from torch.overrides import TorchFunctionMode

__all__ = [
    "add_flat_",
    "clone_params",
    "flat_grad",
    "flatten",
    "loss_with_graph",
    "restore_params",
    "set_flat_",
    "split_result",
    "value_and_grad",
    "value_only",
]

Closure = Callable[[], Any]


# -- flat vectors -----------------------------------------------------------------
def flatten(tensors: Sequence[Tensor]) -> Tensor:
    """All ``tensors`` as one vector (a copy)."""
    return torch.cat([t.reshape(-1) for t in tensors])


def flat_grad(params: Sequence[Tensor]) -> Tensor:
    """The gradients of ``params`` as one vector; a missing gradient counts as zeros."""
    views = []
    for p in params:
        if p.grad is None:
            views.append(p.new_zeros(p.numel()))
        elif p.grad.is_sparse:
            views.append(p.grad.to_dense().reshape(-1))
        else:
            views.append(p.grad.reshape(-1))
    return torch.cat(views)


@torch.no_grad()
def add_flat_(params: Sequence[Tensor], vec: Tensor, alpha: float | Tensor = 1.0) -> None:
    """``params += alpha * vec`` (``vec`` laid out as ``flatten(params)``)."""
    offset = 0
    for p in params:
        n = p.numel()
        p.add_(vec[offset : offset + n].view_as(p), alpha=alpha)
        offset += n


@torch.no_grad()
def set_flat_(params: Sequence[Tensor], vec: Tensor) -> None:
    """``params <- vec`` (``vec`` laid out as ``flatten(params)``)."""
    offset = 0
    for p in params:
        n = p.numel()
        p.copy_(vec[offset : offset + n].view_as(p))
        offset += n


def clone_params(params: Sequence[Tensor]) -> list[Tensor]:
    """Exact copies of ``params``, for ``restore_params``."""
    return [p.detach().clone(memory_format=torch.contiguous_format) for p in params]


@torch.no_grad()
def restore_params(params: Sequence[Tensor], saved: Sequence[Tensor]) -> None:
    for p, s in zip(params, saved, strict=True):
        p.copy_(s)


# -- evaluating a closure ------------------------------------------------------------
def split_result(result: Any) -> tuple[Tensor, Any]:
    """``(loss, outputs)`` from what a closure returned (``outputs`` may be ``None``)."""
    if isinstance(result, (tuple, list)):
        if len(result) != 2:
            raise TypeError(f"a closure returns the loss or (loss, outputs), got {len(result)} values")
        return result[0], result[1]
    if not isinstance(result, Tensor):
        raise TypeError(f"a closure must return the loss as a tensor, got {type(result).__name__}")
    return result, None


def value_and_grad(closure: Closure, params: Sequence[Tensor]) -> tuple[Tensor, float, Tensor]:
    """Call the closure; return the loss tensor, its value and the flat gradient."""
    for p in params:
        p.grad = None
    with torch.enable_grad():
        loss, _ = split_result(closure())
    if all(p.grad is None for p in params) and loss.requires_grad:
        # the closure did not call backward: differentiate here
        grads = torch.autograd.grad(loss, list(params), allow_unused=True, materialize_grads=True)
        for p, g in zip(params, grads, strict=True):
            p.grad = g
    return loss, float(loss.detach()), flat_grad(params)


class _DeferBackward(TorchFunctionMode):
    """Turns ``Tensor.backward()`` calls into no-ops so the graph stays alive."""

    def __torch_function__(self, func, types, args=(), kwargs=None):  # noqa: ANN001
        if func is Tensor.backward:
            return None
        return func(*args, **(kwargs or {}))


def loss_with_graph(closure: Closure, params: Sequence[Tensor]) -> tuple[Tensor, Any, tuple[Tensor, ...]]:
    """Call the closure keeping its graph; return ``(loss, outputs, grads)``.

    ``grads`` are differentiable (``create_graph=True``) so Hessian- and
    Gauss-Newton-vector products can be taken from them; ``p.grad`` is set to
    their values.
    """
    with torch.enable_grad(), _DeferBackward():
        loss, outputs = split_result(closure())
    if not loss.requires_grad:
        raise RuntimeError("the closure's loss does not depend on the parameters (it has no grad_fn)")
    try:
        grads = torch.autograd.grad(
            loss, list(params), create_graph=True, allow_unused=True, materialize_grads=True
        )
    except RuntimeError as err:
        if "second time" in str(err):
            raise RuntimeError(
                "this optimizer differentiates the loss twice, but the closure freed the graph with "
                "torch.autograd.backward(); call loss.backward() (or nothing) in the closure instead"
            ) from err
        raise
    for p, g in zip(params, grads, strict=True):
        p.grad = g.detach()
    return loss, outputs, grads


def value_only(closure: Closure) -> float:
    """The closure's loss, without gradients (``backward`` calls are skipped)."""
    with torch.no_grad(), _DeferBackward():
        loss, _ = split_result(closure())
    return float(loss.detach())
