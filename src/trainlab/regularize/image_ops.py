"""Deterministic transforms of small square images (one parameter per image), the kernels of augmentation.

Images are ``(n, side, side)`` tensors (row 0 at the top). Every geometric transform is
one *backward map*: the output pixel ``(i, j)`` takes the input's value at source
coordinates ``(r, c)``, read by bilinear interpolation with zeros outside the image::

    out[i, j] = sum over the 4 neighbours (r0 + a, c0 + b), a, b in {0, 1}, of
                (1 - |r - r0 - a|) (1 - |c - c0 - b|) in[r0 + a, c0 + b]     (r0 = floor r, c0 = floor c)

which is ``scipy.ndimage.map_coordinates(order=1, mode="grid-constant")``. With
``c = (side - 1) / 2`` the centre, ``y = i - c`` and ``x = j - c``:

- ``shift(dy, dx)``: ``(r, c) = (i - dy, j - dx)`` (integer shifts: pixels move, the border fills with 0);
- ``rotate(theta)``: ``r = c + y cos theta + x sin theta``, ``c' = c - y sin theta + x cos theta``,
  ``scipy.ndimage.rotate(reshape=False, order=1, mode="grid-constant")``'s convention
  (positive angles turn the picture counter-clockwise as displayed);
- ``radial_distort(k)``: a lens-like barrel (``k > 0``) or pincushion (``k < 0``) distortion, the
  one-coefficient radial model of Brown (1966), "Decentering distortion of lenses": with
  ``rho = sqrt(x^2 + y^2) / c`` the output pixel reads the input at radius ``rho (1 + k rho^2)``,
  so ``(r, c') = (c + y (1 + k rho^2), c + x (1 + k rho^2))``.

``hflip`` mirrors columns; ``brightness`` multiplies by a factor and clamps to a range.

Example:
    >>> import torch
    >>> img = torch.arange(9.0).reshape(1, 3, 3)
    >>> shift(img, torch.tensor([0]), torch.tensor([1]))[0]
    tensor([[0., 0., 1.],
            [0., 3., 4.],
            [0., 6., 7.]])
    >>> torch.equal(hflip(hflip(img)), img)
    True
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

__all__ = ["bilinear_sample", "brightness", "hflip", "radial_distort", "rotate", "shift"]


def _grid(images: Tensor) -> tuple[Tensor, Tensor, float]:
    """Row and column offsets ``(y, x)`` from the centre, in the images' dtype, and the centre."""
    side = images.shape[-1]
    centre = (side - 1) / 2
    axis = torch.arange(side, dtype=images.dtype, device=images.device) - centre
    y, x = torch.meshgrid(axis, axis, indexing="ij")
    return y, x, centre


def bilinear_sample(images: Tensor, rows: Tensor, cols: Tensor) -> Tensor:
    """``images[k]`` read at ``(rows[k], cols[k])`` (each ``(n, side, side)``), zeros outside."""
    n, h, w = images.shape
    r0, c0 = torch.floor(rows), torch.floor(cols)
    fr, fc = rows - r0, cols - c0
    r0, c0 = r0.long(), c0.long()
    flat = images.reshape(n, h * w)
    out = torch.zeros_like(rows)
    for a, wr in ((0, 1 - fr), (1, fr)):
        for b, wc in ((0, 1 - fc), (1, fc)):
            r, c = r0 + a, c0 + b
            inside = (r >= 0) & (r < h) & (c >= 0) & (c < w)
            index = (r.clamp(0, h - 1) * w + c.clamp(0, w - 1)).reshape(n, -1)
            value = torch.gather(flat, 1, index).reshape(rows.shape)
            out = out + torch.where(inside, wr * wc * value, torch.zeros_like(value))
    return out


def hflip(images: Tensor) -> Tensor:
    """Mirror every image left to right."""
    return torch.flip(images, dims=(-1,))


def shift(images: Tensor, dy: Tensor, dx: Tensor) -> Tensor:
    """Move image ``k`` down by ``dy[k]`` and right by ``dx[k]`` whole pixels (zeros come in)."""
    y, x, centre = _grid(images)
    dy = dy.to(images).reshape(-1, 1, 1)
    dx = dx.to(images).reshape(-1, 1, 1)
    return bilinear_sample(images, (y + centre) - dy, (x + centre) - dx)


def rotate(images: Tensor, degrees: Tensor) -> Tensor:
    """Turn image ``k`` by ``degrees[k]`` about its centre (bilinear, zeros outside)."""
    y, x, centre = _grid(images)
    theta = degrees.to(images).reshape(-1, 1, 1) * (math.pi / 180)
    cos, sin = torch.cos(theta), torch.sin(theta)
    return bilinear_sample(images, centre + y * cos + x * sin, centre - y * sin + x * cos)


def radial_distort(images: Tensor, k: Tensor) -> Tensor:
    """Barrel (``k > 0``) or pincushion (``k < 0``) distortion of image ``k`` about its centre."""
    y, x, centre = _grid(images)
    rho2 = (y**2 + x**2) / max(centre, 1e-12) ** 2
    scale = 1 + k.to(images).reshape(-1, 1, 1) * rho2
    return bilinear_sample(images, centre + y * scale, centre + x * scale)


def brightness(images: Tensor, factor: Tensor, low: float | None = None, high: float | None = None) -> Tensor:
    """``clamp(images[k] * factor[k], low, high)`` (no bound where ``None``)."""
    out = images * factor.to(images).reshape(-1, *([1] * (images.ndim - 1)))
    return out.clamp(min=low, max=high) if low is not None or high is not None else out
