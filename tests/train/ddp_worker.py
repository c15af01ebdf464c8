"""Run under ``torchrun`` by the data-parallel tests: train float64 runs as one rank each.

``python -m torch.distributed.run --standalone --nproc-per-node 2 tests/train/ddp_worker.py OUT OPT[,OPT...]``
trains one run folder per optimizer, ``OUT/OPT``, with the configuration ``CONFIG``
(``OPT@full``: full batch; ``DIE_AT`` in the environment: rank 0 exits abruptly at that step,
mid-run, while rank 1 waits for it in a collective).
"""

from __future__ import annotations

import os
import sys

import torch

from trainlab.train.callbacks import Callback
from trainlab.train.distributed import process_group
from trainlab.train.distributed_run import start_distributed
from trainlab.train.run_config import RunConfig

# 70 training points of a lecture target in batches of 16: the last batch of each epoch has 6 rows
CONFIG = dict(data="noisy_x2", hidden=[8], epochs=3, batch_size=16, lr=0.05, seed=3, val=0.2, test=0.1)


def config_of(name: str) -> RunConfig:
    """``adam``: mini-batches of ``CONFIG``; ``lbfgs@full``: full batch, two epochs; ``sgd@one``: one
    sample a step for an epoch (rank 1's share of every batch is empty)."""
    optimizer, _, variant = name.partition("@")
    changes = {"full": {"batch_size": None, "epochs": 2}, "one": {"batch_size": 1, "epochs": 1}}.get(variant, {})
    return RunConfig(**{**CONFIG, **changes}, optimizer=optimizer)


class _Die(Callback):
    def __init__(self, step: int) -> None:
        self.step = step

    def on_step_start(self, trainer) -> None:
        if trainer.global_step == self.step and int(os.environ["RANK"]) == 0:
            os._exit(3)


def main(out: str, optimizers: str) -> None:
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    die = [_Die(int(os.environ["DIE_AT"]))] if "DIE_AT" in os.environ else []
    with process_group(timeout_s=600):  # longer than the tests wait: the launcher must stop them
        for name in optimizers.split(","):
            start_distributed(os.path.join(out, name), config_of(name), callbacks=die)


if __name__ == "__main__":
    main(*sys.argv[1:])
