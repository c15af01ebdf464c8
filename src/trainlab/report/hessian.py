"""The figure of a Hessian summary: the eigenvalue density, and both ends of the spectrum.

Left: the density by stochastic Lanczos quadrature (``trainlab.diagnose.density``)
on a log scale, as Ghorbani, Krishnan & Xiao (2019) draw it (a bulk near zero and a
few outliers), with the ``k`` largest and ``k`` smallest eigenvalues found by Lanczos
marked. Right: those eigenvalues by rank, negative ones in red (directions of
descent: a saddle), labelled by rank, with the trace and the verdict in the title.

Example:
    >>> import os, tempfile, torch
    >>> from trainlab.diagnose.summary import summarize_hessian
    >>> w = torch.zeros(6, dtype=torch.float64, requires_grad=True)
    >>> d = torch.tensor([5.0, 2.0, 1.0, 0.5, -0.5, -1.0], dtype=torch.float64)
    >>> s = summarize_hessian(lambda: 0.5 * (d * w ** 2).sum(), [w], k=2, runs=2, steps=6, samples=4)
    >>> path = plot_hessian(s, os.path.join(tempfile.mkdtemp(), "hessian.png"))
    >>> os.path.getsize(path) > 0
    True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from trainlab.report.figures import new_figure, save

__all__ = ["plot_hessian"]


def plot_hessian(summary: dict[str, Any], path: str | Path, title: str = "") -> Path:
    """Draw ``summary`` (from ``summarize_hessian``) to the PNG ``path``."""
    fig, (left, right) = new_figure(2)
    dens = summary["density"]
    grid, values = np.asarray(dens["grid"]), np.asarray(dens["density"])
    floor = max(values.max() * 1e-5, 1e-12)
    left.semilogy(grid, np.maximum(values, floor), color="tab:blue", lw=1.2, label="density (SLQ)")
    for i, v in enumerate(summary["largest"]):
        left.axvline(v, color="tab:green", lw=0.8, alpha=0.7, label="largest (Lanczos)" if i == 0 else None)
    for i, v in enumerate(summary["smallest"]):
        left.axvline(v, color="tab:red", lw=0.8, alpha=0.7, ls="--", label="smallest (Lanczos)" if i == 0 else None)
    left.set_ylim(bottom=floor)
    left.set_xlabel("eigenvalue")
    left.set_ylabel("density (fraction of eigenvalues per unit)")
    left.set_title(f"eigenvalue density: {dens['runs']} runs x {dens['steps']} steps, sigma {dens['sigma']:.2g}")
    left.legend(fontsize=8)
    top, bottom = np.asarray(summary["largest"]), np.asarray(summary["smallest"])
    n, k = summary["parameters"], len(top)
    positions = np.concatenate([np.arange(k), k + 1 + np.arange(len(bottom))])
    ranks = [str(i + 1) for i in range(k)] + [str(n - i) for i in range(len(bottom))]
    vals = np.concatenate([top, bottom])
    colors = ["tab:red" if v < 0 else "tab:green" for v in vals]
    right.vlines(positions, 0, vals, colors=colors, lw=1.5)
    right.scatter(positions, vals, c=colors, s=22, zorder=3)
    right.axhline(0, color="black", lw=0.6)
    right.set_xticks(positions, ranks, fontsize=8)
    right.set_xlabel(f"rank (1 = largest ... {n:,} = smallest); green >= 0, red < 0")
    right.set_ylabel("eigenvalue (Lanczos)")
    right.set_title(f"{summary['kind']} (index ~{summary['index']:.3f}, |grad| {summary['grad_norm']:.2g}); "
                    f"trace {summary['trace']:.3g} +- {summary['trace_se']:.2g}", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    return save(fig, path)
