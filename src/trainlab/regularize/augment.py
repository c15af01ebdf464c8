"""Data augmentation: named, composable random transforms of a batch, drawn from one ``torch.Generator``.

Augmentation enlarges the training set with label-preserving transforms of its
inputs, "one of the most effective regularizers" for images (the UCLA ECE 239AS
notes, "data augmentation"; the SUTD 50.039 notes list flips, crops and
rotations). Each training batch is transformed afresh; evaluation sees the data
as it is.

========== =============== ======================================================
name       settings        what happens to each sample (independently)
========== =============== ======================================================
flip       p=0.5           mirrored left-right with probability ``p`` (image)
shift      pixels=1        moved by whole pixels ``dy, dx ~ U{-pixels..pixels}``,
                           zeros come in (a crop of the zero-padded image)
brightness strength=0.2,   pixel values times ``f ~ U[1 - strength, 1 + strength]``,
           low=0, high=16  clamped to ``[low, high]`` (digits' pixels are 0-16)
rotate     degrees=10      turned by ``theta ~ U[-degrees, degrees]`` (bilinear)
distort    strength=0.2    lens-like radial distortion ``k ~ U[-strength, strength]``
noise      std=0.1         ``x + std * N(0, 1)`` on every feature (tabular / 1-D)
========== =============== ======================================================

The image transforms (``trainlab.regularize.image_ops``) read each row of
``side * side`` features as a square image (scikit-learn's digits: 8x8). A model
trains on normalized features, so ``Augment.with_normalizer(fitted)`` (a run's
standardization or whitening) or ``Augment(..., mean, std)`` undoes the
normalization around the image transforms (pixels move in pixel units); noise
stays in the model's units.

Randomness: every draw comes from the ``torch.Generator`` passed in, so the same
generator state gives the same batch. The Trainer owns that generator and keeps
its state in every checkpoint, so a killed and resumed run is bit-identical.

Example:
    >>> import torch
    >>> augment = parse_augment("shift:pixels=2,rotate:degrees=15,noise:std=0.05")
    >>> augment
    Augment(shift:pixels=2, rotate:degrees=15, noise:std=0.05)
    >>> x = torch.rand(4, 64)
    >>> a = augment(x, torch.Generator().manual_seed(0))
    >>> torch.equal(a, augment(x, torch.Generator().manual_seed(0))), a.shape
    (True, torch.Size([4, 64]))
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import torch
from torch import Tensor

from trainlab.constraints import NONNEGATIVE, UNIT_CLOSED, Constraint, Interval, InvalidArgument, check, fail
from trainlab.regularize import image_ops

__all__ = ["AUGMENTATIONS", "Augment", "Augmentation", "Brightness", "Distort", "Flip", "Noise", "Rotate",
           "Shift", "parse_augment"]


def _uniform(n: int, low: float, high: float, generator: torch.Generator) -> Tensor:
    return low + (high - low) * torch.rand(n, generator=generator, dtype=torch.float64)


@dataclass(frozen=True)
class Augmentation:
    """One random transform; ``image`` ones take ``(n, side, side)``, the others ``(n, d)``."""

    name: ClassVar[str] = ""
    image: ClassVar[bool] = True
    constraints: ClassVar[Mapping[str, Constraint]] = {}

    def __post_init__(self) -> None:
        for f in fields(self):
            check(type(self).__name__, f.name, getattr(self, f.name), self.constraints[f.name])

    def __call__(self, x: Tensor, generator: torch.Generator) -> Tensor:  # pragma: no cover - interface
        raise NotImplementedError

    def __str__(self) -> str:
        changed = [f"{f.name}={getattr(self, f.name):g}" for f in fields(self) if getattr(self, f.name) != f.default]
        return ":".join([self.name, *changed])


@dataclass(frozen=True)
class Flip(Augmentation):
    p: float = 0.5
    name: ClassVar[str] = "flip"
    constraints: ClassVar[Mapping[str, Constraint]] = {"p": UNIT_CLOSED}

    def __call__(self, x: Tensor, generator: torch.Generator) -> Tensor:
        chosen = (torch.rand(len(x), generator=generator, dtype=torch.float64) < self.p).to(x.device)
        return torch.where(chosen.reshape(-1, 1, 1), image_ops.hflip(x), x)


@dataclass(frozen=True)
class Shift(Augmentation):
    pixels: int = 1
    name: ClassVar[str] = "shift"
    constraints: ClassVar[Mapping[str, Constraint]] = {"pixels": Interval(0, None, closed="left", integer=True)}

    def __call__(self, x: Tensor, generator: torch.Generator) -> Tensor:
        dy, dx = torch.randint(-self.pixels, self.pixels + 1, (2, len(x)), generator=generator)
        return image_ops.shift(x, dy, dx)


@dataclass(frozen=True)
class Brightness(Augmentation):
    strength: float = 0.2
    low: float = 0.0
    high: float = 16.0
    name: ClassVar[str] = "brightness"
    constraints: ClassVar[Mapping[str, Constraint]] = {
        "strength": UNIT_CLOSED, "low": Interval(None, None), "high": Interval(None, None)}

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.high < self.low:
            fail("Brightness", "high", f"a float >= low ({self.low:g})", self.high)

    def __call__(self, x: Tensor, generator: torch.Generator) -> Tensor:
        factor = _uniform(len(x), 1 - self.strength, 1 + self.strength, generator)
        return image_ops.brightness(x, factor, self.low, self.high)


@dataclass(frozen=True)
class Rotate(Augmentation):
    degrees: float = 10.0
    name: ClassVar[str] = "rotate"
    constraints: ClassVar[Mapping[str, Constraint]] = {"degrees": Interval(0, 180, closed="both")}

    def __call__(self, x: Tensor, generator: torch.Generator) -> Tensor:
        return image_ops.rotate(x, _uniform(len(x), -self.degrees, self.degrees, generator))


@dataclass(frozen=True)
class Distort(Augmentation):
    strength: float = 0.2
    name: ClassVar[str] = "distort"
    constraints: ClassVar[Mapping[str, Constraint]] = {"strength": Interval(0, 1, closed="both")}

    def __call__(self, x: Tensor, generator: torch.Generator) -> Tensor:
        return image_ops.radial_distort(x, _uniform(len(x), -self.strength, self.strength, generator))


@dataclass(frozen=True)
class Noise(Augmentation):
    std: float = 0.1
    name: ClassVar[str] = "noise"
    image: ClassVar[bool] = False
    constraints: ClassVar[Mapping[str, Constraint]] = {"std": NONNEGATIVE}

    def __call__(self, x: Tensor, generator: torch.Generator) -> Tensor:
        noise = torch.randn(x.shape, generator=generator, dtype=torch.float64)
        return x + self.std * noise.to(x)


AUGMENTATIONS: dict[str, type[Augmentation]] = {a.name: a for a in (Flip, Shift, Brightness, Rotate, Distort, Noise)}
_SPELLING = "name[:key=value...]"


class Augment:
    """Apply ``steps`` in order to a batch ``(..., d)``; image steps in pixel units (``mean + std * x``)."""

    def __init__(self, steps: Sequence[Augmentation], mean: Any = None, std: Any = None,
                 normalizer: Any = None) -> None:
        self.steps = list(steps)
        self.mean = None if mean is None else torch.as_tensor(mean, dtype=torch.float64)
        self.std = None if std is None else torch.as_tensor(std, dtype=torch.float64)
        self.normalizer = normalizer

    def with_scaling(self, mean: Any, std: Any) -> Augment:
        """The same steps on standardized features ``(pixels - mean) / std``."""
        return Augment(self.steps, mean, std)

    def with_normalizer(self, normalizer: Any) -> Augment:
        """The same steps on features normalized by a fitted ``trainlab.data.normalize`` normalizer.

        Image steps see ``normalizer.inverse_transform(x)`` (pixels) and hand back
        ``normalizer.transform(...)``, so they work after standardization and whitening alike.
        """
        return Augment(self.steps, normalizer=normalizer)

    def _pixels(self, flat: Tensor) -> Tensor:
        if self.normalizer is not None:
            return self.normalizer.inverse_transform(flat)
        return flat if self.mean is None else flat * self.std.to(flat) + self.mean.to(flat)

    def _features(self, raw: Tensor) -> Tensor:
        if self.normalizer is not None:
            return self.normalizer.transform(raw)
        return raw if self.mean is None else (raw - self.mean.to(raw)) / self.std.to(raw)

    def check_features(self, d: int) -> None:
        """Raise unless ``d`` features can be read as square images (when an image step is present)."""
        images = [s.name for s in self.steps if s.image]
        if images and math.isqrt(d) ** 2 != d:
            fail("Augment", "augment", "image augmentations on square images (a feature count that is a "
                 "perfect square, 64 for digits); only noise applies to other data", f"{','.join(images)} on {d} "
                 "features")

    def __call__(self, x: Tensor, generator: torch.Generator) -> Tensor:
        shape, d = x.shape, x.shape[-1]
        self.check_features(d)
        flat = x.reshape(-1, d)
        side = math.isqrt(d)
        for step in self.steps:
            if not step.image:
                flat = step(flat, generator)
                continue
            raw = step(self._pixels(flat).reshape(-1, side, side), generator).reshape(-1, d)
            flat = self._features(raw)
        return flat.reshape(shape)

    def __repr__(self) -> str:
        return f"Augment({', '.join(map(str, self.steps))})"


def _value(text: str, spec: str) -> float | int:
    try:
        number = float(text)
    except ValueError:
        fail("parse_augment", "augment", f"numbers as settings ({_SPELLING})", spec)
    return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number


def parse_augment(spec: str) -> Augment:
    """``"shift,rotate:degrees=15"``: comma-separated names, each with optional ``:key=value`` settings."""
    known = ", ".join(AUGMENTATIONS)
    if not isinstance(spec, str) or not spec.strip():
        fail("parse_augment", "augment", f"comma-separated names from {known}", spec)
    steps = []
    for item in spec.split(","):
        name, *settings = [part.strip() for part in item.split(":")]
        if name not in AUGMENTATIONS:
            fail("parse_augment", "augment", f"comma-separated names from {known} ({_SPELLING})", item.strip())
        cls = AUGMENTATIONS[name]
        allowed = [f.name for f in fields(cls)]
        kwargs: dict[str, Any] = {}
        for setting in settings:
            key, eq, text = setting.partition("=")
            if not eq or key.strip() not in allowed:
                fail("parse_augment", "augment", f"settings of {name} from {', '.join(allowed)} ({_SPELLING})",
                     item.strip())
            kwargs[key.strip()] = _value(text.strip(), item.strip())
        try:
            steps.append(cls(**kwargs))
        except InvalidArgument as err:
            rule = cls.constraints[err.argument] if err.argument != "high" else "a float >= low"
            fail("parse_augment", "augment", f"{name} with {err.argument} {rule}", item.strip())
    return Augment(steps)
