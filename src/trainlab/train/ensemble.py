"""Ensembles: bagging on bootstrap samples and snapshot ensembles from a cyclic schedule.

Bagging (Breiman 1996, "Bagging predictors"; the UCLA ECE 239AS notes, "ensemble
methods"): member ``k`` trains on its own bootstrap sample, ``n`` rows drawn with
replacement from the ``n`` training rows (``bootstrap_indices``). All members train
in one ``Trainer``: ``BootstrapBatches`` gives member ``k`` the rows
``boot[k, idx]`` at the epoch's batch positions ``idx`` (so each epoch is one pass
over each bootstrap sample) and the ``Ensemble``'s training forward keeps the
members apart; checkpoints and exact resume work as for one model.

Snapshot ensembles (Huang et al. 2017, "Snapshot Ensembles: Train 1, get M for
free", ICLR): one model, cosine annealing with restarts over ``M`` cycles of
``ceil(T / M)`` steps,

    lr(t) = lr0 / 2 * (1 + cos(pi * mod(t, ceil(T / M)) / ceil(T / M)))

(``trainlab.schedules.Cosine(restarts=True)``), and a copy of the weights at the
end of every cycle (``Snapshots``, the last one at the end of training).

Both predict by model averaging (``trainlab.nn.Ensemble``): mean outputs for
regression, mean class probabilities for classification.

Example:
    >>> spec = parse_ensemble("snapshot:5")
    >>> spec, snapshot_schedule(0.1, total_steps=100, size=spec.size)
    (EnsembleSpec(kind='snapshot', size=5), Cosine(init=0.1, period=20, end=0.0, restarts=True, period_mult=1))
    >>> bootstrap_indices(5, 2, seed=0).shape
    torch.Size([2, 5])
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from trainlab.constraints import POSITIVE_INT, check, fail
from trainlab.nn import MLP
from trainlab.nn.ensemble import Ensemble
from trainlab.schedules import Cosine
from trainlab.train.callbacks.base import Callback

__all__ = ["BootstrapBatches", "EnsembleSpec", "KINDS", "Snapshots", "bootstrap_indices", "evaluate_members",
           "parse_ensemble", "snapshot_ensemble", "snapshot_schedule", "stored_model", "trained_model"]

KINDS = ("bagging", "snapshot")
_SPELLING = "bagging:K or snapshot:K with K an int >= 1 (members)"


@dataclass(frozen=True)
class EnsembleSpec:
    """How a run makes its ensemble: ``kind`` in ``KINDS`` and ``size`` members."""

    kind: str
    size: int


def parse_ensemble(spec: str) -> EnsembleSpec:
    """``"bagging:5"`` -> ``EnsembleSpec("bagging", 5)``; anything else is one clear error."""
    kind, sep, size = str(spec).partition(":")
    if kind.strip() not in KINDS or not sep or not size.strip().isdigit() or int(size) < 1:
        fail("parse_ensemble", "ensemble", _SPELLING, spec)
    return EnsembleSpec(kind.strip(), int(size))


def bootstrap_indices(n: int, size: int, seed: int) -> Tensor:
    """``(size, n)`` row indices, each row ``n`` draws with replacement from ``range(n)``."""
    check("bootstrap_indices", "n", n, POSITIVE_INT)
    check("bootstrap_indices", "size", size, POSITIVE_INT)
    return torch.randint(0, n, (size, n), generator=torch.Generator().manual_seed(seed))


class BootstrapBatches:
    """A Trainer ``sampler``: ``x[boot[:, idx]]`` as ``(K, B, d)`` and the targets as ``(K * B, ...)``."""

    def __init__(self, indices: Tensor) -> None:
        self.indices = indices

    def __call__(self, x: Tensor, y: Tensor, idx: Tensor) -> tuple[Tensor, Tensor]:
        rows = self.indices.to(x.device)[:, idx.to(x.device)]
        return x[rows], y[rows.reshape(-1)]


class Snapshots(Callback):
    """Copy the model's weights every ``every`` steps (a cycle's end) and at the end of training, ``count`` in all."""

    def __init__(self, every: int, count: int) -> None:
        check("Snapshots", "every", every, POSITIVE_INT)
        check("Snapshots", "count", count, POSITIVE_INT)
        self.every, self.count = every, count
        self.states: list[dict[str, Tensor]] = []
        self.steps: list[int] = []

    def _take(self, trainer: Any) -> None:
        if len(self.states) < self.count and trainer.global_step not in self.steps:
            self.states.append({k: v.detach().clone() for k, v in trainer.model.state_dict().items()})
            self.steps.append(trainer.global_step)

    def on_step_end(self, trainer: Any, logs: dict[str, float]) -> None:
        if trainer.global_step % self.every == 0 and len(self.states) < self.count - 1:
            self._take(trainer)

    def on_fit_end(self, trainer: Any) -> None:
        self._take(trainer)

    def state_dict(self) -> dict[str, Any]:
        return {"states": self.states, "steps": self.steps}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.states, self.steps = list(state["states"]), list(state["steps"])


def snapshot_schedule(lr: float, total_steps: int, size: int) -> Cosine:
    """Huang et al.'s cyclic cosine: ``size`` cycles of ``ceil(total_steps / size)`` steps from ``lr``."""
    check("snapshot_schedule", "size", size, POSITIVE_INT)
    return Cosine(init=lr, period=max(math.ceil(total_steps / size), 1), restarts=True)


def snapshot_ensemble(model: nn.Module, states: list[dict[str, Tensor]], combine: str) -> Ensemble:
    """An ``Ensemble`` of copies of ``model``, one per saved state."""
    members = []
    for state in states:
        member = copy.deepcopy(model)
        member.load_state_dict(state)
        members.append(member)
    return Ensemble(members, combine=combine)


def evaluate_members(trainer: Any, ensemble: Ensemble, data: Any, prefix: str) -> dict[str, list[float]]:
    """``{prefix_member_loss: [...], ...}``: the Trainer's loss and metrics of each member on ``data``."""
    kept = trainer.model
    rows: dict[str, list[float]] = {}
    try:
        for member in ensemble.members:
            trainer.model = member
            for key, value in trainer.evaluate(data).items():
                rows.setdefault(f"{prefix}_member_{key}", []).append(value)
    finally:
        trainer.model = kept
    return rows


def _combine(classify: bool) -> str:
    return "probabilities" if classify else "mean"


def trained_model(spec: EnsembleSpec | None, make: Callable[[], nn.Module], classify: bool) -> nn.Module:
    """The module a run trains: ``K`` members at once for bagging, one model otherwise."""
    if spec is not None and spec.kind == "bagging":
        return Ensemble([make() for _ in range(spec.size)], combine=_combine(classify))
    return make()


def stored_model(ensemble: str | None, widths: list[int], classify: bool, **options: Any) -> nn.Module:
    """The module a run's ``model.pt`` holds: an ``MLP(widths, **options)``, or an ``Ensemble`` of ``K`` of them."""
    make = lambda: MLP(widths, **options)  # noqa: E731
    if ensemble is None:
        return make()
    return Ensemble([make() for _ in range(parse_ensemble(ensemble).size)], combine=_combine(classify))
