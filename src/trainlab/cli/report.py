"""``trainlab report``: runs (folders or index ids) as one self-contained HTML file."""

from __future__ import annotations

import os

import click

from trainlab.cli.runs import root_option
from trainlab.report.html_report import write_report
from trainlab.report.run_view import ReportInputError, resolve_runs
from trainlab.train.run_index import RUNS_ROOT_ENV


@click.command()
@click.argument("runs", metavar="DIR_OR_ID...", nargs=-1, required=True)
@click.option("--out", default="report.html", show_default=True, metavar="HTML", help="The HTML file to write.")
@click.option("--title", default="trainlab report", show_default=True, help="Heading of the report.")
@root_option
def report(runs: tuple[str, ...], out: str, title: str, root: str | None) -> None:
    """Write one HTML file showing runs: an index table, learning curves, figures, doctor findings.

    Each argument is a run folder, a folder of run folders (every run under it),
    or a run id of the index (`trainlab runs list`). The file inlines its
    script and images: open it anywhere, offline, or mail it.

    \b
    Examples:
      trainlab report runs --out report.html          # every run under runs/
      trainlab report 3 4 runs/race --out compare.html
    """
    try:
        views = resolve_runs(runs, root or os.environ.get(RUNS_ROOT_ENV) or "runs",
                             notify=lambda text: click.echo(f"note: {text}", err=True))
    except ReportInputError as err:
        raise click.BadParameter(str(err), param_hint="'DIR_OR_ID'") from None
    try:
        path = write_report(views, out, title=title)
    except OSError as err:
        raise click.BadParameter(f"cannot write {out} ({err.strerror or err}).", param_hint="'--out'") from None
    click.echo(f"report of {len(views)} run{'s' * (len(views) != 1)}: {path}")
