"""Initialization schemes by name, and ``initialize``: one scheme over every layer of a model.

``SCHEMES`` maps a name to its initializer and the arguments it gets by default:

==================  =====================================================  ==============
name                weight                                                 bias default
==================  =====================================================  ==============
torch               torch's own Linear/Conv default: kaiming_uniform_       U(+-1/sqrt(fan_in))
                    with a = sqrt(5), i.e. U(+-1/sqrt(fan_in))
xavier_uniform      Glorot & Bengio 2010, uniform                          zeros
xavier_normal       Glorot & Bengio 2010, normal                           zeros
he                  He et al. 2015: kaiming_normal_, ReLU gain, fan_in     zeros
kaiming_uniform     He et al. 2015, uniform, ReLU gain                     zeros
kaiming_normal      same as ``he``                                         zeros
lecun_uniform       LeCun et al. 1998, uniform                             zeros
lecun_normal        LeCun et al. 1998, normal                              zeros
orthogonal          Saxe et al. 2014                                       zeros
normal              N(0, 1): the baseline whose products explode           zeros
constant            every weight ``val`` (default 0.5): hidden units stay  zeros
                    identical (the symmetry problem)
zeros               every weight 0                                         zeros
==================  =====================================================  ==============

Example:
    >>> import torch
    >>> from trainlab.init import initialize
    >>> net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    >>> initialize(net, "he", generator=torch.Generator().manual_seed(0))
    2
    >>> float(net[0].bias.detach().abs().sum())
    0.0
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from trainlab.constraints import Interval, fail, unknown_name
from trainlab.init import schemes as s

__all__ = ["Scheme", "SCHEMES", "LAYERS", "BIASES", "names", "get", "initialize", "initialize_layer"]

# Layers whose ``weight`` has the (out, in, *kernel) layout the fan rules assume.
LAYERS: tuple[type[nn.Module], ...] = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)
BIASES = ("zeros", "keep", "torch")


@dataclass(frozen=True)
class Scheme:
    """A named weight initializer: ``function(weight, **defaults, **overrides)``."""

    name: str
    function: Callable[..., Tensor]
    summary: str
    defaults: dict[str, Any] = field(default_factory=dict)
    bias: str = "zeros"


_RELU = {"nonlinearity": "relu", "mode": "fan_in"}
SCHEMES: dict[str, Scheme] = {
    e.name: e
    for e in (
        Scheme("torch", s.kaiming_uniform_, "torch's Linear/Conv default, U(+-1/sqrt(fan_in))",
               {"a": math.sqrt(5)}, bias="torch"),
        Scheme("xavier_uniform", s.xavier_uniform_, "Glorot & Bengio 2010, uniform"),
        Scheme("xavier_normal", s.xavier_normal_, "Glorot & Bengio 2010, normal"),
        Scheme("he", s.kaiming_normal_, "He et al. 2015, normal, ReLU gain", dict(_RELU)),
        Scheme("kaiming_uniform", s.kaiming_uniform_, "He et al. 2015, uniform, ReLU gain", dict(_RELU)),
        Scheme("kaiming_normal", s.kaiming_normal_, "He et al. 2015, normal, ReLU gain", dict(_RELU)),
        Scheme("lecun_uniform", s.lecun_uniform_, "LeCun et al. 1998, uniform"),
        Scheme("lecun_normal", s.lecun_normal_, "LeCun et al. 1998, normal"),
        Scheme("orthogonal", s.orthogonal_, "Saxe et al. 2014, orthogonal"),
        Scheme("normal", s.normal_, "N(0, 1) baseline"),
        Scheme("constant", s.constant_, "every weight equal (symmetry problem)", {"val": 0.5}),
        Scheme("zeros", s.zeros_, "every weight 0"),
    )
}


def names() -> list[str]:
    """Every scheme name."""
    return list(SCHEMES)


def get(name: str) -> Scheme:
    """The scheme called ``name`` (the "Unknown ... Did you mean" error otherwise)."""
    if name not in SCHEMES:
        raise unknown_name("initialization scheme", name, names())
    return SCHEMES[name]


_BIAS_VALUE = Interval(None, None, closed="neither")


def _resolve(owner: str, scheme: str, bias: str | float | None, generator, overrides: dict[str, Any]):
    entry = get(scheme)
    bias = entry.bias if bias is None else bias
    if not (bias in BIASES or (isinstance(bias, (int, float)) and _BIAS_VALUE.accepts(bias))):
        fail(owner, "bias", f"one of {BIASES} or a finite number", bias)
    kwargs = {**entry.defaults, **overrides}
    if entry.function not in (s.constant_, s.zeros_):
        kwargs["generator"] = generator
    return entry.function, bias, kwargs


def _draw(function: Callable[..., Tensor], kwargs: dict[str, Any], bias_rule: str | float,
          weight: Tensor, bias: Tensor | None, generator: torch.Generator | None) -> None:
    function(weight, **kwargs)
    if bias is None or bias_rule == "keep":
        return
    if bias_rule == "zeros":
        s.zeros_(bias)
    elif bias_rule == "torch":
        fan_in, _ = s.fans(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        s.uniform_(bias, -bound, bound, generator)
    else:
        s.constant_(bias, float(bias_rule))


def initialize_layer(
    weight: Tensor,
    bias: Tensor | None,
    scheme: str,
    *,
    bias_rule: str | float | None = None,
    generator: torch.Generator | None = None,
    **overrides: Any,
) -> None:
    """Draw one layer's ``weight`` (then ``bias``) with ``scheme``, as ``initialize`` does per layer."""
    function, rule, kwargs = _resolve("initialize_layer", scheme, bias_rule, generator, overrides)
    _draw(function, kwargs, rule, weight, bias, generator)


def initialize(
    model: nn.Module,
    scheme: str,
    *,
    bias: str | float | None = None,
    generator: torch.Generator | None = None,
    **overrides: Any,
) -> int:
    """Re-draw the weights of every Linear/Conv layer of ``model`` with ``scheme``; return how many.

    Layers are visited in ``model.modules()`` order, weight then bias, so a
    seeded ``generator`` (or the global generator) gives the same model every
    time, and ``"torch"`` reproduces the layers' own constructors exactly.

    Args:
        scheme: a name from ``SCHEMES``.
        bias: ``"zeros"``, ``"keep"``, ``"torch"`` (U(+-1/sqrt(fan_in))) or a number;
            ``None`` takes the scheme's default.
        generator: the torch generator to draw from (the global one when ``None``).
        **overrides: arguments of the scheme's function (``gain``, ``mode``,
            ``nonlinearity``, ``a``, ``std``, ``val``...).
    """
    function, rule, kwargs = _resolve("initialize", scheme, bias, generator, overrides)
    if not isinstance(model, nn.Module):
        fail("initialize", "model", "a torch.nn.Module", type(model).__name__)
    layers = [m for m in model.modules() if isinstance(m, LAYERS)]
    if not layers:
        fail("initialize", "model", f"a module with at least one of {[c.__name__ for c in LAYERS]}",
             type(model).__name__)
    for layer in layers:
        _draw(function, kwargs, rule, layer.weight, layer.bias, generator)
    return len(layers)
