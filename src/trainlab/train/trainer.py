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

The loop adds little to the optimizer's own work (``benchmarks/trainer_overhead.py``
measures it against a plain torch loop): only the callback hooks that are
overridden are called; the gradient norm stays a tensor until the epoch ends
(or a callback's ``on_step_end`` reads it); a model whose forward provably ignores
``train``/``eval`` mode (``trainlab.train.evaluation.mode_free``) is never switched;
and in a full-batch run of such a model without ``penalty``, ``augment`` or
``sampler``, the epoch's evaluation of the training split *is* the next step's
forward pass, so that pass is run once and kept (see
``trainlab.train.evaluation.ReusableForward``). The History is the same either way.
The loss is read once per step: the run stops at the step where it turns non-finite.

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
from trainlab.train.descent import batch_order
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
        self.data_fingerprint: str | None = None
        self._mode_free = False  # set per session: may the model skip train/eval switches?
        self._reusable = ReusableForward()  # the epoch-end forward a full-batch step can reuse
        self._parameters: list[Tensor] = []  # set per session, with the buffers in _tensors
        self._tensors: list[Tensor] = []
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

    # -- the loop -----------------------------------------------------------------
    def _run(self) -> History:
        self._session_start = time.perf_counter()
        self.model.train()
        self._mode_free = mode_free(self.model)
        self._parameters = list(self.model.parameters())  # the tensors the optimizer updates
        self._tensors = [*self._parameters, *self.model.buffers()]
        self.callbacks.on_fit_start(self)
        while self.epoch < self.epochs and not self.should_stop:
            if self.order is None:
                self.order = self._epoch_batches()
                self.batch_index = 0
                self.callbacks.on_epoch_start(self)
            while self.batch_index < len(self.order) and not self.should_stop:
                self._step(self.order[self.batch_index])
            if self.batch_index >= len(self.order):
                self._end_epoch()
        self._reusable.clear()
        self.history.flush()
        self.stop("completed", f"ran all {self.epochs} epochs")
        self.finished = True
        self.callbacks.on_fit_end(self)
        self._elapsed, self._session_start = self.elapsed, None
        return self.history

    def _step(self, idx: Tensor) -> None:
        xb, yb = self._batch(idx)
        self.skip_step = False
        self.callbacks.on_step_start(self)
        first: list[tuple[Tensor, Tensor | float]] = []

        def closure() -> Tensor:
            self.optimizer.zero_grad(set_to_none=True)
            kept = None if first else self._reusable.take(self._tensors)
            loss, total = (kept, kept) if kept is not None else self._losses(xb, yb)
            total.backward()
            if not first:
                first.append((loss.detach(), self._grad_norm()))
            self.callbacks.on_after_backward(self, total)
            return total

        self.optimizer.step(closure)
        self._reusable.clear()
        loss = float(first[0][0]) if first else math.nan
        grad_norm = first[0][1] if first else math.nan
        self.batch_index += 1
        self.global_step += 1
        if self.callbacks.wants("on_step_end"):  # callbacks read floats
            grad_norm = float(grad_norm)
        row = {"step": self.global_step, "epoch": self.epoch, "loss": loss, "lr": self.lr,
               "grad_norm": grad_norm, "time": self.elapsed}
        self.history.add_step(**row)
        self.callbacks.on_step_end(self, row)
        if not math.isfinite(loss) and not self.skip_step:
            self.stop("diverged", f"the training loss became {loss} at step {self.global_step} "
                      f"(epoch {self.epoch + 1}); {self.divergence_advice()}")

    def _epoch_batches(self) -> list[Tensor]:
        """The next epoch's batches of indices (a full batch draws nothing and is built once per session)."""
        n = len(self.train_data.x)
        if self.batch_size is None or self.batch_size >= n:
            if self._full_batch is None or len(self._full_batch[0]) != n:
                self._full_batch = [torch.as_tensor(b) for b in batch_order(n, None, self.data_rng)]
            return self._full_batch
        return [torch.as_tensor(b) for b in batch_order(n, self.batch_size, self.data_rng)]

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
        self.history.flush()
        logs: dict[str, float] = {"epoch": self.epoch + 1, "step": self.global_step}
        if self.eval_train:
            logs.update(self._evaluate_train())
        if self.val_data is not None:
            logs.update(evaluate_split(self.model, self.loss_fn, self.metrics, self.val_data, "val",
                                       switch_mode=not self._mode_free))
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

    def _evaluate_train(self) -> dict[str, float]:
        """The epoch's training-split scores; kept as the next step's forward pass when that is exact."""
        if self.reuses_forward and self.epoch + 1 < self.epochs and not self.should_stop:
            return self._reusable.evaluate(self.model, self._tensors, self.loss_fn, self.metrics, self.train_data, "train")
        return evaluate_split(self.model, self.loss_fn, self.metrics, self.train_data, "train",
                              switch_mode=not self._mode_free)

    @property
    def reuses_forward(self) -> bool:
        """True when the epoch's training-split evaluation equals the next step's forward pass.

        It does when each epoch is one batch holding the whole split in order (full batch),
        the batch is used as it is (no ``sampler``, no ``augment``), the minimized loss is
        the data loss (no ``penalty``) and the model's forward ignores its mode.
        """
        one_batch = self.batch_size is None or (self.train_data is not None and self.batch_size >= len(self.train_data.x))
        return (one_batch and self.sampler is None and self.augment is None and self.penalty is None
                and self._mode_free)

    @torch.no_grad()
    def _penalty_value(self) -> float:
        """The penalty at the current weights on the whole training split, in ``eval`` mode."""
        was_training = self.model.training
        if not self._mode_free:
            self.model.eval()
        try:
            out = self.model(self.train_data.x)
            return float(self.penalty(self.model, out, self.train_data.y))
        finally:
            if not self._mode_free:
                self.model.train(was_training)

    def divergence_advice(self) -> str:
        """What to do about a diverging run, naming only the guards this run does not have yet."""
        advice = "lower the learning rate (trainlab.train.lr_range_test finds one that fits)"
        present = {type(cb).__name__ for cb in self.callbacks}
        missing = [name for name in ("GradientClipping", "NaNGuard") if name not in present]
        return advice + (f", or add {' or '.join(missing)}" if missing else "")

    def _grad_norm(self) -> Tensor | float:
        """The global L2 norm of the gradients, as a tensor (NaN when no parameter has one)."""
        grads = [p.grad.detach() for p in self._parameters if p.grad is not None]
        if not grads:
            return math.nan
        return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))

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
