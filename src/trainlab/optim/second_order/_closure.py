"""Flat parameter vectors and closure evaluation, shared by every closure-based optimizer.

The closure protocol is ``torch.optim.LBFGS``'s: ``closure()`` recomputes the
loss, usually after ``zero_grad()`` and ``loss.backward()``, and returns it (a
tensor or a Python number). Gradients the caller set before ``step`` are left
alone: a closure that only returns a number uses them, as torch does. A closure
that returns the loss tensor without calling ``backward`` works too: the
gradient is then taken here. A complex parameter counts as its real part followed
by its imaginary part (``torch.optim.LBFGS`` interleaves them with ``view_as_real``: the
same coordinates in another order), so it steps exactly as the two real tensors would. Methods that differentiate twice (Newton,
Hessian-free) run the closure with ``Tensor.backward`` deferred, so the graph
survives for Hessian-vector products; such a closure may also return
``(loss, outputs)`` for Gauss-Newton products.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from numbers import Real
from typing import Any

import torch
from torch import Tensor
from torch.overrides import TorchFunctionMode

__all__ = [
    "add_flat_",
    "real_parts",
    "clone_params",
    "flat_grad",
    "flatten",
    "loss_value",
    "loss_with_graph",
    "restore_params",
    "set_flat_",
    "split_result",
    "value_and_grad",
    "value_only",
]

Closure = Callable[[], Any]


# -- flat vectors -----------------------------------------------------------------
def real_parts(t: Tensor) -> tuple[Tensor, ...]:
    """``(t,)``, or for a complex tensor the views ``(t.real, t.imag)``."""
    return (t.real, t.imag) if t.is_complex() else (t,)


def flatten(tensors: Sequence[Tensor]) -> Tensor:
    """All ``tensors`` as one real vector (a copy; see ``real_parts``)."""
    return torch.cat([part.reshape(-1) for t in tensors for part in real_parts(t)])


def flat_grad(params: Sequence[Tensor]) -> Tensor:
    """The gradients of ``params`` as one real vector; a missing gradient counts as zeros."""
    views = []
    for p in params:
        if p.grad is None:
            size = p.numel() * (2 if p.is_complex() else 1)
            views.append(torch.zeros(size, dtype=p.real.dtype, device=p.device))
        else:
            grad = p.grad.to_dense() if p.grad.is_sparse else p.grad
            views.extend(part.reshape(-1) for part in real_parts(grad))
    return torch.cat(views)


@torch.no_grad()
def add_flat_(params: Sequence[Tensor], vec: Tensor, alpha: float | Tensor = 1.0) -> None:
    """``params += alpha * vec`` (``vec`` laid out as ``flatten(params)``)."""
    offset = 0
    for p in params:
        for part in real_parts(p):
            n = part.numel()
            part.add_(vec[offset : offset + n].view_as(part), alpha=alpha)
            offset += n


@torch.no_grad()
def set_flat_(params: Sequence[Tensor], vec: Tensor) -> None:
    """``params <- vec`` (``vec`` laid out as ``flatten(params)``)."""
    offset = 0
    for p in params:
        for part in real_parts(p):
            n = part.numel()
            part.copy_(vec[offset : offset + n].view_as(part))
            offset += n


def clone_params(params: Sequence[Tensor]) -> list[Tensor]:
    """Exact copies of ``params``, for ``restore_params``."""
    return [p.detach().clone(memory_format=torch.contiguous_format) for p in params]


@torch.no_grad()
def restore_params(params: Sequence[Tensor], saved: Sequence[Tensor]) -> None:
    for p, s in zip(params, saved, strict=True):
        p.copy_(s)


# -- evaluating a closure ------------------------------------------------------------
def split_result(result: Any) -> tuple[Tensor | float, Any]:
    """``(loss, outputs)`` from what a closure returned (``outputs`` may be ``None``).

    The loss is a tensor with one element or a real Python number.
    """
    if isinstance(result, (tuple, list)):
        if len(result) != 2:
            raise TypeError(f"a closure returns the loss or (loss, outputs), got {len(result)} values")
        loss, outputs = result
    else:
        loss, outputs = result, None
    if isinstance(loss, Tensor) and loss.numel() == 1 and not loss.is_complex():
        return loss, outputs
    if isinstance(loss, Real) and not isinstance(loss, bool):
        return loss, outputs
    raise TypeError("a closure must return the loss as a one-element real tensor or a number, "
                    f"got {_describe(loss)}")


def _describe(value: Any) -> str:
    if isinstance(value, Tensor):
        return f"a {value.dtype} tensor of shape {tuple(value.shape)}"
    return type(value).__name__


def loss_value(loss: Tensor | float) -> float:
    """A closure's loss as a float."""
    return float(loss.detach()) if isinstance(loss, Tensor) else float(loss)


def value_and_grad(closure: Closure, params: Sequence[Tensor]) -> tuple[Tensor | float, float, Tensor]:
    """Call the closure; return its loss (as returned), the loss's value and the flat gradient.

    ``p.grad`` is not cleared first (torch's protocol: the closure zeroes it, or the
    caller's gradients stand). If the closure's loss tensor has a graph but the closure
    left every gradient as it was (no ``backward``), the gradient is taken here.
    """
    before = [(p.grad, None if p.grad is None else p.grad._version) for p in params]
    with torch.enable_grad():
        loss, _ = split_result(closure())
    backward_ran = any(
        p.grad is not None and (p.grad is not grad or p.grad._version != version)
        for p, (grad, version) in zip(params, before, strict=True)
    )
    if not backward_ran and isinstance(loss, Tensor) and loss.requires_grad:
        grads = torch.autograd.grad(loss, list(params), allow_unused=True, materialize_grads=True)
        for p, g in zip(params, grads, strict=True):
            p.grad = g
    return loss, loss_value(loss), flat_grad(params)


class _DeferBackward(TorchFunctionMode):
    """Turns ``Tensor.backward()`` calls into no-ops so the graph stays alive."""

    def __torch_function__(self, func, types, args=(), kwargs=None):  # noqa: ANN001
        if func is Tensor.backward:
            return None
        return func(*args, **(kwargs or {}))


def loss_with_graph(
    closure: Closure, params: Sequence[Tensor]
) -> tuple[Tensor | float, Any, tuple[Tensor, ...] | None]:
    """Call the closure keeping its graph; return ``(loss, outputs, grads)``.

    ``grads`` are differentiable (``create_graph=True``) so Hessian- and
    Gauss-Newton-vector products can be taken from them; ``p.grad`` is set to
    their values. ``grads`` is ``None`` when the loss has no graph (a number, or a
    tensor that does not depend on the parameters); ``p.grad`` is then left alone.
    """
    with torch.enable_grad(), _DeferBackward():
        loss, outputs = split_result(closure())
    if not (isinstance(loss, Tensor) and loss.requires_grad):
        return loss, outputs, None
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
    return loss_value(loss)
