"""Ensembles against their members: bagging and snapshot ensembles on digits, several seeds.

- bagging (Breiman 1996): ``size`` MLPs, each on its own bootstrap sample of the
  training rows, trained together by one ``Trainer`` (``BootstrapBatches``); Adam;
- snapshot ensemble (Huang et al. 2017): one MLP, SGD with momentum 0.9 under
  cosine annealing with ``size`` restarts, a snapshot at the end of every cycle.

Both predict by averaging class probabilities (``trainlab.nn.Ensemble``). Per
seed the test error and cross-entropy of the ensemble and of every member are
measured; the question is how the ensemble compares with its average and its best
member. Set-up (trainlab's choice): scikit-learn's digits, pixels / 16, ``n_train``
rows drawn per seed, the rest for testing; 64-64-10 ReLU MLPs. ``python -m
trainlab.experiments.ensembles --out docs/figures/regularization`` writes
``ensembles.json`` and ``ensembles.png``.

Example:
    >>> r = ensemble_study(seeds=[0], size=2, epochs=2, n_train=64)
    >>> sorted(r["bagging"]), len(r["bagging"]["runs"][0]["member_error"])
    (['ensemble_error', 'ensemble_loss', 'gain_over_best', 'gain_over_mean', 'runs'], 2)
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from typing import Any

import torch

from trainlab.experiments.digits_lab import DigitsSplit, digits_split, fit_classifier, mean_spread, scores, write_json
from trainlab.nn import MLP, Ensemble
from trainlab.train import ScheduleCallback
from trainlab.train.ensemble import BootstrapBatches, Snapshots, bootstrap_indices, snapshot_ensemble, snapshot_schedule

__all__ = ["ensemble_study", "main", "plot_ensembles"]

WIDTHS = [64, 64, 10]


def _bagging(split: DigitsSplit, seed: int, size: int, epochs: int, batch: int) -> Ensemble:
    torch.manual_seed(seed)
    ens = Ensemble([MLP(WIDTHS) for _ in range(size)], combine="probabilities")
    sampler = BootstrapBatches(bootstrap_indices(len(split.x_train), size, seed))
    fit_classifier(ens, torch.optim.Adam(ens.parameters(), lr=1e-3), split, epochs, batch, seed, sampler=sampler)
    return ens


def _snapshots(split: DigitsSplit, seed: int, size: int, epochs: int, batch: int, lr: float) -> Ensemble:
    torch.manual_seed(seed)
    model = MLP(WIDTHS)
    steps = epochs * -(-len(split.x_train) // batch)
    schedule = snapshot_schedule(lr, steps, size)
    snaps = Snapshots(schedule.period, size)
    fit_classifier(model, torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9), split, epochs, batch, seed,
                   callbacks=[ScheduleCallback(schedule), snaps])
    return snapshot_ensemble(model, snaps.states, "probabilities")


def _measure(ens: Ensemble, split: DigitsSplit) -> dict[str, Any]:
    members = [scores(m, split.x_test, split.y_test) for m in ens.members]
    whole = scores(ens, split.x_test, split.y_test)
    return {"ensemble_error": whole["error"], "ensemble_loss": whole["loss"],
            "member_error": [m["error"] for m in members], "member_loss": [m["loss"] for m in members]}


def ensemble_study(seeds: Sequence[int] = (0, 1, 2, 3, 4), size: int = 5, epochs: int = 40, n_train: int = 600,
                   batch: int = 32, snapshot_lr: float = 0.1) -> dict[str, Any]:
    """Per method: every seed's run, and over seeds the ensemble's error and its gain over the members."""
    out: dict[str, Any] = {"setup": {"data": "digits / 16", "n_train": n_train, "model": "64-64-10 relu",
                                     "size": size, "epochs": epochs, "batch_size": batch, "seeds": list(seeds),
                                     "snapshot": f"SGD momentum 0.9, cosine restarts from lr {snapshot_lr:g}",
                                     "bagging": "Adam lr 1e-3, bootstrap samples"}}
    for method in ("bagging", "snapshot"):
        runs = []
        for seed in seeds:
            split = digits_split(seed, n_train=n_train)
            ens = (_bagging(split, seed, size, epochs, batch) if method == "bagging"
                   else _snapshots(split, seed, size, epochs, batch, snapshot_lr))
            runs.append({"seed": seed, **_measure(ens, split)})
        out[method] = {
            "runs": runs,
            "ensemble_error": mean_spread([r["ensemble_error"] for r in runs]),
            "ensemble_loss": mean_spread([r["ensemble_loss"] for r in runs]),
            "gain_over_mean": mean_spread([sum(r["member_error"]) / size - r["ensemble_error"] for r in runs]),
            "gain_over_best": mean_spread([min(r["member_error"]) - r["ensemble_error"] for r in runs]),
        }
    return out


def plot_ensembles(result: dict[str, Any], path: str) -> None:
    """Per seed: each member's test error (dots) and the ensemble's (a bar), for both methods."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
    for ax, method in zip(axes, ("bagging", "snapshot"), strict=True):
        for i, run in enumerate(result[method]["runs"]):
            members = run["member_error"]
            ax.bar(i, run["ensemble_error"], color="tab:green", alpha=0.6, label="ensemble" if i == 0 else None)
            ax.scatter([i + (k - (len(members) - 1) / 2) * 0.08 for k in range(len(members))], members,
                       color="k", s=14, zorder=3, label="members" if i == 0 else None)
        ax.set_xticks(range(len(result[method]["runs"])), [f"seed {r['seed']}" for r in result[method]["runs"]])
        gain = result[method]["gain_over_mean"]
        ax.set_title(f"{method} ({result['setup']['size']} members; members left to right in training order)\n"
                     f"ensemble vs mean member: {100 * gain['mean']:.2f} +- {100 * gain['std']:.2f} points "
                     "better", fontsize=9)
        ax.grid(alpha=0.3, axis="y")
        low = min(min(r["member_error"] + [r["ensemble_error"]]) for m in ("bagging", "snapshot")
                  for r in result[m]["runs"])
        ax.set_ylim(bottom=0.8 * low)
    axes[0].set_ylabel("test error")
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m trainlab.experiments.ensembles", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="out/regularization")
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    result = ensemble_study(seeds=range(args.seeds))
    os.makedirs(args.out, exist_ok=True)
    write_json(os.path.join(args.out, "ensembles.json"), result)
    plot_ensembles(result, os.path.join(args.out, "ensembles.png"))
    return result


if __name__ == "__main__":
    main()
