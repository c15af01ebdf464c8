"""Every optimizer by name, for the CLI, the experiments and the generic tests.

``build(name, params, **overrides)`` makes one; ``names()`` lists them;
``get(name)`` gives the entry with its summary, source and demo learning rates.

Example:
    >>> import torch
    >>> from trainlab.optim import registry
    >>> opt = registry.build("rmsprop-nesterov", torch.nn.Linear(2, 1).parameters(), lr=1e-3)
    >>> type(opt).__name__
    'RMSprop'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from torch.optim import Optimizer

from trainlab.constraints import InvalidArgument, unknown_name
from trainlab.optim.adam import AdaBound, Adam, Adamax, AdamW, NAdam, RAdam
from trainlab.optim.adaptive import Adadelta, Adagrad, RMSprop
from trainlab.optim.asgd import ASGD
from trainlab.optim.lookahead import Lookahead
from trainlab.optim.second_order import BFGS, LBFGS, ConjugateGradient, HessianFree, Newton
from trainlab.optim.sgd import SGD, DecayingGD, GradientControlled, Momentum

__all__ = ["OptimizerEntry", "build", "get", "names", "ALIASES"]


@dataclass(frozen=True)
class OptimizerEntry:
    """One named optimizer: a class and the fixed arguments that make the variant."""

    name: str
    cls: type[Optimizer]
    summary: str
    source: str
    fixed: dict[str, Any] = field(default_factory=dict)
    lr_grid: tuple[float, ...] = (1e-3, 3e-3, 1e-2)
    wraps: bool = False  # Lookahead: wraps an inner optimizer
    closure: bool = False  # second order: step(closure) re-evaluates the loss several times

    def build(self, params: Iterable[Any], **overrides: Any) -> Optimizer:
        kwargs = {**self.fixed, **overrides}
        if "lr" in kwargs and "lr" not in _init_args(self.cls):
            kwargs.pop("lr")  # Hessian-free sets its step by damping, not a learning rate
        if self.wraps:
            inner_kw = {k: v for k, v in kwargs.items() if k not in ("k", "alpha")}
            outer_kw = {k: v for k, v in kwargs.items() if k in ("k", "alpha")}
            return self.cls(Adam(params, **inner_kw), **outer_kw)
        return self.cls(params, **kwargs)


_ENTRIES = [
    OptimizerEntry("sgd", SGD, "plain (stochastic) gradient descent", "seeds 002, 004",
                   lr_grid=(0.01, 0.03, 0.1)),
    OptimizerEntry("momentum", SGD, "heavy-ball momentum 0.9", "seeds 000, 002, 003",
                   {"momentum": 0.9}, lr_grid=(0.003, 0.01, 0.03)),
    OptimizerEntry("nesterov", SGD, "Nesterov momentum 0.9", "seeds 000, 002, 004",
                   {"momentum": 0.9, "nesterov": True}, lr_grid=(0.003, 0.01, 0.03)),
    OptimizerEntry("momentum-lecture", Momentum, "momentum of steps, v <- mu v - lr g", "seeds 002, 004",
                   {"momentum": 0.9}, lr_grid=(0.003, 0.01, 0.03)),
    OptimizerEntry("adagrad", Adagrad, "AdaGrad", "Duchi et al. 2011; seeds 000, 002, 004",
                   lr_grid=(0.01, 0.03, 0.1)),
    OptimizerEntry("rmsprop", RMSprop, "RMSProp", "Hinton 2012; seeds 000, 002, 004"),
    OptimizerEntry("rmsprop-centered", RMSprop, "centered RMSProp", "Graves 2013",
                   {"centered": True}),
    OptimizerEntry("rmsprop-momentum", RMSprop, "RMSProp with momentum 0.9", "seed 002",
                   {"momentum": 0.9}, lr_grid=(3e-4, 1e-3, 3e-3)),
    OptimizerEntry("rmsprop-nesterov", RMSprop, "RMSProp with Nesterov momentum 0.9", "seed 002",
                   {"momentum": 0.9, "nesterov": True}, lr_grid=(3e-4, 1e-3, 3e-3)),
    OptimizerEntry("adadelta", Adadelta, "Adadelta", "Zeiler 2012; seed 000", lr_grid=(0.3, 1.0, 3.0)),
    OptimizerEntry("adam", Adam, "Adam", "Kingma & Ba 2015; seeds 000, 002, 004"),
    OptimizerEntry("adam-nobias", Adam, "Adam without bias correction", "seed 002",
                   {"bias_correction": False}),
    OptimizerEntry("amsgrad", Adam, "AMSGrad", "Reddi et al. 2018; seed 004", {"amsgrad": True}),
    OptimizerEntry("adamw", AdamW, "Adam with decoupled weight decay", "Loshchilov & Hutter 2019"),
    OptimizerEntry("adamax", Adamax, "Adamax", "Kingma & Ba 2015; seed 004", lr_grid=(3e-3, 1e-2, 3e-2)),
    OptimizerEntry("nadam", NAdam, "NAdam", "Dozat 2016; seed 000"),
    OptimizerEntry("nadam-dozat", NAdam, "NAdam as seed 000 prints it", "Dozat 2016; seed 000",
                   {"variant": "dozat"}),
    OptimizerEntry("radam", RAdam, "Rectified Adam", "Liu et al. 2020; seed 004"),
    OptimizerEntry("asgd", ASGD, "averaged SGD", "Polyak & Juditsky 1992; seed 004",
                   lr_grid=(0.01, 0.03, 0.1)),
    OptimizerEntry("adabound", AdaBound, "AdaBound", "Luo et al. 2019; seed 004"),
    OptimizerEntry("amsbound", AdaBound, "AMSBound", "Luo et al. 2019", {"amsbound": True}),
    OptimizerEntry("lookahead", Lookahead, "Lookahead (k=5, alpha=0.5) around Adam",
                   "Zhang et al. 2019; seed 004", wraps=True),
    OptimizerEntry("gradient-control", GradientControlled,
                   "rate shrinks with |gradient|, alpha <- alpha/(1+a sqrt|g|)", "seed 004",
                   {"control": 0.01}, lr_grid=(0.01, 0.03, 0.1)),
    OptimizerEntry("gradient-control-inverse", GradientControlled,
                   "rate shrinks where gradients are small", "seed 004",
                   {"control": 0.01, "inverse": True}, lr_grid=(0.01, 0.03, 0.1)),
    OptimizerEntry("gd-decay", DecayingGD, "gradient descent with alpha <- K alpha per step", "seed 004",
                   {"decay": 0.999}, lr_grid=(0.01, 0.03, 0.1)),
]

_CLOSURE_ENTRIES = [
    OptimizerEntry("lbfgs", LBFGS, "L-BFGS with strong Wolfe line search", "Nocedal 1980; seeds 000, 002",
                   lr_grid=(1.0,), closure=True),
    OptimizerEntry("bfgs", BFGS, "BFGS, dense inverse Hessian, strong Wolfe", "seeds 000, 002",
                   lr_grid=(1.0,), closure=True),
    OptimizerEntry("cg", ConjugateGradient, "nonlinear conjugate gradient (Polak-Ribiere+)", "seed 002",
                   lr_grid=(1.0,), closure=True),
    OptimizerEntry("newton", Newton, "Newton with exact Hessian, Levenberg-Marquardt damping",
                   "seeds 000, 002", lr_grid=(1.0,), closure=True),
    OptimizerEntry("hessian-free", HessianFree, "Hessian-free (CG on Hessian-vector products)",
                   "Martens 2010; seed 002", {"curvature": "hessian"}, lr_grid=(1.0,), closure=True),
]
_ENTRIES = _ENTRIES + _CLOSURE_ENTRIES

_REGISTRY: dict[str, OptimizerEntry] = {e.name: e for e in _ENTRIES}

# Other names people type for the same optimizers.
ALIASES = {"gd": "sgd", "nag": "nesterov", "heavy-ball": "momentum", "adam-no-bias": "adam-nobias"}


def names(kind: str | None = None) -> list[str]:
    """Optimizer names in registry order: all, ``"first_order"`` or ``"closure"`` (second order)."""
    if kind not in (None, "first_order", "closure"):
        raise InvalidArgument(f"kind must be None, 'first_order' or 'closure', got {kind!r}")
    return [e.name for e in _ENTRIES if kind is None or e.closure == (kind == "closure")]


def get(name: str) -> OptimizerEntry:
    """The entry called ``name`` (or an alias); a clear error lists the known names."""
    key = ALIASES.get(name.lower(), name.lower())
    if key not in _REGISTRY:
        raise unknown_name("optimizer", name, names())
    return _REGISTRY[key]


def build(name: str, params: Iterable[Any], **overrides: Any) -> Optimizer:
    """Construct the optimizer called ``name`` over ``params``."""
    return get(name).build(params, **overrides)


def _init_args(cls: type) -> set[str]:
    import inspect

    return set(inspect.signature(cls).parameters)
