"""``Curvature``: a Trainer callback tracking the Hessian's top eigenvalue and trace beside ``2 / lr``.

Gradient descent with step ``lr`` on a quadratic is stable only while the top
Hessian eigenvalue ``lambda_max < 2 / lr``. Cohen et al. (2021, "Gradient descent
on neural networks typically occurs at the edge of stability", ICLR) observe that
full-batch training drives ``lambda_max`` up to that bound and then hovers there
("progressive sharpening", then the "edge of stability"). Every ``every`` steps
this callback measures, after the step:

* ``top_eigenvalue``: Lanczos (``trainlab.diagnose.spectrum.eigenvalues``, ``k=1``)
  warm-started from the previous top eigenvector, to ``tol`` (default ``1e-3``)
  within ``max_hvps`` products (default 20): a few HVPs, since the vector moves little;
* ``trace``: Hutchinson with ``trace_samples`` Rademacher probes, and its standard error;
* ``two_over_lr``: ``2 / lr`` at that step (the edge of stability).

The loss is the Trainer's loss on ``batch="current"`` (the step's own mini-batch)
or ``batch="fixed"`` (``fixed_size`` training rows drawn once with ``seed``; all
of them when ``None``). The model is measured in eval mode (dropout off, batch
norm on its running statistics, which products must not update) and put back.
Every measurement is in ``records``; the latest one of each epoch is also written
into that epoch's row of ``trainer.history`` (columns ``top_eigenvalue``,
``hessian_trace``, ``two_over_lr``). Cost per measurement: ``max_hvps +
trace_samples`` HVPs at most.

Example:
    >>> import torch
    >>> from trainlab.nn import MLP
    >>> from trainlab.optim import SGD
    >>> from trainlab.train import Trainer
    >>> x = torch.linspace(-1, 1, 32).reshape(-1, 1); y = x ** 2
    >>> model = MLP([1, 8, 1]); curv = Curvature(every=5, trace_samples=4)
    >>> h = Trainer(model, SGD(model.parameters(), lr=0.1), epochs=10, callbacks=[curv]).fit((x, y))
    >>> len(curv.records), h["two_over_lr"][-1], 0 < h["top_eigenvalue"][-1] < 20   # below the edge: stable
    (2, 20.0, True)
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import torch

from trainlab.constraints import POSITIVE, POSITIVE_INT, Interval, Optional, Options, check
from trainlab.diagnose.hvp import ModelLoss, model_loss
from trainlab.diagnose.spectrum import eigenvalues
from trainlab.diagnose.stochastic import trace
from trainlab.train.callbacks.base import Callback

__all__ = ["Curvature"]


class Curvature(Callback):
    """Every ``every`` steps: the top Hessian eigenvalue (warm-started Lanczos), its trace, and ``2 / lr``."""

    def __init__(self, every: int = 50, batch: str = "current", fixed_size: int | None = None,
                 trace_samples: int = 10, tol: float = 1e-3, max_hvps: int = 20, seed: int = 0) -> None:
        check("Curvature", "every", every, POSITIVE_INT)
        check("Curvature", "batch", batch, Options(("current", "fixed")))
        check("Curvature", "fixed_size", fixed_size, Optional(POSITIVE_INT, none="every training row"))
        check("Curvature", "trace_samples", trace_samples, Optional(Interval(2, None, integer=True), none="no trace"))
        check("Curvature", "tol", tol, POSITIVE)
        check("Curvature", "max_hvps", max_hvps, Interval(2, None, integer=True))
        check("Curvature", "seed", seed, Interval(0, None, integer=True))
        self.every, self.batch, self.fixed_size = every, batch, fixed_size
        self.trace_samples, self.tol, self.max_hvps, self.seed = trace_samples, tol, max_hvps, seed
        self.generator = torch.Generator().manual_seed(seed)
        self.records: list[dict[str, float]] = []
        self.vector: torch.Tensor | None = None  # the last top eigenvector (warm start)
        self._fixed: torch.Tensor | None = None
        self._loss: ModelLoss | None = None

    def _rows(self, trainer: Any) -> torch.Tensor:
        """The training rows the loss is measured on."""
        if self.batch == "current":
            return trainer.order[trainer.batch_index - 1]
        if self._fixed is None:
            n = len(trainer.train_data.x)
            perm = torch.randperm(n, generator=torch.Generator().manual_seed(self.seed))
            self._fixed = torch.sort(perm[: min(n, self.fixed_size or n)]).values
        return self._fixed

    def measure(self, trainer: Any) -> dict[str, float]:
        """Measure now (what ``on_step_end`` does every ``every`` steps) and append to ``records``."""
        rows = self._rows(trainer).to(trainer.train_data.x.device)
        data = trainer.train_data
        if self._loss is None or self._loss.model is not trainer.model:
            self._loss = model_loss(trainer.model, trainer.loss_fn, None, None)
        loss_fn = self._loss  # one object: a loss without forward-mode AD is found out once
        loss_fn.inputs, loss_fn.targets = data.x[rows], data.y[rows]
        params = [p for p in trainer.model.parameters() if p.requires_grad]
        was_training = trainer.model.training
        trainer.model.eval()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # unconverged: the residual is recorded
                spec = eigenvalues(loss_fn, params, k=1, tol=self.tol, vectors=True, max_hvps=self.max_hvps,
                                   generator=self.generator, start=self.vector)
            self.vector = spec.vectors[0].detach()
            row = {"step": float(trainer.global_step), "top_eigenvalue": float(spec.values[0]),
                   "residual": float(spec.residuals[0]), "two_over_lr": 2.0 / trainer.lr if trainer.lr else math.inf,
                   "hvps": float(spec.hvp_count)}
            if self.trace_samples is not None:
                t = trace(loss_fn, params, samples=self.trace_samples, generator=self.generator)
                row.update(hessian_trace=t.estimate, hessian_trace_se=t.standard_error, hvps=row["hvps"] + t.hvp_count)
        finally:
            trainer.model.train(was_training)
        self.records.append(row)
        return row

    def on_step_end(self, trainer: Any, logs: dict[str, float]) -> None:
        if trainer.global_step % self.every == 0:
            self.measure(trainer)

    def on_epoch_end(self, trainer: Any, logs: dict[str, float]) -> None:
        last = self.records[-1] if self.records else None
        if last is not None and last["step"] > logs["step"] - _steps_in_epoch(trainer, logs):
            trainer.history.epochs[-1].update({k: last[k] for k in ("top_eigenvalue", "hessian_trace", "two_over_lr")
                                               if k in last})

    def state_dict(self) -> dict[str, Any]:
        return {"records": [dict(r) for r in self.records], "vector": self.vector,
                "generator": self.generator.get_state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.records = [dict(r) for r in state["records"]]
        self.vector = state["vector"]
        self.generator.set_state(state["generator"])


def _steps_in_epoch(trainer: Any, logs: dict[str, float]) -> int:
    """Steps taken in the epoch that just ended (its first step is ``logs['step'] - this + 1``)."""
    previous = trainer.history.epochs[-2]["step"] if len(trainer.history.epochs) > 1 else 0
    return int(logs["step"] - previous)
