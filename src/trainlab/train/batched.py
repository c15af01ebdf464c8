"""Many runs at once: N independent MLPs trained as one vectorized model.

Statistics over initializations (collapse rates, dead-unit fractions) need
hundreds or thousands of tiny trainings. ``StackedMLP`` holds run ``r``'s layer
``l`` as slice ``r`` of a stacked weight ``(N, out, in)`` and bias ``(N, out)``
and runs every layer of every run at once (a batched matmul, ``torch.baddbmm``,
or for widths up to 4 broadcast element-wise products, which are faster there).
``train_stacked`` minimises the *sum* of the runs' losses, whose gradient with
respect to run ``r``'s slice is exactly run ``r``'s own gradient, and steps any
trainlab (or torch) optimizer over the stacked tensors. An element-wise
optimizer (SGD, momentum, Adam, RMSprop, Adagrad...) then updates every slice as
it would update that run alone, so each run ends where training it alone ends
(tested in float64). Optimizers that couple entries across a tensor (global
norm clipping, L-BFGS, LARS-style trust ratios) do not have this property.

Per-run learning rates: ``lrs`` (one per run) multiplies each run's update
``p_new - p_old`` after a step taken with the optimizer's own ``lr``; for the
element-wise optimizers above, whose step is linear in the learning rate, this
is the run trained alone with ``lr * lrs[r]``.

``train_stacked_history`` also keeps every run's training-loss curve (the losses
the forward pass of each step computes anyway, plus one after the last step) and
stops a run whose loss turns non-finite where it is: from then on its slices are
left as they were (its update is masked out), as a single run stops when it
diverges (``trainlab.train.descent.descend``).

Example:
    >>> import torch
    >>> from trainlab.optim import Adam
    >>> from trainlab.train.batched import StackedMLP, train_stacked
    >>> nets = StackedMLP.create([1, 4, 4, 1], runs=8, init="he", seed=0, dtype=torch.float64)
    >>> x = torch.linspace(-1, 1, 32, dtype=torch.float64)[:, None]
    >>> losses = train_stacked(nets, x, x.abs(), Adam(nets.parameters(), lr=1e-2), steps=100)
    >>> losses.shape  # one loss per run
    torch.Size([8])
    >>> nets.unstack(3)  # run 3 as a plain MLP
    MLP(1-4-4-1, relu)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from trainlab.constraints import POSITIVE_INT, Interval, Options, check, fail
from trainlab import init as initializers
from trainlab.nn import MLP
from trainlab.nn.mlp import WIDTHS
from trainlab.nn.activations import get as get_activation

__all__ = ["StackedHistory", "StackedMLP", "run_seeds", "stacked_forward", "stacked_loss", "train_stacked", "train_stacked_history",
           "STACKED_LOSSES"]

_SEED = Interval(0, 2**63 - 1, closed="both", integer=True)
STACKED_LOSSES = ("mse", "mae")
# Up to this width the forward pass uses broadcast products (about 3x faster than
# batched matmuls for width-2 nets on a CPU); wider nets use torch.baddbmm.
BROADCAST_MAX_WIDTH = 4


def run_seeds(seed: int, runs: int) -> list[int]:
    """Independent per-run seeds derived from one seed (``numpy.random.SeedSequence.spawn``)."""
    check("run_seeds", "seed", seed, _SEED)
    check("run_seeds", "runs", runs, POSITIVE_INT)
    return [int(s.generate_state(1, dtype=np.uint64)[0] >> 1) for s in np.random.SeedSequence(seed).spawn(runs)]


class StackedMLP(nn.Module):
    """``runs`` MLPs of the same widths and activation, stacked along a leading run axis.

    ``weights[l]`` has shape ``(runs, out_l, in_l)``, ``biases[l]`` ``(runs, out_l)``;
    ``forward(x)`` takes ``x`` of shape ``(batch, in)`` (the same inputs for every
    run) or ``(runs, batch, in)`` and returns ``(runs, batch, out)``.
    """

    def __init__(self, weights: Sequence[Tensor], biases: Sequence[Tensor], activation: str = "relu") -> None:
        super().__init__()
        self.activation = activation
        self._act = get_activation(activation).function
        if len(weights) != len(biases) or not weights:
            fail("StackedMLP", "biases", f"one bias per weight ({len(weights)})", len(biases))
        self.weights = nn.ParameterList([nn.Parameter(w.detach().clone()) for w in weights])
        self.biases = nn.ParameterList([nn.Parameter(b.detach().clone()) for b in biases])
        self.widths = [weights[0].shape[2]] + [w.shape[1] for w in weights]

    @property
    def runs(self) -> int:
        return self.weights[0].shape[0]

    @classmethod
    def from_models(cls, models: Sequence[MLP]) -> StackedMLP:
        """Stack MLPs of equal widths and activation (no dropout or batch norm), each becoming one run."""
        if not models or any(m.widths != models[0].widths or m.activation != models[0].activation
                             or m.dropout or m.batch_norm for m in models):
            fail("StackedMLP.from_models", "models",
                 "a non-empty list of MLPs with equal widths and activation and no dropout or batch norm", models)
        layers = [m.linears() for m in models]
        weights = [torch.stack([ls[i].weight for ls in layers]) for i in range(len(layers[0]))]
        biases = [torch.stack([ls[i].bias for ls in layers]) for i in range(len(layers[0]))]
        return cls(weights, biases, models[0].activation)

    @classmethod
    def create(
        cls,
        widths: Sequence[int],
        runs: int,
        activation: str = "relu",
        init: str = "he",
        seed: int = 0,
        dtype: torch.dtype = torch.float32,
    ) -> StackedMLP:
        """``runs`` fresh MLPs, run ``r`` drawn from its own generator seeded ``run_seeds(seed, runs)[r]``."""
        check("StackedMLP.create", "runs", runs, POSITIVE_INT)
        return cls.from_seeds(widths, run_seeds(seed, runs), activation, init, dtype)

    @classmethod
    def from_seeds(
        cls,
        widths: Sequence[int],
        seeds: Sequence[int],
        activation: str = "relu",
        init: str = "he",
        dtype: torch.dtype = torch.float32,
    ) -> StackedMLP:
        """One run per seed: run ``r``'s tensors are drawn as ``initialize(model, init, generator=g_r)``
        draws them for an MLP of ``dtype``, ``g_r = torch.Generator().manual_seed(seeds[r])``; in
        float32 run ``r`` is exactly ``MLP(widths, activation, init=init, generator=g_r)``.
        """
        check("StackedMLP.from_seeds", "widths", widths, WIDTHS)
        check("StackedMLP.from_seeds", "seeds", len(seeds), POSITIVE_INT)
        get_activation(activation)
        runs = len(seeds)
        pairs = list(zip(widths[:-1], widths[1:], strict=True))
        weights = [torch.empty(runs, b, a, dtype=dtype) for a, b in pairs]
        biases = [torch.empty(runs, b, dtype=dtype) for _, b in pairs]
        for r, s in enumerate(seeds):
            generator = torch.Generator().manual_seed(s)
            for w, b in zip(weights, biases, strict=True):
                initializers.initialize_layer(w[r], b[r], init, generator=generator)
        return cls(weights, biases, activation)

    def forward(self, x: Tensor) -> Tensor:
        return stacked_forward(list(self.weights), list(self.biases), x, self._act)

    def unstack(self, run: int) -> MLP:
        """Run ``run`` as a plain ``MLP`` (a copy)."""
        check("StackedMLP.unstack", "run", run, Interval(0, self.runs - 1, closed="both", integer=True))
        model = MLP(self.widths, self.activation).to(self.weights[0].dtype)
        with torch.no_grad():
            for layer, w, b in zip(model.linears(), self.weights, self.biases, strict=True):
                layer.weight.copy_(w[run])
                layer.bias.copy_(b[run])
        return model

    def __repr__(self) -> str:
        return f"StackedMLP({self.runs} x {'-'.join(map(str, self.widths))}, {self.activation})"


def stacked_forward(weights: Sequence[Tensor], biases: Sequence[Tensor], x: Tensor,
                    activation: Callable[[Tensor], Tensor]) -> Tensor:
    """Every run's MLP at once: ``weights[l]`` ``(runs, out, in)``, ``biases[l]`` ``(runs, out)``.

    ``x``: ``(batch, in)`` (shared by every run) or ``(runs, batch, in)``; returns
    ``(runs, batch, out)``. Broadcast products up to ``BROADCAST_MAX_WIDTH``, else one
    ``baddbmm`` per layer.
    """
    widths = [weights[0].shape[2]] + [w.shape[1] for w in weights]
    if max(widths) <= BROADCAST_MAX_WIDTH:
        return _forward_broadcast(weights, biases, x, activation)
    return _forward_bmm(weights, biases, x, activation)


def _forward_bmm(weights: Sequence[Tensor], biases: Sequence[Tensor], x: Tensor,
                 activation: Callable[[Tensor], Tensor]) -> Tensor:
    """One ``baddbmm`` per layer over ``(runs, batch, features)``."""
    h = x.expand(weights[0].shape[0], *x.shape) if x.dim() == 2 else x
    last = len(weights) - 1
    for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
        h = torch.baddbmm(b.unsqueeze(1), h, w.transpose(1, 2))
        if i < last:
            h = activation(h)
    return h


def _forward_broadcast(weights: Sequence[Tensor], biases: Sequence[Tensor], x: Tensor,
                       activation: Callable[[Tensor], Tensor]) -> Tensor:
    """Element-wise products over ``(features, runs, batch)``: faster than bmm for tiny widths."""
    h = x.T.unsqueeze(1) if x.dim() == 2 else x.permute(2, 0, 1)  # (in, 1 or runs, batch)
    last = len(weights) - 1
    for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
        h = (w.permute(1, 2, 0).unsqueeze(-1) * h.unsqueeze(0)).sum(1) + b.T.unsqueeze(-1)
        if i < last:
            h = activation(h)
    return h.permute(1, 2, 0)


def stacked_loss(pred: Tensor, target: Tensor, loss: str = "mse") -> Tensor:
    """Per-run loss ``(runs,)``: the mean over the batch of ``(pred - y)^2`` or ``|pred - y|``."""
    check("stacked_loss", "loss", loss, Options(STACKED_LOSSES))
    diff = pred - target
    per_point = diff * diff if loss == "mse" else diff.abs()
    return per_point.flatten(1).mean(dim=1)


@dataclass(frozen=True)
class StackedHistory:
    """Every run's training-loss curve and where runs diverged (``train_stacked_history``).

    ``losses[k, r]`` is run ``r``'s loss after ``k`` steps (row 0: before the first
    step, row ``steps``: after the last); a run stopped at a non-finite loss keeps
    that loss in the rows after it. ``diverged_at[r]`` is the first ``k`` whose loss
    is non-finite, or -1 if the run never diverged.
    """

    losses: Tensor
    diverged_at: Tensor

    @property
    def final(self) -> Tensor:
        """Each run's last loss ``(runs,)`` (non-finite for a diverged run)."""
        return self.losses[-1]

    def steps_to(self, target: float) -> list[int | None]:
        """Per run, the first step count whose loss is at or below ``target`` (``None``: never)."""
        hit = self.losses <= target  # NaN compares False
        first = hit.to(torch.int8).argmax(dim=0)
        return [int(k) if reached else None for k, reached in zip(first, hit.any(dim=0), strict=True)]


def _masked_step(optimizer: torch.optim.Optimizer, params: list[Tensor], lrs: Tensor | None,
                 active: Tensor | None) -> None:
    """One optimizer step, each run's update scaled by ``lrs[r]`` and kept only where ``active[r]``."""
    if lrs is None and active is None:
        optimizer.step()
        return
    before = [p.detach().clone() for p in params]
    optimizer.step()
    with torch.no_grad():
        for p, old in zip(params, before, strict=True):
            shape = (-1, *([1] * (p.dim() - 1)))
            new = p if lrs is None else old + lrs.to(p.dtype).view(shape) * (p - old)
            p.copy_(new if active is None else torch.where(active.view(shape), new, old))


def _descend_stacked(
    model: StackedMLP,
    x: Tensor,
    y: Tensor,
    optimizer: torch.optim.Optimizer,
    steps: int,
    loss: str,
    lrs: Tensor | None,
    on_step: Callable[[int, Tensor], None] | None,
    freeze_diverged: bool,
) -> StackedHistory:
    check("train_stacked", "steps", steps, Interval(0, None, integer=True))
    check("train_stacked", "loss", loss, Options(STACKED_LOSSES))
    if lrs is not None and (lrs.shape != (model.runs,)):
        fail("train_stacked", "lrs", f"a tensor of shape ({model.runs},)", tuple(lrs.shape))
    params = list(model.parameters())
    active = torch.ones(model.runs, dtype=torch.bool)
    diverged_at = torch.full((model.runs,), -1, dtype=torch.long)
    curve: list[Tensor] = []

    def record(step: int, losses: Tensor) -> None:
        curve.append(losses)
        if freeze_diverged:
            new = active & ~torch.isfinite(losses)
            if bool(new.any()):
                diverged_at[new] = step
                active[new] = False

    for step in range(steps):
        optimizer.zero_grad(set_to_none=True)
        losses = stacked_loss(model(x), y, loss)
        record(step, losses.detach())
        if not bool(active.any()):  # every run has stopped: the rest of the curve repeats
            curve.extend([curve[-1]] * (steps - step))
            return StackedHistory(torch.stack(curve), diverged_at)
        losses.sum().backward()
        _masked_step(optimizer, params, lrs, None if bool(active.all()) else active)
        if on_step is not None:
            on_step(step, losses.detach())
    with torch.no_grad():
        record(steps, stacked_loss(model(x), y, loss))
    return StackedHistory(torch.stack(curve), diverged_at)


def train_stacked(
    model: StackedMLP,
    x: Tensor,
    y: Tensor,
    optimizer: torch.optim.Optimizer,
    steps: int,
    loss: str = "mse",
    lrs: Tensor | None = None,
    on_step: Callable[[int, Tensor], None] | None = None,
) -> Tensor:
    """Full-batch training of every run for ``steps`` steps; returns each run's final loss ``(runs,)``.

    ``x``: ``(batch, in)`` or ``(runs, batch, in)``; ``y`` likewise with ``out`` columns.
    ``lrs``: optional per-run learning-rate multipliers (see the module docstring).
    ``on_step(step, per_run_losses)`` is called after every step (losses before the step).
    """
    return _descend_stacked(model, x, y, optimizer, steps, loss, lrs, on_step, freeze_diverged=False).final


def train_stacked_history(
    model: StackedMLP,
    x: Tensor,
    y: Tensor,
    optimizer: torch.optim.Optimizer,
    steps: int,
    loss: str = "mse",
    lrs: Tensor | None = None,
) -> StackedHistory:
    """``train_stacked`` that keeps every run's loss curve and stops each run at its first non-finite loss.

    A stopped run's parameters stay those that gave the non-finite loss, as
    ``descend`` leaves a single run that diverges.

    Example:
        >>> import torch
        >>> from trainlab.optim import SGD
        >>> nets = StackedMLP.create([1, 8, 1], runs=2, init="he", seed=0, dtype=torch.float64)
        >>> x = torch.linspace(-1, 1, 16, dtype=torch.float64)[:, None]
        >>> rates = torch.tensor([0.1, 1e3], dtype=torch.float64)  # the second run blows up
        >>> history = train_stacked_history(nets, x, 3 * x, SGD(nets.parameters(), lr=1.0), 50, lrs=rates)
        >>> history.losses.shape, history.diverged_at[0].item(), history.diverged_at[1].item() > 0
        (torch.Size([51, 2]), -1, True)
    """
    return _descend_stacked(model, x, y, optimizer, steps, loss, lrs, None,
                            freeze_diverged=True)
