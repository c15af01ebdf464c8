"""Flat buffers: the parameters, gradients and states of a group as one tensor each.

A ``FlatBucket`` holds the parameters of one param group that share a dtype and a
device. Their values move into one contiguous buffer and each parameter is
re-pointed at its slice (``p.data`` becomes a view), so a step can run over the
whole bucket as over one tensor while the model keeps seeing its own parameters.
Optimizer states get the same layout: each state tensor of a parameter
(``exp_avg``...) is a view into one flat buffer per name, so ``state_dict()``
still holds one tensor per parameter, as torch.optim's does. Gradients are
copied into a flat gradient buffer when they are not already views of it; each
``p.grad`` is then re-pointed at its slice, so a backward pass that accumulates
into existing gradients (``zero_grad(set_to_none=False)``) writes there directly
and the next step copies nothing.

Example:
    >>> import torch
    >>> a, b = torch.nn.Parameter(torch.ones(2)), torch.nn.Parameter(torch.zeros(3))
    >>> bucket = FlatBucket([a, b])
    >>> bucket.param.tolist(), a.data_ptr() == bucket.param.data_ptr()
    ([1.0, 1.0, 0.0, 0.0, 0.0], True)
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, MutableMapping
from typing import Any

import torch
from torch import Tensor

__all__ = ["FlatBucket", "flattenable", "buckets_of"]

_GRAD = operator.attrgetter("grad")
_DATA_PTR = operator.methodcaller("data_ptr")


def flattenable(p: Tensor) -> bool:
    """Whether ``p`` can live in a flat buffer: dense, real, contiguous, with a dense gradient if any."""
    return (
        p.layout == torch.strided
        and not p.is_complex()
        and p.is_floating_point()
        and p.is_contiguous()
        and (p.grad is None or (not p.grad.is_sparse and p.grad.is_contiguous()))
    )


def buckets_of(params: Iterable[Tensor]) -> list[list[Tensor]]:
    """``params`` split by (dtype, device), in first-seen order; each list becomes one bucket."""
    groups: dict[tuple[torch.dtype, torch.device], list[Tensor]] = {}
    for p in params:
        groups.setdefault((p.dtype, p.device), []).append(p)
    return list(groups.values())


class FlatBucket:
    """Parameters of one dtype and device re-pointed into one flat buffer (see the module docstring)."""

    def __init__(self, params: list[Tensor]) -> None:
        first = params[0]
        if any(p.dtype != first.dtype or p.device != first.device for p in params):
            raise ValueError("FlatBucket: every parameter of a bucket must share one dtype and one device")
        self.params = params
        self.shapes = [p.shape for p in params]
        self.sizes = [p.numel() for p in params]
        self.offsets = [0]
        for n in self.sizes:
            self.offsets.append(self.offsets[-1] + n)
        total = self.offsets[-1]
        with torch.no_grad():
            self.param = torch.empty(total, dtype=first.dtype, device=first.device)
            for p, view in zip(params, self.views(self.param), strict=True):
                view.copy_(p)
                p.data = view
        self.grad = torch.zeros_like(self.param)
        self.grad_views = self.views(self.grad)
        self.state: dict[str, Tensor] = {}  # name -> flat buffer of that state
        self.states: list[MutableMapping[str, Any]] = []  # each parameter's own optimizer state
        self._ptrs = [p.data_ptr() for p in params]
        self._grads: list[Tensor | None] | None = None

    def views(self, flat: Tensor) -> list[Tensor]:
        """One view of ``flat`` per parameter, shaped like it."""
        return [
            flat[a:b].view(shape)
            for a, b, shape in zip(self.offsets, self.offsets[1:], self.shapes, strict=False)
        ]

    def intact(self) -> bool:
        """Whether every parameter still points into the flat buffer (``p.data`` was not replaced)."""
        return list(map(_DATA_PTR, self.params)) == self._ptrs

    def all_have_grads(self) -> bool:
        """Whether every parameter has a gradient (remembered for ``gather_grads``)."""
        self._grads = list(map(_GRAD, self.params))
        return not any(g is None for g in self._grads)

    def gather_grads(self) -> Tensor:
        """The flat gradient; gradients that are not views of it are copied in and re-pointed."""
        grads = self._grads if self._grads is not None else list(map(_GRAD, self.params))
        self._grads = None
        if all(map(operator.is_, grads, self.grad_views)):
            return self.grad
        stale = [i for i, (g, v) in enumerate(zip(grads, self.grad_views, strict=True)) if g is not v]
        if stale:
            with torch.no_grad():
                torch._foreach_copy_([self.grad_views[i] for i in stale], [grads[i] for i in stale])
            for i in stale:
                self.params[i].grad = self.grad_views[i]
        return self.grad

    def adopt_state(self, states: list[MutableMapping[str, Any]]) -> dict[str, Any] | None:
        """Move the per-parameter ``states`` into flat buffers; their common plain values.

        Returns ``None`` when the states cannot share one flat step: different keys,
        a tensor not shaped like its parameter, or plain values (step counts, NAdam's
        ``mu_product``) that differ between parameters. Tensors already in place are
        not copied.
        """
        keys = set(states[0])
        if any(set(s) != keys for s in states):
            return None
        plain: dict[str, Any] = {}
        for key in keys:
            values = [s[key] for s in states]
            if isinstance(values[0], Tensor):
                if not all(
                    isinstance(v, Tensor) and v.shape == shape and v.dtype == self.param.dtype
                    and v.device == self.param.device and v.layout == torch.strided
                    for v, shape in zip(values, self.shapes, strict=True)
                ):
                    return None
                self._adopt(key, states, values)
            elif all(_same(v, values[0]) for v in values):
                plain[key] = values[0]
            else:
                return None
        for key in set(self.state) - keys:
            del self.state[key]
        return plain

    def _adopt(self, key: str, states: list[MutableMapping[str, Any]], values: list[Tensor]) -> None:
        flat = self.state.get(key)
        if flat is not None and all(
            v.data_ptr() == flat.data_ptr() + a * flat.element_size() and v.is_contiguous()
            for v, a in zip(values, self.offsets, strict=False)
        ):
            return
        flat = torch.empty_like(self.param)
        views = self.views(flat)
        with torch.no_grad():
            torch._foreach_copy_(views, values)
        self.export(key, flat, states, views)

    def export(
        self,
        key: str,
        flat: Tensor,
        states: list[MutableMapping[str, Any]],
        views: list[Tensor] | None = None,
    ) -> None:
        """Keep ``flat`` as state ``key`` and give every parameter its slice of it."""
        self.state[key] = flat
        for s, v in zip(states, views if views is not None else self.views(flat), strict=True):
            s[key] = v


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b
