"""The ``trainlab`` command line.

Commands are listed once in ``COMMANDS`` and imported only when run; their
one-line summaries are kept in ``SUMMARIES`` (a test checks them against each
command's own help), so ``trainlab --help`` imports neither torch nor any command.
Every command works offline.

Threads: every command sets torch's thread count once, before it starts, by the
rule in ``trainlab.threads``: ``--threads N`` (an option of ``trainlab`` itself,
before the command), else the environment variable ``TRAINLAB_THREADS``, else a
count chosen from the work size; the models of these commands are small enough
that the choice is one thread.

Example:
    $ trainlab --help
    $ trainlab race --steps 500
    $ trainlab --threads 2 train --data diabetes --model 64,64 --out runs/d
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

# name -> the first sentence of its help, shown by ``trainlab --help`` without importing the command
SUMMARIES: dict[str, str] = {
    "diagnose": "Diagnose a run made by ``trainlab train``: figures and a JSON in RUN_DIR/diagnose/.",
    "evaluate": "Loss of RUN_DIR/model.pt in the data's own units: on its test split or on a CSV file.",
    "init": "Weight initialization: list the schemes, or draw how each keeps the variance per layer.",
    "lr-find": "Learning-rate range test (Smith 2017): print the suggestion, plot the curve.",
    "predict": "Predict with RUN_DIR/model.pt for the raw rows of a CSV file.",
    "race": "Race first-order optimizers on scikit-learn's diabetes data (10-64-64-1 tanh MLP).",
    "schedules": "Learning-rate schedules: list them, plot one, or draw the Brown/NVIDIA notes' figures.",
    "train": "Train an MLP and keep everything in a run folder that survives being killed.",
    "trajectories": "Race optimizers on an analytic problem: contour PNG, loss PNG, GIF, CSV and a table.",
    "runs": "The runs recorded in the run index (ROOT/index.sqlite).",
    "report": "Write one HTML file showing runs: an index table, learning curves, figures, doctor findings.",
    "sweep": "Run a grid or random search of `trainlab train` runs; each trial is a run folder.",
    "doctor": "Examine the run in RUN_DIR with the training doctor and print its findings, most likely cause first.",
    "run": "Run a lecture demonstration by NAME: figures, results.json, config.json and log.txt in --out.",
}
# The largest forward pass a command runs with its defaults (a 10-64-64-1 MLP over the 442 rows
# of diabetes, about 2.1 million multiply-adds): the work the automatic thread count is chosen for.
COMMAND_WORK = 442 * (10 * 64 + 64 * 64 + 64)


class LazyGroup(click.Group):
    """A click group that imports each command's module on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command table of ``--help``, as click writes it, from ``SUMMARIES`` (no command imported)."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            if name in SUMMARIES:
                rows.append((name, click.Command(name, help=SUMMARIES[name]).get_short_help_str(limit)))
            else:  # a command without a summary is imported to ask it
                rows.append((name, self.get_command(ctx, name).get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="trainlab")
@click.option("--threads", metavar="N", default=None,
              help="torch threads for the command (default: $TRAINLAB_THREADS, else chosen from the work size: 1 "
                   "for these small models).")
def main(threads: str | None) -> None:
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
    apply_threads(threads)


def apply_threads(flag: str | None, environ: dict[str, str] | None = None) -> tuple[int, str]:
    """Set torch's thread count by ``trainlab.threads.thread_setting``; a bad value is a usage error."""
    from trainlab.constraints import InvalidArgument
    from trainlab.threads import ENV, set_threads, thread_setting

    try:
        count, source = thread_setting(flag, environ, work=COMMAND_WORK)
    except InvalidArgument as err:
        from trainlab.cli.errors import translate

        raise translate(err, {"threads": "--threads", ENV: ENV}) from None
    set_threads(count)
    return count, source
