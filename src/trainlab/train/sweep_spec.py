"""``SweepSpec``: a grid or random search over a ``trainlab train`` configuration.

A sweep file (YAML, or JSON, which YAML reads too) has four parts; every key
under ``base``, ``grid`` and ``random`` is a ``RunConfig`` field (an option of
``trainlab train``)::

    base:                  # what every trial shares
      data: diabetes
      hidden: [16]
      epochs: 20
      batch_size: 32
    grid:                  # every combination of these lists
      optimizer: [sgd, adam]
      lr: [1.0e-3, 1.0e-2]
      seed: [0, 1]
    random:                # drawn afresh for each of `samples` draws, crossed with the grid
      weight_decay: {loguniform: [1.0e-5, 1.0e-2]}
      momentum: {uniform: [0.5, 0.99]}
      activation: {choice: [relu, tanh]}
    samples: 4             # draws of the random part (default 1)
    search_seed: 0         # fixes the random draws

The trials are the grid's combinations times ``samples`` draws (Ray Tune's
``grid_search`` times ``num_samples``), in a fixed order; each trial has a name
made of its index and its values, which is also its run folder's name, so a
restarted sweep finds the trials it finished. A wrong key or value is one
error naming the key and its line in the file.

Example:
    >>> spec = SweepSpec(base={"data": "noisy_x2", "epochs": 2}, grid={"lr": [0.01, 0.1], "seed": [0, 1]})
    >>> [t.name for t in spec.trials()][:2]
    ['000-lr=0.01-seed=0', '001-lr=0.01-seed=1']
    >>> spec.trials()[3].config.lr, spec.trials()[3].config.seed
    (0.1, 1)
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
import types
import typing
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from trainlab.train.run_config import RunConfig

__all__ = ["SweepFileError", "SweepSpec", "Trial", "load_sweep"]

_FIELDS = {f.name: f for f in dataclasses.fields(RunConfig)}
_HINTS = typing.get_type_hints(RunConfig)
_DISTRIBUTIONS = ("uniform", "loguniform", "choice", "randint")
_SECTIONS = ("base", "grid", "random", "samples", "search_seed")


class SweepFileError(ValueError):
    """A sweep file (or spec) with a wrong key or value; the message names the key and its line."""


@dataclass(frozen=True)
class Trial:
    """One run of a sweep: its name (= its run folder's), the values it varies and its config."""

    index: int
    name: str
    params: dict[str, Any]
    config: RunConfig


@dataclass
class SweepSpec:
    """A base ``RunConfig`` (as a dict), grid lists, random distributions and their draws."""

    base: dict[str, Any]
    grid: dict[str, list[Any]] = field(default_factory=dict)
    random: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    samples: int = 1
    search_seed: int = 0
    lines: dict[str, int] = field(default_factory=dict, repr=False)  # "grid.lr" -> line in the file

    def __post_init__(self) -> None:
        self.check()

    def _error(self, key: str, text: str) -> SweepFileError:
        line = self.lines.get(key)
        return SweepFileError(f"{key}{f' (line {line})' if line else ''}: {text}")

    def check(self) -> None:
        """Raise ``SweepFileError`` naming the first bad key (and its line)."""
        if "data" not in self.base and "data" not in self.grid:
            raise self._error("base", "must give data (a data set name or a CSV file)")
        if not isinstance(self.samples, int) or isinstance(self.samples, bool) or self.samples < 1:
            raise self._error("samples", f"must be an int >= 1; got {self.samples!r}")
        if not isinstance(self.search_seed, int) or self.search_seed < 0:
            raise self._error("search_seed", f"must be an int >= 0; got {self.search_seed!r}")
        for section, keys in (("base", self.base), ("grid", self.grid), ("random", self.random)):
            for key in keys:
                if key not in _FIELDS:
                    raise self._error(f"{section}.{key}", f"is not an option of trainlab train; the options are "
                                      f"{', '.join(sorted(_FIELDS))}")
            for key, value in keys.items():
                where = f"{section}.{key}"
                if section == "base":
                    self.base[key] = _coerce(key, value, lambda text: self._error(where, text))
                elif section == "grid":
                    if not isinstance(value, list) or not value:
                        raise self._error(where, f"must be a non-empty list of values; got {value!r}")
                    self.grid[key] = [_coerce(key, v, lambda text: self._error(where, text)) for v in value]
                else:
                    self._check_distribution(where, key, value)
        self._check_optimizers()
        both = set(self.grid) & set(self.random)
        if both:
            key = sorted(both)[0]
            raise self._error(f"random.{key}", "is also in grid; vary it in one of them")

    def _check_optimizers(self) -> None:
        """An unknown optimizer name is an error of the file, not of every trial that uses it."""
        from trainlab.constraints import InvalidArgument
        from trainlab.optim import registry

        named = [("base.optimizer", [self.base["optimizer"]])] if "optimizer" in self.base else []
        named += [("grid.optimizer", self.grid.get("optimizer", []))]
        named += [("random.optimizer", self.random.get("optimizer", {}).get("choice", []))]
        for where, names in named:
            for name in names:
                try:
                    registry.get(name)
                except (InvalidArgument, KeyError, ValueError) as err:
                    raise self._error(where, str(err)) from None

    def _check_distribution(self, where: str, key: str, value: Any) -> None:
        if isinstance(value, list):  # a plain list is a choice
            value = self.random[key] = {"choice": value}
        if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in _DISTRIBUTIONS:
            raise self._error(where, f"must be one of {{{', '.join(f'{d}: [...]' for d in _DISTRIBUTIONS)}}}; "
                              f"got {value!r}")
        (kind, args), = value.items()
        if kind == "choice":
            if not isinstance(args, list) or not args:
                raise self._error(where, f"choice must be a non-empty list; got {args!r}")
            value["choice"] = [_coerce(key, v, lambda text: self._error(where, text)) for v in args]
            return
        ok = isinstance(args, list) and len(args) == 2 and all(_number(a) is not None for a in args)
        low, high = (_number(a) for a in args) if ok else (None, None)
        if not ok or not low < high or (kind == "loguniform" and low <= 0):
            raise self._error(where, f"{kind} must be [low, high] with low < high"
                              f"{' and low > 0' if kind == 'loguniform' else ''}; got {args!r}")
        value[kind] = [low, high]

    def trials(self) -> list[Trial]:
        """Every trial, in a fixed order: the grid's combinations (last key fastest) for each draw."""
        rng = np.random.default_rng(self.search_seed)
        keys = list(self.grid)
        out: list[Trial] = []
        for _ in range(self.samples):
            drawn = {key: _draw(spec, rng) for key, spec in self.random.items()}
            for combo in itertools.product(*(self.grid[k] for k in keys)):
                params = {**dict(zip(keys, combo)), **drawn}
                index = len(out)
                name = "-".join([f"{index:03d}", *(f"{k}={_short(v)}" for k, v in params.items())])
                try:
                    config = RunConfig(**{**self.base, **params})
                except TypeError as err:  # pragma: no cover - keys are checked above
                    raise self._error("base", str(err)) from None
                out.append(Trial(index, re.sub(r"[^\w.=+-]", "_", name), params, config))
        return out


def _number(value: Any) -> float | None:
    """A YAML number, or the text of one (YAML 1.1 reads ``1e-3`` as text)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _coerce(key: str, value: Any, error: Any) -> Any:
    """``value`` as the type of RunConfig field ``key`` (text ``1e-3`` -> float), or ``error(text)``."""
    hint = _HINTS[key]
    union = typing.get_origin(hint) in (typing.Union, types.UnionType)
    args = typing.get_args(hint) if union else (hint,)
    optional = type(None) in args
    if value is None:
        if optional:
            return None
        raise error("must not be empty")
    kinds = [a for a in args if a is not type(None)] or [hint]
    for kind in kinds:
        origin = typing.get_origin(kind) or kind
        if origin is float and _number(value) is not None:
            return float(_number(value))
        if origin is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if origin is bool and isinstance(value, bool):
            return value
        if origin is str and isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
        if origin is list and isinstance(value, list):
            inner = typing.get_args(kind)[0]
            if inner is int and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
                return list(value)
            if inner is float and all(_number(v) is not None for v in value):
                return [float(_number(v)) for v in value]
        if origin is dict and isinstance(value, dict):
            return {str(k): str(v) for k, v in value.items()}
    names = " or ".join(getattr(k, "__name__", str(k)) for k in kinds) + (" or null" if optional else "")
    raise error(f"must be {names}; got {value!r}")


def _draw(spec: dict[str, list[Any]], rng: np.random.Generator) -> Any:
    (kind, args), = spec.items()
    if kind == "choice":
        return args[int(rng.integers(len(args)))]
    if kind == "randint":
        return int(rng.integers(int(args[0]), int(args[1])))
    if kind == "uniform":
        return float(rng.uniform(args[0], args[1]))
    return float(math.exp(rng.uniform(math.log(args[0]), math.log(args[1]))))  # loguniform


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return ",".join(map(_short, value))
    return str(value)


def load_sweep(path: str) -> SweepSpec:
    """Read a sweep file (YAML or JSON); a wrong key or value raises ``SweepFileError`` with its line."""
    import yaml  # a core dependency; imported here so importing trainlab stays fast

    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as err:
        raise SweepFileError(f"{path}: cannot read it ({err.strerror or err})") from None
    try:
        node = yaml.compose(text)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise SweepFileError(f"{path}{where}: not valid YAML or JSON: {getattr(err, 'problem', err)}") from None
    if not isinstance(raw, dict):
        raise SweepFileError(f"{path}: must be a mapping with the keys {', '.join(_SECTIONS)}; got {type(raw).__name__}")
    lines = _key_lines(node)
    for key in raw:
        if key not in _SECTIONS:
            raise SweepFileError(f"{path}: {key} (line {lines.get(str(key), '?')}): unknown section; "
                                 f"the sections are {', '.join(_SECTIONS)}")
    for section in ("base", "grid", "random"):
        if not isinstance(raw.get(section, {}) or {}, dict):
            raise SweepFileError(f"{path}: {section} (line {lines.get(section, '?')}): must be a mapping of "
                                 "trainlab train options")
    try:
        return SweepSpec(base=dict(raw.get("base") or {}), grid=dict(raw.get("grid") or {}),
                         random=dict(raw.get("random") or {}), samples=raw.get("samples", 1),
                         search_seed=raw.get("search_seed", 0), lines=lines)
    except SweepFileError as err:
        raise SweepFileError(f"{path}: {err}") from None


def _key_lines(node: Any, prefix: str = "") -> dict[str, int]:
    """``{"grid.lr": 7, ...}``: the 1-based line of every key of the top two mapping levels."""
    import yaml

    lines: dict[str, int] = {}
    if not isinstance(node, yaml.MappingNode):
        return lines
    for key, value in node.value:
        name = f"{prefix}{key.value}"
        lines[name] = key.start_mark.line + 1
        if not prefix:
            lines.update(_key_lines(value, f"{name}."))
    return lines
