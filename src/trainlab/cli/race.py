"""``trainlab race``: the main job of ``make run``."""

from __future__ import annotations

import math

import click
from rich.console import Console
from rich.table import Table

from trainlab.cli.options import activation_option
from trainlab.cli.progress import Progress
from trainlab.experiments.time_to_target import DEFAULT_TARGET, compare_time_to_target, rank
from trainlab.optim import registry


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


@click.command()
@click.option("--optimizers", default="", help="Comma-separated names (default: all). See --list.")
@click.option("--steps", default=1000, show_default=True, type=click.IntRange(1), help="Full-batch steps.")
@click.option("--target", default=DEFAULT_TARGET, show_default=True, type=float,
              help="Training MSE (standardized) to count steps to.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--seeds", default=1, show_default=True, type=click.IntRange(1),
              help="Initializations per rate (seeds SEED..SEED+N-1); the rows give medians.")
@click.option("--batch-size", default=None, type=click.IntRange(1), help="Mini-batch size (default: full batch).")
@activation_option
@click.option("--no-tune", is_flag=True, help="Use the middle rate of each grid instead of the best of three.")
@click.option("--list", "list_", is_flag=True, help="List the optimizers and exit.")
def race(optimizers: str, steps: int, target: float, seed: int, seeds: int, batch_size: int | None, activation: str,
         no_tune: bool, list_: bool) -> None:
    """Race first-order optimizers on scikit-learn's diabetes data (10-64-64-1 tanh MLP).

    Each optimizer tries the three learning rates of its grid from the same
    initial weights; the table shows the rate that reached the target first
    (then: lowest training loss), with its validation loss beside it.

    \b
    Examples:
      trainlab race
      trainlab race --optimizers sgd,momentum,adam --steps 500 --target 0.45
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
        progress.update(f"{row.name} done ({i}/{n}): train MSE {_fmt(row.train_loss)}")

    with Progress(console, "racing optimizers") as progress:
        rows = compare_time_to_target(names, steps=steps, target=target, seed=seed, batch_size=batch_size,
                                      tune=not no_tune, seeds=seeds, activation=activation, on_done=done)
    table = Table(title=f"Optimizer race: diabetes, MLP 10-64-64-1 {activation}, {steps} steps, target train MSE {target:g}")
    table.add_column("optimizer", no_wrap=True)
    spread = seeds > 1  # rows hold medians over seeds; show the validation loss's range too
    columns = ("lr", "train MSE", "val MSE", *(("val MSE min-max",) if spread else ()), "steps to target",
               "wall time (s)")
    for col in columns:
        table.add_column(col, justify="right", overflow="fold")
    for r in sorted(rows, key=rank):
        cells = [r.name, f"{r.lr:g}", _fmt(r.train_loss), _fmt(r.val_loss)]
        if spread:
            cells.append(f"{_fmt(r.val_loss_min)}-{_fmt(r.val_loss_max)}")
        cells += ["-" if r.steps_to_target is None else str(r.steps_to_target), f"{r.wall_time:.2f}"]
        table.add_row(*cells)
    console.print(table)
    if spread:
        console.print(f"medians over {seeds} seeds (seeds {seed}..{seed + seeds - 1}) at each optimizer's best rate")
