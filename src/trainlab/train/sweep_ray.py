"""The Ray Tune backend of a sweep: the same trials, the same run folders, Ray's scheduling.

Each trial is one Ray Tune trial (``tune.grid_search`` over the trial indices) that
runs ``run_trial`` into the trial's run folder on one CPU, reporting ``val_loss``
(or ``train_loss``) after every epoch. With ``asha=True`` the ASHA scheduler
(Li et al. 2018, "A System for Massively Parallel Hyperparameter Tuning") stops
trials whose loss trails the others at its rungs; a stopped trial keeps its run
folder and checkpoints (status ``"early stopped"``; a restarted sweep continues it).
``address`` joins a running cluster (``ray start --head`` on one machine,
``ray start --address HEAD:6379`` on the others); without it a local Ray instance
of ``workers`` CPUs is started and shut down again.

Ray is an optional extra: ``pip install 'trainlab[ray]'``. Without it, ``run_ray``
raises ``RayMissing`` with that line.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from typing import Any

from trainlab.train.callbacks import Callback

__all__ = ["RayMissing", "run_ray"]

INSTALL = "pip install 'trainlab[ray]'  (or: pip install 'ray[tune]')"


class RayMissing(ImportError):
    """The Ray backend was asked for, and Ray Tune is not installed."""

    def __init__(self) -> None:
        super().__init__(f"the ray backend needs Ray Tune, which is not installed; install it with  {INSTALL}")


class _ReportEpochs(Callback):
    """Report each epoch's losses to Ray Tune (which may stop the trial there, for ASHA).

    The last epoch is left to the trial's final report, made once its run folder is
    complete (ASHA stops a trial that reaches ``max_t``, and it must not stop it
    before model.pt and summary.json are written).
    """

    state_key = "RayTuneReport"

    def on_epoch_end(self, trainer: Any, logs: dict[str, float]) -> None:
        from ray import tune

        if trainer.epoch >= trainer.epochs:
            return
        tune.report({k: float(v) for k, v in logs.items() if k.endswith("loss") or k == "epoch"})


def _trainable(settings: dict[str, Any], work: Sequence[tuple[str, Any]] = (), run: Any = None) -> None:
    """One Ray Tune trial: run (or continue, or read back) its run folder, report the final losses."""
    import torch
    from ray import tune

    torch.set_num_threads(1)
    folder, trial = work[settings["index"]]
    status, summary = run(folder, trial.config, callbacks=[_ReportEpochs()])
    final = {k: float(v) for k, v in summary.items() if k.endswith("loss") and isinstance(v, (int, float))}
    tune.report({**final, "epoch": float(summary["epochs"]), "done_status": status})


def run_ray(work: Sequence[tuple[str, Any]], workers: int, on_result: Callable[[Any], None], *,
            address: str | None, asha: bool, run: Callable[..., tuple[str, dict[str, Any]]]) -> None:
    """Run ``work`` (``(folder, Trial)`` pairs) as Ray Tune trials; hand each result to ``on_result``."""
    try:
        import ray
        from ray import tune
        from ray.tune.schedulers import ASHAScheduler
    except ImportError:
        raise RayMissing() from None
    from trainlab.train.sweep import TrialResult

    started = not ray.is_initialized()
    if started:
        options: dict[str, Any] = {"address": address} if address else {"num_cpus": workers}
        ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False, **options)
    try:
        trials = [trial for _, trial in work]
        monitor = "val_loss" if all(t.config.val > 0 for t in trials) else "train_loss"
        epochs = max(t.config.epochs for t in trials)
        scheduler = ASHAScheduler(time_attr="epoch", max_t=epochs, grace_period=max(1, epochs // 4),
                                  reduction_factor=3) if asha else None
        storage = os.path.abspath(os.path.join(os.path.dirname(work[0][0]), ".ray"))
        reported: set[int] = set()

        def report(index: int, metrics: dict[str, Any] | None, error: Any) -> None:
            if index not in reported:  # each trial once: as it ends, or from the result grid
                reported.add(index)
                folder, trial = work[index]
                on_result(_result(TrialResult, folder, trial, metrics, error))

        tuner = tune.Tuner(
            tune.with_resources(tune.with_parameters(_trainable, work=list(work), run=run), {"cpu": 1}),
            param_space={"index": tune.grid_search(list(range(len(work))))},
            tune_config=tune.TuneConfig(metric=monitor, mode="min", scheduler=scheduler,
                                        max_concurrent_trials=workers),
            run_config=tune.RunConfig(storage_path=storage, name="tune", verbose=0,
                                      callbacks=[_as_they_end(tune.Callback, report)]),
        )
        for result in tuner.fit():
            report(result.config["index"], result.metrics, result.error)
    finally:
        if started:
            ray.shutdown()


def _as_they_end(base: type, report: Callable[[int, Any, Any], None]) -> Any:
    """A Ray Tune callback handing each trial to ``report`` as it ends (so sweep.json grows as trials end)."""

    class _AsTheyEnd(base):  # type: ignore[misc, valid-type]
        def on_trial_complete(self, iteration: int, trials: Any, trial: Any, **info: Any) -> None:
            report(trial.config["index"], trial.last_result, None)

        def on_trial_error(self, iteration: int, trials: Any, trial: Any, **info: Any) -> None:
            report(trial.config["index"], trial.last_result, trial.get_error() or "the trial failed")

    return _AsTheyEnd()


def _result(make: Any, folder: str, trial: Any, metrics: dict[str, Any] | None, error: Any) -> Any:
    """A ``TrialResult`` from the trial's folder (its summary.json) and Ray's record of it."""
    if error is not None:
        lines = str(error).strip().splitlines() or ["the trial failed"]
        return make(trial, folder, "error", error=lines[-1])
    metrics = metrics or {}
    summary_file = os.path.join(folder, "summary.json")
    if "done_status" not in metrics or not os.path.exists(summary_file):
        return make(trial, folder, "early stopped",
                    {k: v for k, v in metrics.items() if k.endswith("loss") or k == "epoch"})
    with open(summary_file, encoding="utf-8") as f:
        return make(trial, folder, metrics["done_status"], json.load(f))
