"""Run a sweep: every trial an ordinary run folder, on local worker processes or Ray Tune.

``run_sweep(spec, out)`` runs the trials of a ``SweepSpec`` (``trainlab.train.sweep_spec``)
into ``out/TRIAL-NAME/``, each a run folder made by ``start_run`` (config.json,
history.csv, checkpoints/, model.pt, summary.json), so everything that reads a run
folder reads a trial. After each trial, ``out/sweep.json`` lists every trial's
values, status and final metrics (the trial's summary.json).

Backends:

* ``"local"`` (default): a ``concurrent.futures.ProcessPoolExecutor`` of ``workers``
  processes (default: the CPUs this process may use), each running torch on one
  thread, so ``workers`` trials share the machine without oversubscribing it.
* ``"ray"``: the same trials as Ray Tune trials (``trainlab.train.sweep_ray``), on a
  local Ray instance or the cluster at ``address``, optionally with ASHA early stopping.

Restart: a trial whose folder holds summary.json is finished and is not run again
(its metrics are read back, status ``"finished before"``); a trial killed mid-way
(config.json but no summary.json) continues from its newest checkpoint
(``resume_run``), which gives the bits of an uninterrupted run. So a sweep killed
and started again with the same command does only the work that is left.

Example:
    >>> import tempfile
    >>> from trainlab.train.sweep_spec import SweepSpec
    >>> spec = SweepSpec(base={"data": "noisy_x2", "hidden": [8], "epochs": 2}, grid={"lr": [0.01, 0.1]})
    >>> out = tempfile.mkdtemp()
    >>> [r.status for r in run_sweep(spec, out, workers=1)]
    ['completed', 'completed']
    >>> [r.status for r in run_sweep(spec, out, workers=1)]  # run again: nothing left to do
    ['finished before', 'finished before']
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from trainlab.atomic import atomic_write_text
from trainlab.constraints import Options, POSITIVE_INT, check
from trainlab.train.callbacks import Callback
from trainlab.train.launch import available_cpus
from trainlab.train.run import RunConfig, resume_run, start_run
from trainlab.train.run_index import record_run, runs_root
from trainlab.train.run_layout import RunLayout
from trainlab.train.sweep_spec import SweepSpec, Trial

__all__ = ["BACKENDS", "SWEEP_FILE", "SweepWorkerDied", "TrialResult", "available_cpus", "run_sweep", "run_trial"]

BACKENDS = ("local", "ray")
SWEEP_FILE = "sweep.json"


@dataclass
class TrialResult:
    """What a trial left: its status and its summary.json (``metrics``), or the error it raised."""

    trial: Trial
    folder: str
    status: str  # completed, finished before, early stopped, diverged, error
    metrics: dict[str, Any] = field(default_factory=dict)
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.trial.index, "trial": self.trial.name, "folder": self.folder, "status": self.status,
                "params": self.trial.params, "metrics": self.metrics, "error": self.error}


class SweepWorkerDied(RuntimeError):
    """A local worker process ended abruptly (killed, out of memory); the finished trials are kept."""


class SweepFolderMismatch(ValueError):
    """A trial folder that holds a run of a different configuration."""


def run_trial(folder: str, config: RunConfig, callbacks: Sequence[Callback] = ()) -> tuple[str, dict[str, Any]]:
    """Run (or continue, or read back) the trial in run folder ``folder``; return (status, summary).

    This is the one place a sweep makes a run folder; each trial it trains is
    recorded in the run index of the folder's runs root (``trainlab runs list``).
    """
    layout = RunLayout(folder)
    if layout.started:
        with open(layout.config, encoding="utf-8") as f:
            saved = RunConfig.from_json(f.read(), layout.config)
        if saved != config:
            raise SweepFolderMismatch(f"{folder} holds a run of another configuration; sweep into an empty --out "
                                      "folder, or run the sweep that made it.")
        if os.path.exists(layout.summary):
            with open(layout.summary, encoding="utf-8") as f:
                return "finished before", json.load(f)
    with record_run(runs_root(folder), os.path.basename(os.path.normpath(folder)), "sweep",
                    dataclasses.asdict(config), folder) as recorded:
        if layout.started:
            summary = resume_run(folder, progress=False, callbacks=callbacks, notify=lambda text: None)
        else:
            summary = start_run(folder, config, progress=False, callbacks=callbacks)
        recorded.metrics.update(summary)
    return ("diverged" if summary["stop_reason"] in ("diverged", "non_finite") else "completed"), summary


def _absolute(trial: Trial) -> Trial:
    """A CSV data file by its absolute path: workers (Ray's especially) may run in another directory."""
    data = trial.config.data
    if not os.path.isfile(data):
        return trial
    return dataclasses.replace(trial, config=dataclasses.replace(trial.config, data=os.path.abspath(data)))


def _single_threaded() -> None:
    """Worker initializer: torch on one thread, so N workers use N cores."""
    import torch

    torch.set_num_threads(1)


def _local_trial(folder: str, trial: Trial) -> TrialResult:
    try:
        status, summary = run_trial(folder, trial.config)
    except Exception as err:  # one failed trial does not end the sweep; its error is reported
        return TrialResult(trial, folder, "error", error=f"{type(err).__name__}: {err}")
    return TrialResult(trial, folder, status, summary)


def _run_local(work: list[tuple[str, Trial]], workers: int, on_result: Callable[[TrialResult], None]) -> None:
    if workers == 1:
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            for folder, trial in work:
                on_result(_local_trial(folder, trial))
        finally:
            torch.set_num_threads(threads)
        return
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no forked torch threads or locks
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_single_threaded) as pool:
        futures = [pool.submit(_local_trial, folder, trial) for folder, trial in work]
        try:
            for future in as_completed(futures):
                on_result(future.result())
        except BrokenProcessPool:
            raise SweepWorkerDied("a worker process ended abruptly (killed, or out of memory); the trials that "
                                  "finished are kept, and running the same sweep again continues the others") from None


def write_sweep_file(out: str, backend: str, results: Sequence[TrialResult]) -> str:
    """Write ``out/sweep.json`` (every trial's values, status, metrics) atomically; return its path."""
    path = os.path.join(out, SWEEP_FILE)
    rows = [r.as_dict() for r in sorted(results, key=lambda r: r.trial.index)]
    atomic_write_text(path, json.dumps({"backend": backend, "trials": rows}, indent=1))
    return path


def run_sweep(spec: SweepSpec, out: str, *, backend: str = "local", workers: int | None = None,
              address: str | None = None, asha: bool = False,
              on_result: Callable[[TrialResult], None] | None = None) -> list[TrialResult]:
    """Run every trial of ``spec`` into ``out/NAME/``; return the results in trial order.

    ``workers``: trials at once (default: ``available_cpus()``, at most the trials).
    ``address`` and ``asha`` apply to the Ray backend: a cluster to join, and ASHA
    early stopping on ``val_loss`` (the grace period is a quarter of the epochs).
    ``on_result`` sees each result as it arrives (the command line prints it).
    """
    check("run_sweep", "backend", backend, Options(BACKENDS))
    trials = [_absolute(t) for t in spec.trials()]
    workers = min(available_cpus() if workers is None else workers, len(trials))
    check("run_sweep", "workers", workers, POSITIVE_INT)
    os.makedirs(out, exist_ok=True)
    work = [(os.path.abspath(os.path.join(out, t.name)), t) for t in trials]
    results: list[TrialResult] = []

    def record(result: TrialResult) -> None:
        results.append(result)
        write_sweep_file(out, backend, results)  # after each trial: a killed sweep keeps what it finished
        if on_result is not None:
            on_result(result)

    if backend == "local":
        _run_local(work, workers, record)
    else:
        from trainlab.train.sweep_ray import run_ray

        run_ray(work, workers, record, address=address, asha=asha, run=run_trial)
    return sorted(results, key=lambda r: r.trial.index)
