"""Data-parallel training with ``torch.distributed``: the Trainer's own batches, split over ranks.

Run under ``torchrun`` (or ``trainlab train --nproc N``), each process holds the
whole data set and the same model; ``DataParallel`` (a callback) turns a
``Trainer`` into one rank of a data-parallel run when the fit starts:

* the model is wrapped in ``torch.nn.parallel.DistributedDataParallel`` (gloo on
  CPU, NCCL for CUDA tensors), which broadcasts rank 0's parameters once and
  all-reduces the gradients in every ``backward``;
* every rank draws the same global batch from the Trainer's seeded order
  (``trainlab.train.descent.batch_order``) and takes its contiguous share
  (``ShardBatches``), so the global batch sequence is the single-process one;
* the training loss (``GlobalBatchLoss``) is the global batch's mean: each rank's
  share mean is weighted by its share ``n_r / B`` and all-reduced, so the loss a
  closure returns is the same number on every rank, and the gradient that DDP
  averages is exactly ``(1/B) sum_i grad l_i``, the single-process gradient,
  also when ``B`` does not divide evenly (the last batch of an epoch);
* dropout masks are drawn from a generator seeded by ``(seed, rank, step)``, so
  ranks do not repeat each other's masks and a resumed run draws the same ones.

Epoch-end metrics are computed on the whole training and validation splits,
which every rank holds, so every rank computes the same numbers; the per-step
loss in the history is the all-reduced global-batch loss. Only rank 0 writes a
run folder (``trainlab.train.distributed_run``).

Supported: every first-order optimizer (the step sees the averaged gradient) and
the closure-based line-search methods L-BFGS, BFGS and nonlinear CG: every closure
call is a forward and backward pass over the global batch with the loss
all-reduced and the gradients averaged, so all ranks take the same line-search
decisions. Refused with a message: Newton and Hessian-free (they differentiate
the loss twice, which DDP's gradient hooks do not support), bagging ensembles
(they replace the batch sampler), augmentation (a rank's draws would differ from
the single-process ones) and batch normalization (per-rank batch statistics).

Example (two processes on one machine, CPU)::

    torchrun --standalone --nproc-per-node 2 -m trainlab train --data diabetes --batch-size 64 --out runs/d
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch import Tensor, nn
from torch.nn.parallel import DistributedDataParallel

from trainlab.constraints import fail
from trainlab.train.callbacks import Callback

__all__ = ["DEFAULT_TIMEOUT_S", "DataParallel", "GlobalBatchLoss", "ShardBatches", "Workers", "check_distributable",
           "process_group", "worker_env"]

DEFAULT_TIMEOUT_S = 120.0  # a collective waiting longer than this for a dead rank raises instead of hanging


@dataclass(frozen=True)
class Workers:
    """This process's place in the run: ``rank`` of ``world_size`` (rank 0 writes)."""

    rank: int
    world_size: int
    local_rank: int = 0

    @property
    def writer(self) -> bool:
        return self.rank == 0


def worker_env() -> Workers | None:
    """The ``Workers`` that ``torchrun`` describes in the environment; ``None`` outside a multi-process run."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1 or "RANK" not in os.environ:
        return None
    return Workers(int(os.environ["RANK"]), world, int(os.environ.get("LOCAL_RANK", "0")))


@contextmanager
def process_group(timeout_s: float = DEFAULT_TIMEOUT_S) -> Iterator[Workers]:
    """Join the process group ``torchrun`` set up (gloo for CPU tensors, NCCL for CUDA ones), then leave it.

    ``timeout_s`` bounds every collective: if a rank dies, the others raise after
    at most that long instead of waiting for ever (``torchrun`` also stops them
    as soon as it sees a worker fail). Inside an already joined group it joins
    nothing and leaves nothing, so a process may run several fits in one group.
    """
    workers = worker_env()
    if workers is not None and dist.is_initialized():  # already joined (a caller running several fits): stay
        yield workers
        return
    if workers is None:
        fail("process_group", "WORLD_SIZE", "set by torchrun to 2 or more (launch with torchrun or --nproc)",
             os.environ.get("WORLD_SIZE"))
    backend = "gloo"
    if torch.cuda.is_available():
        torch.cuda.set_device(workers.local_rank)
        backend = "cpu:gloo,cuda:nccl"
    dist.init_process_group(backend, timeout=timedelta(seconds=timeout_s))
    try:
        yield workers
    finally:
        dist.destroy_process_group()


def check_distributable(optimizer: str, *, ensemble: Any = None, augment: Any = None, batch_norm: bool = False,
                        owner: str = "start_run") -> None:
    """Refuse, naming the argument, what data-parallel training does not support (see the module notes)."""
    from trainlab.optim import registry
    from trainlab.optim.second_order.hessian_free import HessianFree
    from trainlab.optim.second_order.newton import Newton

    if issubclass(registry.get(optimizer).cls, (Newton, HessianFree)):
        fail(owner, "optimizer", "a first-order method or a line-search one (lbfgs, bfgs, cg) under several "
             "processes: newton and hessian-free differentiate the loss twice, which DistributedDataParallel "
             "does not support", optimizer)
    if ensemble is not None:
        fail(owner, "ensemble", "None under several processes (run the members as a sweep instead)", ensemble)
    if augment is not None:
        fail(owner, "augment", "None under several processes (each rank would draw its own augmentations)",
             augment)
    if batch_norm:
        fail(owner, "batch_norm", "False under several processes (each rank would normalize by its own share "
             "of the batch)", batch_norm)


class ShardBatches:
    """A Trainer ``sampler``: rank ``r`` takes the ``r``-th contiguous share of every global batch."""

    def __init__(self, workers: Workers) -> None:
        self.workers = workers
        self.batch_size = 0  # of the current global batch
        self.share = 0  # this rank's rows of it

    def __call__(self, x: Tensor, y: Tensor, idx: Tensor) -> tuple[Tensor, Tensor]:
        part = torch.tensor_split(idx, self.workers.world_size)[self.workers.rank]
        self.batch_size, self.share = len(idx), len(part)
        return x[part], y[part]


class _GlobalValue(torch.autograd.Function):
    """Value: the all-reduced global loss. Gradient: ``scale`` times that of this rank's share loss."""

    @staticmethod
    def forward(ctx: Any, local: Tensor, scale: float, total: Tensor) -> Tensor:
        ctx.share_weight = scale
        return total.clone()

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor, None, None]:
        return grad * ctx.share_weight, None, None


class GlobalBatchLoss:
    """The mean loss over the global batch, from each rank's share (evaluation calls pass straight through)."""

    def __init__(self, loss: Callable[[Tensor, Tensor], Tensor], shard: ShardBatches) -> None:
        self.loss, self.shard = loss, shard

    def __call__(self, pred: Tensor, target: Tensor) -> Tensor:
        if not torch.is_grad_enabled():  # evaluation: every rank holds the whole split
            return self.loss(pred, target)
        weight = self.shard.share / self.shard.batch_size
        local = self.loss(pred, target) if self.shard.share else pred.sum() * 0.0
        total = (local.detach() * weight).clone()
        dist.all_reduce(total)
        # DDP averages over ranks; world * weight makes the average the weighted sum
        return _GlobalValue.apply(local, weight * self.shard.workers.world_size, total)


class _StateOfModule(DistributedDataParallel):
    """DDP whose state dict is the wrapped module's: checkpoints load with and without it."""

    def state_dict(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return self.module.state_dict(*args, **kwargs)

    def load_state_dict(self, state: Any, strict: bool = True, assign: bool = False) -> Any:
        return self.module.load_state_dict(state, strict=strict, assign=assign)


class DataParallel(Callback):
    """Make the Trainer one rank of a data-parallel run for the length of a fit (see the module notes)."""

    order = -100  # before the other callbacks see the model

    def __init__(self, workers: Workers) -> None:
        self.workers = workers
        self._kept: tuple[Any, Any, Any] | None = None

    def on_fit_start(self, trainer: Any) -> None:
        if trainer.sampler is not None:
            fail("DataParallel", "sampler", "None (data-parallel training shards the Trainer's own batches)",
                 trainer.sampler)
        if trainer.augment is not None:
            fail("DataParallel", "augment", "None (each rank would draw its own augmentations)", trainer.augment)
        model = trainer.model
        if any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules()):
            fail("DataParallel", "model", "a model without batch normalization", type(model).__name__)
        self._kept = (model, trainer.sampler, trainer.loss_fn)
        device = next(model.parameters()).device
        ids = [device.index] if device.type == "cuda" else None
        trainer.model = _StateOfModule(model, device_ids=ids)
        shard = ShardBatches(self.workers)
        trainer.sampler, trainer.loss_fn = shard, GlobalBatchLoss(trainer.loss_fn, shard)

    def on_step_start(self, trainer: Any) -> None:
        seed = np.random.SeedSequence([trainer.seed, self.workers.rank, trainer.global_step]).generate_state(1)[0]
        torch.manual_seed(int(seed))  # dropout masks: own per rank, the same after a resume

    def on_fit_end(self, trainer: Any) -> None:
        if self._kept is not None:
            trainer.model, trainer.sampler, trainer.loss_fn = self._kept
            self._kept = None
