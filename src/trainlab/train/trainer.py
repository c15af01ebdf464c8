"""``Trainer``: fit a model with any optimizer, explain what happened, resume exactly.

One step (every optimizer, first-order or line-search): ``optimizer.step(closure)``
where the closure zeroes the gradients, computes the loss on the current batch,
back-propagates and returns the loss. First-order torch optimizers call it once,
``torch.optim.LBFGS`` as often as its line search needs, and a phase sequence
(an object switching optimizers) simply forwards it.

Batching (the Brown/NVIDIA, UCLA ECE 239AS and SUTD 50.039 notes), by ``batch_size``: ``None`` - full batch,
one step per epoch; ``1`` - stochastic gradient descent, one sample per step,
reshuffled every epoch; ``k`` - mini-batches of ``k`` (the last may be smaller).
The order is ``trainlab.train.descent.batch_order`` drawn from the Trainer's own
``numpy.random.default_rng(seed)``. At the start of a fresh fit the same seed
also seeds torch, which fixes dropout masks (build the model after
``seed_everything(seed)`` to fix its initialization too).

After each epoch the whole training and validation splits are evaluated in
``eval`` mode (``train_loss``, ``val_loss`` and each metric); ``History`` keeps
these and, per step, the batch loss, learning rate, gradient norm and time.

The loop adds little to the optimizer's own work: see ``trainlab.train.epoch_loop``
(the fit itself), ``trainlab.train.evaluation`` (the epoch's evaluation) and
``trainlab.train.trainer_state`` (what a checkpoint holds).

A run stops when all ``epochs`` are done (``stop_reason="completed"``), when a
callback calls ``trainer.stop`` (``"early_stopping"``, ``"non_finite"``), or when
the loss becomes NaN or infinite without a ``NaNGuard`` (``"diverged"``);
``history.message`` says why in words.

Checkpoints (``state_dict``) hold everything the run depends on; ``resume(path,
...)`` restores it and continues, giving parameters bit-identical to an
uninterrupted run (the SUTD 50.039 notes: saver and loader).

Example:
    >>> import torch
    >>> from trainlab.nn import MLP
    >>> from trainlab.train import Trainer, seed_everything
    >>> seed_everything(0)
    >>> X = torch.linspace(-1, 1, 32).reshape(-1, 1); y = X ** 2
    >>> model = MLP([1, 16, 1], activation="tanh")
    >>> trainer = Trainer(model, torch.optim.Adam(model.parameters(), lr=1e-2), epochs=20, batch_size=8)
    >>> history = trainer.fit((X, y))
    >>> history.stop_reason, len(history), len(history["loss"])
    ('completed', 20, 80)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from trainlab.constraints import BOOL, POSITIVE_INT, Optional, Satisfies, check, fail
from trainlab.train.callbacks.base import Callback, CallbackList
from trainlab.train.checkpoint import load_checkpoint, resolve_checkpoint
from trainlab.train.data import TensorPair, as_pair, fingerprint
from trainlab.train.epoch_loop import EpochLoop
from trainlab.train.evaluation import ReusableForward, evaluate_split, mode_free
from trainlab.train.history import History
from trainlab.train.losses import resolve_loss, resolve_metric
from trainlab.train.rng import SEED
from trainlab.train.trainer_state import restore_trainer, trainer_state

__all__ = ["Trainer"]

_MODULE = Satisfies(lambda m: isinstance(m, nn.Module), "a torch.nn.Module")
_STEPPER = Satisfies(lambda o: callable(getattr(o, "step", None)) and hasattr(o, "state_dict"),
                     "an optimizer with step(closure) and state_dict()")
_BATCH = Optional(POSITIVE_INT, none="full batch")
_PENALTY = Optional(Satisfies(callable, "a callable penalty(model, output, target) -> scalar tensor"),
                    none="no penalty")
_CALLABLE = Optional(Satisfies(callable, "a callable"))


class Trainer(EpochLoop):
    """Fit ``model`` with ``optimizer`` on ``loss`` for ``epochs`` epochs.

    Args:
        model: any ``torch.nn.Module``.
        optimizer: any object whose ``step(closure)`` updates the parameters and
            that has ``state_dict``/``load_state_dict`` (torch and trainlab optimizers,
            ``torch.optim.LBFGS``, phase sequences).
        loss: ``"mse"``, ``"mae"``, ``"cross_entropy"``, ``"bce"`` or a callable
            ``(pred, target) -> scalar tensor``.
        epochs: passes over the training data.
        batch_size: ``None`` full batch, ``1`` single-sample SGD, ``k`` mini-batches.
        seed: fixes the data order (and, at the start of a fresh fit, dropout).
        callbacks: ``Callback`` objects (see ``trainlab.train.callbacks``).
        metrics: ``{name: "accuracy" | callable(pred, target) -> float}``, evaluated
            on each split after every epoch as ``train_<name>`` and ``val_<name>``.
        eval_train: evaluate the whole training split after every epoch.
        penalty: a term added to the training loss only (``trainlab.regularize``:
            ``L2(1e-4) + L1(1e-5)``, ``LabelSmoothing(0.1)``...), called as
            ``penalty(model, output, target)``; the closure returns loss + penalty,
            while ``loss``, ``train_loss`` and ``val_loss`` stay the data loss and
            each epoch logs ``penalty`` (its value on the training split).
        augment: ``(x_batch, generator) -> x_batch`` applied to every training batch
            (``trainlab.regularize.Augment``); its ``torch.Generator`` (seeded with
            ``seed``) is saved in checkpoints, so a resumed run is bit-identical.
        sampler: ``(x, y, idx) -> (x_batch, y_batch)`` replacing ``(x[idx], y[idx])``
            (bagging: ``trainlab.train.ensemble.BootstrapBatches``).
    """

    def __init__(
        self,
        model: nn.Module,
        optimizer: Any,
        *,
        loss: str | Callable[[Tensor, Tensor], Tensor] = "mse",
        epochs: int = 1,
        batch_size: int | None = None,
        seed: int = 0,
        callbacks: Iterable[Callback] = (),
        metrics: Mapping[str, Any] | None = None,
        eval_train: bool = True,
        penalty: Callable[..., Tensor] | None = None,
        augment: Callable[[Tensor, torch.Generator], Tensor] | None = None,
        sampler: Callable[[Tensor, Tensor, Tensor], tuple[Tensor, Tensor]] | None = None,
    ) -> None:
        check("Trainer", "model", model, _MODULE)
        check("Trainer", "optimizer", optimizer, _STEPPER)
        check("Trainer", "epochs", epochs, POSITIVE_INT)
        check("Trainer", "batch_size", batch_size, _BATCH)
        check("Trainer", "seed", seed, SEED)
        check("Trainer", "eval_train", eval_train, BOOL)
        check("Trainer", "penalty", penalty, _PENALTY)
        self.penalty = penalty
        check("Trainer", "augment", augment, _CALLABLE)
        check("Trainer", "sampler", sampler, _CALLABLE)
        self.model, self.optimizer = model, optimizer
        self.loss_fn = resolve_loss(loss)
        self.metrics = {name: resolve_metric(name, m) for name, m in (metrics or {}).items()}
        self.epochs, self.batch_size, self.seed, self.eval_train = epochs, batch_size, seed, eval_train
        self.callbacks = CallbackList(callbacks)
        self.history = History()
        self.extra: dict[str, Any] = {}  # saved in every checkpoint (a run folder keeps its config here)
        # position in the run
        self.epoch = 0  # finished epochs
        self.batch_index = 0  # next batch of the current epoch
        self.global_step = 0  # finished steps
        self.order: list[Tensor] | None = None  # the current epoch's batches
        self.data_rng = np.random.default_rng(seed)
        self.augment, self.sampler = augment, sampler
        self.augment_rng = torch.Generator().manual_seed(seed)
        # flags callbacks read and write
        self.lr_scale = 1.0  # lowered by NaNGuard; ScheduleCallback multiplies its value by it
        # Set during a step by a guard that voided it (NaNGuard nulls the gradients, so the optimizer
        # leaves the parameters alone); a non-finite loss is then not reported as a divergence.
        self.skip_step = False
        self.should_stop = False
        self.finished = False
        self.train_data: TensorPair | None = None
        self.val_data: TensorPair | None = None
        self._elapsed, self._session_start = 0.0, None
        self.data_fingerprint: str | None = None
        self._mode_free = False  # set per session: may the model skip train/eval switches?
        self._reusable = ReusableForward()  # the epoch-end forward a full-batch step can reuse
        self._parameters: list[Tensor] = []  # set per session, with the buffers in _tensors
        self._tensors: list[Tensor] = []
        self._watch = True  # must the kept forward pass check the parameters before it is reused?
        self._full_batch: list[Tensor] | None = None  # the one batch of a full-batch epoch

    # -- public API ---------------------------------------------------------------
    def fit(self, train: Any, val: Any = None) -> History:
        """Train on ``train`` (``(X, y)`` or an object with ``.x``/``.y``), validating on ``val``."""
        self._bind(train, val)
        if self.finished:
            return self.history
        if not self.started:
            torch.manual_seed(self.seed)
            self.data_rng = np.random.default_rng(self.seed)
            self.augment_rng.manual_seed(self.seed)
        return self._run()

    def resume(self, path: str, train: Any = None, val: Any = None) -> History:
        """Load the checkpoint at ``path`` (a file, or the newest in a directory) and continue.

        A checkpoint holds no data: pass the splits the run was trained on, or leave
        them out to reuse those of this Trainer's last ``fit``.
        """
        if train is not None:
            self._bind(train, val)
        elif self.train_data is None:
            fail("Trainer.resume", "train", "the training data (a checkpoint holds none)", None)
        file = resolve_checkpoint(path)
        self.load_state_dict(load_checkpoint(file, model=self.model), source=file)
        if self.finished:
            return self.history
        return self._run()

    def stop(self, reason: str, message: str = "") -> None:
        """End the run after the current step; ``reason`` and ``message`` go to the History."""
        if not self.should_stop:
            self.should_stop = True
            self.history.stop_reason, self.history.message = reason, message

    @property
    def started(self) -> bool:
        return self.global_step > 0 or self.epoch > 0 or self.order is not None

    @property
    def epoch_keys(self) -> list[str]:
        """The keys of the logs every epoch end reports (and the History's epoch columns)."""
        splits = (["train"] if self.eval_train else []) + (["val"] if self.val_data is not None else [])
        penalty = ["penalty"] if self.penalty is not None else []
        return ["epoch", "step", *(f"{s}_{m}" for s in splits for m in ["loss", *self.metrics]), *penalty, "lr", "time"]

    @property
    def lr(self) -> float:
        """The learning rate of the first parameter group (NaN if the optimizer has none)."""
        groups = getattr(self.optimizer, "param_groups", None)
        return float(groups[0].get("lr", math.nan)) if groups else math.nan

    @property
    def elapsed(self) -> float:
        """Seconds of training so far, over every session of this run."""
        running = 0.0 if self._session_start is None else time.perf_counter() - self._session_start
        return self._elapsed + running

    def evaluate(self, data: Any, prefix: str = "") -> dict[str, float]:
        """Loss and metrics of the model on ``data`` in ``eval`` mode (keys ``prefix_loss``...)."""
        return self._evaluate(as_pair(data, "Trainer.evaluate", "data", self._device_dtype()), prefix)

    def _evaluate(self, pair: TensorPair, prefix: str) -> dict[str, float]:
        return evaluate_split(self.model, self.loss_fn, self.metrics, pair, prefix,
                              switch_mode=not mode_free(self.model))

    # -- data -----------------------------------------------------------------------
    def _device_dtype(self) -> tuple[torch.device, torch.dtype]:
        p = next(self.model.parameters(), None)
        return (p.device, p.dtype) if p is not None else (torch.device("cpu"), torch.get_default_dtype())

    def _bind(self, train: Any, val: Any) -> None:
        self.train_data = as_pair(train, "Trainer.fit", "train", self._device_dtype())
        self.val_data = None if val is None else as_pair(val, "Trainer.fit", "val", self._device_dtype())
        self.data_fingerprint = fingerprint(self.train_data, self.val_data)
        self._reusable.clear()

    # -- checkpoints ----------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Everything a checkpoint holds (see ``trainlab.train.trainer_state``)."""
        return trainer_state(self)

    def load_state_dict(self, state: dict[str, Any], source: str = "checkpoint") -> None:
        """Restore a ``state_dict``; every check runs before anything is changed."""
        restore_trainer(self, state, source)
        self._reusable.clear()

    def __repr__(self) -> str:
        bs = "full batch" if self.batch_size is None else f"batch_size={self.batch_size}"
        return (f"Trainer({type(self.model).__name__}, {type(self.optimizer).__name__}, epochs={self.epochs}, "
                f"{bs}, step {self.global_step}, epoch {self.epoch})")
