"""Every figure and number of docs/initialization.md except the collapse study's, from one command.

Run:
    python -m trainlab.experiments.initialization --out docs/figures/initialization

The collapse study has its own command (``python -m trainlab.experiments.collapse``).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import torch

from trainlab.atomic import atomic_write_text
from trainlab.experiments.collapse import collapse_map
from trainlab.experiments.gradient_flow import FACTORS, growth_study, matrix_product
from trainlab.experiments.layer_statistics import layer_study, variance_by_depth
from trainlab.experiments.symmetry import symmetry

__all__ = ["write_all", "main"]


def write_all(out: str | Path, map_runs: int = 100, map_steps: int = 500, seeds: int = 1000,
              layer_steps: int = 200) -> dict[str, object]:
    """Write the figures into ``out`` and return the numbers the document quotes."""
    from trainlab.report.initialization import plot_activations

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    numbers: dict[str, object] = {}
    plot_activations(out / "activations.png")

    example = matrix_product(100, 5, seed=0)
    numbers["product_seed0_max_abs"] = example.max_abs
    for factor in FACTORS:
        study = growth_study(100, 5, seeds, factor)
        numbers[f"growth_{factor}"] = {"mean": study.mean, "standard_error": study.standard_error,
                                       "closed_form": study.theory,
                                       "log10_max_abs_range": [min(study.log10_max_abs), max(study.log10_max_abs)]}
        if factor == "normal":
            study.plot(out / "matrix-product.png", [matrix_product(100, 5, seed=s) for s in range(5)])

    sym = symmetry(inits=("constant", "zeros", "he", "xavier_normal"))
    sym.plot(out / "symmetry.png")
    numbers["symmetry"] = {k: {"max_spread": max(v), "final_loss": sym.losses[k]} for k, v in sym.differences.items()}

    for activation in ("relu", "tanh"):
        profile = variance_by_depth(activation=activation)
        profile.plot(out / f"variance-by-depth-{activation}.png")
        numbers[f"variance_by_depth_{activation}"] = {
            s: {"activation_first_last": [v[0], v[-1]], "gradient_first_last": [profile.gradient_var[s][0],
                                                                                profile.gradient_var[s][-1]]}
            for s, v in profile.activation_var.items()}

    layers = layer_study(steps=layer_steps)
    layers.plot(out)
    numbers["layer_study"] = layers.table()

    grid = collapse_map(runs=map_runs, steps=map_steps)
    grid.plot(out / "collapse-map.png")
    numbers["collapse_map"] = asdict(grid)
    atomic_write_text(out / "initialization.json", json.dumps(numbers, indent=1))
    return numbers


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(prog="python -m trainlab.experiments.initialization", description=__doc__)
    parser.add_argument("--out", default="out/initialization")
    parser.add_argument("--map-runs", type=int, default=100)
    parser.add_argument("--map-steps", type=int, default=500)
    parser.add_argument("--seeds", type=int, default=1000)
    parser.add_argument("--layer-steps", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        numbers = write_all(args.out, args.map_runs, args.map_steps, args.seeds, args.layer_steps)
    finally:
        torch.set_num_threads(threads)
    print(json.dumps({k: v for k, v in numbers.items() if k not in ("layer_study", "collapse_map")}, indent=1))
    print(f"wrote figures and initialization.json into {args.out}")
    return numbers


if __name__ == "__main__":
    main()
