"""``trainlab race``: the main job of ``make run``."""

from __future__ import annotations

import math

import click
from rich.console import Console
from rich.table import Table

from trainlab.experiments.time_to_target import DEFAULT_TARGET, compare_time_to_target, rank
from trainlab.optim import registry


def _fmt(v: float) -> str:
    return f"{v:.4f}" if math.isfinite(v) else "diverged"


@click.command()
@click.option("--optimizers", default="", help="Comma-separated names (default: all). See --list.")
@click.option("--steps", default=1000, show_default=True, type=click.IntRange(1), help="Full-batch steps.")
@click.option("--target", default=DEFAULT_TARGET, show_default=True, type=float,
              help="Training MSE (standardized) to count steps to.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--seeds", default=1, show_default=True, type=click.IntRange(1),
              help="Initializations per rate (seeds SEED..SEED+N-1); the rows give medians.")
@click.option("--batch-size", default=None, type=click.IntRange(1), help="Mini-batch size (default: full batch).")
@click.option("--no-tune", is_flag=True, help="Use the middle rate of each grid instead of the best of three.")
@click.option("--list", "list_", is_flag=True, help="List the optimizers and exit.")
def race(optimizers: str, steps: int, target: float, seed: int, seeds: int, batch_size: int | None,
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
        table = Table(title="trainlab optimizers")
        for col in ("name", "what", "source", "lr grid"):
            table.add_column(col)
        for name in registry.names("first_order"):
            e = registry.get(name)
            table.add_row(name, e.summary, e.source, ", ".join(f"{v:g}" for v in e.lr_grid))
        console.print(table)
        return
    names = [n.strip() for n in optimizers.split(",") if n.strip()] or None
    for n in names or []:
        try:
            registry.get(n)
        except ValueError as err:
            raise click.BadParameter(str(err), param_hint="--optimizers") from None
    with console.status("racing optimizers..."):
        rows = compare_time_to_target(names, steps=steps, target=target, seed=seed, batch_size=batch_size,
                                      tune=not no_tune, seeds=seeds)
    table = Table(title=f"Optimizer race: diabetes, MLP 10-64-64-1 tanh, {steps} steps, target train MSE {target:g}")
    table.add_column("optimizer", no_wrap=True)
    for col in ("lr", "train MSE", "val MSE", "steps to target", "wall time (s)"):
        table.add_column(col, justify="right")
    for r in sorted(rows, key=rank):
        table.add_row(r.name, f"{r.lr:g}", _fmt(r.train_loss), _fmt(r.val_loss),
                      "-" if r.steps_to_target is None else str(r.steps_to_target), f"{r.wall_time:.2f}")
    console.print(table)
