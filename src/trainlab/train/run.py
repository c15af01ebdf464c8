"""A run folder: one training run from a config, that survives being killed.

Layout of ``DIR``::

    config.json      the RunConfig (written first; ``resume`` rebuilds everything from it)
    history.csv      epoch rows, rewritten atomically after every epoch
    checkpoints/     step-XXXXXXXX.pt every ``checkpoint_every`` steps (newest ``keep_last``),
                     best.pt (lowest validation loss), and the final step
    model.pt         the final model ``state_dict`` (``torch.load(..., weights_only=True)``)
    loss.png         loss and learning-rate curves
    summary.json     final train/validation/test metrics and why the run stopped

``start_run`` refuses a folder that already holds a run; ``resume_run`` reads
``config.json``, rebuilds data, model, optimizer and callbacks exactly as
before and continues from the newest checkpoint (or a given one) to the
configured end. Nothing is written before the checkpoint has loaded, so a bad
checkpoint leaves the folder as it was.

Example:
    >>> import tempfile
    >>> cfg = RunConfig(data="noisy_x2", hidden=[16], epochs=3, batch_size=25)
    >>> summary = start_run(tempfile.mkdtemp() + "/run", cfg, progress=False)
    >>> summary["stop_reason"], summary["steps"]  # 70 training points in batches of 25, 3 epochs
    ('completed', 9)
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console

from trainlab.constraints import fail
from trainlab.data import load_dataset, split_standardized
from trainlab.nn import MLP
from trainlab.optim import registry
from trainlab.atomic import atomic_torch_save, atomic_write_text
from trainlab.train.callbacks import Checkpoint, EarlyStopping, GradientClipping, HistoryLogger, NaNGuard, ProgressBar
from trainlab.train.checkpoint import CheckpointError, resolve_checkpoint
from trainlab.train.plot import plot_history
from trainlab.train.rng import seed_everything
from trainlab.train.trainer import Trainer

__all__ = ["RunConfig", "start_run", "resume_run", "run_directory_of"]


@dataclass
class RunConfig:
    """Everything that defines a run; ``config.json`` holds exactly these fields."""

    data: str
    target: str | None = None  # CSV label column
    task: str = "regression"  # for CSV files: "regression" or "classification"
    samples: int | None = None  # points of a lecture target
    hidden: list[int] = field(default_factory=lambda: [64, 64])
    activation: str = "relu"
    dropout: float = 0.0
    optimizer: str = "adam"
    lr: float = 1e-3
    loss: str = "auto"  # "auto": cross_entropy for classification, mse otherwise
    epochs: int = 100
    batch_size: int | None = None
    val: float = 0.2
    test: float = 0.1
    seed: int = 0
    checkpoint_every: int | None = None  # steps; default once per epoch
    keep_last: int = 3
    patience: int | None = None  # early stopping on val_loss
    clip: float | None = None  # gradient clipping by global norm
    nan_guard: bool = True

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str, source: str = "config.json") -> RunConfig:
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as err:
            fail("resume_run", "config", "valid JSON", f"{source}: {err}")
        known = {f.name for f in dataclasses.fields(cls)}
        if not isinstance(raw, dict) or "data" not in raw or set(raw) - known:
            fail("resume_run", "config", f"a JSON object with the fields {sorted(known)}", source)
        return cls(**raw)


class _Built:
    """Data splits, model and Trainer made from a config."""

    def __init__(self, config: RunConfig, directory: str, progress: bool, console: Console | None) -> None:
        c = config
        seed_everything(c.seed)
        ds = load_dataset(c.data, target=c.target, n=c.samples, seed=c.seed, task=c.task)
        self.parts = split_standardized(ds.X, ds.y, val=c.val, test=c.test, seed=c.seed)
        self.model = MLP([ds.X.shape[1], *c.hidden, ds.n_outputs], activation=c.activation, dropout=c.dropout)
        optimizer = registry.build(c.optimizer, self.model.parameters(), lr=c.lr)
        classify = ds.task == "classification"
        loss = ("cross_entropy" if classify else "mse") if c.loss == "auto" else c.loss
        n = len(self.parts.train)
        per_epoch = 1 if c.batch_size is None else math.ceil(n / c.batch_size)
        has_val = len(self.parts.val) > 0
        callbacks = [
            Checkpoint(os.path.join(directory, "checkpoints"), every=c.checkpoint_every or per_epoch,
                       save_best=has_val, keep_last=c.keep_last),
            HistoryLogger(os.path.join(directory, "history.csv")),
        ]
        if c.nan_guard:
            callbacks.append(NaNGuard())
        if c.clip is not None:
            callbacks.append(GradientClipping(max_norm=c.clip))
        if c.patience is not None:
            callbacks.append(EarlyStopping(monitor="val_loss" if has_val else "train_loss", patience=c.patience))
        if progress:
            callbacks.append(ProgressBar(console))
        self.trainer = Trainer(self.model, optimizer, loss=loss, epochs=c.epochs, batch_size=c.batch_size,
                               seed=c.seed, callbacks=callbacks, metrics={"accuracy": "accuracy"} if classify else None)
        self.trainer.extra["config"] = dataclasses.asdict(c)
        self.val = self.parts.val if has_val else None


def _finish(built: _Built, directory: str, config: RunConfig) -> dict[str, Any]:
    trainer, history = built.trainer, built.trainer.history
    atomic_torch_save(os.path.join(directory, "model.pt"), built.model.state_dict())
    history.to_csv(os.path.join(directory, "history.csv"))
    plot_history(history, os.path.join(directory, "loss.png"), title=f"{config.data}: {config.optimizer}, lr {config.lr:g}")
    summary: dict[str, Any] = {"stop_reason": history.stop_reason, "message": history.message,
                               "epochs": trainer.epoch, "steps": trainer.global_step,
                               "wall_time": round(trainer.elapsed, 3)}
    summary.update({k: v for k, v in history.final.items() if k.startswith(("train_", "val_"))})
    if len(built.parts.test) > 0:
        summary.update(trainer.evaluate(built.parts.test, "test"))
    if built.val is not None and history.epochs:
        summary["best_val_loss"] = history.best("val_loss")["val_loss"]
    atomic_write_text(os.path.join(directory, "summary.json"), json.dumps(summary, indent=1))
    return summary


def start_run(directory: str, config: RunConfig, progress: bool = True, console: Console | None = None) -> dict:
    """Create run folder ``directory``, train, write the outputs; return the summary."""
    if os.path.exists(os.path.join(directory, "config.json")):
        fail("start_run", "out", "a folder without a run in it (continue that one with --resume)", directory)
    built = _Built(config, directory, progress, console)
    atomic_write_text(os.path.join(directory, "config.json"), config.to_json())
    built.trainer.fit(built.parts.train, built.val)
    return _finish(built, directory, config)


def run_directory_of(path: str) -> str:
    """The run folder of ``path``: the folder itself, or the one above a checkpoint file."""
    if os.path.isdir(path):
        return path
    parent = os.path.dirname(os.path.abspath(path))
    return os.path.dirname(parent) if os.path.basename(parent) == "checkpoints" else parent


def resume_run(path: str, progress: bool = True, console: Console | None = None) -> dict:
    """Continue the run in folder ``path`` (or from the checkpoint file ``path``) to its end."""
    directory = run_directory_of(path)
    config_path = os.path.join(directory, "config.json")
    if not os.path.isfile(config_path):
        raise CheckpointError(f"{directory} is not a run folder: it has no config.json.")
    with open(config_path, encoding="utf-8") as f:
        config = RunConfig.from_json(f.read(), config_path)
    built = _Built(config, directory, progress, console)
    checkpoint = resolve_checkpoint(path if not os.path.isdir(path) else directory)
    built.trainer.resume(checkpoint, built.parts.train, built.val)
    return _finish(built, directory, config)
