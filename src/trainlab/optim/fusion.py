"""The fused step of a ``ChainOptimizer``: each group's buckets updated in one pass.

``FusedSteps`` keeps, per param group, its parameters in ``FlatBucket``s (one per
dtype and device) and runs a step in three stages:

1. every bucket whose parameters all have gradients becomes one ``Batch`` holding
   one tensor per buffer (the flat parameter, gradient and states) and one step
   count;
2. the chain runs on those batches: recorded on meta stand-ins and replayed as a
   compiled ``Program`` (``trainlab.optim.fused``); the first step of a bucket, a
   step that creates a state, or a chain that cannot be recorded runs the chain
   eagerly on the flat buffers instead (the foreach path, over one tensor);
3. the plain values of the state the chain changed (step counts, NAdam's
   ``mu_product``...) are written back to every parameter's own state.

Parameters outside every usable bucket (no gradient this step, complex, sparse,
non-contiguous) take the reference path on the same state, which stays in
torch.optim's layout (one entry per parameter), so ``state_dict()`` and
``load_state_dict()`` work unchanged and in both directions between the paths.
If compiling fails, one warning says so and the eager flat path takes over.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from trainlab.optim import fused
from trainlab.optim.flat import FlatBucket, buckets_of, flattenable
from trainlab.optim.transform import Batch
from trainlab.optim.update import Update
from trainlab.optim.views import number_group

__all__ = ["FusedSteps"]

Runner = Callable[[list[Batch]], None]  # runs the chain, applies the update, calls after_apply


class FusedSteps:
    """Flat buckets of one optimizer and the programs that step them."""

    def __init__(self) -> None:
        self.buckets: list[list[FlatBucket]] = []  # per param group
        self.plain: dict[int, dict[str, Any] | None] = {}  # id(bucket) -> common plain state
        self.outside: list[list[Tensor]] = []  # per group: parameters in no bucket
        self.bucketed: set[int] = set()  # ids of the parameters held in buckets
        self.dirty = True
        self.compile_failed = False

    def invalidate(self) -> None:
        """The optimizer's state or groups changed outside a fused step: re-adopt before the next."""
        self.dirty = True

    def _build(self, groups: list[dict[str, Any]], state: dict[Tensor, Any]) -> None:
        old = {tuple(map(id, b.params)): b for bs in self.buckets for b in bs}
        self.buckets, self.plain, self.outside = [], {}, []
        for group in groups:
            seen, ours, rest = set(), [], []
            for p in group["params"]:
                if id(p) in seen:
                    continue
                seen.add(id(p))
                (ours if p.grad is not None and flattenable(p) else rest).append(p)
            row = []
            for params in buckets_of(ours):
                bucket = old.get(tuple(map(id, params)))
                if bucket is None or not bucket.intact():
                    bucket = FlatBucket(params)
                bucket.states = [state[p] for p in params]
                self.plain[id(bucket)] = bucket.adopt_state(bucket.states)
                row.append(bucket)
            self.buckets.append(row)
            self.outside.append(rest)
        self.bucketed = {id(p) for bs in self.buckets for b in bs for p in b.params}
        self.dirty = False

    def split(
        self, groups: list[dict[str, Any]], state: dict[Tensor, Any]
    ) -> tuple[list[tuple[int, FlatBucket]], list[list[Tensor]]]:
        """The buckets that step fused now (with their group index), and per group the
        parameters with gradients that take the reference path."""
        if self.dirty or len(self.buckets) != len(groups) or not all(
            b.intact() for bs in self.buckets for b in bs
        ):
            self._build(groups, state)
        ready, left = [], []
        for i, row in enumerate(self.buckets):
            rest = [p for p in self.outside[i] if p.grad is not None]
            for b in row:
                if self.plain[id(b)] is not None and b.all_have_grads():
                    ready.append((i, b))
                else:
                    rest.extend(p for p in b.params if p.grad is not None)
            left.append(rest)
        return ready, left

    # -- the step -------------------------------------------------------------
    def _batches(self, ready, groups, meta: bool) -> tuple[list[Batch], list[Tensor], list[dict]]:
        batches, inputs, states = [], [], []
        for i, bucket in ready:
            group = groups[i]
            plain = self.plain[id(bucket)]
            step = plain.get("step", 0) + 1
            tensors = [bucket.param, bucket.gather_grads(), *bucket.state.values()]
            if meta:
                tensors = [torch.empty_like(t, device="meta") for t in tensors]
            inputs.extend(tensors)
            st = dict(zip(bucket.state, tensors[2:], strict=True)) | plain | {"step": step}
            states.append(st)
            update = Update([tensors[1]], scale=-1.0 if group["maximize"] else 1.0)
            batches.append(Batch(number_group(group), [tensors[0]], [st], [step], update))
        return batches, inputs, states

    def step(self, ready: list[tuple[int, FlatBucket]], groups: list[dict[str, Any]], run: Runner) -> None:
        """One fused step of the ``ready`` buckets; ``run`` is the shell's chain-and-apply."""
        if not self.compile_failed and self._replayed(ready, groups, run):
            return
        batches, _, states = self._batches(ready, groups, meta=False)
        run(batches)
        for (_, bucket), st in zip(ready, states, strict=True):
            own = bucket.states
            for key, value in st.items():
                if isinstance(value, Tensor):
                    if bucket.state.get(key) is not value:
                        if value.shape != bucket.param.shape:
                            raise RuntimeError(f"a fused step made state {key!r} unlike its parameters")
                        bucket.export(key, value, own)
            self._write_back(bucket, st, own)

    def _replayed(self, ready, groups, run: Runner) -> bool:
        """Record the step on meta buffers and replay it; False where it must run eagerly."""
        batches, inputs, states = self._batches(ready, groups, meta=True)
        before = [dict(st) for st in states]
        recorder = fused.Recorder(inputs)
        try:
            with recorder:
                run(batches)
        except fused.Untraceable:
            return False
        for st, old in zip(states, before, strict=True):
            if any(isinstance(v, Tensor) and old.get(k) is not v for k, v in st.items()):
                return False  # a new state buffer: the eager path creates it
        program = fused.shared(recorder.program())
        real = []
        for _, bucket in ready:
            real.extend([bucket.param, bucket.grad, *bucket.state.values()])
        try:
            program.run(real, recorder.numbers, compiled=fused.COMPILE)
        except Exception as err:  # noqa: BLE001 - any compiler failure: say it once, step eagerly
            if not fused.COMPILE:
                raise
            self.compile_failed = True
            warnings.warn(
                f"trainlab fused optimizer step: torch.compile failed ({type(err).__name__}: "
                f"{str(err).splitlines()[0] if str(err) else ''}); using the eager flat (foreach) step from "
                "now on, which gives the same numbers more slowly",
                RuntimeWarning,
                stacklevel=4,
            )
            return False
        for (_, bucket), st in zip(ready, states, strict=True):
            self._write_back(bucket, st, bucket.states)
        return True

    def _write_back(self, bucket: FlatBucket, st: dict[str, Any], own: list[dict]) -> None:
        plain = {k: v for k, v in st.items() if not isinstance(v, Tensor)}
        before = self.plain[id(bucket)]
        for key, value in plain.items():
            if before.get(key, _MISSING) is not value:
                for s in own:
                    s[key] = value
        self.plain[id(bucket)] = plain


_MISSING = object()
