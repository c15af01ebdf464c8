"""``ChainOptimizer``: any chain of transforms as a ``torch.optim.Optimizer``.

Hyperparameters live in ``param_groups`` (so every ``torch.optim.lr_scheduler``
and trainlab schedule can change them), per-parameter buffers in ``state[p]``
(so ``state_dict()`` / ``load_state_dict()`` and checkpoints work unchanged).
One step:

    gradients -> chain of transforms (each rewrites the update) -> params += update

Parameters whose ``grad`` is ``None`` are skipped; ``maximize=True`` ascends.

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

from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import Tensor
from torch.optim import Optimizer

from trainlab.constraints import BOOL, check, fail
from trainlab.optim.params import materialize_params
from trainlab.optim.transform import Batch, Transform
from trainlab.optim.update import Update

__all__ = ["ChainOptimizer"]


class ChainOptimizer(Optimizer):
    """Run a chain of transforms as a torch optimizer.

    Args:
        params: tensors or param-group dicts, as for any torch optimizer.
        transform: a ``Transform`` (usually ``chain(...)``) whose constructor
            arguments are the default hyperparameters of every group.
        maximize: ascend instead of descend.
    """

    def __init__(
        self,
        params: Iterable[Any],
        transform: Transform,
        *,
        maximize: bool = False,
    ) -> None:
        owner = type(self).__name__
        if not isinstance(transform, Transform):
            raise TypeError(f"{owner} needs a Transform, got {type(transform).__name__}")
        self._transform = transform
        defaults = dict(transform.defaults)
        defaults["maximize"] = maximize
        self._check(defaults)
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
        return out

    def _check(self, group: dict[str, Any]) -> None:
        owner = type(self).__name__
        check(owner, "maximize", group.get("maximize", False), BOOL)
        self._transform.check_group(group, owner)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        owner = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        params = param_group["params"]
        param_group["params"] = materialize_params(params, owner)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for i, p in enumerate(param_group["params"]):
            if isinstance(p, Tensor) and id(p) in seen:
                fail(
                    owner,
                    "params",
                    "parameters that each appear in one group only",
                    f"parameter #{i} of shape {tuple(p.shape)} already in an earlier group",
                )
        self._check(param_group)
        super().add_param_group(param_group)

    # -- the step ---------------------------------------------------------------
    def _batches(self) -> list[Batch]:
        batches = []
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            grads = []
            for p in params:
                if p.grad.is_sparse:
                    raise RuntimeError(
                        f"{type(self).__name__} does not support sparse gradients"
                    )
                grads.append(p.grad)
            states = [self.state[p] for p in params]
            steps = []
            for s in states:
                s["step"] = step = s.get("step", 0) + 1
                steps.append(step)
            update = Update(grads, scale=-1.0 if group["maximize"] else 1.0)
            batches.append(Batch(group, params, states, steps, update))
        return batches

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient; returns the closure's loss."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        batches = self._batches()
        if not batches:
            return loss
        self._transform(batches)
        for b in batches:
            b.update.apply_to(b.params)
        self._transform.after_apply(batches)
        return loss

    def __getstate__(self) -> dict[str, Any]:
        # torch.optim.Optimizer pickles only defaults/state/param_groups; the chain
        # must travel too, or a deep-copied optimizer could not step.
        state = super().__getstate__()
        state["_transform"] = self._transform
        return state

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._transform!r}, groups={len(self.param_groups)})"
