"""``trainlab sweep``: a grid or random search over ``trainlab train`` runs, locally or on Ray Tune."""

from __future__ import annotations

import math
import os

import click
from rich.console import Console
from rich.table import Table

from trainlab.cli.errors import library_errors
from trainlab.cli.options import hidden_widths
from trainlab.train.sweep import BACKENDS, SWEEP_FILE, SweepWorkerDied, TrialResult, available_cpus, run_sweep
from trainlab.train.sweep_spec import SweepFileError, SweepSpec, load_sweep

# flag -> the RunConfig field it sweeps (a comma-separated list each)
_GRID_FLAGS = {"optimizers": "optimizer", "lr_grid": "lr", "seeds": "seed"}


def _values(flag: str, text: str, kind: type) -> list:
    try:
        return [kind(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise click.BadParameter(f"a comma-separated list of {kind.__name__} values; got {text!r}",
                                 param_hint=f"--{flag.replace('_', '-')}") from None


def _spec_from_flags(opts: dict) -> SweepSpec:
    base = {"data": opts["data"], "hidden": hidden_widths(opts["model"]), "epochs": opts["epochs"]}
    if opts["batch_size"] != "full":
        base["batch_size"] = int(opts["batch_size"])
    grid = {}
    for flag, key in _GRID_FLAGS.items():
        if opts[flag]:
            grid[key] = _values(flag, opts[flag], {"lr": float, "seed": int}.get(key, str))
    return SweepSpec(base=base, grid=grid)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}" if math.isfinite(value) else str(value)
    return str(value)


def _table(results: list[TrialResult], out: str) -> Table:
    keys = list(dict.fromkeys(k for r in results for k in r.trial.params))
    metrics = [m for m in ("train_loss", "val_loss", "test_loss", "val_accuracy", "test_accuracy")
               if any(m in r.metrics for r in results)]
    table = Table(title=f"trainlab sweep: {out} ({len(results)} trials)")
    for column in ["trial", *keys, "status", *metrics, "steps", "wall s"]:
        table.add_column(column, justify="left" if column in ("trial", "status") else "right")
    order = "val_loss" if "val_loss" in metrics else "train_loss"
    ranked = sorted(results, key=lambda r: (r.metrics.get(order, math.inf) if r.status != "error" else math.inf,
                                            r.trial.index))
    for r in ranked:
        table.add_row(f"{r.trial.index:03d}", *(_cell(r.trial.params.get(k, "")) for k in keys),
                      r.status if r.status != "error" else f"error: {r.error}",
                      *(_cell(r.metrics.get(m, "")) for m in metrics), _cell(r.metrics.get("steps", "")),
                      _cell(r.metrics.get("wall_time", "")))
    return table


@click.command()
@click.argument("config_file", required=False, metavar="CONFIG.yaml")
@click.option("--optimizers", default=None, help="Comma-separated optimizers to sweep (names of `trainlab race --list`).")
@click.option("--lr-grid", default=None, help="Comma-separated learning rates to sweep, e.g. 1e-3,1e-2,1e-1.")
@click.option("--seeds", default=None, help="Comma-separated seeds, e.g. 0,1,2.")
@click.option("--data", default="diabetes", show_default=True, help="Data set or CSV file (without CONFIG.yaml).")
@click.option("--model", default="64,64", show_default=True, help="Hidden widths (without CONFIG.yaml).")
@click.option("--epochs", type=click.IntRange(1), default=20, show_default=True, help="Epochs of every trial.")
@click.option("--batch-size", default="full", show_default=True, help="Mini-batch size or 'full'.")
@click.option("--out", default=None, help="Sweep folder: one run folder per trial, and sweep.json "
              "(default: runs/sweep/NAME).")
@click.option("--backend", type=click.Choice(BACKENDS), default="local", show_default=True,
              help="local: worker processes on this machine; ray: Ray Tune trials (pip install 'trainlab[ray]').")
@click.option("--workers", type=click.IntRange(1), default=None,
              help=f"Trials at once (default: the CPUs, here {available_cpus()}).")
@click.option("--asha", is_flag=True, help="Ray backend: stop trials that trail the others early (ASHA).")
@click.option("--address", default=None, help="Ray backend: the cluster to join (HOST:PORT, or 'auto').")
@click.option("--quiet", is_flag=True, help="Only the final table.")
@click.pass_context
def sweep(ctx: click.Context, config_file: str | None, out: str | None, backend: str, workers: int | None,
          asha: bool, address: str | None, quiet: bool, **opts: object) -> None:
    """Run a grid or random search of `trainlab train` runs; each trial is a run folder.

    CONFIG.yaml (or .json) has `base:` (the options every trial shares), `grid:`
    (lists to combine), `random:` (distributions: uniform, loguniform, choice,
    randint) with `samples:` draws, and `search_seed:`. Without it, the flags make
    the grid. Killed and started again with the same command, a sweep skips the
    trials that finished and continues the one that was cut off.

    \b
    Examples:
      trainlab sweep --data diabetes --model 32 --optimizers sgd,adam --lr-grid 1e-3,1e-2 --seeds 0,1 \\
          --epochs 20 --out runs/sweep-diabetes
      trainlab sweep sweep.yaml --out runs/sweep --workers 4
      trainlab sweep sweep.yaml --backend ray --asha              # Ray Tune, ASHA early stopping
      trainlab sweep sweep.yaml --backend ray --address auto      # on a running Ray cluster
    """
    console = Console(quiet=False)
    if (asha or address) and backend != "ray":
        raise click.UsageError("--asha and --address apply to --backend ray.")
    if config_file is not None:
        given = [f"--{n.replace('_', '-')}" for n in opts
                 if ctx.get_parameter_source(n) not in (click.core.ParameterSource.DEFAULT, None)]
        if given:
            raise click.UsageError(f"{config_file} defines the trials; drop {', '.join(given)} (or the file).")
    try:
        spec = load_sweep(config_file) if config_file is not None else _spec_from_flags(opts)
    except SweepFileError as err:
        raise click.BadParameter(str(err), param_hint="CONFIG.yaml" if config_file else "the sweep flags") from None
    if out is None:
        name = os.path.splitext(os.path.basename(config_file))[0] if config_file else str(opts["data"])
        out = os.path.join("runs", "sweep", os.path.splitext(os.path.basename(name))[0])
    trials = spec.trials()
    if not quiet:
        console.print(f"sweep folder: {out}  ({len(trials)} trials, {backend} backend)", soft_wrap=True)

    def report(result: TrialResult) -> None:
        if not quiet:
            loss = result.metrics.get("val_loss", result.metrics.get("train_loss"))
            what = f"loss {_cell(loss)}" if loss is not None else result.error
            console.print(f"  {result.trial.name}: {result.status} ({what})")

    with library_errors(output="--out"):
        try:
            results = run_sweep(spec, out, backend=backend, workers=workers, address=address, asha=asha,
                                on_result=report)
        except (ImportError, SweepWorkerDied) as err:  # no Ray: one line saying how to install the extra
            raise click.ClickException(str(err)) from None
        except KeyboardInterrupt:
            click.echo(f"interrupted; the finished trials are kept in {out}. Run the same command again to "
                       "continue: it skips them and resumes the trial that was cut off.", err=True)
            ctx.exit(130)
    console.print(_table(results, out))
    console.print(f"trial metrics: {os.path.join(out, SWEEP_FILE)}", soft_wrap=True)
    if any(r.status == "error" for r in results):
        ctx.exit(1)
