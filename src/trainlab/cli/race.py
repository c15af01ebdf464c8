"""``trainlab race``: the main job of ``make run``."""

from __future__ import annotations

import contextlib
import json
import math
from pathlib import Path

import click
import torch
from rich.console import Console
from rich.table import Table

from trainlab.cli.options import activation_option
from trainlab.cli.progress import Progress
from trainlab.atomic import atomic_write_text
from trainlab.experiments.optimizer_race import DEFAULT_VAL_TARGET, run_race
from trainlab.optim import registry
from trainlab.train.run_index import record_run, runs_root


def _fmt(v: float) -> str:
    return f"{v:.4f}" if math.isfinite(v) else "diverged"


def _list(console: Console) -> None:
    """Every optimizer ``train`` accepts, second-order ones marked; names are never cut.

    A wide console gets a table; a narrow one (or a log) one line per name with the
    details indented below it, wrapped by the console rather than truncated.
    """
    second = set(registry.names("closure"))
    rows = []
    for name in registry.names():
        e = registry.get(name)
        rows.append((name, "second order" if name in second else "", e.summary, e.source,
                     ", ".join(f"{v:g}" for v in e.lr_grid)))
    title = "trainlab optimizers (each works with `trainlab train --optimizer NAME`)"
    if console.width >= 110:
        table = Table(title=title)
        table.add_column("name", no_wrap=True)
        table.add_column("kind", no_wrap=True)
        for col in ("what", "source", "lr grid"):
            table.add_column(col, overflow="fold")
        for row in rows:
            table.add_row(*row)
        console.print(table)
    else:
        console.print(title, markup=False)
        for name, kind, summary, source, grid in rows:
            console.print(f"{name}" + (f"  [{kind}]" if kind else ""), markup=False, highlight=False)
            console.print(f"    {summary}; {source}; lr grid {grid}", markup=False, highlight=False)


def _f3(v: float) -> str:
    return f"{v:.3f}" if math.isfinite(v) else "diverged"


def _table(result, console: Console) -> None:
    cfg = result.config
    table = Table(title=f"Optimizer race: diabetes, {cfg['model']}, up to {cfg['steps']} steps, "
                        f"{cfg['seeds']} seed(s), ranked by best validation MSE (medians over seeds)",
                  caption="MSE in standardized units; @best: at the step of the best validation MSE (what early "
                          "stopping restores); @stop: where the run stopped")
    table.add_column("optimizer", no_wrap=True)
    for col in ("lr", "best val", "range", "step", f"to {cfg['target_val_mse']:g}", "train@best", "train@stop",
                "val@stop", "s"):
        table.add_column(col, justify="right", no_wrap=True)
    for r in result.rows:
        steps = "-" if r.steps_to_target is None else str(r.steps_to_target)
        table.add_row(r.name, f"{r.lr:g}", _f3(r.best_val.median), f"{_f3(r.best_val.low)}-{_f3(r.best_val.high)}",
                      f"{r.best_step.median:g}", f"{steps} ({r.reached}/{r.seeds})", _f3(r.train_at_best.median),
                      _f3(r.final_train.median),
                      _f3(r.final_val.median) + (f" ({r.diverged} diverged)" if r.diverged else ""),
                      f"{r.seconds:.1f}")
    wide = console if console.is_terminal else Console(width=max(console.width, 132), file=console.file)
    wide.print(table)
    console.print(result.summary, markup=False, highlight=False)
    patience = "off" if cfg["patience"] is None else f"{cfg['patience']} steps"
    console.print(f"Medians and ranges over seeds {cfg['seed']}..{cfg['seed'] + cfg['seeds'] - 1}; rate: "
                  f"{cfg['rate_rule']}; validation every {cfg['eval_every']} steps, early stopping patience "
                  f"{patience}; 'to {cfg['target_val_mse']:g}': median steps to that validation MSE (seeds that "
                  "reached it); s: training seconds.", markup=False, highlight=False)


def _write(result, out: Path, console: Console) -> None:
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "results.json", json.dumps(result.to_json(), allow_nan=True))
    from trainlab.report.race import plot_race_curves

    plot_race_curves(result.curves, [r.name for r in result.rows], {r.name: r.lr for r in result.rows},
                     result.config["target_val_mse"], out / "curves.png")
    console.print(f"wrote {out / 'results.json'} and {out / 'curves.png'}", markup=False, highlight=False)


@click.command()
@click.option("--optimizers", default="", help="Comma-separated names (default: all first-order). See --list.")
@click.option("--steps", default=1000, show_default=True, type=click.IntRange(1), help="Most full-batch steps per run.")
@click.option("--target", default=DEFAULT_VAL_TARGET, show_default=True, type=click.FloatRange(0, min_open=True),
              help="Validation MSE (standardized) to count steps to.")
@click.option("--seed", default=0, show_default=True, type=int, help="The split and the first initialization.")
@click.option("--seeds", default=3, show_default=True, type=click.IntRange(1),
              help="Initializations (seeds SEED..SEED+N-1); the rows give medians and ranges.")
@click.option("--eval-every", default=5, show_default=True, type=click.IntRange(1),
              help="Steps between validation evaluations.")
@click.option("--patience", default=100, show_default=True, type=click.IntRange(0),
              help="Early stopping: steps without a new best validation MSE before a run stops (0: never stop).")
@activation_option
@click.option("--no-tune", is_flag=True, help="Use the middle rate of each grid instead of the best of three.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for results.json (every number of the table) and curves.png.")
@click.option("--list", "list_", is_flag=True, help="List the optimizers and exit.")
def race(optimizers: str, steps: int, target: float, seed: int, seeds: int, eval_every: int, patience: int,
         activation: str, no_tune: bool, out: Path | None, list_: bool) -> None:
    """Race first-order optimizers on scikit-learn's diabetes data (10-64-64-1 tanh MLP).

    Each optimizer tries the three learning rates of its grid on the first seed
    and keeps the one that reaches the validation target first; the other seeds
    run at that rate. Runs stop early (patience) and the table ranks by the best
    validation MSE each reached, with the training MSE beside it.

    \b
    Examples:
      trainlab race --out runs/race
      trainlab race --optimizers sgd,momentum,adam --seeds 5 --steps 500
    """
    console = Console()
    if list_:
        _list(console)
        console.print("second order: steps with a closure over the full batch; race compares first-order ones.")
        return
    names = [n.strip() for n in optimizers.split(",") if n.strip()] or None
    for n in names or []:
        try:
            entry = registry.get(n)
        except ValueError as err:
            raise click.BadParameter(str(err), param_hint="--optimizers") from None
        if entry.closure:
            raise click.BadParameter(
                f"{n} is a second-order method (a line search sets each step's length): the race compares "
                "first-order optimizers at their learning rates; `trainlab race --list` shows them. Train with "
                f"it instead: trainlab train --optimizer {n}", param_hint="--optimizers")

    def done(row, i: int, n: int) -> None:
        progress.update(f"{row.name} done ({i}/{n}): best validation MSE {_fmt(row.best_val.median)}")

    settings = dict(optimizers=names, steps=steps, target=target, seed=seed, seeds=seeds, activation=activation,
                    eval_every=eval_every, patience=patience or None, tune=not no_tune)
    recorded = contextlib.nullcontext(None)
    if out is not None:  # a race with a folder is a run: recorded in the run index of its runs root
        out.mkdir(parents=True, exist_ok=True)
        recorded = record_run(runs_root(str(out)), out.name, "race", settings, str(out),
                              notify=lambda text: click.echo(f"note: {text}", err=True))
    with recorded as run:
        with Progress(console, "racing optimizers") as progress:
            result = run_race(on_done=done, **settings)
        _table(result, console)
        if out is not None:
            _write(result, out, console)
            best = result.rows[0]
            run.metrics.update(best_optimizer=best.name, best_val_mse=best.best_val.median)
