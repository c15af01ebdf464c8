"""``trainlab runs list|show|compare``: the run index of a runs root, as tables and one figure."""

from __future__ import annotations

import math
import os
import time
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from trainlab.report.run_compare import compare_figure
from trainlab.report.run_view import read_curves
from trainlab.train.run_index import RUNS_ROOT_ENV, STATUSES, IndexedRun, RunIndex, UnknownRun

_HEADLINE = ("best_val_loss", "val_loss", "test_loss", "train_loss", "val_accuracy", "test_accuracy")


def root_option(f):
    return click.option("--root", default=None, metavar="DIR",
                        help=f"Runs root holding index.sqlite [${RUNS_ROOT_ENV}, else runs].")(f)


def open_index(root: str | None) -> RunIndex:
    """The index of ``--root``; a damaged one is rebuilt from the run folders with a note on stderr."""
    return RunIndex(root or os.environ.get(RUNS_ROOT_ENV) or "runs",
                    notify=lambda text: click.echo(f"note: {text}", err=True))


def _when(t: float | None, short: bool = False) -> str:
    return time.strftime("%m-%d %H:%M" if short else "%Y-%m-%d %H:%M:%S", time.localtime(t)) if t else ""


def _short(folder: str) -> str:
    """A folder relative to the working directory when it lies under it."""
    relative = os.path.relpath(folder)
    return folder if relative.startswith("..") else relative


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.5g}" if math.isfinite(v) else str(v)
    return "" if v is None else str(v)


def _duration(run: IndexedRun) -> str:
    return f"{run.ended - run.started:.1f} s" if run.ended else ""


def _get(index: RunIndex, run_id: str) -> IndexedRun:
    try:
        return index.get(run_id)
    except UnknownRun as err:
        raise click.BadParameter(str(err), param_hint="'ID'") from None


@click.group()
def runs() -> None:
    """The runs recorded in the run index (ROOT/index.sqlite).

    Every `trainlab train` run is recorded in the index of its runs root: $TRAINLAB_RUNS
    when set, else runs/ for the default folder, else the parent folder of --out.

    \b
    Examples:
      trainlab runs list --status completed
      trainlab runs show 3
      trainlab runs compare 3 4 5 --out compare.png
    """


@runs.command("list")
@click.option("--name", default=None, help="Only runs whose name contains this text.")
@click.option("--status", type=click.Choice(STATUSES), default=None, help="Only runs with this status.")
@root_option
def list_runs(name: str | None, status: str | None, root: str | None) -> None:
    """List the recorded runs, oldest first.

    \b
    Examples:
      trainlab runs list
      trainlab runs list --status completed --name diabetes --root runs
    """
    index = open_index(root)
    found = index.runs(name=name, status=status)
    console = Console()
    if not found:
        which = " matching" if name or status else ""
        console.print(f"no{which} runs recorded in {index.path}", markup=False)
        return
    headline = [k for k in _HEADLINE if any(k in r.metrics for r in found)][:1]
    table = Table(title=f"runs in {index.path}")
    for col in ("id", "name", "kind", "status", "started", *headline, "folder"):
        table.add_column(col, overflow="fold", no_wrap=col not in ("name", "folder"),
                         justify="right" if col in ("id", *headline) else "left")
    for r in found:
        table.add_row(str(r.id), r.name, r.kind, r.status, _when(r.started, short=True),
                      *(_fmt(r.metrics.get(k)) for k in headline), _short(r.folder))
    console.print(table)


@runs.command("show")
@click.argument("run_id", metavar="ID")
@root_option
def show(run_id: str, root: str | None) -> None:
    """Everything the index holds of run ID: status, times, folder, config, final metrics.

    \b
    Example:
      trainlab runs show 3
    """
    run = _get(open_index(root), run_id)
    table = Table(title=f"run {run.id}: {run.name}", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for key, value in (("kind", run.kind), ("status", run.status), ("started", _when(run.started)),
                       ("ended", _when(run.ended)), ("took", _duration(run)), ("folder", run.folder),
                       ("message", run.message)):
        if value:
            table.add_row(key, value)
    for section, values in (("config", run.config), ("metric", run.metrics)):
        for key, value in values.items():
            table.add_row(f"{section} {key}", _fmt(value))
    Console().print(table)


@runs.command("compare")
@click.argument("run_ids", metavar="ID...", nargs=-1, required=True)
@click.option("--out", default=None, metavar="PNG",
              help="Figure of the overlaid learning curves [ROOT/compare-ID-ID....png].")
@root_option
def compare(run_ids: tuple[str, ...], out: str | None, root: str | None) -> None:
    """Configs and final metrics side by side (differing config values in bold), curves in one figure.

    \b
    Examples:
      trainlab runs compare 3 4                 # table, and ROOT/compare-3-4.png
      trainlab runs compare 3 4 5 --out curves.png
    """
    index = open_index(root)
    chosen = [_get(index, i) for i in run_ids]
    table = Table(title="runs compared")
    table.add_column("", style="bold")
    for run in chosen:
        table.add_column(f"{run.id}: {run.name}", overflow="fold", justify="right")
    table.add_row("status", *(r.status for r in chosen))
    for key in dict.fromkeys(k for r in chosen for k in r.config):
        shown = [_fmt(r.config.get(key)) for r in chosen]
        differ = len(set(shown)) > 1
        table.add_row(f"config {key}", *(f"[bold yellow]{s}[/]" if differ else s for s in shown))
    for key in dict.fromkeys(k for r in chosen for k in r.metrics):
        if key != "message":
            table.add_row(key, *(_fmt(r.metrics.get(key)) for r in chosen))
    console = Console()
    console.print(table)
    curves = {f"{r.id}: {r.name}": read_curves(os.path.join(r.folder, "history.csv")) for r in chosen}
    path = out or os.path.join(index.root, "compare-" + "-".join(str(r.id) for r in chosen) + ".png")
    try:
        compare_figure(curves, path)
    except OSError as err:
        raise click.BadParameter(f"cannot write {path} ({err.strerror or err}).", param_hint="'--out'") from None
    console.print(f"learning curves: {path}", markup=False)
