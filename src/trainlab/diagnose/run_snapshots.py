"""What a finished run folder offers the diagnostics: its model, data, initialization and checkpoints.

A run made by ``trainlab train --out DIR`` holds ``config.json``, ``model.pt``
(the final model) and ``checkpoints/step-*.pt`` (the last ``keep_last`` of them;
``trainlab.train.run_layout``). ``load_run_snapshots`` reads them back:

* the final model (``trainlab.train.predict.load_run``, ``weights_only=True``);
* the training and validation splits, standardized as in training, rebuilt from
  the config (a split is a function of the config's seed);
* the initialization, rebuilt exactly: the run seeds everything, loads its data
  and builds its MLP in this order, so doing the same gives the same weights;
* the step checkpoints, oldest first, each checked to be of this model (a
  checkpoint of another model raises ``CheckpointError`` naming the difference).

Example:
    >>> import tempfile
    >>> from trainlab.train.run import RunConfig, start_run
    >>> run = tempfile.mkdtemp() + "/run"
    >>> _ = start_run(run, RunConfig(data="noisy_x2", hidden=[4], epochs=2), progress=False)
    >>> snaps = load_run_snapshots(run)
    >>> [step for step, _ in snaps.checkpoints], snaps.loss
    ([1, 2], 'mse')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from torch import Tensor

from trainlab.data import load_dataset, split_standardized
from trainlab.data.split import Split
from trainlab.nn import MLP
from trainlab.train.checkpoint import list_checkpoints, load_checkpoint
from trainlab.train.predict import load_run
from trainlab.train.rng import seed_everything
from trainlab.train.run_layout import RunLayout

__all__ = ["RunSnapshots", "load_run_snapshots"]


@dataclass
class RunSnapshots:
    """A run's final model, data splits, initial state and step checkpoints."""

    root: str
    model: MLP
    config: Any
    loss: str
    task: str
    train: Split
    val: Split | None
    initial: dict[str, Tensor]
    checkpoints: list[tuple[int, dict[str, Tensor]]]

    @property
    def final(self) -> dict[str, Tensor]:
        return {k: v.detach().clone() for k, v in self.model.state_dict().items()}

    def path(self) -> list[dict[str, Tensor]]:
        """The training path: the initialization, every kept checkpoint, and the final model."""
        return [self.initial, *(state for _, state in self.checkpoints), self.final]


def load_run_snapshots(run: str) -> RunSnapshots:
    """Read the run folder ``run`` (see the module docstring)."""
    model, _, config = load_run(run)
    layout = RunLayout.of(run)
    seed_everything(config.seed)  # the order of trainlab.train.run: seed, data, split, model
    dataset = load_dataset(config.data, target=config.target, n=config.samples, seed=config.seed, task=config.task)
    parts = split_standardized(dataset.X, dataset.y, val=config.val, test=config.test, seed=config.seed)
    initial = MLP([dataset.X.shape[1], *config.hidden, dataset.n_outputs], activation=config.activation,
                  dropout=config.dropout).state_dict()
    checkpoints = [(step, load_checkpoint(path, model=model)["model"])
                   for step, path in list_checkpoints(layout.checkpoints)]
    classify = dataset.task == "classification"
    loss = ("cross_entropy" if classify else "mse") if config.loss == "auto" else config.loss
    return RunSnapshots(layout.root, model, config, loss, dataset.task, parts.train,
                        parts.val if len(parts.val) > 0 else None, initial, checkpoints)
