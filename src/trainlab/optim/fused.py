"""One pass over memory: a chain's step traced on flat buffers and compiled.

The transforms stay the only statement of each optimizer's math. To fuse a step,
the chain runs as usual — its Python computes every bias correction, step count and
branch exactly as on the reference path — but on *meta* stand-ins of the flat
buffers (``trainlab.optim.flat``) under a dispatch mode that records each tensor
operation instead of doing it. The record is a ``Program``: the operations, which
buffers they read and write, and the numbers they take. The numbers become one
float64 input vector, so the next step, whose numbers differ (``1 - b1^t``...),
replays the same program: ``torch.compile`` (Inductor: a vectorized C++/OpenMP loop
on CPU, Triton on GPU) turns it into one loop over memory, compiled once per
program, buffer dtypes and sizes.

Each recorded operation is replayed by its elementwise meaning (``RULES``:
``addcmul(x, a, b, v) = x + v a b``, ``lerp``...): tensor ops only, with the numbers
as 0-d tensors, so the compiled code never depends on their values. In float32
this can differ from the eager kernels by a rounding (a fused multiply-add);
the tests bound it in ulps.

``COMPILE`` (environment ``TRAINLAB_FUSED_COMPILE=0`` to switch off) replays
without compiling: the same program, run op by op — how the tests check every
optimizer quickly. A chain whose step cannot be recorded (a reduction read as a
Python number, an operation not in ``RULES``) raises ``Untraceable``.

Example:
    >>> import torch
    >>> x = torch.ones(3)
    >>> with Recorder([x_meta := torch.empty(3, device="meta")]) as rec:
    ...     _ = torch._foreach_mul_([x_meta], 0.5)
    >>> program = rec.program()
    >>> program.run([x], rec.numbers, compiled=False); x.tolist()
    [0.5, 0.5, 0.5]
"""

from __future__ import annotations

import itertools
import os
import types
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor
from torch.utils._python_dispatch import TorchDispatchMode

__all__ = ["COMPILE", "Program", "Recorder", "RULES", "Untraceable", "shared"]

COMPILE = os.environ.get("TRAINLAB_FUSED_COMPILE", "1") != "0"


class Untraceable(RuntimeError):
    """The step does something a program cannot replay."""


def _clamp(x: Tensor, lo: Tensor | None = None, hi: Tensor | None = None) -> Tensor:
    return torch.clamp(x, lo, hi)


def _scaled(t: Tensor, value: Tensor | None) -> Tensor:
    return t if value is None else value * t


# the elementwise meaning of each operation a transform may use (out-of-place;
# an in-place op writes its result back); numbers arrive as 0-d tensors of the
# operand's dtype
RULES: dict[str, Callable[..., Tensor]] = {
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y,
    "add": lambda x, y, alpha=None: x + _scaled(y, alpha),
    "sub": lambda x, y, alpha=None: x - _scaled(y, alpha),
    "addcmul": lambda x, a, b, value=None: x + _scaled(a, value) * b,
    "addcdiv": lambda x, a, b, value=None: x + _scaled(a, value) / b,
    "lerp": lambda x, y, w: torch.lerp(x, y, w),
    "maximum": torch.maximum,
    "minimum": torch.minimum,
    "clamp": _clamp,
    "clamp_min": lambda x, lo: torch.clamp(x, lo, None),
    "clamp_max": lambda x, hi: torch.clamp(x, None, hi),
    "sqrt": torch.sqrt,
    "abs": torch.abs,
    "neg": torch.neg,
    "sign": torch.sign,
    "reciprocal": torch.reciprocal,
    "copy": lambda x, y, non_blocking=False: y.expand_as(x).to(x.dtype),
    "fill": lambda x, v: v.expand_as(x),
    "clone": lambda x, memory_format=None: x.clone(),
}
_ALIASES = {"detach", "alias"}  # an op whose output is its input


def _parse(name: str) -> tuple[str, bool, bool]:
    """``(rule, foreach, in_place)`` of an aten op name such as ``_foreach_addcmul_``."""
    foreach = name.startswith("_foreach_")
    base = name[len("_foreach_"):] if foreach else name
    in_place = base.endswith("_")
    return base.rstrip("_"), foreach, in_place


class Recorder(TorchDispatchMode):
    """Record the tensor operations done on meta ``inputs`` (see the module docstring)."""

    def __init__(self, inputs: Sequence[Tensor]) -> None:
        super().__init__()
        self.refs: dict[int, int] = {id(t): i for i, t in enumerate(inputs)}
        self.n_inputs = len(inputs)
        self.numbers: list[float] = []
        self._ops: list[tuple] = []
        self._alive: list[Tensor] = list(inputs)  # keeps ids unique while recording
        self._next = len(inputs)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # noqa: ANN001
        kwargs = kwargs or {}
        name = func.overloadpacket.__name__
        rule, foreach, in_place = _parse(name)
        if name in _ALIASES:
            out = func(*args, **kwargs)
            self._bind(out, self.refs[id(args[0])])
            return out
        if rule not in RULES:
            raise Untraceable(f"a fused step cannot replay {func}")
        first = args[0][0] if foreach else args[0]
        enc_args = tuple(self._encode(a, first.dtype) for a in args)
        enc_kwargs = tuple(sorted((k, self._encode(v, first.dtype)) for k, v in kwargs.items()))
        # every rule is elementwise over operands of one shape and dtype: the result is
        # shaped like the first operand, so no meta kernel needs to run
        if in_place:
            out, outs = (None if foreach else first), None
        else:
            flat = [torch.empty_like(t) for t in args[0]] if foreach else [torch.empty_like(first)]
            outs = tuple(self._bind(t, self._new_ref()) for t in flat)
            out = flat if foreach else flat[0]
        self._ops.append((rule, foreach, in_place, enc_args, enc_kwargs, outs))
        return out

    def _new_ref(self) -> int:
        self._next += 1
        return self._next - 1

    def _bind(self, t: Tensor, ref: int) -> int:
        self.refs[id(t)] = ref
        self._alive.append(t)
        return ref

    def _encode(self, a: Any, dtype: torch.dtype) -> tuple:
        if isinstance(a, Tensor):
            ref = self.refs.get(id(a))
            if ref is None:
                raise Untraceable("a fused step met a tensor that is not one of its buffers")
            return ("t", ref)
        if isinstance(a, (list, tuple)):
            return ("l", tuple(self._encode(x, dtype) for x in a))
        if isinstance(a, (float, int)) and not isinstance(a, bool):
            self.numbers.append(float(a))
            return ("n", len(self.numbers) - 1, dtype)
        return ("c", a)

    def program(self) -> Program:
        return Program(tuple(self._ops), self.n_inputs)


def _decode(a: tuple, env: dict[int, Tensor], numbers: Tensor) -> Any:
    kind = a[0]
    if kind == "t":
        return env[a[1]]
    if kind == "n":  # in the operand's dtype
        return numbers[a[1]].to(a[2])
    if kind == "l":
        return [_decode(x, env, numbers) for x in a[1]]
    return a[1]


def _first_tensor(a: tuple) -> int | None:
    if a[0] == "t":
        return a[1]
    if a[0] == "l":
        return next((r for r in map(_first_tensor, a[1]) if r is not None), None)
    return None


def _replay(ops: tuple, inputs: list[Tensor], numbers: dict[str, Tensor]) -> None:
    env = dict(enumerate(inputs))
    for rule, foreach, in_place, enc_args, enc_kwargs, outs in ops:
        fn = RULES[rule]
        here = numbers[str(env[_first_tensor(enc_args[0])].device)]  # the numbers on the operand's device
        args = [_decode(a, env, here) for a in enc_args]
        kwargs = {k: _decode(v, env, here) for k, v in enc_kwargs}
        if foreach:
            n = len(args[0])
            rows = [[a[i] if isinstance(a, list) else a for a in args] for i in range(n)]
            kws = [{k: (v[i] if isinstance(v, list) else v) for k, v in kwargs.items()} for i in range(n)]
            results = [fn(*r, **k) for r, k in zip(rows, kws, strict=True)]
            targets = args[0]
        else:
            results = [fn(*args, **kwargs)]
            targets = [args[0]]
        if in_place:
            for t, r in zip(targets, results, strict=True):
                t.copy_(r)
        else:
            for ref, r in zip(outs, results, strict=True):
                env[ref] = r


_names = itertools.count()


class Program:
    """A recorded step: replay it on real buffers with this step's numbers."""

    def __init__(self, ops: tuple, n_inputs: int) -> None:
        self.ops, self.n_inputs = ops, n_inputs
        self._compiled: dict[tuple, Callable] = {}

    @property
    def key(self) -> tuple:
        """What identifies the program (its numbers excluded)."""
        return self.ops

    def run(self, inputs: list[Tensor], numbers: Sequence[float], compiled: bool = True) -> None:
        """Replay on ``inputs`` (the real buffers, in the recorded order) with ``numbers``."""
        row = list(numbers) or [0.0]
        devices = {str(t.device) for t in inputs}
        values = {d: torch.tensor(row, dtype=torch.float64, device=d) for d in devices}
        if not compiled:
            _replay(self.ops, inputs, values)
            return
        shapes = tuple((t.dtype, t.device, t.numel()) for t in inputs)
        fn = self._compiled.get(shapes)
        if fn is None:
            fn = self._compiled[shapes] = torch.compile(_own_copy(self.ops), fullgraph=True, dynamic=False)
        fn(inputs, values)


def _own_copy(ops: tuple) -> Callable[[list[Tensor], dict[str, Tensor]], None]:
    """``_replay`` bound to ``ops`` as a function with its own code object.

    torch.compile caches compiled frames per code object (with a small limit), so
    every program gets a code object of its own.
    """

    def step(inputs: list[Tensor], numbers: dict[str, Tensor]) -> None:
        _replay(ops, inputs, numbers)

    code = step.__code__.replace(co_name=f"fused_step_{next(_names)}")
    return types.FunctionType(code, step.__globals__, code.co_name, None, step.__closure__)


_PROGRAMS: dict[tuple, Program] = {}


def shared(program: Program) -> Program:
    """The program already known with the same operations (and its compiled code), else ``program``.

    Optimizers built alike (the same chain, groups and state names) share their compiled steps.
    """
    return _PROGRAMS.setdefault(program.key, program)
