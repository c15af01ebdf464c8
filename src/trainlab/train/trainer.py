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
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from trainlab.constraints import BOOL, POSITIVE_INT, Optional, Satisfies, check, fail
from trainlab.train.descent import batch_order
from trainlab.train.callbacks.base import Callback, CallbackList
from trainlab.train.checkpoint import (
    CheckpointError,
    CorruptCheckpoint,
    load_checkpoint,
    model_signature,
    resolve_checkpoint,
)
from trainlab.train.data import TensorPair, as_pair, fingerprint
from trainlab.train.history import History
from trainlab.train.losses import resolve_loss, resolve_metric
from trainlab.train.rng import SEED, capture_rng, check_rng, restore_rng

__all__ = ["Trainer"]

_MODULE = Satisfies(lambda m: isinstance(m, nn.Module), "a torch.nn.Module")
_STEPPER = Satisfies(lambda o: callable(getattr(o, "step", None)) and hasattr(o, "state_dict"),
                     "an optimizer with step(closure) and state_dict()")
_BATCH = Optional(POSITIVE_INT, none="full batch")
_PENALTY = Optional(Satisfies(callable, "a callable penalty(model, output, target) -> scalar tensor"), none="no penalty")
_CALLABLE = Optional(Satisfies(callable, "a callable"))


class Trainer:
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
        self._fingerprint: str | None = None

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

    @torch.no_grad()
    def _evaluate(self, pair: TensorPair, prefix: str) -> dict[str, float]:
        was_training = self.model.training
        self.model.eval()
        try:
            pred = self.model(pair.x)
            out = {"loss": float(self.loss_fn(pred, pair.y))}
            out.update({name: float(fn(pred, pair.y)) for name, fn in self.metrics.items()})
        finally:
            self.model.train(was_training)
        return {f"{prefix}_{k}" if prefix else k: v for k, v in out.items()}

    # -- the loop -----------------------------------------------------------------
    def _run(self) -> History:
        self._session_start = time.perf_counter()
        self.model.train()
        self.callbacks.on_fit_start(self)
        while self.epoch < self.epochs and not self.should_stop:
            if self.order is None:
                n = len(self.train_data.x)
                self.order = [torch.as_tensor(b) for b in batch_order(n, self.batch_size, self.data_rng)]
                self.batch_index = 0
                self.callbacks.on_epoch_start(self)
            while self.batch_index < len(self.order) and not self.should_stop:
                self._step(self.order[self.batch_index])
            if self.batch_index >= len(self.order):
                self._end_epoch()
        self.stop("completed", f"ran all {self.epochs} epochs")
        self.finished = True
        self.callbacks.on_fit_end(self)
        self._elapsed, self._session_start = self.elapsed, None
        return self.history

    def _step(self, idx: Tensor) -> None:
        xb, yb = self._batch(idx)
        self.skip_step = False
        self.callbacks.on_step_start(self)
        first: list[tuple[float, float]] = []

        def closure() -> Tensor:
            self.optimizer.zero_grad(set_to_none=True)
            loss, total = self._losses(xb, yb)
            total.backward()
            if not first:
                first.append((float(loss.detach()), self._grad_norm()))
            self.callbacks.on_after_backward(self, total)
            return total

        self.optimizer.step(closure)
        loss, grad_norm = first[0] if first else (math.nan, math.nan)
        self.batch_index += 1
        self.global_step += 1
        row = {"step": self.global_step, "epoch": self.epoch, "loss": loss, "lr": self.lr,
               "grad_norm": grad_norm, "time": self.elapsed}
        self.history.add_step(**row)
        self.callbacks.on_step_end(self, row)
        if not math.isfinite(loss) and not self.skip_step:
            self.stop("diverged", f"the training loss became {loss} at step {self.global_step} "
                      f"(epoch {self.epoch + 1}); {self.divergence_advice()}")

    def _losses(self, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        """The data loss of a batch, and the training loss (plus ``penalty``) that is minimized."""
        out = self.model(x)
        loss = self.loss_fn(out, y)
        return loss, (loss if self.penalty is None else loss + self.penalty(self.model, out, y))

    def _batch(self, idx: Tensor) -> tuple[Tensor, Tensor]:
        """The training batch of indices ``idx`` (sampled and augmented when the Trainer has those)."""
        data = self.train_data
        if self.sampler is not None:
            xb, yb = self.sampler(data.x, data.y, idx)
        elif len(idx) == len(data.x):
            xb, yb = data.x, data.y
        else:
            xb, yb = data.x[idx], data.y[idx]
        if self.augment is not None:
            xb = self.augment(xb, self.augment_rng)
        return xb, yb

    def _end_epoch(self) -> None:
        logs: dict[str, float] = {"epoch": self.epoch + 1, "step": self.global_step}
        if self.eval_train:
            logs.update(self._evaluate(self.train_data, "train"))
        if self.val_data is not None:
            logs.update(self._evaluate(self.val_data, "val"))
        if self.penalty is not None:
            logs["penalty"] = self._penalty_value()
        logs.update(lr=self.lr, time=self.elapsed)
        self.history.add_epoch(logs)
        # The position moves to the next epoch before the hooks run, so a checkpoint
        # written by an epoch-end hook resumes at the start of the next epoch.
        self.epoch, self.order, self.batch_index = self.epoch + 1, None, 0
        if self.val_data is not None:
            self.callbacks.on_validation_end(self, logs)
        self.callbacks.on_epoch_end(self, logs)
        if not math.isfinite(logs.get("train_loss", 0.0)):
            self.stop("diverged", f"the training loss is {logs['train_loss']} after epoch {logs['epoch']}; "
                      f"{self.divergence_advice()}")

    @torch.no_grad()
    def _penalty_value(self) -> float:
        """The penalty at the current weights on the whole training split, in ``eval`` mode."""
        was_training = self.model.training
        self.model.eval()
        try:
            out = self.model(self.train_data.x)
            return float(self.penalty(self.model, out, self.train_data.y))
        finally:
            self.model.train(was_training)

    def divergence_advice(self) -> str:
        """What to do about a diverging run, naming only the guards this run does not have yet."""
        advice = "lower the learning rate (trainlab.train.lr_range_test finds one that fits)"
        present = {type(cb).__name__ for cb in self.callbacks}
        missing = [name for name in ("GradientClipping", "NaNGuard") if name not in present]
        return advice + (f", or add {' or '.join(missing)}" if missing else "")

    def _grad_norm(self) -> float:
        grads = [p.grad.detach() for p in self.model.parameters() if p.grad is not None]
        if not grads:
            return math.nan
        return float(torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads])))

    # -- data -----------------------------------------------------------------------
    def _device_dtype(self) -> tuple[torch.device, torch.dtype]:
        p = next(self.model.parameters(), None)
        return (p.device, p.dtype) if p is not None else (torch.device("cpu"), torch.get_default_dtype())

    def _bind(self, train: Any, val: Any) -> None:
        self.train_data = as_pair(train, "Trainer.fit", "train", self._device_dtype())
        self.val_data = None if val is None else as_pair(val, "Trainer.fit", "val", self._device_dtype())
        self._fingerprint = fingerprint(self.train_data, self.val_data)

    # -- checkpoints ----------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Everything a checkpoint holds (see ``trainlab.train.checkpoint``)."""
        return {
            "signature": model_signature(self.model),
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "optimizer_type": type(self.optimizer).__name__,
            "callbacks": self.callbacks.state_dict(),
            "rng": capture_rng(self.data_rng),
            "augment_rng": self.augment_rng.get_state(),
            "position": {"epoch": self.epoch, "batch_index": self.batch_index, "global_step": self.global_step,
                         "order": self.order},
            "history": self.history.state_dict(),
            "trainer": {"epochs": self.epochs, "batch_size": self.batch_size, "seed": self.seed,
                        "lr_scale": self.lr_scale, "should_stop": self.should_stop, "finished": self.finished,
                        "elapsed": self.elapsed, "data": self._fingerprint},
            "extra": self.extra,
        }

    def load_state_dict(self, state: dict[str, Any], source: str = "checkpoint") -> None:
        """Restore a ``state_dict``; every check runs before anything is changed."""
        cfg = state["trainer"]
        if state["optimizer_type"] != type(self.optimizer).__name__:
            raise CheckpointError(f"{source} was written with optimizer {state['optimizer_type']}, "
                                  f"this Trainer has {type(self.optimizer).__name__}.")
        if cfg["batch_size"] != self.batch_size:
            raise CheckpointError(f"{source} was written with batch_size={cfg['batch_size']}, "
                                  f"this Trainer has batch_size={self.batch_size}.")
        if self._fingerprint is not None and cfg["data"] not in (None, self._fingerprint):
            raise CheckpointError(f"{source} was written for different data (the training or "
                                  "validation values differ); resume with the data it was trained on.")
        try:
            check_rng(state["rng"], self.data_rng)
            if "augment_rng" in state:
                torch.Generator().set_state(state["augment_rng"])
        except (ValueError, TypeError, OverflowError, KeyError, RuntimeError, AttributeError) as err:
            raise CorruptCheckpoint(f"{source}: its random-number state is damaged ({err}).") from None
        self.model.load_state_dict(state["model"])
        try:
            self.optimizer.load_state_dict(state["optimizer"])
        except (ValueError, KeyError, RuntimeError) as err:
            raise CheckpointError(f"{source}: the optimizer state does not fit this optimizer ({err}).") from None
        unmatched = self.callbacks.load_state_dict(state["callbacks"])
        if unmatched:
            warnings.warn(f"{source} holds state for callbacks this Trainer lacks: {unmatched}; "
                          "the resumed run may differ from an uninterrupted one.", stacklevel=2)
        restore_rng(state["rng"], self.data_rng)
        if "augment_rng" in state:  # checkpoints from before augmentation have none
            self.augment_rng.set_state(state["augment_rng"])
        pos = state["position"]
        self.epoch, self.batch_index, self.global_step = pos["epoch"], pos["batch_index"], pos["global_step"]
        self.order = pos["order"]
        self.history.load_state_dict(state["history"])
        self.lr_scale, self.should_stop = float(cfg["lr_scale"]), bool(cfg["should_stop"])
        self.finished, self._elapsed = bool(cfg["finished"]), float(cfg["elapsed"])
        self.extra = dict(state.get("extra", {}))

    def __repr__(self) -> str:
        bs = "full batch" if self.batch_size is None else f"batch_size={self.batch_size}"
        return (f"Trainer({type(self.model).__name__}, {type(self.optimizer).__name__}, epochs={self.epochs}, "
                f"{bs}, step {self.global_step}, epoch {self.epoch})")
