"""``trainlab doctor RUN_DIR``: why a finished or crashed run trained the way it did, and what to change."""

from __future__ import annotations

import json

import click

from trainlab.cli.errors import library_errors


@click.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON instead of a table.")
def doctor(run_dir: str, as_json: bool) -> None:
    """Examine the run in RUN_DIR with the training doctor and print its findings, most likely cause first.

    Uses RUN_DIR/doctor.json when the run was trained with --doctor (every measurement
    of the run); otherwise the epoch curves in history.csv, the step checkpoints (the
    size of the last updates) and model.pt with the training split (dead or saturated
    units, gradient flow, a constant output, the data's scale). Exits 1 when a finding
    is a warning or an error.

    \b
    Examples:
      trainlab train --data diabetes --optimizer sgd --lr 1e-6 --out runs/slow --doctor
      trainlab doctor runs/slow
      trainlab doctor runs/slow --json > report.json
    """
    from rich.console import Console

    from trainlab.doctor.run_folder import examine_run

    with library_errors({"run_dir": "RUN_DIR"}):
        report = examine_run(run_dir)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=1))
    else:
        Console().print(report)
    if not report.healthy:
        raise SystemExit(1)
