"""The update of one parameter group, as it is rewritten by a chain of transforms.

An ``Update`` holds the value ``(scale * num + scale2 * num2) / den``
(elementwise; ``num2`` and ``den`` optional) for every parameter of a group,
without computing it. Transforms
that only multiply by a number (the learning rate, a bias correction, a clipping
coefficient, ``maximize``) change ``scale`` and touch no memory; a transform
that ends in a division (Adam, AdaGrad, RMSProp) leaves ``den`` pending. The
shell then applies the whole update with one ``addcdiv_`` or ``add_`` over the
parameters: the same number of passes over memory as a hand-fused optimizer.

``owned`` tells whether ``num`` are temporaries a transform may overwrite; it is
false while they are the gradients or an optimizer-state buffer.

Transforms change an ``Update`` only through its methods (``scaled``,
``replace``, ``divide``, ``add``, ``add_term``, ``accumulate_into``,
``values``/``owned_values``); they read its fields but never assign them.

Example:
    >>> import torch
    >>> u = Update([torch.tensor([2.0, 4.0])])
    >>> u.scaled(0.5); u.divide([torch.tensor([1.0, 2.0])])
    >>> u.plain, [t.tolist() for t in u.values()]
    (False, [[1.0, 1.0]])
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

Factor = float | list[float]  # one number for the group, or one per tensor


def as_scale(value: float | int | list) -> Factor:
    """A scale as the Update keeps it: a float, or a list of floats (ints and numpy numbers converted)."""
    if isinstance(value, (list, tuple)):
        return [float(v) for v in value]
    return float(value)


def _uniform(scale: Factor) -> float | None:
    """The common value of ``scale`` if every tensor has the same one."""
    if isinstance(scale, float):
        return scale
    first = scale[0]
    return first if all(s == first for s in scale) else None


def multiply(scale: Factor, factor: Factor) -> Factor:
    """Product of two scales (each a float or a list of per-tensor floats)."""
    scale, factor = as_scale(scale), as_scale(factor)
    if isinstance(scale, float) and isinstance(factor, float):
        return scale * factor
    n = len(scale) if isinstance(scale, list) else len(factor)  # type: ignore[arg-type]
    a = scale if isinstance(scale, list) else [scale] * n
    b = factor if isinstance(factor, list) else [factor] * n
    return [x * y for x, y in zip(a, b, strict=True)]


class Update:
    """``(scale * num + scale2 * num2) / den`` for each tensor of a parameter group."""

    __slots__ = ("num", "den", "scale", "owned", "num2", "scale2")

    def __init__(
        self,
        num: list[Tensor],
        den: list[Tensor] | None = None,
        scale: Factor = 1.0,
        owned: bool = False,
    ) -> None:
        self.num, self.den, self.scale, self.owned = num, den, as_scale(scale), owned
        self.num2: list[Tensor] | None = None
        self.scale2: Factor = 0.0

    def add_term(self, tensors: list[Tensor], scale: Factor) -> None:
        """Add ``scale * tensors`` to the numerator without computing the sum (NAdam's two terms)."""
        if self.num2 is not None:
            self.owned_values()
        self.num2, self.scale2 = tensors, as_scale(scale)

    def __len__(self) -> int:
        return len(self.num)

    @property
    def uniform_scale(self) -> float | None:
        """The scale if it is one number for every tensor, else ``None``."""
        return _uniform(self.scale)

    @property
    def plain(self) -> bool:
        """True when the update is just ``scale * num`` (no pending division or second term)."""
        return self.den is None and self.num2 is None

    def scaled(self, factor: Factor) -> None:
        """Multiply the update by ``factor`` without touching memory."""
        self.scale = multiply(self.scale, factor)
        if self.num2 is not None:
            self.scale2 = multiply(self.scale2, factor)

    def linear(self) -> tuple[list[Tensor], float]:
        """``(tensors, s)`` with update = ``s * tensors`` and ``s`` one float.

        Materializes only when a division is pending or scales differ per tensor.
        """
        s = _uniform(self.scale)
        if self.plain and s is not None:
            return self.num, s
        return self.values(), 1.0

    def values(self) -> list[Tensor]:
        """The update as tensors (read-only: they may be gradients or state)."""
        s = _uniform(self.scale)
        if self.plain and s == 1.0:
            return self.num
        return self.owned_values()

    def owned_values(self) -> list[Tensor]:
        """The update as tensors the caller may modify in place."""
        if self.num2 is not None:
            out = torch._foreach_mul(self.num, self.scale)
            s2 = _uniform(self.scale2)
            if s2 is not None:
                torch._foreach_add_(out, self.num2, alpha=s2)
            else:
                torch._foreach_add_(out, torch._foreach_mul(self.num2, self.scale2))
            self.num, self.num2, self.scale, self.scale2, self.owned = out, None, 1.0, 0.0, True
        if self.den is not None:
            out = torch._foreach_div(self.num, self.den)
            self._set(out)
        elif not self.owned:
            # a copy with the scale folded in (the scale may be a float or per-tensor list)
            if _uniform(self.scale) == 1.0:
                out = [t.clone() for t in self.num]
            else:
                out = torch._foreach_mul(self.num, self.scale)
            self._set(out)
            self.scale = 1.0
        if _uniform(self.scale) != 1.0:
            torch._foreach_mul_(self.num, self.scale)
            self.scale = 1.0
        return self.num

    def _set(self, tensors: list[Tensor]) -> None:
        self.num, self.den, self.owned = tensors, None, True

    def replace(
        self, tensors: list[Tensor], owned: bool, scale: Factor = 1.0, den: list[Tensor] | None = None
    ) -> None:
        """Make ``scale * tensors`` (``/ den`` if given, lazily) the new update.

        ``owned``: whether later transforms may overwrite ``tensors`` (false for
        gradients and optimizer state).
        """
        self.num, self.den, self.scale, self.owned = tensors, den, as_scale(scale), owned
        self.num2, self.scale2 = None, 0.0

    def divide(self, den: list[Tensor], scale: Factor = 1.0) -> None:
        """Make ``scale * values() / den`` the new update; the division waits for ``apply_to``."""
        num = self.values()
        self.num, self.den, self.scale = num, den, as_scale(scale)

    def add(self, tensors: list[Tensor], alpha: float) -> None:
        """Add ``alpha * tensors`` to the update (in place where the update owns its tensors)."""
        if self.plain and self.scale == 1.0:
            if self.owned:
                torch._foreach_add_(self.num, tensors, alpha=alpha)
            else:
                self.replace(torch._foreach_add(self.num, tensors, alpha=alpha), owned=True)
        else:
            torch._foreach_add_(self.owned_values(), tensors, alpha=alpha)

    def accumulate_into(self, buffers: list[Tensor], alpha: float) -> None:
        """``buffers += alpha * update``; the update keeps its value (a pending division stays pending)."""
        if self.den is not None and self.num2 is None and isinstance(self.scale, float):
            torch._foreach_addcdiv_(buffers, self.num, self.den, alpha * self.scale)
        else:
            num, s = self.linear()
            torch._foreach_add_(buffers, num, alpha=alpha * s)

    def apply_to(self, params: Sequence[Tensor]) -> None:
        """``params += update`` in a single pass."""
        params = list(params)
        if self.num2 is not None:
            term = Update(self.num2, self.den, self.scale2)
            self.num2 = None
            term.apply_to(params)
        s = _uniform(self.scale)
        if self.den is not None:
            torch._foreach_addcdiv_(params, self.num, self.den, self.scale if s is None else s)
        elif s is not None:
            torch._foreach_add_(params, self.num, alpha=s)
        else:
            for p, t, si in zip(params, self.num, self.scale, strict=True):  # type: ignore[arg-type]
                p.add_(t, alpha=si)
