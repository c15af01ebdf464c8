"""100 copies of a tiny net as one vectorized model: per-step time vs one copy, a loop, and JAX.

The net: 1-100-1 tanh, 100 points of ``sin`` on [-pi, pi], full batch, Adam
(lr 1e-3). Timed per step (median of ``--repeats`` blocks of ``--steps`` steps):

- trainlab, 100 copies vectorized: ``FlatStack`` (every copy's tensors as views
  into one ``(copies, P)`` parameter) and trainlab's Adam on that one tensor;
- trainlab, one copy: a plain ``MLP`` and trainlab's Adam; 100 sequential runs
  cost 100 times this per step;
- JAX anchor (benchmark only, skipped when ``jax`` is not installed): one ``jit``
  step of 100 ``vmap``-ed copies of the same net, Adam written in ``jax.numpy``
  (and with optax, when it is installed), float32 on the CPU.

Also printed: the share of a vectorized step spent in ``tanh`` and its backward,
torch's CPU ``tanh`` being several times slower per element than ``exp`` here.

Run:
    python benchmarks/tiny_copies.py                 # 100 copies, 200 steps x 5 repeats
    python benchmarks/many_runs.py --tiny            # the same, from the many-runs benchmark
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time
from collections.abc import Callable

import torch
from torch.nn import functional as F

from trainlab.nn import MLP
from trainlab.optim import Adam
from trainlab.train.batched import StackedMLP, stacked_loss
from trainlab.train.stacked_curves import FlatStack

WIDTHS = [1, 100, 1]
LR = 1e-3


def _data() -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.linspace(-math.pi, math.pi, 100)[:, None]
    return x, torch.sin(x)


def _per_step(step: Callable[[], None], steps: int, repeats: int) -> float:
    """Median over ``repeats`` blocks of seconds per step (one untimed block first)."""
    for _ in range(max(steps // 10, 1)):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        times.append((time.perf_counter() - start) / steps)
    return statistics.median(times)


def torch_vectorized(copies: int, steps: int, repeats: int) -> float:
    x, y = _data()
    model = FlatStack(StackedMLP.create(WIDTHS, copies, "tanh", init="xavier_normal", seed=0))
    opt = Adam(model.parameters(), lr=LR)

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        stacked_loss(model(x), y).sum().backward()
        opt.step()

    return _per_step(step, steps, repeats)


def torch_single(steps: int, repeats: int) -> float:
    x, y = _data()
    torch.manual_seed(0)
    model = MLP(WIDTHS, activation="tanh")
    opt = Adam(model.parameters(), lr=LR)

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        F.mse_loss(model(x), y).backward()
        opt.step()

    return _per_step(step, steps, repeats)


def tanh_share(copies: int, steps: int) -> float:
    """Fraction of a vectorized step's operator time spent in tanh and tanh_backward (torch profiler)."""
    from torch.profiler import profile

    x, y = _data()
    model = FlatStack(StackedMLP.create(WIDTHS, copies, "tanh", init="xavier_normal", seed=0))
    opt = Adam(model.parameters(), lr=LR)
    with profile() as prof:
        for _ in range(steps):
            opt.zero_grad(set_to_none=True)
            stacked_loss(model(x), y).sum().backward()
            opt.step()
    events = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in events)
    return sum(e.self_cpu_time_total for e in events if e.key in ("aten::tanh", "aten::tanh_backward")) / total


def jax_vectorized(copies: int, steps: int, repeats: int, use_optax: bool) -> float | None:
    """Per-step time of a jit step of ``copies`` vmapped copies with Adam; ``None`` without jax (or optax)."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    if use_optax:
        try:
            import optax
        except ImportError:
            return None
    x, y = (jnp.asarray(t.numpy()) for t in _data())
    keys = jax.random.split(jax.random.PRNGKey(0), copies)

    def init(key):
        k1, k2 = jax.random.split(key)
        return {"w1": jax.random.normal(k1, (1, 100)) * math.sqrt(2 / 101), "b1": jnp.zeros(100),
                "w2": jax.random.normal(k2, (100, 1)) * math.sqrt(2 / 101), "b2": jnp.zeros(1)}

    def loss(p):
        h = jnp.tanh(x @ p["w1"] + p["b1"])
        return jnp.mean((h @ p["w2"] + p["b2"] - y) ** 2)

    params = jax.vmap(init)(keys)
    grads = jax.vmap(jax.grad(loss))
    if use_optax:
        tx = optax.adam(LR)
        state = tx.init(params)

        @jax.jit
        def step(p, s):
            updates, s = tx.update(grads(p), s, p)
            return optax.apply_updates(p, updates), s
    else:
        state = (jax.tree.map(jnp.zeros_like, params), jax.tree.map(jnp.zeros_like, params), jnp.zeros(()))

        @jax.jit
        def step(p, s):
            m, v, t = s
            g = grads(p)
            t = t + 1
            m = jax.tree.map(lambda a, b: 0.9 * a + 0.1 * b, m, g)
            v = jax.tree.map(lambda a, b: 0.999 * a + 0.001 * b * b, v, g)
            c1, c2 = 1 - 0.9**t, 1 - 0.999**t
            p = jax.tree.map(lambda a, mm, vv: a - LR * (mm / c1) / (jnp.sqrt(vv / c2) + 1e-8), p, m, v)
            return p, (m, v, t)

    box = [params, state]

    def one() -> None:
        box[0], box[1] = step(box[0], box[1])
        jax.block_until_ready(box[0])

    return _per_step(one, steps, repeats)


def main(argv: list[str] | None = None) -> dict[str, float | None]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=100)
    parser.add_argument("--steps", type=int, default=200, help="steps per timed block")
    parser.add_argument("--repeats", type=int, default=5, help="timed blocks (the median is reported)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    load = os.getloadavg()[0]
    t = {
        "vectorized": torch_vectorized(args.copies, args.steps, args.repeats),
        "single": torch_single(args.steps, args.repeats),
        "jax": jax_vectorized(args.copies, args.steps, args.repeats, use_optax=False),
        "jax_optax": jax_vectorized(args.copies, args.steps, args.repeats, use_optax=True),
    }
    t["tanh_share"] = tanh_share(args.copies, min(args.steps, 50))
    n = args.copies
    print(f"{n} copies of a 1-100-1 tanh net, 100 points, full-batch Adam; {torch.get_num_threads()} torch "
          f"thread(s), {os.cpu_count()} CPUs, load average {load:.1f} before / {os.getloadavg()[0]:.1f} after")
    print(f"{'what':44s} {'us/step':>10s} {'vs vectorized':>14s}")
    rows = [(f"trainlab, {n} copies vectorized (one step)", t["vectorized"]),
            ("trainlab, one copy", t["single"]),
            (f"trainlab, {n} sequential runs (one step each)", t["single"] * n),
            (f"JAX jit, {n} vmapped copies, Adam in jax.numpy", t["jax"]),
            (f"JAX jit, {n} vmapped copies, optax.adam", t["jax_optax"])]
    for label, value in rows:
        if value is None:
            print(f"{label:44s} {'(not installed)':>10s}")
        else:
            print(f"{label:44s} {value * 1e6:10.0f} {value / t['vectorized']:13.2f}x")
    print(f"vectorized step: {t['tanh_share']:.0%} of operator time in tanh and its backward")
    anchor = t["jax_optax"] or t["jax"]
    if anchor:
        print(f"trainlab vectorized / JAX: {t['vectorized'] / anchor:.2f}x per step (goal: at most 1.5x)")
    return t


if __name__ == "__main__":
    main()
