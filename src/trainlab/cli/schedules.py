"""``trainlab schedules ...`` (list, plot, examples) and ``trainlab lr-find``.

Taught in the lectures (full references in docs/references.md): Smith 2017 in the Brown/NVIDIA
notes.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from trainlab.cli.errors import library_errors
from trainlab.cli.options import activation_option, data_options, hidden_widths, key_values
from trainlab.constraints import InvalidArgument

# in lr-find the optimizer is built at the first rate of the scan
_LR_FIND_OPTIONS = {"lr": "--start"}


def _fail(err: Exception, hint: str) -> click.BadParameter:
    return click.BadParameter(str(err), param_hint=hint)


def png_path(value: str | None) -> str | None:
    """A figure's ``--out``: figures are PNG, so a name with another suffix is refused, not mislabelled."""
    if value is not None and Path(value).suffix.lower() != ".png":
        raise click.BadParameter(f"figures are written as PNG: give a name ending in .png; got {value!r}",
                                 param_hint="'--out'")
    return value


@click.group()
def schedules() -> None:
    """Learning-rate schedules: list them, plot one, or draw the Brown/NVIDIA notes' figures.

    \b
    Examples:
      trainlab schedules list
      trainlab schedules plot cosine --set init=0.5 --set period=300 --steps 500 --out cosine.png
      trainlab schedules plot cyclical --set mode=triangular2 --warmup 200 --out clr.png
      trainlab schedules examples --out out/schedules
    """


@schedules.command("list")
def list_() -> None:
    """Every schedule with its demo arguments (change them with ``plot --set``).

    \b
    Example:
      trainlab schedules list
    """
    from trainlab.schedules import registry

    table = Table(title="trainlab schedules")
    for col in ("name", "what", "source", "demo arguments"):
        table.add_column(col)
    for name in registry.names():
        e = registry.get(name)
        table.add_row(name, e.summary, e.source, ", ".join(f"{k}={v}" for k, v in e.defaults.items()))
    Console().print(table)


@schedules.command()
@click.argument("name")
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override an argument (repeatable); lists as a,b,c. See `schedules list`.",
)
@click.option("--steps", default=1000, show_default=True, type=click.IntRange(1), help="Steps to draw.")
@click.option(
    "--warmup", default=0, show_default=True, type=click.IntRange(0), help="Warm-up steps in front."
)
@click.option(
    "--warmup-mode", default="linear", show_default=True, type=click.Choice(["linear", "exponential"])
)
@click.option("--log", "logy", is_flag=True, help="Logarithmic value axis.")
@click.option(
    "--out", default=None, type=click.Path(dir_okay=False), help="PNG to write [out/schedules/NAME.png]."
)
def plot(
    name: str,
    settings: tuple[str, ...],
    steps: int,
    warmup: int,
    warmup_mode: str,
    logy: bool,
    out: str | None,
) -> None:
    """Draw the schedule NAME over --steps steps into a PNG.

    \b
    Examples:
      trainlab schedules plot power --set alpha=1 --steps 1000 --out power.png
      trainlab schedules plot piecewise --set boundaries=100,200 --set values=0.1,0.01,0.001 --steps 300
      trainlab schedules plot onecycle --set anneal=linear --set three_phase=true --out onecycle.png
    """
    from trainlab.report.schedules import plot_schedules
    from trainlab.schedules import Warmup, registry

    overrides = key_values(settings)
    try:
        schedule = registry.build(name, **overrides)
        if warmup:
            schedule = Warmup(schedule, steps=warmup, mode=warmup_mode)
    except InvalidArgument as err:
        raise _fail(err, "NAME or --set") from None
    with library_errors():
        path = plot_schedules(
            {repr(schedule): schedule},
            steps,
            png_path(out) or f"out/schedules/{name}.png",
            logy=logy,
            title=repr(schedule) if len(repr(schedule)) < 80 else name,
        )
    values = [schedule(t) for t in range(steps + 1)]
    click.echo(
        f"{schedule!r}: first {values[0]:.6g}, last {values[-1]:.6g}, "
        f"min {min(values):.6g}, max {max(values):.6g}"
    )
    click.echo(f"wrote {path}")


@schedules.command()
@click.option(
    "--out",
    default="out/schedules",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for the PNGs.",
)
@click.option(
    "--steps",
    default=2000,
    show_default=True,
    type=click.IntRange(10),
    help="Training steps of the one-cycle example.",
)
def examples(out: str, steps: int) -> None:
    """Draw the Brown/NVIDIA notes' schedule figures (power/linear decay, triangular cycle, one-cycle).

    \b
    Example:
      trainlab schedules examples --out out/schedules
    """
    from trainlab.experiments.schedule_figures import write_all

    with Console().status("drawing the Brown/NVIDIA notes' schedule figures..."), library_errors():
        paths, final = write_all(Path(out), steps=steps)
    for name, path in paths.items():
        click.echo(f"{name}: {path}")
    for label, loss in final.items():
        click.echo(f"  final training MSE, {label}: {loss:.4f}")


@click.command("lr-find")
@data_options
@click.option("--model", "widths", default="64,64", show_default=True,
              help="Hidden widths, comma-separated ('linear': none).")
@activation_option
@click.option(
    "--optimizer", default="sgd", show_default=True, help="A trainlab optimizer (`trainlab race --list`)."
)
@click.option("--start", default=1e-6, show_default=True, type=float, help="First learning rate.")
@click.option("--end", default=10.0, show_default=True, type=float, help="Last learning rate.")
@click.option("--steps", default=100, show_default=True, type=int, help="Steps of the exponential ramp.")
@click.option(
    "--batch-size", default=None, type=click.IntRange(1), help="Mini-batch size (default: full batch)."
)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option(
    "--out",
    default=None,
    type=click.Path(dir_okay=False),
    help="PNG to write [out/lr-find-DATA-OPTIMIZER.png].",
)
def lr_find(
    data: str,
    target: str | None,
    task: str,
    samples: int | None,
    widths: str,
    activation: str,
    optimizer: str,
    start: float,
    end: float,
    steps: int,
    batch_size: int | None,
    seed: int,
    out: str | None,
) -> None:
    """Learning-rate range test (Smith 2017): print the suggestion, plot the curve.

    The rate rises exponentially from --start to --end; the model and optimizer
    are put back afterwards, so the suggestion is for training from the start.

    \b
    Examples:
      trainlab lr-find --data diabetes --model 64,64 --optimizer sgd
      trainlab lr-find --data digits --optimizer adam --batch-size 64 --end 1 --out adam-digits.png
      trainlab lr-find --data heaviside --model 100,100     # a lecture target, as for trainlab train
      trainlab lr-find --data prices.csv --target price
    """
    from trainlab.report.schedules import plot_range_test
    from trainlab.train.lr_find import find_on_dataset

    hidden = hidden_widths(widths)
    png_path(out)
    with library_errors(_LR_FIND_OPTIONS):
        with Console().status("running the range test..."):
            result = find_on_dataset(
                data,
                hidden,
                activation,
                optimizer,
                start=start,
                end=end,
                steps=steps,
                batch_size=batch_size,
                seed=seed,
                target=target,
                task=task,
                samples=samples,
            )
        name = Path(data).stem
        path = plot_range_test(
            result,
            out or f"out/lr-find-{name}-{optimizer}.png",
            title=f"Range test: {data}, MLP {widths} {activation}, {optimizer}",
        )
    table = Table(title=f"lr-find: {data}, MLP {widths} {activation}, {optimizer}")
    table.add_column("")
    table.add_column("value", justify="right")
    table.add_row("suggested learning rate", f"{result.suggestion:.3g}")
    table.add_row("rule", result.rule)
    for name, value in result.candidates.items():
        if name != result.rule:
            table.add_row(f"  {name}", f"{value:.3g}")
    table.add_row("confidence", result.confidence)
    table.add_row("rules apart (decades)", f"{result.agreement:.2f}")
    table.add_row("curve noise", f"{result.noise:.3f}")
    table.add_row(
        "steps run", f"{len(result.losses)} of {steps}" + (" (diverged)" if result.diverged else "")
    )
    Console().print(table)
    for note in result.notes:
        click.echo(f"note: {note}")
    click.echo(f"wrote {path}")
