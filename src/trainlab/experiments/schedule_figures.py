"""The Brown/NVIDIA notes' schedule figures, reproduced ("Learning Rate Scheduling in DNN", "1 Cycle Scheduling").

- ``power_and_linear``: power decay with ``alpha`` 1 and 0.5 and linear decay,
  initial rate 0.8 over 1000 epochs. The Brown/NVIDIA notes print the formula
  ``eta0 / (1 + beta t)^alpha`` but its listing (``power_deacay_hist``) multiplies
  the previous rate by that factor at every epoch, with ``beta = initial_lr / epochs``,
  so its curves fall much faster than the formula; the right panel draws the
  listing (``Multiplicative(0.8, Power(1, beta, alpha))``), the left the formula.
- ``cyclical_triangular``: ``CyclicLR(base_lr=0.0001, max_lr=0.001, step_size_up=3,
  mode="triangular")`` over the Brown/NVIDIA notes' 50 iterations.
- ``onecycle_piecewise``: the Brown/NVIDIA notes' piecewise target ``y = 5 + sum_{k=1..4} sin(kx)``
  (``x < 0``), ``cos(10x)`` (``x >= 0``) fitted by its 1-100-1 ReLU network with
  Adam, comparing a constant rate, the Brown/NVIDIA notes' triangular cycle and one-cycle
  (with the matching ``beta1`` cycle).

``write_all(folder)`` writes the three PNGs (``trainlab schedules examples``).

Example:
    >>> import tempfile
    >>> from trainlab.experiments.schedule_figures import cyclical_triangular
    >>> cyclical_triangular(tempfile.mkdtemp() + "/clr.png").name
    'clr.png'
"""

from __future__ import annotations

import math
from pathlib import Path

import torch

from trainlab.report.schedules import draw_schedules, new_figure, save
from trainlab.schedules.attach import attach
from trainlab.schedules.basic import Constant, Linear, Multiplicative, Power
from trainlab.schedules.cyclic import Cyclical, OneCycle

__all__ = ["cyclical_triangular", "onecycle_piecewise", "piecewise_target", "power_and_linear", "write_all"]

INITIAL_LR, EPOCHS = 0.8, 1000  # the Brown/NVIDIA notes' lr_decay example


def power_and_linear(path: str | Path) -> Path:
    """Power decay (alpha 1 and 0.5) and linear decay from 0.8 over 1000 epochs."""
    beta = INITIAL_LR / EPOCHS  # the listing's ``decay = initial_lr / epochs``
    linear = Linear(INITIAL_LR, 0.0, steps=EPOCHS)
    formula = {f"power, alpha={a:g}": Power(INITIAL_LR, beta=beta, alpha=a) for a in (1.0, 0.5)}
    listing = {
        f"listing, alpha={a:g}": Multiplicative(INITIAL_LR, Power(1.0, beta=beta, alpha=a))
        for a in (1.0, 0.5)
    }
    fig, (left, right) = new_figure(2)
    draw_schedules(
        left, {**formula, "linear": linear}, EPOCHS, title="eta0 (1 + beta t)^-alpha, beta = eta0/epochs"
    )
    draw_schedules(
        right,
        {**listing, "linear": linear},
        EPOCHS,
        title="as the Brown/NVIDIA notes' listing computes it (lr <- lr / (1 + beta t)^alpha)",
    )
    left.set_xlabel("epoch")
    right.set_xlabel("epoch")
    return save(fig, path)


def cyclical_triangular(path: str | Path, iterations: int = 50) -> Path:
    """The Brown/NVIDIA notes' triangular cycle between 1e-4 and 1e-3 with a step size of 3."""
    fig, (ax,) = new_figure()
    draw_schedules(
        ax,
        {"triangular": Cyclical(1e-4, 1e-3, step_size_up=3)},
        iterations - 1,
        marker="*",
        title="Cyclical (triangular), base 1e-4, max 1e-3, step size 3",
    )
    ax.set_xlabel("iteration")
    return save(fig, path)


def piecewise_target(x: torch.Tensor) -> torch.Tensor:
    """The Brown/NVIDIA notes' target: ``5 + sum_{k=1..4} sin(kx)`` for ``x < 0``, ``cos(10x)`` for ``x >= 0``."""
    left = 5 + sum(torch.sin(k * x) for k in range(1, 5))
    return torch.where(x < 0, left, torch.cos(10 * x))


def _fit(
    schedules: dict, x: torch.Tensor, y: torch.Tensor, steps: int, seed: int
) -> tuple[list[float], torch.nn.Module]:
    """Full-batch Adam on the 1-100-1 ReLU net with the given hyperparameter schedules."""
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(1, 100), torch.nn.ReLU(), torch.nn.Linear(100, 1)).double()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    scheds = [attach(opt, s, param=p) for p, s in schedules.items()]
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(net(x), y)
        loss.backward()
        opt.step()
        for s in scheds:
            s.step()
        losses.append(float(loss.detach()))
    return losses, net


# How each run of ``onecycle_piecewise`` is drawn on the rate panel: the triangular cycle
# (period 6 steps) fills a band whose top is the constant rate, so that line goes on top.
STYLES = {
    "constant": {"ls": "--", "lw": 2.0, "zorder": 3},
    "triangular": {"lw": 0.5, "alpha": 0.5},
}


def onecycle_piecewise(path: str | Path, steps: int = 2000, seed: int = 0) -> tuple[Path, dict[str, float]]:
    """Fit the piecewise target with a constant rate, the triangular cycle and one-cycle.

    Returns the figure's path and the final training MSE of each run.
    """
    x = torch.linspace(-math.pi, math.pi, 256, dtype=torch.float64).unsqueeze(1)
    y = piecewise_target(x)
    onecycle = OneCycle(peak=1e-2, total_steps=steps)
    runs = {
        "constant 1e-3": {"lr": Constant(1e-3)},
        "triangular 1e-4..1e-3 (the Brown/NVIDIA notes)": {"lr": Cyclical(1e-4, 1e-3, step_size_up=3)},
        "one-cycle, peak 1e-2": {"lr": onecycle, "beta1": onecycle.momentum(0.85, 0.95)},
    }
    fig, (ax_lr, ax_loss, ax_fit) = new_figure(3, size=(15.0, 4.0))
    ax_fit.plot(x, y, color="k", linewidth=2, label="target")
    final = {}
    for label, schedules in runs.items():
        losses, net = _fit(schedules, x, y, steps, seed)
        final[label] = losses[-1]
        # the constant rate is the cycle's top edge: drawn dashed on top of it, the cycle faint below
        style = STYLES.get(label.split(" ")[0], {})
        ax_lr.plot([schedules["lr"](t) for t in range(steps)], label=label, **style)
        ax_loss.plot(losses, label=f"{label}: {losses[-1]:.3g}")
        with torch.no_grad():
            ax_fit.plot(x, net(x), linewidth=1, label=label)
    ax_lr.set(xlabel="step", ylabel="learning rate", yscale="log", title="schedules (Adam)")
    ax_loss.set(xlabel="step", ylabel="training MSE", yscale="log", title="loss (final value in legend)")
    ax_fit.set(xlabel="x", ylabel="y", title="fits after the last step")
    for ax in (ax_lr, ax_loss, ax_fit):
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    return save(fig, path), final


def write_all(folder: str | Path, steps: int = 2000) -> tuple[dict[str, Path], dict[str, float]]:
    """All three figures into ``folder``; also the final losses of the one-cycle comparison."""
    folder = Path(folder)
    paths = {
        "power_and_linear": power_and_linear(folder / "power_linear.png"),
        "cyclical_triangular": cyclical_triangular(folder / "cyclical_triangular.png"),
    }
    paths["onecycle_piecewise"], final = onecycle_piecewise(
        folder / "onecycle_piecewise.png", steps=steps
    )
    return paths, final
