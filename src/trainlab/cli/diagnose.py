"""``trainlab diagnose ...``: diagnostics of a run made by ``trainlab train`` (its loss's Hessian, landscape, ...).

Subcommands are listed once in ``SUBCOMMANDS`` and imported only when run.

Also ``line``, ``plane`` and ``infoplane`` (``trainlab.cli.diagnose_views``).

Taught in the lectures (full references in docs/references.md): the CMI "Lecture 5: Training
Deep Neural Networks II" on saddles and ill-conditioning; Ghorbani et al. 2019 (Hessian
eigenvalue density), Lin et al. 2016 (stochastic Lanczos quadrature), Hutchinson 1989.
"""

from __future__ import annotations

import importlib
import json
import os

import click

from trainlab.cli.errors import library_errors

# name -> "module:attribute" of a click command
SUBCOMMANDS: dict[str, str] = {
    "hessian": "trainlab.cli.diagnose:hessian",
    "line": "trainlab.cli.diagnose_views:line",
    "plane": "trainlab.cli.diagnose_views:plane",
    "infoplane": "trainlab.cli.diagnose_views:infoplane",
}

_OPTIONS = {"run_dir": "RUN_DIR", "checkpoint": "--checkpoint", "k": "--k", "runs": "--runs", "steps": "--steps",
            "samples": "--samples", "dtype": "--dtype", "rows": "--rows", "params": "RUN_DIR",
            "loss_fn": "RUN_DIR"}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)


@click.group(cls=_LazyGroup)
def diagnose() -> None:
    """Diagnose a run made by ``trainlab train``: figures and a JSON in RUN_DIR/diagnose/.

    \b
    Examples:
      trainlab train --data diabetes --model 32,32 --epochs 200 --out runs/d
      trainlab diagnose hessian runs/d             # spectrum ends, trace, density
      trainlab diagnose line runs/d                # loss from the initialization to the end
      trainlab diagnose plane runs/d               # 2-D slice with the training path
      trainlab diagnose infoplane runs/d           # each layer's I(X;T), I(T;Y) over checkpoints
    """


@diagnose.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--checkpoint", default=None, type=click.Path(dir_okay=False),
              help="A checkpoint of the run (RUN_DIR/checkpoints/step-*.pt) instead of RUN_DIR/model.pt.")
@click.option("--k", default=5, show_default=True, type=int, help="Eigenvalues at each end of the spectrum.")
@click.option("--runs", default=10, show_default=True, type=int, help="Random starts of the density (SLQ).")
@click.option("--steps", default=80, show_default=True, type=int, help="Lanczos steps per density start.")
@click.option("--samples", default=100, show_default=True, type=int, help="Hutchinson probes for the trace.")
@click.option("--rows", default=None, type=int,
              help="Use this many training rows (drawn with --seed) instead of the whole training split.")
@click.option("--dtype", default="float64", show_default=True, type=click.Choice(["float64", "float32"]),
              help="Precision of the products.")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the random start vectors.")
@click.option("--out", default=None, type=click.Path(file_okay=False),
              help="Folder for hessian.json and hessian.png (default RUN_DIR/diagnose).")
def hessian(run_dir: str, checkpoint: str | None, k: int, runs: int, steps: int, samples: int, rows: int | None,
            dtype: str, seed: int, out: str | None) -> None:
    """The Hessian of RUN_DIR's training loss at its final (or a checkpoint's) parameters.

    Writes hessian.json (the k largest and k smallest eigenvalues by Lanczos, the
    trace by Hutchinson with its standard error, the eigenvalue density by
    stochastic Lanczos quadrature, the verdict minimum / saddle / degenerate with
    the gradient norm) and hessian.png (the density and both ends) in RUN_DIR/diagnose/.
    Only Hessian-vector products are used: memory stays that of a few gradients.

    \b
    Examples:
      trainlab diagnose hessian runs/d
      trainlab diagnose hessian runs/d --k 20 --checkpoint runs/d/checkpoints/step-00000100.pt
    """
    import torch

    from trainlab.constraints import POSITIVE_INT, Optional, check
    from trainlab.diagnose.run_data import load_run_data
    from trainlab.diagnose.summary import summarize_hessian
    from trainlab.report.hessian import plot_hessian
    from trainlab.atomic import atomic_write_text

    out = out or os.path.join(run_dir, "diagnose")
    with library_errors(_OPTIONS, output="--out"):
        check("hessian", "rows", rows, Optional(POSITIVE_INT, none="the whole training split"))
        data = load_run_data(run_dir, checkpoint=checkpoint, dtype=dtype)
        picked = None
        if rows is not None and rows < len(data.x):
            picked = torch.randperm(len(data.x), generator=torch.Generator().manual_seed(seed))[:rows]
        params = [p for p in data.model.parameters() if p.requires_grad]
        summary = summarize_hessian(data.loss_fn(picked), params, k=k, runs=runs, steps=steps, samples=samples,
                                    generator=torch.Generator().manual_seed(seed))
        summary.update(run=os.path.abspath(run_dir), checkpoint=os.path.abspath(data.checkpoint), loss=data.loss_name,
                       rows=len(data.x) if picked is None else rows, seed=seed)
        os.makedirs(out, exist_ok=True)
        json_path = os.path.join(out, "hessian.json")
        atomic_write_text(json_path, json.dumps(summary, indent=1))
        title = f"{os.path.basename(os.path.abspath(run_dir))}: {data.config.data}, model {data.config.hidden}"
        png = plot_hessian(summary, os.path.join(out, "hessian.png"), title=title)
    click.echo(f"{summary['parameters']:,} parameters, {summary['rows']} rows, {summary['hvps']} HVPs")
    click.echo("largest:  " + ", ".join(f"{v:.6g}" for v in summary["largest"]))
    click.echo("smallest: " + ", ".join(f"{v:.6g}" for v in summary["smallest"]))
    click.echo(f"trace {summary['trace']:.6g} +- {summary['trace_se']:.2g}; {summary['kind']}, index "
               f"~{summary['index']:.3f}, gradient norm {summary['grad_norm']:.3g}")
    click.echo(f"wrote {json_path} and {png}")
