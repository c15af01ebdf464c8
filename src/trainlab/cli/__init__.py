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
    "schedules": "trainlab.cli.schedules:schedules",
    "lr-find": "trainlab.cli.schedules:lr_find",
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
    """
    os.environ.setdefault("MPLBACKEND", "Agg")
