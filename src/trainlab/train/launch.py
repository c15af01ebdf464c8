"""Start N worker processes on this machine with torch's elastic launcher (what ``torchrun`` runs).

``launch_workers(nproc, ["train", "--data", ...])`` runs ``python -m trainlab train ...``
in ``nproc`` processes through ``torch.distributed.run`` (``--standalone``: a
rendezvous on a free local port; no restarts), each told its rank in the
environment. If a worker fails, the launcher stops the others at once and
``WorkersFailed`` says which rank failed first and how. ``nproc`` above the CPUs
this process may use is refused (``check_nproc``): the workers would only take
turns on the same cores.

Several machines: run ``torchrun`` yourself on each (see ``docs/scale.md``)::

    torchrun --nnodes 2 --nproc-per-node 4 --rdzv-backend c10d --rdzv-endpoint HOST:29500 \\
        -m trainlab train --data diabetes --batch-size 256 --out runs/d
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from trainlab.constraints import Interval, check

__all__ = ["WorkersFailed", "check_nproc", "launch_workers"]


class WorkersFailed(RuntimeError):
    """A worker process failed; the launcher stopped the others."""


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def check_nproc(nproc: int) -> None:
    """Refuse ``nproc`` below 1 or above the CPUs available (one core per worker)."""
    check("launch_workers", "nproc", nproc, Interval(1, available_cpus(), closed="both", integer=True))


def launch_workers(nproc: int, module_args: Sequence[str], module: str = "trainlab") -> None:
    """Run ``python -m module *module_args`` in ``nproc`` processes; raise ``WorkersFailed`` if one fails."""
    check_nproc(nproc)
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.run import parse_args, run

    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, available_cpus() // nproc)))
    args = parse_args(["--standalone", "--nnodes", "1", "--nproc-per-node", str(nproc), "--max-restarts", "0",
                       "--module", module, *module_args])
    try:
        run(args)
    except ChildFailedError as err:
        rank, failure = err.get_first_failure()
        how = (f"was killed by {failure.signal_name()}" if failure.exitcode < 0
               else f"exited with code {failure.exitcode}")
        raise WorkersFailed(f"worker rank {rank} of {nproc} {how}; the launcher stopped the other workers") from None
