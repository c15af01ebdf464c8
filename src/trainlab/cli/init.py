"""``trainlab init ...``: initialization schemes (list) and the per-layer variance figure (plot)."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from trainlab.constraints import InvalidArgument


@click.group("init")
def init() -> None:
    """Weight initialization: list the schemes, or draw how each keeps the variance per layer.

    \b
    Examples:
      trainlab init list
      trainlab init plot --activation relu --depth 20 --out init-relu.png
      trainlab init plot --activation tanh --schemes normal,xavier_normal,he --out init-tanh.png
    """


@init.command("list")
def list_() -> None:
    """Every initialization scheme and activation (with its recommended gain).

    \b
    Example:
      trainlab init list
    """
    from trainlab import init as initializers
    from trainlab.nn.activations import ACTIVATION_REGISTRY

    table = Table(title="trainlab init schemes")
    for col in ("name", "what", "bias"):
        table.add_column(col)
    for name in initializers.names():
        e = initializers.get(name)
        table.add_row(name, e.summary, e.bias)
    Console().print(table)
    acts = Table(title="activations")
    for col in ("name", "what", "gain", "gain rule"):
        acts.add_column(col)
    for a in ACTIVATION_REGISTRY.values():
        acts.add_row(a.name, a.summary, f"{a.gain:.4f}", a.gain_rule)
    Console().print(acts)


@init.command()
@click.option("--activation", default="relu", show_default=True, help="Activation of every hidden layer.")
@click.option("--schemes", default="normal,xavier_normal,he,lecun_normal,orthogonal,torch", show_default=True,
              help="Comma-separated schemes (`trainlab init list`).")
@click.option("--depth", default=20, show_default=True, type=int, help="Hidden layers.")
@click.option("--width", default=256, show_default=True, type=int, help="Units per hidden layer.")
@click.option("--samples", default=512, show_default=True, type=int, help="N(0, 1) inputs pushed through.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--out", default=None, type=click.Path(dir_okay=False), help="PNG to write [out/init-ACTIVATION.png].")
def plot(activation: str, schemes: str, depth: int, width: int, samples: int, seed: int, out: str | None) -> None:
    """Variance of activations and back-propagated gradients per layer at initialization, per scheme.

    N(0, 1) inputs go through a --depth x --width MLP built with each scheme; a
    unit-variance gradient comes back from the top.

    \b
    Examples:
      trainlab init plot --activation relu --depth 20 --out init-relu.png
      trainlab init plot --activation tanh --schemes normal,xavier_normal,he --width 128
    """
    from trainlab.experiments.layer_statistics import variance_by_depth

    names = [s.strip() for s in schemes.split(",") if s.strip()]
    try:
        profile = variance_by_depth(names, activation, depth, width, samples, seed)
    except InvalidArgument as err:
        raise click.BadParameter(str(err), param_hint="an option") from None
    path = profile.plot(out or f"out/init-{activation}.png")
    table = Table(title=f"variance at initialization: {activation}, {depth} x {width}")
    for col in ("scheme", "activation var, layer 1", f"layer {depth}", "gradient var, layer 1", f"layer {depth}"):
        table.add_column(col, justify="right")
    for name in names:
        a, g = profile.activation_var[name], profile.gradient_var[name]
        table.add_row(name, f"{a[0]:.3g}", f"{a[-1]:.3g}", f"{g[0]:.3g}", f"{g[-1]:.3g}")
    Console().print(table)
    click.echo(f"wrote {path}")
