"""Which parameters a penalty reaches, and with what strength.

A weight penalty reaches every parameter of the model except, by default,

* **biases**: a parameter registered under the attribute name ``bias`` in the
  module that owns it (``nn.Linear.bias``, ``nn.Conv2d.bias``, ...); a 1-D weight
  under another name is *not* a bias;
* **normalization layers**: every parameter owned by a module that is an instance
  of one of ``NORM_TYPES`` - ``torch.nn.modules.batchnorm._NormBase`` (every
  ``BatchNorm*``, ``InstanceNorm*``, ``SyncBatchNorm`` and their lazy forms),
  ``nn.LayerNorm``, ``nn.GroupNorm``, ``nn.LocalResponseNorm`` and ``nn.RMSNorm``
  (torch >= 2.4). A module's *name* is never looked at: a layer called
  ``"norm"`` that is an ``nn.Linear`` is penalized, and a normalization layer of
  another class is not detected unless its class is passed in ``norm_types``.

``include_bias=True`` / ``include_norm=True`` put them back. A parameter shared
by two modules counts once.

Per-layer strengths: ``layers={"0": 1e-3, "4": 0.0}`` maps module names (as in
``model.named_modules()``) to a strength for every parameter inside that module;
the longest matching name wins, others get the default ``strength``. A name that
is no module of the model is an error naming ``layers``.

``parameter_groups(model, weight_decay)`` applies the same rules to an optimizer's own
weight decay: torch parameter groups with ``weight_decay`` set per group (0 for biases
and normalization layers), e.g. ``torch.optim.AdamW(parameter_groups(model, 1e-2), lr=1e-3)``.

Example:
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.LayerNorm(3), torch.nn.Linear(3, 1))
    >>> [name for name, _, _ in penalized(net, 1.0)]
    ['0.weight', '2.weight']
    >>> [(name, s) for name, _, s in penalized(net, 1.0, layers={"2": 0.5}, include_bias=True)]
    [('0.weight', 1.0), ('0.bias', 1.0), ('2.weight', 0.5), ('2.bias', 0.5)]
    >>> [(len(g["params"]), g["weight_decay"]) for g in parameter_groups(net, 1e-2)]
    [(2, 0.01), (4, 0.0)]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from torch import Tensor, nn
from torch.nn.modules.batchnorm import _NormBase

from trainlab.constraints import NONNEGATIVE, Satisfies, check, fail

__all__ = ["NORM_TYPES", "is_norm", "parameter_groups", "penalized", "STRENGTH", "check_strengths"]

NORM_TYPES: tuple[type[nn.Module], ...] = (_NormBase, nn.LayerNorm, nn.GroupNorm, nn.LocalResponseNorm) + (
    (nn.RMSNorm,) if hasattr(nn, "RMSNorm") else ())

STRENGTH = NONNEGATIVE
_TYPES = Satisfies(lambda ts: isinstance(ts, (tuple, list)) and all(isinstance(t, type) for t in ts),
                   "a tuple of module classes")


def is_norm(module: nn.Module, norm_types: Sequence[type] = ()) -> bool:
    """Whether ``module`` is a normalization layer (``NORM_TYPES`` or one of ``norm_types``)."""
    return isinstance(module, NORM_TYPES + tuple(norm_types))


def check_strengths(owner: str, strength: Any, layers: Mapping[str, Any] | None) -> None:
    """A non-negative ``strength`` and a mapping of module names to non-negative strengths."""
    check(owner, "strength", strength, STRENGTH)
    if layers is None:
        return
    if not isinstance(layers, Mapping) or not all(isinstance(k, str) for k in layers):
        fail(owner, "layers", "a mapping of module names to strengths", layers)
    for name, value in layers.items():
        check(owner, f"layers[{name}]", value, STRENGTH)


def _strength_of(module_name: str, strength: float, layers: Mapping[str, float]) -> float:
    best, best_len = strength, -1
    for key, value in layers.items():
        inside = key == "" or module_name == key or module_name.startswith(key + ".")
        if inside and len(key) > best_len:
            best, best_len = value, len(key)
    return best


def penalized(
    model: nn.Module,
    strength: float,
    layers: Mapping[str, float] | None = None,
    include_bias: bool = False,
    include_norm: bool = False,
    norm_types: Sequence[type] = (),
    owner: str = "penalty",
) -> list[tuple[str, Tensor, float]]:
    """``(qualified name, parameter, strength)`` of every parameter the penalty reaches."""
    layers = dict(layers or {})
    check(owner, "norm_types", tuple(norm_types), _TYPES)
    modules = dict(model.named_modules())
    unknown = [k for k in layers if k not in modules]
    if unknown:
        fail(owner, "layers", f"a mapping whose keys are module names of the model ({sorted(modules)[:12]}...)",
             unknown[0])
    out: list[tuple[str, Tensor, float]] = []
    seen: set[int] = set()
    for mod_name, module in modules.items():
        if is_norm(module, norm_types) and not include_norm:
            continue
        for local, p in module.named_parameters(recurse=False):
            if id(p) in seen or (local == "bias" and not include_bias):
                continue
            seen.add(id(p))
            name = f"{mod_name}.{local}" if mod_name else local
            out.append((name, p, _strength_of(mod_name, strength, layers)))
    return out


def parameter_groups(
    model: nn.Module,
    weight_decay: float,
    layers: Mapping[str, float] | None = None,
    include_bias: bool = False,
    include_norm: bool = False,
    norm_types: Sequence[type] = (),
) -> list[dict[str, Any]]:
    """Optimizer parameter groups, one per distinct ``weight_decay``; the parameters ``penalized``
    leaves out (biases, normalization layers) go to a last group with ``weight_decay=0``."""
    check_strengths("parameter_groups", weight_decay, layers)
    chosen = penalized(model, float(weight_decay), layers, include_bias, include_norm, norm_types,
                       owner="parameter_groups")
    strength = {id(p): s for _, p, s in chosen}
    groups: dict[float, list[Tensor]] = {}
    for _, p, s in chosen:
        groups.setdefault(s, []).append(p)
    rest = [p for p in dict.fromkeys(model.parameters()) if id(p) not in strength]
    out = [{"params": ps, "weight_decay": s} for s, ps in groups.items() if s != 0.0]
    zero = groups.get(0.0, []) + rest
    return out + ([{"params": zero, "weight_decay": 0.0}] if zero else [])
