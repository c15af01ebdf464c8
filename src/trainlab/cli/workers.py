"""``trainlab train --nproc N``: start N worker processes running the same command, and report their end.

The command line the workers get is rebuilt from the options click parsed (the
ones the user gave, ``--nproc`` left out), so ``trainlab train ... --nproc 2`` and
``torchrun --standalone --nproc-per-node 2 -m trainlab train ...`` run the same
workers. ``--nproc`` above the CPUs available is an error naming both numbers.
"""

from __future__ import annotations

import shlex

import click

from trainlab.constraints import InvalidArgument
from trainlab.train.launch import WorkersFailed, available_cpus, check_nproc, launch_workers

__all__ = ["check_workers", "command_line", "run_workers"]


def command_line(ctx: click.Context, drop: tuple[str, ...] = ("nproc",)) -> list[str]:
    """The options of ``ctx`` the user gave (not defaults), as arguments for the same command."""
    args = [ctx.info_name or ctx.command.name]
    for param in ctx.command.params:
        name = param.name
        if name in drop or not isinstance(param, click.Option):
            continue
        if ctx.get_parameter_source(name) in (click.core.ParameterSource.DEFAULT, None):
            continue
        value = ctx.params[name]
        if param.is_flag:
            if value:
                args.append(param.opts[0])
            elif param.secondary_opts:
                args.append(param.secondary_opts[0])
            continue
        for item in (value if param.multiple else [value]):
            args += [param.opts[0], str(item)]
    return args


def check_workers(nproc: int) -> None:
    """Refuse ``--nproc`` above the CPUs available, naming both numbers."""
    try:
        check_nproc(nproc)
    except InvalidArgument:
        raise click.BadParameter(f"{nproc} is more than the {available_cpus()} CPUs this machine lets the run "
                                 f"use (one worker per CPU); use --nproc {available_cpus()} or fewer.",
                                 param_hint="'--nproc'") from None


def run_workers(ctx: click.Context, nproc: int, resume_hint: str | None, extra: tuple[str, ...] = ()) -> None:
    """Launch ``nproc`` workers for this command (plus ``extra`` arguments); one message if one fails."""
    check_workers(nproc)
    try:
        launch_workers(nproc, [*command_line(ctx), *extra])
    except WorkersFailed as err:
        hint = f" Continue from the newest checkpoint with:  trainlab train --resume {shlex.quote(resume_hint)} " \
               f"--nproc {nproc}" if resume_hint else ""
        raise click.ClickException(f"{err}.{hint}") from None
