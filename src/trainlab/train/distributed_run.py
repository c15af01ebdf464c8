"""A run folder trained by several processes: rank 0 writes it, the other ranks keep scratch copies.

Called in each process ``torchrun`` starts (``trainlab train`` does it when it finds
itself under ``torchrun``, or when given ``--nproc N``). Rank 0 runs ``start_run`` /
``resume_run`` on the run folder as a single process would (config.json, history,
checkpoints, model.pt, summary.json, the folder lock), with ``DataParallel`` among
its callbacks; every other rank runs the same configuration in a temporary folder
of its own, which is removed at the end, so only rank 0 ever writes the run folder.

Resuming: rank 0 picks the newest checkpoint that loads and sends its path to the
others, which copy it (with config.json and normalization.json) into their scratch
folder and resume from it, so every rank restarts from the same bits. A checkpoint
holds no trace of the number of processes (the batch order is global and the
optimizer state is the same on every rank), so a run may resume with more or fewer
processes than it started with, or with one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from typing import Any

import torch.distributed as dist

from trainlab.train.callbacks import Callback
from trainlab.train.distributed import DEFAULT_TIMEOUT_S, DataParallel, check_distributable, process_group
from trainlab.train.run import RunConfig, readable_checkpoint, resume_run, start_run
from trainlab.train.run_layout import RunLayout

__all__ = ["resume_distributed", "start_distributed"]


def _check(config: RunConfig) -> None:
    check_distributable(config.optimizer, ensemble=config.ensemble, augment=config.augment,
                        batch_norm=config.batch_norm)


def start_distributed(directory: str, config: RunConfig, callbacks: Sequence[Callback] = (),
                      timeout_s: float = DEFAULT_TIMEOUT_S) -> dict[str, Any] | None:
    """Train ``config`` into run folder ``directory`` as one rank; rank 0 returns the summary, the others None."""
    _check(config)
    with process_group(timeout_s) as workers:
        parallel = DataParallel(workers)
        if workers.writer:
            return start_run(directory, config, progress=False, callbacks=[parallel, *callbacks])
        with tempfile.TemporaryDirectory(prefix=f"trainlab-rank{workers.rank}-") as scratch:
            start_run(os.path.join(scratch, "run"), config, progress=False, callbacks=[parallel])
        return None


def resume_distributed(path: str, callbacks: Sequence[Callback] = (), notify: Callable[[str], None] | None = None,
                       timeout_s: float = DEFAULT_TIMEOUT_S) -> dict[str, Any] | None:
    """Continue the run folder ``path`` as one rank; rank 0 returns the summary, the others None."""
    layout = RunLayout.of(path)
    with process_group(timeout_s) as workers:
        parallel = DataParallel(workers)
        chosen: list[Any] = [None]
        if workers.writer:
            if os.path.isdir(path) and layout.started:
                chosen[0] = readable_checkpoint(layout, None, notify or (lambda text: None))
            elif layout.started:
                chosen[0] = os.path.abspath(path)
        dist.broadcast_object_list(chosen, src=0)
        checkpoint = chosen[0]
        if workers.writer:
            return resume_run(checkpoint or path, progress=False, callbacks=[parallel, *callbacks], notify=notify)
        with tempfile.TemporaryDirectory(prefix=f"trainlab-rank{workers.rank}-") as scratch:
            mine = RunLayout(os.path.join(scratch, "run"))
            os.makedirs(mine.checkpoints)
            shutil.copy(layout.config, mine.config)
            shutil.copy(layout.normalization, mine.normalization)
            if checkpoint is None:  # no step checkpoint yet: the run starts over from its config
                resume_run(mine.root, progress=False, callbacks=[parallel], notify=lambda text: None)
            else:
                copy = os.path.join(mine.checkpoints, os.path.basename(checkpoint))
                shutil.copy(checkpoint, copy)
                resume_run(copy, progress=False, callbacks=[parallel], notify=lambda text: None)
        return None
