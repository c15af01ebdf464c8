"""What a ``Trainer`` checkpoint holds, and restoring it with every check first.

``trainer_state(trainer)`` gathers everything a run depends on: the model and
optimizer states, each callback's state, the data order's random state and the
augmentation generator, the position in the run (epoch, batch, step and the
current epoch's batches), the History and the Trainer's settings.
``restore_trainer(trainer, state, source)`` checks the optimizer type, the batch
size, the data fingerprint and the random states before it changes anything,
so a checkpoint that does not fit leaves the Trainer as it was.

Example:
    >>> import torch
    >>> from trainlab.nn import MLP
    >>> from trainlab.train import Trainer
    >>> model = MLP([1, 4, 1])
    >>> trainer = Trainer(model, torch.optim.SGD(model.parameters(), lr=0.1), epochs=2)
    >>> sorted(trainer_state(trainer)["position"])
    ['batch_index', 'epoch', 'global_step', 'order']
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import torch

from trainlab.train.checkpoint import CheckpointError, CorruptCheckpoint, model_signature
from trainlab.train.rng import capture_rng, check_rng, restore_rng

if TYPE_CHECKING:  # pragma: no cover
    from trainlab.train.trainer import Trainer

__all__ = ["restore_trainer", "trainer_state"]


def trainer_state(trainer: Trainer) -> dict[str, Any]:
    """Everything a checkpoint holds (see ``trainlab.train.checkpoint``)."""
    return {
        "signature": model_signature(trainer.model),
        "model": trainer.model.state_dict(),
        "optimizer": trainer.optimizer.state_dict(),
        "optimizer_type": type(trainer.optimizer).__name__,
        "callbacks": trainer.callbacks.state_dict(),
        "rng": capture_rng(trainer.data_rng),
        "augment_rng": trainer.augment_rng.get_state(),
        "position": {"epoch": trainer.epoch, "batch_index": trainer.batch_index,
                     "global_step": trainer.global_step, "order": trainer.order},
        "history": trainer.history.state_dict(),
        "trainer": {"epochs": trainer.epochs, "batch_size": trainer.batch_size, "seed": trainer.seed,
                    "lr_scale": trainer.lr_scale, "should_stop": trainer.should_stop, "finished": trainer.finished,
                    "elapsed": trainer.elapsed, "data": trainer.data_fingerprint},
        "extra": trainer.extra,
    }


def _check_fits(trainer: Trainer, state: dict[str, Any], source: str) -> None:
    cfg = state["trainer"]
    if state["optimizer_type"] != type(trainer.optimizer).__name__:
        raise CheckpointError(f"{source} was written with optimizer {state['optimizer_type']}, "
                              f"this Trainer has {type(trainer.optimizer).__name__}.")
    if cfg["batch_size"] != trainer.batch_size:
        raise CheckpointError(f"{source} was written with batch_size={cfg['batch_size']}, "
                              f"this Trainer has batch_size={trainer.batch_size}.")
    if trainer.data_fingerprint is not None and cfg["data"] not in (None, trainer.data_fingerprint):
        raise CheckpointError(f"{source} was written for different data (the training or "
                              "validation values differ); resume with the data it was trained on.")
    try:
        check_rng(state["rng"], trainer.data_rng)
        if "augment_rng" in state:
            torch.Generator().set_state(state["augment_rng"])
    except (ValueError, TypeError, OverflowError, KeyError, RuntimeError, AttributeError) as err:
        raise CorruptCheckpoint(f"{source}: its random-number state is damaged ({err}).") from None


def restore_trainer(trainer: Trainer, state: dict[str, Any], source: str = "checkpoint") -> None:
    """Restore a ``trainer_state``; every check runs before anything is changed."""
    _check_fits(trainer, state, source)
    trainer.model.load_state_dict(state["model"])
    try:
        trainer.optimizer.load_state_dict(state["optimizer"])
    except (ValueError, KeyError, RuntimeError) as err:
        raise CheckpointError(f"{source}: the optimizer state does not fit this optimizer ({err}).") from None
    unmatched = trainer.callbacks.load_state_dict(state["callbacks"])
    if unmatched:
        warnings.warn(f"{source} holds state for callbacks this Trainer lacks: {unmatched}; "
                      "the resumed run may differ from an uninterrupted one.", stacklevel=3)
    restore_rng(state["rng"], trainer.data_rng)
    if "augment_rng" in state:  # checkpoints from before augmentation have none
        trainer.augment_rng.set_state(state["augment_rng"])
    pos, cfg = state["position"], state["trainer"]
    trainer.epoch, trainer.batch_index, trainer.global_step = pos["epoch"], pos["batch_index"], pos["global_step"]
    trainer.order = pos["order"]
    trainer.history.load_state_dict(state["history"])
    trainer.lr_scale, trainer.should_stop = float(cfg["lr_scale"]), bool(cfg["should_stop"])
    trainer.finished, trainer._elapsed = bool(cfg["finished"]), float(cfg["elapsed"])
    trainer.extra = dict(state.get("extra", {}))
