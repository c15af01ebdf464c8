"""Penalties between parameter sets: toward a reference copy, and tying two modules.

* ``ToReference(reference, alpha)``: ``(alpha / 2) sum_i ||w_i - b_i||^2`` - L2 toward
  a fixed copy ``b`` (e.g. pretrained weights) instead of toward zero (L2-SP, Li,
  Grandvalet & Davoine 2018, "Explicit Inductive Bias for Transfer Learning with
  Convolutional Networks", ICML). The reference is copied when the penalty is made.
* ``Tie(a, b, alpha)``: ``(alpha / 2) sum ||theta_a - theta_b||^2`` over the parameters
  the two modules have under the same names (soft tying; Goodfellow, Bengio & Courville
  2016, "Deep Learning", section 7.9 "Parameter Tying and Parameter Sharing").
* ``share_parameters(module, source)``: hard sharing - ``module`` uses the very
  ``Parameter`` objects of ``source``, so one update moves both (and the
  gradients of both uses add up).

Example:
    >>> import torch
    >>> a, b = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)
    >>> share_parameters(b, a); b.weight is a.weight
    True
    >>> Tie(a, b, 1.0)(None).item()
    0.0
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import Tensor, nn

from trainlab.constraints import Satisfies, check, fail
from trainlab.regularize.penalties import Penalty, WeightPenalty
from trainlab.regularize.select import STRENGTH

__all__ = ["ToReference", "Tie", "share_parameters"]

_MODULE = Satisfies(lambda m: isinstance(m, nn.Module), "a torch.nn.Module")


class ToReference(WeightPenalty):
    """``(alpha / 2) ||w - b||^2`` toward ``reference`` (a model or a ``state_dict``) of the same shapes."""

    def __init__(self, reference: nn.Module | Mapping[str, Tensor], strength: float,
                 layers: Mapping[str, float] | None = None, include_bias: bool = False,
                 include_norm: bool = False, norm_types: Sequence[type] = ()) -> None:
        super().__init__(strength, layers, include_bias, include_norm, norm_types)
        if isinstance(reference, nn.Module):
            reference = dict(reference.named_parameters())
        if not isinstance(reference, Mapping) or not all(isinstance(v, Tensor) for v in reference.values()):
            fail("ToReference", "reference", "a torch.nn.Module or a mapping of parameter names to tensors",
                 type(reference).__name__)
        self.reference = {k: v.detach().clone() for k, v in reference.items()}
        self._checked: int | None = None

    def check_model(self, model: nn.Module) -> None:
        """Raise naming ``reference`` unless it has every penalized parameter, with the same shape."""
        for name, p, _ in self.parameters(model):
            ref = self.reference.get(name)
            if ref is None or ref.shape != p.shape:
                got = None if ref is None else tuple(ref.shape)
                fail("ToReference", "reference", f"a model with the parameter shapes of the trained one "
                     f"({name}: {tuple(p.shape)})", f"{name}: {got}")
        self._checked = id(model)

    def __call__(self, model: nn.Module, output: Tensor | None = None, target: Tensor | None = None) -> Tensor:
        if self._checked != id(model):
            self.check_model(model)
        return super().__call__(model)

    def term(self, p: Tensor, name: str = "") -> Tensor:
        b = self.reference[name].to(p.device, p.dtype)
        return 0.5 * (p - b).pow(2).sum()


class Tie(Penalty):
    """``(alpha / 2) sum ||theta_a - theta_b||^2`` over the same-named parameters of modules ``a`` and ``b``.

    Every pair by default; ``include_bias=False`` leaves out those registered as ``bias``.
    """

    def __init__(self, a: nn.Module, b: nn.Module, strength: float, include_bias: bool = True) -> None:
        check("Tie", "a", a, _MODULE)
        check("Tie", "b", b, _MODULE)
        check("Tie", "strength", strength, STRENGTH)
        pa, pb = dict(a.named_parameters()), dict(b.named_parameters())
        if set(pa) != set(pb) or any(pa[k].shape != pb[k].shape for k in pa):
            fail("Tie", "b", f"a module with the parameter shapes of a "
                 f"({ {k: tuple(v.shape) for k, v in pa.items()} })", {k: tuple(v.shape) for k, v in pb.items()})
        self.pairs = [(pa[k], pb[k]) for k in pa if include_bias or k.rpartition(".")[2] != "bias"]
        self.strength = float(strength)

    def __call__(self, model: nn.Module | None = None, output: Tensor | None = None,
                 target: Tensor | None = None) -> Tensor:
        terms = [(x - y).pow(2).sum() for x, y in self.pairs]
        return self.strength * 0.5 * sum(terms[1:], terms[0])

    def __repr__(self) -> str:
        return f"Tie({len(self.pairs)} parameter pairs, {self.strength:g})"


def share_parameters(module: nn.Module, source: nn.Module) -> None:
    """Make ``module`` use ``source``'s parameters (same objects): hard parameter sharing."""
    check("share_parameters", "module", module, _MODULE)
    check("share_parameters", "source", source, _MODULE)
    theirs = dict(source.named_parameters())
    mine = dict(module.named_parameters())
    if set(theirs) != set(mine) or any(theirs[k].shape != mine[k].shape for k in mine):
        fail("share_parameters", "module", "a module with the parameter names and shapes of source "
             f"({ {k: tuple(v.shape) for k, v in theirs.items()} })", {k: tuple(v.shape) for k, v in mine.items()})
    for name, p in theirs.items():
        owner_name, _, local = name.rpartition(".")
        owner = module.get_submodule(owner_name) if owner_name else module
        setattr(owner, local, p)
