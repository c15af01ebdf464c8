"""Many runs with validation curves and early stopping, their parameters in one flat tensor.

``FlatStack`` holds the tensors of a ``StackedMLP`` as views into one leaf of shape
``(runs, P)`` (run ``r``'s weights and biases, layer by layer, in row ``r``), so an
optimizer steps one tensor instead of two per layer: for an element-wise optimizer
(SGD, momentum, Adam, RMSprop, Adagrad, ...) every element gets the update it gets
when the run trains alone, in a few large operations instead of many small ones.

``train_with_validation`` trains every run full batch and records, per run, the
training loss after every step (from the forward pass the step does anyway) and
the validation loss every ``eval_every`` steps and after the last. A run stops
and leaves the stack (its slice, and its rows of the optimizer's state, are cut out;
the others go on as before) at its first non-finite training loss, or, with ``patience``, at the first evaluation that is
``patience`` or more steps past its best validation loss (early stopping: the
best validation loss and the step that reached it are what a user restores).
The loop ends once every run has stopped, so runs that stop early cost nothing after. Run ``r``'s curves equal those of run
``r`` trained alone by the same protocol (tests/train/test_stacked_curves.py).

Example:
    >>> import torch
    >>> from trainlab.optim import Adam
    >>> from trainlab.train.batched import StackedMLP
    >>> nets = FlatStack(StackedMLP.create([1, 8, 1], runs=3, activation="tanh", init="he", seed=0))
    >>> x = torch.linspace(-1, 1, 32)[:, None]
    >>> curves = train_with_validation(nets, (x, x.sin()), (x + 0.01, (x + 0.01).sin()),
    ...                                lambda params: Adam(params, lr=1e-2), steps=50, eval_every=10)
    >>> curves.train.shape, curves.val_steps.tolist()
    (torch.Size([51, 3]), [0, 10, 20, 30, 40, 50])
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from trainlab.constraints import POSITIVE_INT, Interval, check, fail
from trainlab.nn import MLP
from trainlab.train.batched import StackedMLP, stacked_forward, stacked_loss

__all__ = ["Curves", "FlatStack", "OptimizerFactory", "train_with_validation"]

OptimizerFactory = Callable[[Iterator[nn.Parameter]], torch.optim.Optimizer]


class FlatStack(nn.Module):
    """A ``StackedMLP`` whose weights and biases are views into one parameter ``flat`` ``(runs, P)``."""

    def __init__(self, model: StackedMLP) -> None:
        super().__init__()
        tensors = [*model.weights, *model.biases]
        self.shapes = [tuple(t.shape[1:]) for t in tensors]  # one run's
        self.sizes = [t[0].numel() for t in tensors]
        self.layers = len(model.weights)
        self.widths = list(model.widths)
        self.activation = model.activation
        self._act = model._act
        self.flat = nn.Parameter(torch.cat([t.detach().reshape(model.runs, -1) for t in tensors], dim=1))

    @property
    def runs(self) -> int:
        return self.flat.shape[0]

    def keep(self, rows: Tensor) -> None:
        """Keep only the runs ``rows`` (a new ``flat`` parameter)."""
        self.flat = nn.Parameter(self.flat.detach()[rows].clone())

    def tensors(self) -> tuple[list[Tensor], list[Tensor]]:
        """The weights ``(runs, out, in)`` and biases ``(runs, out)`` as views of ``flat``."""
        views = [v.view(self.runs, *s) for v, s in zip(torch.split(self.flat, self.sizes, dim=1), self.shapes, strict=True)]
        return views[: self.layers], views[self.layers :]

    def forward(self, x: Tensor) -> Tensor:
        return stacked_forward(*self.tensors(), x, self._act)

    def unstack(self, run: int) -> MLP:
        """Run ``run`` as a plain ``MLP`` (a copy)."""
        check("FlatStack.unstack", "run", run, Interval(0, self.runs - 1, closed="both", integer=True))
        weights, biases = self.tensors()
        return StackedMLP(weights, biases, self.activation).unstack(run)


@dataclass(frozen=True)
class Curves:
    """What ``train_with_validation`` recorded, per run ``r`` (column ``r``).

    ``train[k, r]``: training loss after ``k`` steps; ``val[i, r]``: validation loss
    after ``val_steps[i]`` steps. A stopped run keeps its last values (its
    parameters no longer change). ``stopped_at[r]``: the step count it ended with;
    ``diverged_at[r]``: its first non-finite training loss (-1: none);
    ``best_step[r]``: where its validation loss was lowest (first such step).
    ``seconds``: the loop's wall time for all runs together.
    """

    train: Tensor
    val_steps: Tensor
    val: Tensor
    stopped_at: Tensor
    diverged_at: Tensor
    best_step: Tensor
    seconds: float

    @property
    def runs(self) -> int:
        return self.train.shape[1]

    def best_val(self) -> Tensor:
        """Each run's lowest validation loss (``inf`` if none was finite)."""
        index = torch.searchsorted(self.val_steps, self.best_step.clamp(min=0))
        best = self.val.gather(0, index[None]).squeeze(0)
        return torch.where(self.best_step >= 0, best, torch.full_like(best, float("inf")))

    def steps_to(self, target: float) -> list[int | None]:
        """Per run, the first evaluated step count with validation loss at or below ``target``."""
        hit = (self.val <= target) & (self.val_steps[:, None] <= self.stopped_at[None, :])
        first = hit.to(torch.int8).argmax(dim=0)
        return [int(self.val_steps[k]) if any_ else None for k, any_ in zip(first, hit.any(dim=0), strict=True)]


def _compact(model: FlatStack, optimizer: torch.optim.Optimizer, make_optimizer: OptimizerFactory,
             keep: Tensor) -> torch.optim.Optimizer:
    """Drop the runs not in ``keep`` from the stack and from the optimizer's state; the new optimizer."""
    runs = model.runs
    state = optimizer.state_dict()

    def cut(value: object) -> object:
        if torch.is_tensor(value) and value.dim() > 0 and value.shape[0] == runs:
            return value[keep].clone()
        if isinstance(value, dict):
            return {k: cut(v) for k, v in value.items()}
        if isinstance(value, list):
            return [cut(v) for v in value]
        return value

    model.keep(keep)
    fresh = make_optimizer(model.parameters())
    fresh.load_state_dict(cut(state))
    return fresh


def _step(optimizer: torch.optim.Optimizer, flat: Tensor, lrs: Tensor | None) -> None:
    """One step, each run's update ``p_new - p_old`` scaled by ``lrs[r]``."""
    if lrs is None:
        optimizer.step()
        return
    old = flat.detach().clone()
    optimizer.step()
    with torch.no_grad():
        flat.copy_(old + lrs[:, None] * (flat - old))


def train_with_validation(
    model: FlatStack,
    train: tuple[Tensor, Tensor],
    val: tuple[Tensor, Tensor],
    make_optimizer: OptimizerFactory,
    steps: int,
    *,
    eval_every: int = 10,
    patience: int | None = None,
    lrs: Tensor | None = None,
) -> Curves:
    """Full-batch MSE training of every run with validation curves and early stopping.

    ``make_optimizer(params)`` builds the optimizer (again, with its state cut to the
    remaining runs, whenever runs stop: stopped runs leave the stack). ``lrs`` (one per
    run) multiplies each run's update (exact for optimizers whose step is proportional to
    the rate with a state that does not depend on it: build them with ``lr=1``).
    ``patience``: steps without a new best validation loss after which a run stops
    (``None``: never). ``model`` ends holding the runs that never stopped.
    """
    check("train_with_validation", "steps", steps, POSITIVE_INT)
    check("train_with_validation", "eval_every", eval_every, POSITIVE_INT)
    if patience is not None:
        check("train_with_validation", "patience", patience, POSITIVE_INT)
    runs = model.runs
    if lrs is not None and tuple(lrs.shape) != (runs,):
        fail("train_with_validation", "lrs", f"a tensor of shape ({runs},)", tuple(lrs.shape))
    rates = None if lrs is None else lrs.to(model.flat.dtype)
    (x, y), (xv, yv) = train, val
    optimizer = make_optimizer(model.parameters())
    alive = torch.arange(runs)  # the original index of each row still in the stack
    stopped_at = torch.full((runs,), steps, dtype=torch.long)
    diverged_at = torch.full((runs,), -1, dtype=torch.long)
    best = torch.full((runs,), float("inf"), dtype=model.flat.dtype)
    best_step = torch.full((runs,), -1, dtype=torch.long)
    train_curve: list[Tensor] = []
    val_curve: list[Tensor] = []
    val_steps: list[int] = []
    begin = time.perf_counter()
    for step in range(steps + 1):
        last = step == steps
        optimizer.zero_grad(set_to_none=True)
        with torch.set_grad_enabled(not last):
            losses = stacked_loss(model(x), y)
        row = train_curve[-1].clone() if train_curve else torch.full_like(best, float("nan"))
        row[alive] = losses.detach()
        train_curve.append(row)
        going = torch.isfinite(losses.detach())
        diverged_at[alive[~going]], stopped_at[alive[~going]] = step, step
        if step % eval_every == 0 or last:
            with torch.no_grad():
                v = stacked_loss(model(xv), yv)
            row = val_curve[-1].clone() if val_curve else torch.full_like(best, float("nan"))
            row[alive] = v
            val_curve.append(row)
            val_steps.append(step)
            better = going & (v < best[alive])
            best[alive[better]], best_step[alive[better]] = v[better], step
            if patience is not None:
                expired = going & (step - best_step[alive].clamp(min=0) >= patience)
                stopped_at[alive[expired]] = step
                going &= ~expired
        if last or not bool(going.any()):
            break
        losses.sum().backward()
        if not bool(going.all()):  # stopped runs leave the stack (their gradients are dropped)
            keep = going.nonzero().squeeze(1)
            grad = model.flat.grad[keep]
            optimizer = _compact(model, optimizer, make_optimizer, keep)
            model.flat.grad = grad
            alive = alive[keep]
            rates = None if rates is None else rates[keep]
        _step(optimizer, model.flat, rates)
    return Curves(torch.stack(train_curve), torch.tensor(val_steps), torch.stack(val_curve), stopped_at,
                  diverged_at, best_step, time.perf_counter() - begin)
