"""A run folder: one training run from a config, that survives being killed.

The files of the folder are named by ``RunLayout`` (``trainlab.train.run_layout``):
config.json (written before the first step), history.csv, checkpoints/, model.pt
and summary.json; pass ``trainlab.report.history.LossFigure`` among ``callbacks``
to draw loss.png too (``trainlab train`` does).

An ensemble run (``ensemble="bagging:K"`` or ``"snapshot:K"``, ``trainlab.train.ensemble``)
stores the ``Ensemble`` of its ``K`` members in ``model.pt`` (keys ``members.k.*``),
so ``trainlab predict``/``evaluate`` average the members; summary.json adds each
member's test metrics (``test_member_loss``...). ``augment`` names augmentations
(``trainlab.regularize.augment``) applied to every training batch.

``start_run`` refuses a folder that already holds a run (``RunAlreadyStarted``);
``resume_run`` reads ``config.json``, rebuilds data, model, optimizer and callbacks
exactly as before and continues from the newest checkpoint (or a given one) to the
configured end; a folder without ``config.json`` holds a run that never started
(``RunNeverStarted``). Nothing is written before the checkpoint has loaded, so a
bad checkpoint leaves the folder as it was; a newest checkpoint that cannot be
read is skipped for the previous good one, saying so (``notify``). A folder with
its config but no step checkpoint yet (killed in the first steps) starts over
from its config, which gives the same bits as the run it replaces.

One process writes a folder at a time: both functions hold the folder's lock
(``RunLayout.lock``; a second writer gets ``RunFolderBusy``), and clear the
temporaries a killed writer left. The config is checked (data, loss, optimizer,
the memory a dense Hessian needs) before the folder is made, so a refused run
leaves nothing behind. A CSV file is recorded by its absolute path, so the run
resumes from any directory.

Example:
    >>> import tempfile
    >>> cfg = RunConfig(data="noisy_x2", hidden=[16], epochs=3, batch_size=25)
    >>> summary = start_run(tempfile.mkdtemp() + "/run", cfg, progress=False)
    >>> summary["stop_reason"], summary["steps"]  # 70 training points in batches of 25, 3 epochs
    ('completed', 9)
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from trainlab.atomic import atomic_torch_save, atomic_write_text, remove_stale_temporaries
from trainlab.constraints import Options, check, fail
from trainlab.data import BUNDLED, TARGETS, Normalizer, load_dataset, normalizer_names, split_standardized
from trainlab.nn import MLP
from trainlab.regularize import parse_augment
from trainlab.train.callbacks import (
    Callback,
    Checkpoint,
    EarlyStopping,
    GradientClipping,
    HistoryLogger,
    NaNGuard,
    ProgressBar,
    ScheduleCallback,
)
from trainlab.train.checkpoint import CheckpointError, CorruptCheckpoint, list_checkpoints, load_checkpoint
from trainlab.train.run_checks import (
    DENSE_HESSIAN_LIMIT,
    check_loss,
    check_optimizer,
    check_batch_norm_batches,
    check_options_apply,
    check_source,
    dense_hessian_bytes,
)
from trainlab.train.ensemble import (
    BootstrapBatches,
    Snapshots,
    bootstrap_indices,
    evaluate_members,
    parse_ensemble,
    snapshot_ensemble,
    snapshot_schedule,
    trained_model,
)
from trainlab.train.run_config import RunConfig
from trainlab.train.run_layout import RunFolderBusy, RunLayout
from trainlab.train.predict import read_normalizer, save_normalization
from trainlab.train.run_options import build_run_optimizer, run_penalty, run_schedule
from trainlab.train.rng import seed_everything
from trainlab.train.trainer import Trainer

__all__ = ["DENSE_HESSIAN_LIMIT", "RunAlreadyStarted", "RunConfig", "RunFolderBusy", "RunNeverStarted",
           "check_source", "dense_hessian_bytes", "readable_checkpoint", "resume_run", "run_directory_of", "start_run"]



class RunAlreadyStarted(CheckpointError):
    """``start_run`` into a folder that already holds a run."""

    def __init__(self, layout: RunLayout) -> None:
        self.layout = layout
        super().__init__(f"{layout.root} already holds a run ({layout.config} exists); continue it with "
                         "resume_run or start the new run in another folder.")


class RunNeverStarted(CheckpointError):
    """``resume_run`` on a folder without ``config.json``: no run was ever started there."""

    def __init__(self, layout: RunLayout) -> None:
        self.layout = layout
        found = "does not exist" if not os.path.exists(layout.root) else "has no config.json"
        super().__init__(f"{layout.root} {found}: the run never started (a run writes its config.json before "
                         "its first step; it was stopped before that, or the path is wrong). Start it with "
                         "start_run; there is nothing to resume.")


class _Built:
    """Data splits, model and Trainer made from a config."""

    def __init__(self, config: RunConfig, layout: RunLayout, progress: bool, extra: Sequence[Callback],
                 normalizer: Normalizer | None = None) -> None:
        c = config
        self.stopper: EarlyStopping | None = None
        check_options_apply(c)
        check("start_run", "normalize", c.normalize, Options(normalizer_names()))
        seed_everything(c.seed)
        ds = self.dataset = load_dataset(c.data, target=c.target, n=c.samples, seed=c.seed, task=c.task)
        self.parts = split_standardized(ds.X, ds.y, val=c.val, test=c.test, seed=c.seed,
                                        normalize=c.normalize if normalizer is None else normalizer)
        classify = ds.task == "classification"
        loss = ("cross_entropy" if classify else "mse") if c.loss == "auto" else c.loss
        check_loss(loss, ds.name, classify)
        self.ensemble = None if c.ensemble is None else parse_ensemble(c.ensemble)
        self.snapshots: Snapshots | None = None
        self.model = trained_model(self.ensemble, lambda: MLP([ds.X.shape[1], *c.hidden, ds.n_outputs],
                                                              **c.model_options()), classify)
        if c.batch_norm:
            check_batch_norm_batches(c.batch_size, len(self.parts.train))
        augment = None if c.augment is None else parse_augment(c.augment)
        if augment is not None:
            augment.check_features(ds.X.shape[1])
            augment = augment.with_normalizer(self.parts.x_scaler)
        check_optimizer(c, self.model)
        penalty = run_penalty(c, loss)
        optimizer = build_run_optimizer(c.optimizer, self.model.parameters(), c.lr, c.momentum, c.weight_decay)
        n = len(self.parts.train)
        per_epoch = 1 if c.batch_size is None else math.ceil(n / c.batch_size)
        has_val = len(self.parts.val) > 0
        callbacks = [
            Checkpoint(layout.checkpoints, every=c.checkpoint_every or per_epoch,
                       save_best=has_val, keep_last=c.keep_last),
            HistoryLogger(layout.history),  # the one writer of history.csv
            *extra,
        ]
        schedule = run_schedule(c.schedule, c.schedule_settings, c.lr, per_epoch * c.epochs, c.warmup)
        sampler = None
        if self.ensemble is not None and self.ensemble.kind == "bagging":
            sampler = BootstrapBatches(bootstrap_indices(n, self.ensemble.size, c.seed))
        if self.ensemble is not None and self.ensemble.kind == "snapshot":
            if c.schedule is not None or c.warmup:
                fail("start_run", "ensemble", "used without a schedule or warm-up (a snapshot ensemble sets its "
                     "own: cosine annealing with restarts)", c.ensemble)
            schedule = snapshot_schedule(c.lr, per_epoch * c.epochs, self.ensemble.size)
            self.snapshots = Snapshots(schedule.period, self.ensemble.size)
            callbacks.append(self.snapshots)
        if schedule is not None:
            callbacks.append(ScheduleCallback(schedule))
        if c.nan_guard:
            callbacks.append(NaNGuard())
        if c.clip is not None:
            callbacks.append(GradientClipping(max_norm=c.clip))
        if c.patience is not None:
            self.stopper = EarlyStopping(monitor="val_loss" if has_val else "train_loss", patience=c.patience)
            callbacks.append(self.stopper)
        if progress:
            callbacks.append(ProgressBar())
        self.trainer = Trainer(self.model, optimizer, loss=loss, epochs=c.epochs, batch_size=c.batch_size,
                               seed=c.seed, callbacks=callbacks, metrics={"accuracy": "accuracy"} if classify else None,
                               penalty=penalty, augment=augment, sampler=sampler)
        self.trainer.extra["config"] = dataclasses.asdict(c)  # saved in every checkpoint
        self.trainer.extra["normalizer"] = self.parts.x_scaler.state_dict()  # the fitted input statistics too
        self.val = self.parts.val if has_val else None
        self.combine = "probabilities" if classify else "mean"

    def final_model(self) -> Any:
        """What model.pt holds: the trained model, or the Ensemble of a snapshot run's snapshots."""
        if self.snapshots is None:
            return self.model
        return snapshot_ensemble(self.model, self.snapshots.states, self.combine)


def _finish(built: _Built, layout: RunLayout) -> dict[str, Any]:
    """Write model.pt and summary.json: the metrics of the saved model, of the best and of the last epoch."""
    trainer, history = built.trainer, built.trainer.history
    model = built.final_model()
    atomic_torch_save(layout.model, model.state_dict())
    summary: dict[str, Any] = {"stop_reason": history.stop_reason, "message": history.message,
                               "epochs": trainer.epoch, "steps": trainer.global_step,
                               "wall_time": round(trainer.elapsed, 3)}
    metric = lambda row: {k: v for k, v in row.items() if k.startswith(("train_", "val_"))}  # noqa: E731
    last = history.final
    monitor = "val_loss" if built.val is not None else "train_loss"
    finite = [r for r in history.epochs if math.isfinite(r.get(monitor, math.nan))]
    best = min(finite, key=lambda r: r[monitor]) if finite else None
    stopper = built.stopper
    restored = stopper is not None and stopper.restore_best_weights and stopper.best_weights is not None
    saved = best if restored and best is not None else last
    if saved:
        summary["model_epoch"] = int(saved["epoch"])  # the epoch whose weights model.pt holds
    summary.update(metric(saved))
    if len(built.parts.test) > 0:
        kept, trainer.model = trainer.model, model
        try:
            summary.update(trainer.evaluate(built.parts.test, "test"))
        finally:
            trainer.model = kept
        if built.ensemble is not None:
            summary.update(evaluate_members(trainer, model, built.parts.test, "test"))
    if best is not None:
        summary["best_epoch"] = int(best["epoch"])
        summary.update({f"best_{k}": v for k, v in metric(best).items()})
    if last:
        summary["last_epoch"] = int(last["epoch"])
        summary.update({f"last_{k}": v for k, v in metric(last).items()})
    atomic_write_text(layout.summary, json.dumps(summary, indent=1))
    return summary


def _absolute_data(config: RunConfig) -> RunConfig:
    """A CSV file by its absolute path, so the run resumes from any working directory."""
    if config.data in BUNDLED or config.data in TARGETS or not os.path.isfile(config.data):
        return config
    return dataclasses.replace(config, data=os.path.abspath(config.data))


def start_run(directory: str, config: RunConfig, progress: bool = True, callbacks: Sequence[Callback] = ()) -> dict:
    """Create run folder ``directory``, train, write the outputs; return the summary.

    ``progress`` shows a progress bar; ``callbacks`` are added to the run's own
    (checkpoints, history, NaN guard, ...), e.g. ``LossFigure`` for loss.png.
    """
    layout = RunLayout(directory)
    if layout.started:
        holder = layout.holder()
        raise RunAlreadyStarted(layout) if holder is None else RunFolderBusy(layout.root, holder)
    config = _absolute_data(config)
    built = _Built(config, layout, progress, callbacks)  # every check before the folder exists
    made = not os.path.exists(layout.root)
    try:
        with layout.lock():
            if layout.started:  # another process started it while this one was building
                raise RunAlreadyStarted(layout)
            _clear_temporaries(layout)
            atomic_write_text(layout.config, config.to_json())
            save_normalization(layout.root, built.parts, built.dataset, config.data, config.target)
            built.trainer.fit(built.parts.train, built.val)
            return _finish(built, layout)
    except RunFolderBusy:
        raise  # the folder is another process's: touch nothing in it
    except BaseException:
        if made and not layout.started:  # refused before its config: leave no half-made folder
            _remove_empty(layout)
        raise


def _clear_temporaries(layout: RunLayout) -> None:
    """Remove what killed writers left (only ever called under the folder's lock)."""
    remove_stale_temporaries(layout.root)
    remove_stale_temporaries(layout.checkpoints)


def _remove_empty(layout: RunLayout) -> None:
    """Remove the lock file and the folders a refused run made (only if they are empty)."""
    if os.path.exists(layout.lock_file):
        os.remove(layout.lock_file)
    for folder in (layout.checkpoints, layout.root):
        try:
            os.rmdir(folder)
        except OSError:
            pass


def run_directory_of(path: str) -> str:
    """The run folder of ``path``: the folder itself, or the one above a checkpoint file."""
    return RunLayout.of(path).root


def readable_checkpoint(layout: RunLayout, model: Any, notify: Callable[[str], None]) -> str | None:
    """The newest step checkpoint that loads; ``None`` if there is none yet.

    A newest file whose bytes are damaged (``CorruptCheckpoint``: truncated by a
    full disk, garbage) is skipped for the one before it, with a message; if none
    loads, the newest one's error is raised. A file that is unsafe or written for
    another model is an error at once (no older file of that folder is better).
    """
    found = list_checkpoints(layout.checkpoints)
    errors: list[CheckpointError] = []
    for _, path in reversed(found):
        try:
            load_checkpoint(path, model=model)
        except CorruptCheckpoint as err:
            errors.append(err)
            continue
        for err in errors:
            notify(f"{err} Skipped it: resuming from {path}, the newest checkpoint that loads.")
        return path
    if errors:
        raise errors[0]
    return None


def resume_run(path: str, progress: bool = True, callbacks: Sequence[Callback] = (),
               notify: Callable[[str], None] | None = None) -> dict:
    """Continue the run in folder ``path`` (or from the checkpoint file ``path``) to its end.

    ``notify`` receives what the user should know (a skipped corrupt checkpoint, a
    run started over); by default it is ``warnings.warn``.
    """
    notify = notify or (lambda text: warnings.warn(text, UserWarning, stacklevel=3))
    layout = RunLayout.of(path)
    if not layout.started:
        raise RunNeverStarted(layout)
    with open(layout.config, encoding="utf-8") as f:
        config = RunConfig.from_json(f.read(), layout.config)
    with layout.lock():
        _clear_temporaries(layout)
        built = _Built(config, layout, progress, callbacks, normalizer=read_normalizer(layout.root))
        if os.path.isdir(path):
            checkpoint = readable_checkpoint(layout, built.model, notify)
        else:
            checkpoint = path
        if checkpoint is None:
            notify(f"{layout.root} has its config.json but no step checkpoint yet (it was stopped in its first "
                   "steps): starting it over from its config, which gives the same result.")
            built.trainer.fit(built.parts.train, built.val)
        else:
            built.trainer.resume(checkpoint, built.parts.train, built.val)
        return _finish(built, layout)
