"""``trainlab predict`` and ``trainlab evaluate``: use a finished run folder on new data."""

from __future__ import annotations

import csv
import io

import click
from rich.console import Console
from rich.table import Table

from trainlab.atomic import atomic_write_text
from trainlab.constraints import InvalidArgument


def _fail(err: InvalidArgument) -> click.ClickException:
    text = str(err).replace("'run' parameter of load_run", "RUN_DIR").replace("'path' parameter of "
                                                                            "read_feature_csv", "--csv")
    return click.ClickException(text.replace("'csv_path' parameter of evaluate_run", "--csv"))


@click.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--csv", "csv_path", required=True, type=click.Path(dir_okay=False),
              help="Rows to predict: the model's feature columns (by name for CSV runs); a target column is ignored.")
@click.option("--out", default=None, type=click.Path(dir_okay=False),
              help="CSV to write (default: print to standard output).")
def predict(run_dir: str, csv_path: str, out: str | None) -> None:
    """Predict with RUN_DIR/model.pt for the raw rows of a CSV file.

    Features are normalized as in training (standardized, or whitened with
    --normalize pca/zca), with the training split's statistics saved in
    RUN_DIR/normalization.json; regression predictions come back in the
    target's own units, classification as class names (or indices).

    \b
    Examples:
      trainlab predict runs/prices --csv new_houses.csv --out predictions.csv
      trainlab predict runs/iris --csv flowers.csv
    """
    from trainlab.train.predict import load_run, read_feature_csv

    try:
        model, norm, _ = load_run(run_dir)
        X, _ = read_feature_csv(csv_path, norm)
    except InvalidArgument as err:
        raise _fail(err) from None
    import torch

    with torch.no_grad():
        values = norm.outputs(model(norm.inputs(X)))
    name = norm.target or "prediction"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([name] if values.ndim == 1 else [f"{name}_{j}" for j in range(values.shape[1])])
    for v in values:
        if norm.task == "classification":
            writer.writerow([norm.classes[int(v)] if norm.classes else int(v)])
        else:
            writer.writerow([f"{float(x):.8g}" for x in (v if values.ndim > 1 else [v])])
    if out is None:
        click.echo(buffer.getvalue(), nl=False)
        return
    try:
        atomic_write_text(out, buffer.getvalue())
    except OSError as err:
        raise click.ClickException(f"--out {out}: cannot write there ({err.strerror or err}).") from None
    click.echo(f"wrote {len(values)} predictions to {out}", err=True)


@click.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--csv", "csv_path", default=None, type=click.Path(dir_okay=False),
              help="A CSV file with the features and the target (default: the run's own test split).")
def evaluate(run_dir: str, csv_path: str | None) -> None:
    """Loss of RUN_DIR/model.pt in the data's own units: on its test split or on a CSV file.

    \b
    Examples:
      trainlab evaluate runs/diabetes
      trainlab evaluate runs/prices --csv holdout.csv
    """
    from trainlab.train.predict import evaluate_run

    try:
        result = evaluate_run(run_dir, csv_path)
    except InvalidArgument as err:
        raise _fail(err) from None
    table = Table(title=f"trainlab evaluate: {run_dir} on {result['data']}")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    for key, value in result.items():
        if key != "data":
            table.add_row(key, f"{value:.6g}" if isinstance(value, float) else str(value))
    Console().print(table)
