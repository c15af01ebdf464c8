"""``trainlab train``: train an MLP on a named data set or a CSV file, into a run folder."""

from __future__ import annotations

import dataclasses
import math
import os
import shlex
import signal
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import click
from rich.console import Console
from rich.table import Table

from trainlab.cli.errors import library_errors
from trainlab.cli.options import activation_option, data_options, hidden_widths, key_values
from trainlab.data import normalizer_names
from trainlab.report.history import LossFigure
from trainlab.train.callbacks import ProgressBar
from trainlab.train.callbacks.tensorboard import MissingExtra, TensorBoardLogger
from trainlab.train.checkpoint import list_checkpoints
from trainlab.cli.workers import check_workers, run_workers
from trainlab.train.distributed import check_distributable, worker_env
from trainlab.train.distributed_run import resume_distributed, start_distributed
from trainlab.train.run import RunAlreadyStarted, RunConfig, RunNeverStarted, resume_run, start_run
from trainlab.train.run_index import record_run, runs_root
from trainlab.train.run_layout import RunFolderBusy, RunLayout

# Options that define a run; with --resume they come from the run's config.json.
_RUN_OPTIONS = ("data", "target", "task", "samples", "model", "activation", "dropout", "optimizer", "lr", "loss",
                "momentum", "weight_decay", "l1", "l2", "label_smoothing", "schedule", "settings", "warmup", "epochs",
                "batch_size", "val", "test", "seed", "checkpoint_every", "keep_last", "patience", "clip", "nan_guard",
                "normalize", "dropout_form", "batch_norm", "augment", "ensemble", "out")


# RunConfig fields of the penalties -> their options (library_errors names them)
_PENALTY_OPTIONS = {"l1": "--l1", "l2": "--l2", "label_smoothing": "--label-smoothing",
                    "weight_decay": "--weight-decay"}


def _batch(value: str) -> int | None:
    if value.lower() == "full":
        return None
    if not value.isdigit() or int(value) < 1:
        raise click.BadParameter(f"an int >= 1 or 'full'; got {value!r}", param_hint="'--batch-size'")
    return int(value)


def _dropout(value: str) -> float | list[float]:
    """``0.5`` (every hidden layer) or ``0.75,0.6,0.01`` (one drop probability per hidden layer)."""
    try:
        rates = [float(v) for v in value.split(",")]
    except ValueError:
        raise click.BadParameter(f"a drop probability or a comma-separated list of them, one per hidden layer; "
                                 f"got {value!r}", param_hint="'--dropout'") from None
    return rates[0] if len(rates) == 1 else rates


def _fmt(v: object) -> str:
    if isinstance(v, list):  # an ensemble's member metrics
        return ", ".join(map(_fmt, v))
    if isinstance(v, float):
        return f"{v:.5g}" if math.isfinite(v) else str(v)
    return str(v)


def _print_summary(console: Console, summary: dict, layout: RunLayout) -> None:
    table = Table(title=f"trainlab train: {layout.root}")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    for key, value in summary.items():
        if key != "message":
            table.add_row(key, _fmt(value))
    console.print(table)
    console.print(f"[bold]{summary['stop_reason']}[/bold]: {summary['message']}")
    console.print(f"files: {layout.root}/{', '.join(layout.outputs())}")


def _default_out(data: str) -> str:
    """runs/train/DATA-TIME-PID: unique among runs started at once (the pid), and within one process."""
    name = os.path.splitext(os.path.basename(data))[0] or "run"
    base = os.path.join("runs", "train", f"{name}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}")
    out, n = base, 1
    while os.path.exists(out):
        n += 1
        out = f"{base}-{n}"
    return out


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """``kill PID`` (SIGTERM) ends the run as Ctrl-C does: writes finish or roll back, the hint is printed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupted(layout: RunLayout | None) -> None:
    """What a Ctrl-C (or kill) leaves, and the command that continues it, on a line of its own."""
    if layout is None or not layout.started:
        click.echo("interrupted before the run wrote its config.json: nothing to resume; start it again.", err=True)
        return
    found = list_checkpoints(layout.checkpoints)
    if found:
        click.echo(f"interrupted; the newest checkpoint (step {found[-1][0]}) is kept. Continue the run with:",
                   err=True)
    else:
        click.echo("interrupted before the first step checkpoint; --resume starts the run over from its "
                   "config.json (same result). Continue with:", err=True)
    click.echo(f"  trainlab train --resume {shlex.quote(layout.root)}", err=True)


def _config_of(layout: RunLayout) -> RunConfig | None:
    if not layout.started:
        return None
    with open(layout.config, encoding="utf-8") as f:
        return RunConfig.from_json(f.read(), layout.config)


def _lr_find_hint(config: RunConfig) -> str:
    """How to find a learning rate that fits the run that diverged."""
    model = ",".join(map(str, config.hidden)) or "linear"
    data = config.data + (f" --target {config.target}" if config.target else "")
    data += (f" --task {config.task}" if config.task != "regression" else "")
    data += (f" --samples {config.samples}" if config.samples else "")
    return (f"the learning rate {config.lr:g} is too high for this run; find one that fits with  "
            f"trainlab lr-find --data {data} --model {model} --optimizer {config.optimizer}")


def _tensorboard(log_dir: str) -> TensorBoardLogger:
    try:
        return TensorBoardLogger(log_dir)
    except MissingExtra as err:
        raise click.BadParameter(str(err), param_hint="'--tensorboard'") from None


def _watched(layout: RunLayout) -> bool:
    """Whether the run was started with --doctor (its newest checkpoint holds the doctor's measurements)."""
    found = list_checkpoints(layout.checkpoints)
    if not found:
        return False
    import torch

    try:
        return "Doctor" in torch.load(found[-1][1], weights_only=True, map_location="cpu").get("callbacks", {})
    except Exception:  # resume_run reports a damaged checkpoint itself
        return False


def _doctor():
    from trainlab.doctor import Doctor

    return Doctor()


def _report_doctor(console: Console, watcher, layout: RunLayout) -> None:
    """Print the doctor's findings and save them as DIR/doctor.json."""
    import json

    from trainlab.atomic import atomic_write_text
    from trainlab.doctor.run_folder import DOCTOR_FILE

    report = watcher.last or watcher.report()
    path = os.path.join(layout.root, DOCTOR_FILE)
    atomic_write_text(path, json.dumps(report.to_dict(), indent=1) + "\n")
    console.print(report)
    console.print(f"doctor: {path}", soft_wrap=True)


def _schedule_settings(opts: dict) -> dict[str, str]:
    settings = key_values(tuple(opts["settings"]))
    if settings and opts["schedule"] is None:
        raise click.BadParameter("--set gives arguments of --schedule; add --schedule NAME.", param_hint="--set")
    return settings


@click.command()
@data_options
@click.option("--model", default="64,64", show_default=True, help="Hidden widths, comma-separated ('linear': none).")
@activation_option
@click.option("--dropout", default="0.0", show_default=True,
              help="Probability of zeroing a hidden unit while training; one number, or one per hidden layer "
              "(0.75,0.6,0.01).")
@click.option("--dropout-form", type=click.Choice(["inverted", "standard"]), default="inverted", show_default=True,
              help="inverted: scale by 1/(1-p) while training (torch); standard: scale by 1-p at inference.")
@click.option("--batch-norm", is_flag=True, help="Batch normalization before each hidden activation.")
@click.option("--optimizer", default="adam", show_default=True, help="Any name from `trainlab race --list`.")
@click.option("--lr", type=float, default=1e-3, show_default=True,
              help="Learning rate (with --schedule: the schedule's rate unless --set gives it).")
@click.option("--momentum", type=float, default=None, help="Momentum of optimizers that take one (sgd, rmsprop).")
@click.option("--weight-decay", type=float, default=None, help="Weight decay W: decoupled for adamw, coupled "
              "(W*theta added to the gradient) for the others; optimizers without one get the L2 penalty "
              "(W/2)||theta||^2 on every parameter.")
@click.option("--l1", type=float, default=None, metavar="A", help="L1 penalty A*sum|w| on the weights "
              "(not biases), added to the training loss only.")
@click.option("--l2", type=float, default=None, metavar="A", help="L2 penalty (A/2)*sum w^2 on the weights "
              "(not biases), added to the training loss only.")
@click.option("--label-smoothing", type=float, default=None, metavar="E", help="Cross-entropy against "
              "(1-E)*onehot + E/K (classification runs); val_loss stays the plain cross-entropy.")
@click.option("--schedule", default=None, help="A learning-rate schedule from `trainlab schedules list`; its "
              "rate defaults to --lr and its horizon to the run's steps.")
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE",
              help="An argument of --schedule (repeatable), as in `trainlab schedules plot NAME --set k=v`.")
@click.option("--warmup", type=click.IntRange(0), default=0, show_default=True,
              help="Steps of linear learning-rate warm-up (in front of --schedule, or of the constant --lr).")
@click.option("--loss", type=click.Choice(["auto", "mse", "mae", "cross_entropy", "bce"]), default="auto",
              show_default=True, help="auto: cross_entropy for classification, mse otherwise.")
@click.option("--epochs", type=click.IntRange(1), default=100, show_default=True)
@click.option("--batch-size", default="full", show_default=True, help="Mini-batch size, 1 for SGD, or 'full'.")
@click.option("--val", type=float, default=0.2, show_default=True, help="Validation share.")
@click.option("--test", type=float, default=0.1, show_default=True, help="Test share.")
@click.option("--seed", type=int, default=0, show_default=True, help="Fixes initialization, splits, order, dropout.")
@click.option("--checkpoint-every", type=click.IntRange(1), default=None, help="Steps between checkpoints "
              "(default: one per epoch).")
@click.option("--keep-last", type=click.IntRange(1), default=3, show_default=True, help="Step checkpoints kept.")
@click.option("--patience", type=click.IntRange(1), default=None, help="Early stopping patience (epochs).")
@click.option("--clip", type=float, default=None, help="Clip gradients to this global norm.")
@click.option("--nan-guard/--no-nan-guard", default=True, show_default=True,
              help="Skip non-finite steps and lower the rate.")
@click.option("--normalize", type=click.Choice(normalizer_names()), default="standard", show_default=True,
              help="Input normalization fitted on the training split and saved with the run: none, standard "
              "(per-feature mean/std), pca or zca (whitening). Example: --normalize zca.")
@click.option("--augment", default=None, metavar="NAMES",
              help="Augment every training batch: comma-separated from flip, shift, brightness, rotate, distort "
              "(square images: digits are 8x8) and noise (any data), each with optional :key=value settings.")
@click.option("--ensemble", default=None, metavar="KIND:K",
              help="Train an ensemble of K members: bagging:K (bootstrap samples) or snapshot:K (cosine restarts, "
              "one snapshot per cycle); model.pt holds all K and predict/evaluate average them.")
@click.option("--out", default=None, help="Run folder (default: runs/train/DATA-TIME-PID).")
@click.option("--resume", "resume", default=None, metavar="DIR",
              help="Continue the run in DIR (or from a checkpoint file in DIR/checkpoints) to its end.")
@click.option("--tensorboard", default=None, metavar="DIR",
              help="Also log losses, learning rate and metrics to TensorBoard in DIR (extra: trainlab[tensorboard]).")
@click.option("--quiet", is_flag=True, help="No progress output.")
@click.option("--nproc", type=click.IntRange(1), default=1, show_default=True,
              help="Data-parallel worker processes on this machine (torch.distributed, DDP on gloo; at most the "
              "CPUs). Several machines: see docs/scale.md.")
@click.option("--doctor", "doctor", is_flag=True, help="Watch the run with the training doctor: print its findings "
              "at the end and save them in DIR/doctor.json (see `trainlab doctor RUN_DIR`); --resume keeps watching a "
              "run started with it.")
@click.pass_context
def train(ctx: click.Context, resume: str | None, quiet: bool, out: str | None, tensorboard: str | None,
          nproc: int, doctor: bool, **opts: object) -> None:
    """Train an MLP and keep everything in a run folder that survives being killed.

    Writes DIR/config.json, DIR/history.csv (one row per epoch), DIR/checkpoints/,
    DIR/model.pt (final state_dict, loadable with weights_only=True), DIR/loss.png and
    DIR/summary.json, and records the run in the run index of its runs root
    (ROOT/index.sqlite; ROOT is $TRAINLAB_RUNS, else runs/ for the default folder,
    else the parent of --out; see `trainlab runs list`). Inputs are normalized with training statistics (--normalize:
    standardized by default, or PCA/ZCA whitened; saved in DIR/normalization.json
    and the checkpoints, so --resume and `trainlab predict` use the same ones);
    regression targets are standardized, so losses are in standardized units.

    \b
    Examples:
      trainlab train --data diabetes --model 64,64 --optimizer adam --lr 1e-3 \\
          --epochs 100 --batch-size 32 --checkpoint-every 50 --out runs/diabetes
      trainlab train --resume runs/diabetes          # continue after a crash or kill
      trainlab train --data prices.csv --target price --epochs 50
      trainlab train --data heaviside --model 100,100 --optimizer sgd --lr 0.01
      trainlab train --data wine --normalize zca --epochs 50   # whitened inputs
      trainlab train --data heaviside --model 100,100,100 --dropout 0.75,0.6,0.01
      trainlab train --data diabetes --model 64,64,64,64 --batch-norm --lr 1e-2
      trainlab train --data iris --optimizer sgd --momentum 0.9 --weight-decay 1e-4 \\
          --schedule onecycle --set anneal=linear --warmup 0 --epochs 50
      trainlab train --data heaviside --model 100,100 --lr 0.01 --l1 1e-4     # L1 penalty
      trainlab train --data heaviside --model 100,100 --lr 0.01 --l2 1e-4     # L2 penalty
      trainlab train --data digits --label-smoothing 0.1 --epochs 30          # smoothed labels
      trainlab train --data diabetes --optimizer adamw --weight-decay 1e-2    # decoupled decay
      trainlab train --data digits --augment shift,rotate:degrees=15 --batch-size 64
      trainlab train --data digits --ensemble bagging:5 --epochs 30 --batch-size 64
      trainlab train --data digits --ensemble snapshot:4 --optimizer sgd --momentum 0.9 --lr 0.1 \\
          --epochs 40 --batch-size 64
      trainlab train --data diabetes --batch-size 64 --nproc 2 --out runs/d2   # 2 processes, DDP
      trainlab train --data diabetes --optimizer sgd --lr 1e-6 --doctor      # why it does not learn
    """
    workers = worker_env()  # set when this process is one of several (torchrun, --nproc)
    launching = nproc > 1 and workers is None
    if launching:
        check_workers(nproc)
    if doctor and (launching or workers is not None):
        raise click.UsageError("--doctor watches a run in one process; drop --nproc, or examine the finished "
                               "run with `trainlab doctor DIR`.")
    console = Console(quiet=quiet or (workers is not None and not workers.writer))
    if resume is not None:
        given = [f"--{n.replace('_', '-')}" for n in _RUN_OPTIONS
                 if ctx.get_parameter_source(n) not in (click.core.ParameterSource.DEFAULT, None)]
        if given:
            raise click.UsageError(f"--resume continues a run with its saved config.json; drop {', '.join(given)}.")
    layout: RunLayout | None = None
    watcher = None
    output = "--resume" if resume is not None else "--out"
    try:
        with library_errors(options=_PENALTY_OPTIONS, output=output), warnings.catch_warnings(), _terminate_as_interrupt():
            warnings.simplefilter("always", UserWarning)
            warnings.showwarning = lambda message, *_, **__: click.echo(f"warning: {message}", err=True)
            if resume is not None:
                layout = RunLayout.of(resume)
                config = _config_of(layout)
            else:
                layout = RunLayout(out if out is not None else _default_out(str(opts["data"])))
                config = RunConfig(
                    data=str(opts["data"]), target=opts["target"], task=str(opts["task"]), samples=opts["samples"],
                    hidden=hidden_widths(str(opts["model"])), activation=str(opts["activation"]),
                    dropout=_dropout(str(opts["dropout"])), dropout_form=str(opts["dropout_form"]),
                    batch_norm=bool(opts["batch_norm"]), optimizer=str(opts["optimizer"]), lr=float(opts["lr"]),
                    loss=str(opts["loss"]), momentum=opts["momentum"], weight_decay=opts["weight_decay"],
                    l1=opts["l1"], l2=opts["l2"], label_smoothing=opts["label_smoothing"],
                    schedule=opts["schedule"], schedule_settings=_schedule_settings(opts), warmup=int(opts["warmup"]),
                    epochs=int(opts["epochs"]), batch_size=_batch(str(opts["batch_size"])),
                    val=float(opts["val"]), test=float(opts["test"]), seed=int(opts["seed"]),
                    checkpoint_every=opts["checkpoint_every"], keep_last=int(opts["keep_last"]),
                    patience=opts["patience"], clip=opts["clip"], nan_guard=bool(opts["nan_guard"]),
                    normalize=str(opts["normalize"]),
                    augment=opts["augment"], ensemble=opts["ensemble"],
                )
            if config is not None and (launching or workers is not None):  # refuse here what data-parallel training cannot do
                check_distributable(config.optimizer, ensemble=config.ensemble, augment=config.augment,
                                    batch_norm=config.batch_norm)
            if launching:
                if resume is None and layout.started:
                    raise RunAlreadyStarted(layout)
                run_workers(ctx, nproc, layout.root, extra=() if resume is not None or out else ("--out", layout.root))
                return
            title = "" if config is None else f"{config.data}: {config.optimizer}, lr {config.lr:g}"
            callbacks = [LossFigure(layout.figure, title=title)] + ([] if quiet else [ProgressBar(console)])
            if tensorboard is not None and (workers is None or workers.writer):
                callbacks.append(_tensorboard(tensorboard))
            watcher = _doctor() if workers is None and (doctor or (resume is not None and _watched(layout))) else None
            callbacks += [watcher] if watcher is not None else []
            note = lambda text: click.echo(f"note: {text}", err=True)  # noqa: E731
            if workers is not None and not workers.writer:  # rank > 0: the run folder and its record are rank 0's
                if resume is None:
                    start_distributed(layout.root, config, callbacks=callbacks)
                else:
                    resume_distributed(resume, callbacks=callbacks, notify=note)
                return
            root = runs_root(layout.root, default="runs" if resume is None and out is None else None)
            with record_run(root, os.path.basename(os.path.normpath(layout.root)), "train",
                            {} if config is None else dataclasses.asdict(config), layout.root, notify=note,
                            refused=(RunFolderBusy, RunAlreadyStarted, RunNeverStarted)) as run:
                if workers is not None:
                    if resume is None:
                        console.print(f"run folder: {layout.root} ({workers.world_size} processes)")
                        summary = start_distributed(layout.root, config, callbacks=callbacks)
                    else:
                        summary = resume_distributed(resume, callbacks=callbacks, notify=note)
                elif resume is not None:
                    summary = resume_run(resume, progress=False, callbacks=callbacks, notify=note)
                else:
                    console.print(f"run folder: {layout.root}")
                    summary = start_run(layout.root, config, progress=False, callbacks=callbacks)
                run.metrics.update(summary)
    except KeyboardInterrupt:
        if workers is None or workers.writer:
            _interrupted(layout)
        ctx.exit(130)
    _print_summary(console, summary, layout)
    if watcher is not None:
        _report_doctor(console, watcher, layout)
    if summary["stop_reason"] in ("diverged", "non_finite"):
        if config is not None:
            console.print(_lr_find_hint(config))
        ctx.exit(1)
