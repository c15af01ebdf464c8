"""``ChainOptimizer``: any chain of transforms as a ``torch.optim.Optimizer``.

Hyperparameters live in ``param_groups`` (so every ``torch.optim.lr_scheduler``
and trainlab schedule can change them), per-parameter buffers in ``state[p]``
(so ``state_dict()`` / ``load_state_dict()`` and checkpoints work unchanged).
One step:

    gradients -> chain of transforms (each rewrites the update) -> params += update

Parameters whose ``grad`` is ``None`` are skipped; ``maximize=True`` ascends;
``fused=True`` keeps each group's parameters and states in flat buffers and runs
the whole chain as one compiled pass over memory (``trainlab.optim.fusion``;
docs/performance.md says when it pays).
As in torch.optim: a complex parameter is updated as its real view, a
one-element tensor ``lr`` is read at every step (see ``trainlab.optim.views``),
sparse gradients are accepted when every transform of the chain supports them,
and a state dict saved before a hyperparameter existed loads with its default.

Example:
    >>> import torch
    >>> from trainlab.optim import ChainOptimizer, chain
    >>> from trainlab.optim.transforms import trace, scale_by_learning_rate
    >>> w = torch.nn.Parameter(torch.tensor([1.0]))
    >>> opt = ChainOptimizer([w], chain(trace(momentum=0.9), scale_by_learning_rate(0.1)))
    >>> (w ** 2).sum().backward(); _ = opt.step()
    >>> round(w.item(), 6)
    0.8
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import Tensor
from torch.optim import Optimizer

from trainlab.constraints import BOOL, check, fail
from trainlab.optim.fusion import FusedSteps
from trainlab.optim.params import check_new_group, materialize_params
from trainlab.optim.torch_errors import speaking_torch
from trainlab.optim.transform import Batch, Transform
from trainlab.optim.update import Update
from trainlab.optim.views import ComplexState, number_group, real_view

__all__ = ["ChainOptimizer"]


def _unique(params: list[Tensor]) -> list[Tensor]:
    """``params`` without repeats (torch warns about a repeated parameter; it is updated once)."""
    out, seen = [], set()
    for p in params:
        if id(p) not in seen:
            seen.add(id(p))
            out.append(p)
    return out


def _supports_sparse(transform: Transform) -> bool:
    return all(getattr(t, "supports_sparse", False) for t in transform.transforms())


def _looks_across(transform: Transform) -> list[str]:
    """The transforms of the chain whose math is not elementwise per parameter."""
    return [t.verb for t in transform.transforms() if not t.elementwise]


class ChainOptimizer(Optimizer):
    """Run a chain of transforms as a torch optimizer.

    Args:
        params: tensors or param-group dicts, as for any torch optimizer.
        transform: a ``Transform`` (usually ``chain(...)``) whose constructor
            arguments are the default hyperparameters of every group.
        maximize: ascend instead of descend.
        fused: step through flat buffers with one compiled pass (chains of
            elementwise transforms only).
    """

    def __init__(
        self,
        params: Iterable[Any],
        transform: Transform,
        *,
        maximize: bool = False,
        fused: bool = False,
    ) -> None:
        owner = type(self).__name__
        if not isinstance(transform, Transform):
            raise TypeError(f"{owner} needs a Transform, got {type(transform).__name__}")
        self._transform = transform
        defaults = dict(transform.defaults)
        defaults["maximize"] = maximize
        self._check(defaults)
        check(owner, "fused", fused, BOOL)
        across = _looks_across(transform) if fused else []
        if across:
            fail(owner, "fused", "False for a chain with a transform that looks across parameters "
                 f"({', '.join(across)})", fused)
        self._fused = FusedSteps() if fused else None
        params = materialize_params(params, owner)
        super().__init__(params, defaults)

    # -- validation -------------------------------------------------------------
    @property
    def transform(self) -> Transform:
        """The chain this optimizer runs."""
        return self._transform

    def hyperparameter_constraints(self) -> dict[str, Any]:
        """Every hyperparameter this optimizer reads, with what it accepts."""
        out = self._transform.all_constraints()
        out["maximize"] = BOOL
        out["fused"] = BOOL
        return out

    def _check(self, group: dict[str, Any]) -> None:
        owner = type(self).__name__
        with speaking_torch():
            check(owner, "maximize", group.get("maximize", False), BOOL)
            self._transform.check_group(group, owner)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        check_new_group(param_group, self.param_groups, type(self).__name__)
        self._check(param_group)
        super().add_param_group(param_group)
        if getattr(self, "_fused", None) is not None:
            self._fused.invalidate()

    # -- the step ---------------------------------------------------------------
    def _batches(self, chosen: list[list[Tensor]] | None = None) -> list[Batch]:
        """One batch per group of its parameters that have gradients (or of ``chosen[i]`` for group i)."""
        batches = []
        sparse_ok = _supports_sparse(self._transform)
        for i, group in enumerate(self.param_groups):
            if chosen is None:
                params = _unique([p for p in group["params"] if p.grad is not None])
            else:
                params = chosen[i]
            if not params:
                continue
            if not sparse_ok and any(p.grad.is_sparse for p in params):
                raise RuntimeError(
                    f"{type(self).__name__} does not support sparse gradients; "
                    "use SGD, Adagrad or SparseAdam for sparse ones"
                )
            states = [
                ComplexState(self.state[p], p.shape) if p.is_complex() else self.state[p] for p in params
            ]
            steps = []
            for s in states:
                s["step"] = step = s.get("step", 0) + 1
                steps.append(step)
            update = Update([real_view(p.grad) for p in params], scale=-1.0 if group["maximize"] else 1.0)
            views = [real_view(p) for p in params]
            batches.append(Batch(number_group(group), views, states, steps, update))
        return batches

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient; returns the closure's loss."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        if self._fused is None:
            batches = self._batches()
        else:
            ready, left = self._fused.split(self.param_groups, self.state)
            if ready:
                self._fused.step(ready, self.param_groups, self._run)
            batches = self._batches(left) if any(left) else []
            if any(id(p) in self._fused.bucketed for rest in left for p in rest):
                self._fused.invalidate()  # the reference path stepped some bucket's parameters
        if batches:
            self._run(batches)
        return loss

    def _run(self, batches: list[Batch]) -> None:
        """The chain on ``batches``, the update added to their parameters, then ``after_apply``."""
        self._transform(batches)
        for b in batches:
            b.update.apply_to(b.params)
        self._transform.after_apply(batches)

    def __setstate__(self, state: dict[str, Any]) -> None:
        # load_state_dict passes through here: a group saved before a hyperparameter
        # existed (an older trainlab or torch) takes that hyperparameter's default.
        fused = state.pop("_fused_on", None)
        super().__setstate__(state)
        if fused is not None:  # unpickled (deepcopy): fresh buckets on the next step
            self._fused = FusedSteps() if fused else None
        elif getattr(self, "_fused", None) is not None:  # load_state_dict: new state to adopt
            self._fused.invalidate()
        for group in self.param_groups:
            for key, value in self._group_defaults().items():
                group.setdefault(key, value)

    def _group_defaults(self) -> dict[str, Any]:
        """Each hyperparameter's default: the class signature's, else the chain's."""
        out = dict(self._transform.defaults)
        out["maximize"] = False
        for name, p in inspect.signature(type(self).__init__).parameters.items():
            if name in out and p.default is not inspect.Parameter.empty:
                out[name] = p.default
        return out

    def __getstate__(self) -> dict[str, Any]:
        # torch.optim.Optimizer pickles only defaults/state/param_groups; the chain
        # must travel too, or a deep-copied optimizer could not step.
        state = super().__getstate__()
        state["_transform"] = self._transform
        state["_fused_on"] = self._fused is not None
        return state

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._transform!r}, groups={len(self.param_groups)})"
