"""The Trainer's epoch loop: batches, the closure step, the epoch's evaluation, divergence.

``EpochLoop`` is the part of ``trainlab.train.Trainer`` that runs a fit; the
Trainer holds the settings, the public API and the checkpoints. One step calls
``optimizer.step(closure)``; the closure zeroes the gradients, computes the loss
(plus ``penalty``) on the batch, back-propagates and, on its first call, records
the loss and the gradient norm (before any callback clips it). After the last
batch of an epoch the whole training and validation splits are evaluated and the
position moves on before the epoch-end hooks run, so a checkpoint written there
resumes at the start of the next epoch.

What keeps the loop cheap (``benchmarks/trainer_overhead.py`` measures it against a
plain torch loop): hooks no callback overrides are never called
(``CallbackList``); the gradient norm stays a tensor until the epoch ends
(``History.flush``), unless an ``on_step_end`` hook reads it; the model's mode
is never switched when its forward provably ignores it (``mode_free``); and a
full-batch epoch's evaluation of the training split is kept as the next step's
forward pass when ``reuses_forward`` says it is the same computation. The loss is
read once per step: a run stops at the step where it turns non-finite.

Example:
    >>> import torch
    >>> from trainlab.nn import MLP
    >>> from trainlab.train import Trainer
    >>> torch.manual_seed(0); model = MLP([1, 8, 1], activation="tanh")  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> trainer = Trainer(model, torch.optim.Adam(model.parameters(), lr=1e-2), epochs=3)
    >>> isinstance(trainer, EpochLoop), trainer.fit((torch.zeros(4, 1), torch.ones(4, 1))).stop_reason
    (True, 'completed')
    >>> trainer.reuses_forward  # full batch, a model without dropout or batch norm
    True
"""

from __future__ import annotations

import math
import time

import torch
from torch import Tensor

from trainlab.train.descent import batch_order
from trainlab.train.evaluation import evaluate_split, mode_free
from trainlab.train.history import History

__all__ = ["EpochLoop"]


class EpochLoop:
    """The fit itself, for ``Trainer`` (which holds every attribute these methods use)."""

    def _run(self) -> History:
        self._session_start = time.perf_counter()
        self.model.train()
        self._mode_free = mode_free(self.model)
        self._parameters = list(self.model.parameters())  # the tensors the optimizer updates
        self._tensors = [*self._parameters, *self.model.buffers()]
        between = ("on_validation_end", "on_epoch_end", "on_epoch_start", "on_step_start")
        self._watch = (any(self.callbacks.wants(h) for h in between)
                       or not type(self.optimizer).__module__.startswith("torch.optim."))
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
            watched = self._tensors if self._watch else None
            return self._reusable.evaluate(self.model, watched, self.loss_fn, self.metrics,
                                           self.train_data, "train")
        return evaluate_split(self.model, self.loss_fn, self.metrics, self.train_data, "train",
                              switch_mode=not self._mode_free)

    @property
    def reuses_forward(self) -> bool:
        """True when the epoch's training-split evaluation equals the next step's forward pass.

        It does when each epoch is one batch holding the whole split in order (full batch),
        the batch is used as it is (no ``sampler``, no ``augment``), the minimized loss is
        the data loss (no ``penalty``) and the model's forward ignores its mode.
        """
        n = None if self.train_data is None else len(self.train_data.x)
        one_batch = self.batch_size is None or (n is not None and self.batch_size >= n)
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
