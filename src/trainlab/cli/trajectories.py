"""``trainlab trajectories``: race optimizers on an analytic problem; figures, GIF, CSV, table."""

from __future__ import annotations

import math
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from trainlab import problems
from trainlab.cli.errors import library_errors
from trainlab.cli.progress import Progress
from trainlab.constraints import InvalidArgument
from trainlab.experiments import registry as experiments
from trainlab.optim import registry
from trainlab.problems.runner import run_together, summarize
from trainlab.problems.settings import key_of, lecture_runs, lecture_setting, problem_settings
from trainlab.train.run_index import record_run, runs_root

LECTURE_OPTIMIZERS = "gd,momentum,nesterov,adagrad,rmsprop,rmsprop-momentum,adam"


def _floats(text: str, what: str, param: str) -> list[float]:
    try:
        return [float(v) for v in text.replace(" ", "").split(",") if v]
    except ValueError:
        raise click.BadParameter(f"expected {what}, got {text!r}", param_hint=param) from None


def _pairs(items: tuple[str, ...], param: str) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise click.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint=param)
        out[key.strip()] = value.strip()
    return out


def _problem_kwargs(items: tuple[str, ...]) -> dict[str, int | float]:
    out: dict[str, int | float] = {}
    for key, value in _pairs(items, "--problem-arg").items():
        number = _floats(value, "a number", "--problem-arg")
        if len(number) != 1:
            raise click.BadParameter(f"expected one number for {key!r}, got {value!r}",
                                     param_hint="--problem-arg")
        out[key] = int(number[0]) if number[0].is_integer() and key == "dim" else number[0]
    return out


def _list(console: Console) -> None:
    table = Table(title="problems (trainlab trajectories --problem NAME)")
    for col in ("name", "dim", "minima", "starts", "what", "source"):
        table.add_column(col)
    for name in problems.names():
        p = problems.get(name)
        table.add_row(name, str(p.dim), "; ".join(_point(m) for m in p.minima) or "none (unbounded)",
                      "; ".join(_point(s) for s in p.starts), p.description, p.source)
    console.print(table)
    table = Table(title="optimizers (--optimizers a,b,c; rates on beale shown)")
    for col in ("name", "what", "source", "beale lr"):
        table.add_column(col)
    beale = problems.get("beale")
    for name in registry.names():
        e = registry.get(name)
        lr = lecture_setting(beale, name).get("lr")
        table.add_row(name, e.summary, e.source, "default" if lr is None else f"{lr:g}")
    console.print(table)


def _point(p: tuple[float, ...] | list[float], digits: int = 6) -> str:
    return "(" + ", ".join(f"{v:.{digits}g}" for v in p) + ")"


def _fmt(v: float) -> str:
    return f"{v:.4g}" if math.isfinite(v) else "-"


@click.command()
@click.option("--problem", default="beale", show_default=True, help="Problem name (see --list).")
@click.option("--problem-arg", multiple=True, metavar="NAME=VALUE",
              help="Argument of the problem's factory, e.g. condition=100 or dim=5 (repeatable).")
@click.option("--start", "starts", multiple=True, metavar="X1,X2",
              help="Start point (repeatable; default: the problem's first start).")
@click.option("--optimizers", default=LECTURE_OPTIMIZERS, show_default=True, help="Comma-separated optimizer names.")
@click.option("--steps", type=click.IntRange(1), default=None, help="Iteration cap (default: per problem).")
@click.option("--tol", type=click.FloatRange(0), default=None,
              help="Stop when a step is shorter than this (default: per problem; 0 never stops early).")
@click.option("--lr", "lrs", multiple=True, metavar="NAME=VALUE",
              help="Override a learning rate, e.g. --lr adam=0.01 (repeatable).")
@click.option("--noise", type=click.FloatRange(0), default=0.0, show_default=True,
              help="Add noise * N(0, 1) to each gradient component (the Brown/NVIDIA notes).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the gradient noise.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: runs/trajectories/PROBLEM).")
@click.option("--frames", type=click.IntRange(2, 1000), default=120, show_default=True, help="GIF frames.")
@click.option("--no-gif", is_flag=True, help="Skip the animation.")
@click.option("--demo", type=click.Choice(experiments.names("lab")), default=None,
              help="Run one lecture demonstration instead (its numbers and figures; other options ignored; "
                   "the same as trainlab run NAME).")
@click.option("--list", "list_", is_flag=True, help="List problems and optimizers and exit.")
def trajectories(problem: str, problem_arg: tuple[str, ...], starts: tuple[str, ...], optimizers: str,
                 steps: int | None, tol: float | None, lrs: tuple[str, ...], noise: float, seed: int,
                 out: Path | None, frames: int, no_gif: bool, demo: str | None, list_: bool) -> None:
    """Race optimizers on an analytic problem: contour PNG, loss PNG, GIF, CSV and a table.

    Learning rates and hyperparameters come from the lab's lecture settings
    (the UCLA ECE 239AS notes' listings; per problem), overridable with --lr NAME=VALUE.

    \b
    Examples:
      trainlab trajectories --list
      trainlab trajectories --problem beale --start 2,-2 --start=-3,3 --steps 10000 --out beale
      trainlab trajectories --problem quartic --start 5 --start=-5 --optimizers gd,momentum
      trainlab trajectories --problem quadratic --problem-arg condition=50 --optimizers gd,adam --lr adam=0.05
      trainlab trajectories --problem elliptic --start=-5,-2.5 --optimizers sgd --noise 1 --steps 200
      trainlab trajectories --demo saddle --out figures
    """
    console = Console()
    if not console.is_terminal:  # pipes and logs: room for the whole table
        console = Console(width=max(console.width, 120))
    if list_:
        _list(console)
        return
    if demo is not None:
        _demo(console, demo, out or Path("runs") / "lab" / demo, default=out is None)
        return
    try:
        prob = problems.get(problem, **_problem_kwargs(problem_arg))
    except (InvalidArgument, TypeError) as err:
        raise click.BadParameter(str(err), param_hint="--problem/--problem-arg") from None
    names = [n.strip() for n in optimizers.split(",") if n.strip()]
    if not names:
        raise click.BadParameter("give at least one optimizer", param_hint="--optimizers")
    for name in names:
        try:
            registry.get(name)
        except InvalidArgument as err:
            raise click.BadParameter(str(err), param_hint="--optimizers") from None
    points = [_floats(s, f"{prob.dim} comma-separated numbers", "--start") for s in starts]
    points = points or [list(prob.starts[0])]
    for p in points:
        if len(p) != prob.dim:
            raise click.BadParameter(f"{prob.name} needs {prob.dim} coordinate(s), got {p}",
                                     param_hint="--start")
    rates = {}
    for key, value in _pairs(lrs, "--lr").items():
        try:
            registry.get(key)
        except InvalidArgument as err:
            raise click.BadParameter(str(err), param_hint="--lr") from None
        rates[key] = _floats(value, "a number", "--lr")[0]
    settings = problem_settings(prob)
    steps = steps or settings.steps
    tol = settings.tol if tol is None else (tol or None)
    try:
        runs = lecture_runs(prob, names, points, lr=rates, noise=noise, seed=seed)
        with Progress(console, f"running {len(runs)} trajectories on {prob.name}"):
            result = run_together(prob, runs, steps=steps, tol=tol)
    except InvalidArgument as err:
        raise click.ClickException(str(err)) from None
    folder = out or Path("runs") / "trajectories" / key_of(prob)
    config = {"problem": prob.name, "optimizers": names, "starts": points, "steps": steps, "tol": tol,
              "lr": rates, "noise": noise, "seed": seed}
    with library_errors(), _recorded(folder, out is None, f"trajectories-{key_of(prob)}", config) as run:
        written = _write(result, folder, frames, no_gif, console)
        run.metrics.update({f"{r.label} final loss": r.final_loss for r in result})
    _table(console, prob, result, steps, tol)
    for path in written:
        console.print(f"wrote {path}")


def _recorded(folder: Path, default: bool, name: str, config: dict):
    """Record the command's folder in the run index (``runs/`` for the default folder, else its parent)."""
    return record_run(runs_root(str(folder), default="runs" if default else None), name, "lab", config, str(folder),
                      notify=lambda text: click.echo(f"note: {text}", err=True))


def _demo(console: Console, name: str, out: Path, default: bool = False) -> None:
    from trainlab.experiments.execute import execute

    with Progress(console, f"running the {name} demonstration"), library_errors(), \
            _recorded(out, default, f"demo-{name}", {"demo": name}) as run:
        done = execute(name, out)
        run.metrics.update(done.outcome.results)
    table = Table(title=f"lecture demonstration: {name}")
    table.add_column("run", no_wrap=True)
    table.add_column("result")
    for key, value in done.outcome.results.items():
        if key.startswith("summary."):
            table.add_row(key.removeprefix("summary."), str(value))
    console.print(table)
    for path in [*done.outcome.figures, out / "results.json"]:
        console.print(f"wrote {path}")


def _write(result: list, out: Path, frames: int, no_gif: bool, console: Console) -> list[Path]:
    from trainlab.report import trajectories as fig

    stem = key_of(result[0].problem)
    written = [fig.write_csv(result, out / f"{stem}.csv"), fig.plot_losses(result, out / f"{stem}_loss.png")]
    if result[0].problem.dim <= 2:
        written.append(fig.plot_paths(result, out / f"{stem}.png"))
        if not no_gif:
            written.append(fig.animate(result, out / f"{stem}.gif", frames=frames))
    else:
        console.print(f"({result[0].problem.dim}-D problem: no contour plot or animation)")
    return written


def _table(console: Console, prob: problems.Problem, result: list, steps: int, tol: float | None) -> None:
    tol_text = "off" if tol is None else f"{tol:g}"
    table = Table(title=f"{prob.name}: {steps} iterations at most, step tolerance {tol_text}")
    table.add_column("optimizer", no_wrap=True)
    for col in ("start", "final point", "distance to nearest minimum", "final loss",
                "iterations to tolerance", "stop"):
        table.add_column(col, justify="right", no_wrap=col in ("start", "final point"))
    for t in result:
        row = summarize(t)
        its = "-" if row.iterations_to_tolerance is None else str(row.iterations_to_tolerance)
        table.add_row(row.label, _point(row.start, 4), _point(row.final_point, 5), _fmt(row.distance),
                      _fmt(row.final_loss), its, row.stop_reason)
    console.print(table)
