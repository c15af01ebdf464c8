"""``trainlab diagnose line|plane|infoplane RUN_DIR``: views of a finished run's loss and layers.

Each command reads a run folder made by ``trainlab train --out RUN_DIR`` (its
config, final model and step checkpoints: ``trainlab.diagnose.run_snapshots``)
and writes a figure and a JSON of the numbers into ``RUN_DIR/diagnose/``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

import click

from trainlab.cli.errors import library_errors

__all__ = ["infoplane", "line", "plane"]

OPTIONS = {"run": "RUN_DIR", "path": "RUN_DIR", "points": "--points", "span": "--span", "bins": "--bins",
           "noise_variance": "--noise-variance", "alpha_range": "--alpha-range", "kde_inputs": "--kde-inputs"}
BATCH_NORM = click.Choice(["frozen", "recompute"])
BATCH_NORM_HELP = ("Batch-norm statistics at each point: the model's own (frozen) or recomputed over the "
                   "training data (recompute).")


@contextmanager
def _errors() -> Iterator[None]:
    with library_errors(OPTIONS, output="RUN_DIR"):
        yield


def _write(run: Any, name: str, payload: dict[str, Any], draw: Any, result: Any) -> None:
    from trainlab.atomic import atomic_write_text

    folder = os.path.join(run.root, "diagnose")
    os.makedirs(folder, exist_ok=True)
    atomic_write_text(os.path.join(folder, f"{name}.json"), json.dumps(payload, indent=1))
    draw(result, os.path.join(folder, f"{name}.png"))
    click.echo(f"wrote {folder}/{name}.png and {name}.json")


def _labels(run: Any) -> list[str]:
    return ["initialization", *(f"step {s}" for s, _ in run.checkpoints), "final model"]


@click.command("line")
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--points", default=25, show_default=True, type=int, help="Points along the line.")
@click.option("--start", type=click.Choice(["init", "first"]), default="init", show_default=True,
              help="The line starts at the initialization (rebuilt from the config's seed) or the oldest "
                   "kept checkpoint.")
@click.option("--alpha-range", nargs=2, type=float, default=(0.0, 1.0), show_default=True,
              help="Range of alpha (0: start, 1: final model); e.g. -0.5 1.5 to look beyond both ends.")
@click.option("--batch-norm", type=BATCH_NORM, default="frozen", show_default=True, help=BATCH_NORM_HELP)
def line(run_dir: str, points: int, start: str, alpha_range: tuple[float, float], batch_norm: str) -> None:
    """Training and validation loss on the straight line from the start to the final model.

    Goodfellow, Vinyals & Saxe 2015: a curve without a bump says no barrier lies
    between initialization and solution. Writes RUN_DIR/diagnose/line.png and line.json.

    \b
    Examples:
      trainlab diagnose line runs/iris
      trainlab diagnose line runs/iris --start first --alpha-range -0.5 1.5
    """
    from trainlab.diagnose import landscape
    from trainlab.diagnose.run_snapshots import load_run_snapshots
    from trainlab.report.landscape import plot_line

    with _errors():
        run = load_run_snapshots(run_dir)
        if start == "first" and not run.checkpoints:
            raise click.BadParameter(f"{run.root} has no step checkpoints; use --start init.", param_hint="'--start'")
        theta = run.initial if start == "init" else run.checkpoints[0][1]
        result = landscape.line(run.model, theta, run.final, run.train, points, validation=run.val, loss=run.loss,
                                batch_norm=batch_norm, alpha_range=alpha_range)
        name = "initialization" if start == "init" else f"step {run.checkpoints[0][0]}"
        payload = {"run": run.root, "start": name, "end": "final model", "loss_function": run.loss, **result.to_dict()}
        _write(run, "line", payload, plot_line, result)
    click.echo(f"training loss {result.train[0]:.4g} at alpha {result.alphas[0]:g}, {result.train[-1]:.4g} at alpha "
               f"{result.alphas[-1]:g}; barrier {result.barrier:.3g}")


@click.command("plane")
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--directions", type=click.Choice(["pca", "filter", "hessian"]), default="pca", show_default=True,
              help="pca: the training path's first two principal directions; filter: filter-normalized random "
                   "directions (Li et al. 2018); hessian: the top-2 Hessian eigenvectors.")
@click.option("--points", default=21, show_default=True, type=int, help="Grid points per axis.")
@click.option("--span", default=1.0, show_default=True, type=float,
              help="Grid half-width along filter/hessian directions (pca covers the path).")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the random directions.")
@click.option("--batch-norm", type=BATCH_NORM, default="frozen", show_default=True, help=BATCH_NORM_HELP)
def plane(run_dir: str, directions: str, points: int, span: float, seed: int, batch_norm: str) -> None:
    """Contour of the training loss on a 2-D slice around the final model, with the training path.

    The path is the initialization, the kept checkpoints and the final model,
    projected on the slice's directions. Writes RUN_DIR/diagnose/plane-DIRECTIONS.png and .json.

    \b
    Examples:
      trainlab diagnose plane runs/iris
      trainlab diagnose plane runs/iris --directions filter --span 0.5 --points 31
    """
    from trainlab.diagnose import landscape
    from trainlab.diagnose.run_snapshots import load_run_snapshots
    from trainlab.report.landscape import plot_plane

    with _errors():
        run = load_run_snapshots(run_dir)
        try:
            result = landscape.plane(run.model, run.train, directions, path=run.path(), span=span, points=points,
                                     seed=seed, loss=run.loss, batch_norm=batch_norm)
        except ImportError as err:
            raise click.ClickException(f"--directions hessian needs trainlab.diagnose.hessian ({err}).") from None
        payload = {"run": run.root, "path_labels": _labels(run), "loss_function": run.loss, **result.to_dict()}
        _write(run, f"plane-{directions}", payload, plot_plane, result)
    click.echo(f"loss at the final model {result.center_loss:.4g}; slice min {min(map(min, result.loss)):.4g}, "
               f"max {max(map(max, result.loss)):.4g}")


@click.command("infoplane")
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--bins", default=30, show_default=True, type=int, help="Bins per unit of the binning estimator.")
@click.option("--noise-variance", default=0.1, show_default=True, type=float,
              help="Noise variance of the kernel-density estimator.")
@click.option("--kde-inputs", default=1024, show_default=True, type=int,
              help="Training inputs the kernel-density estimator uses (it costs their square).")
def infoplane(run_dir: str, bins: int, noise_variance: float, kde_inputs: int) -> None:
    """Every layer's I(X;T) and I(T;Y) at initialization and each checkpoint, on the training data.

    Binning (Shwartz-Ziv & Tishby 2017) and the kernel-density upper bound
    (Kolchinsky & Tracey 2017, Saxe et al. 2018). Each training input is one
    equally likely X; Y is the class (a regression target: its decile). Writes
    RUN_DIR/diagnose/infoplane.png and infoplane.json.

    \b
    Examples:
      trainlab diagnose infoplane runs/iris
      trainlab diagnose infoplane runs/iris --bins 10 --noise-variance 0.05
    """
    import torch

    from trainlab.diagnose.layer_information import information_trajectory
    from trainlab.diagnose.run_snapshots import load_run_snapshots
    from trainlab.report.information_plane import plot_information_plane

    with _errors():
        run = load_run_snapshots(run_dir)
        y = run.train.y
        if run.task == "classification":
            labels = y.reshape(-1).long()
        else:
            target = y.reshape(len(y), -1)[:, 0].double()
            labels = torch.bucketize(target, torch.quantile(target, torch.linspace(0.1, 0.9, 9, dtype=torch.float64)))
        states = [run.initial, *(state for _, state in run.checkpoints)]
        steps = [0, *(s for s, _ in run.checkpoints)]
        plane_ = information_trajectory(run.model, states, run.train.x, labels, bins, None, noise_variance,
                                        kde_inputs, "softmax" if run.task == "classification" else "raw",
                                        seed=run.config.seed)
        view = _View(f"{run.config.activation} ({os.path.basename(run.root.rstrip('/'))})", steps, plane_)
        payload = {"run": run.root, "steps": steps, "bins": bins, "noise_variance": noise_variance,
                   "inputs": len(run.train.x), "labels": "class" if run.task == "classification" else "target decile",
                   **asdict(plane_), "compression_bits": {"binned": plane_.compression("binned"),
                                                          "kde": plane_.compression("kde")}}
        _write(run, "infoplane", payload, lambda v, p: plot_information_plane([v], p, unit="step"), view)
    click.echo(f"{len(plane_.layers)} layers over {len(states)} checkpoints")


class _View:
    """A trajectory in the shape the information-plane figure draws (an activation, epochs, layers)."""

    def __init__(self, activation: str, steps: list[int], plane: Any) -> None:
        self.activation, self.epochs, self.layers = activation, steps, plane.layers
        self.binned, self.kde = plane.binned, plane.kde
