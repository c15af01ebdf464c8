"""The ``trainlab`` command line.

Commands are listed once in ``COMMANDS`` and imported only when run, so
``trainlab --help`` stays fast. Every command works offline.

Example:
    $ trainlab --help
    $ trainlab race --steps 500
"""

from __future__ import annotations

import importlib
import os

import click

# name -> "module:attribute" of a click command
COMMANDS: dict[str, str] = {
    "race": "trainlab.cli.race:race",
    "trajectories": "trainlab.cli.trajectories:trajectories",
    "train": "trainlab.cli.train:train",
    "schedules": "trainlab.cli.schedules:schedules",
    "lr-find": "trainlab.cli.schedules:lr_find",
    "init": "trainlab.cli.init:init",
    "predict": "trainlab.cli.predict:predict",
    "evaluate": "trainlab.cli.predict:evaluate",
    "diagnose": "trainlab.cli.diagnose:diagnose",
    "runs": "trainlab.cli.runs:runs",
    "report": "trainlab.cli.report:report",
    "sweep": "trainlab.cli.sweep:sweep",
    "doctor": "trainlab.cli.doctor:doctor",
    "run": "trainlab.cli.run:run",
}


class LazyGroup(click.Group):
    """A click group that imports each command's module on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="trainlab")
def main() -> None:
    """trainlab: train and optimize neural networks, and see why training fails.

    \b
    Examples:
      trainlab race                      # every first-order optimizer on real data
      trainlab race --optimizers sgd,adam --steps 300
      trainlab trajectories --problem beale --start 2,-2 --steps 10000
      trainlab train --data diabetes --model 64,64 --epochs 100 --batch-size 32 --out runs/d
      trainlab train --resume runs/d     # continue a killed run exactly
      trainlab schedules plot cosine --set init=0.5 --set period=300 --out cosine.png
      trainlab lr-find --data diabetes --model 64,64 --optimizer sgd
      trainlab predict runs/d --csv new.csv --out predictions.csv
      trainlab evaluate runs/d           # test loss in the data's own units
      trainlab diagnose hessian runs/d   # Hessian spectrum ends, trace and density of the run's loss
      trainlab runs list                 # every recorded run (runs/index.sqlite)
      trainlab runs compare 1 2          # configs and metrics side by side, curves in one figure
      trainlab report runs --out report.html   # one self-contained HTML page of the runs
      trainlab sweep --optimizers sgd,adam --lr-grid 1e-3,1e-2 --seeds 0,1 --out runs/s
      trainlab doctor runs/d             # why the run trained as it did, and what to change
      trainlab run --list                # every lecture demonstration by name
      trainlab run overfit --out runs/overfit
    """
    os.environ.setdefault("MPLBACKEND", "Agg")
