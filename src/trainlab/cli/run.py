"""``trainlab run``: run one registered lecture demonstration by name, or list them.

``trainlab run --list`` prints every experiment (name, description, lecture source,
time of its quick and full presets). ``trainlab run NAME --out DIR`` runs one with
a progress bar and writes its figures, ``results.json``, ``config.json`` and
``log.txt`` into ``DIR`` (``trainlab.experiments.execute``).

Example:
    $ trainlab run --list
    $ trainlab run overfit --quick --out runs/overfit
    $ trainlab run j2_optimizers --seeds 3 --set steps=2000 --out runs/j2
"""

from __future__ import annotations

import ast
import math
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from trainlab.cli.errors import library_errors
from trainlab.constraints import InvalidArgument


def _value(text: str) -> Any:
    """``--set`` values: Python literals (``3``, ``1e-3``, ``True``, ``None``), otherwise the text itself."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return {"true": True, "false": False, "none": None}.get(text.lower(), text)


def _overrides(items: tuple[str, ...]) -> dict[str, Any]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise click.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="'--set'")
        out[key.strip()] = _value(value.strip())
    return out


def _list(console: Console) -> None:
    from trainlab.experiments import registry

    table = Table(title="experiments (trainlab run NAME --out DIR)")
    for col in ("name", "what", "source", "quick", "full"):
        table.add_column(col, no_wrap=col == "name")
    for e in registry.entries():
        table.add_row(e.name, e.description, e.source, e.quick_time, e.full_time)
    console.print(table)


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}" if math.isfinite(value) else str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value[:8]) + (", ...]" if len(value) > 8 else "]")
    return str(value)


def _results_table(name: str, results: dict[str, Any], rows: int = 40) -> Table:
    table = Table(title=f"{name}: results.json ({len(results)} numbers; the first {min(rows, len(results))})")
    table.add_column("key", overflow="fold")
    table.add_column("value", overflow="fold")
    for key, value in list(results.items())[:rows]:
        table.add_row(key, _show(value))
    return table


@click.command()
@click.argument("name", required=False)
@click.option("--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Set one parameter of the experiment (repeatable; see --list and the entry's parameters).")
@click.option("--quick", is_flag=True, help="The quick preset (seconds; what the tests run) instead of the full one.")
@click.option("--seeds", type=click.IntRange(1), default=None, help="Number of seeds (experiments that take seeds).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: runs/experiments/NAME).")
@click.option("--list", "list_", is_flag=True, help="List the experiments and exit.")
def run(name: str | None, settings: tuple[str, ...], quick: bool, seeds: int | None, out: Path | None,
        list_: bool) -> None:
    """Run a lecture demonstration by NAME: figures, results.json, config.json and log.txt in --out.

    \b
    Examples:
      trainlab run --list
      trainlab run overfit --out runs/overfit
      trainlab run j2_optimizers --quick --out runs/j2
      trainlab run quartic --set lr=0.05 --set steps=200 --out runs/quartic
      trainlab run noisy_schedules --seeds 50 --out runs/noisy
    """
    from trainlab.experiments import registry
    from trainlab.experiments.execute import execute

    console = Console(file=sys.stdout)  # bound now: the run's own prints go to its log.txt, the bar stays here
    if list_:
        _list(console if console.is_terminal else Console(file=sys.stdout, width=max(console.width, 160)))
        return
    if name is None:
        raise click.UsageError("give an experiment NAME (trainlab run --list shows them)")
    overrides = _overrides(settings)
    try:
        experiment = registry.get(name)
    except InvalidArgument as err:
        raise click.BadParameter(str(err), param_hint="'NAME'") from None
    for key in overrides:
        try:
            experiment.parameter(key)
        except InvalidArgument as err:
            raise click.BadParameter(f"{name}: {err}", param_hint="'--set'") from None
    if seeds is not None:
        if "seeds" not in experiment.defaults:
            why = "it takes one seed: use --set seed=N" if "seed" in experiment.defaults else "it is deterministic"
            raise click.BadParameter(f"{name} takes no number of seeds ({why})", param_hint="'--seeds'")
        overrides["seeds"] = seeds
    try:
        experiment.resolve(overrides, quick)
    except InvalidArgument as err:
        raise click.BadParameter("must be " + str(err).split(" must be ", 1)[1],
                                 param_hint=f"'--set {err.argument}'") from None
    default = out is None
    out = out or Path("runs") / "experiments" / name
    from trainlab.train.run_index import record_run, runs_root

    recorded = record_run(runs_root(str(out), default="runs" if default else None), out.name, "experiment",
                          {"experiment": name, "overrides": overrides, "quick": quick}, str(out),
                          notify=lambda text: click.echo(f"note: {text}", err=True))
    with library_errors(), recorded as run, Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                    TimeElapsedColumn(), console=console, disable=not console.is_terminal) as bar:
        task = bar.add_task(f"{name} ({'quick' if quick else 'full'})", total=None)

        def tick(done: int, total: int, what: str) -> None:
            bar.update(task, completed=done, total=total, description=f"{name}: {what}")
            if not console.is_terminal:  # a pipe or a log file: one plain line per step
                console.print(f"  {name}: {what} ({done}/{total})", markup=False, highlight=False)

        done = execute(name, out, overrides, quick, tick)
        run.metrics.update(done.outcome.results)
    console.print(_results_table(name, done.outcome.results))
    for path in [*done.outcome.figures, out / "results.json", out / "config.json", out / "log.txt"]:
        console.print(f"wrote {path}", highlight=False)
    console.print(f"done in {done.config['seconds']:.1f} s", highlight=False)
