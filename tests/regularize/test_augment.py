"""Augmentations: identities at zero strength, parity with scipy.ndimage, seeding, and clear errors."""

from __future__ import annotations


import numpy as np
import pytest
import scipy.ndimage as ndimage
import torch

from trainlab.constraints import InvalidArgument
from trainlab.data.bundled import load_bundled
from trainlab.regularize import AUGMENTATIONS, Augment, parse_augment
from trainlab.regularize import image_ops


@pytest.fixture(scope="module")
def digits():
    X, _ = load_bundled("digits")
    return torch.as_tensor(X[:12], dtype=torch.float64).reshape(-1, 8, 8)


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_flip_twice_is_the_identity_and_mirrors_columns(digits):
    assert torch.equal(image_ops.hflip(image_ops.hflip(digits)), digits)
    assert torch.equal(image_ops.hflip(digits)[:, :, 0], digits[:, :, 7])
    always = AUGMENTATIONS["flip"](p=1.0)
    assert torch.equal(always(digits, gen()), image_ops.hflip(digits))
    assert torch.equal(AUGMENTATIONS["flip"](p=0.0)(digits, gen()), digits)


def test_shift_by_zero_is_the_identity_and_a_shift_moves_pixels_with_zeros_in(digits):
    zero = torch.zeros(len(digits), dtype=torch.long)
    assert torch.equal(image_ops.shift(digits, zero, zero), digits)
    moved = image_ops.shift(digits, zero + 1, zero - 2)  # one down, two left
    assert torch.equal(moved[:, 1:, :6], digits[:, :7, 2:])
    assert torch.all(moved[:, 0, :] == 0) and torch.all(moved[:, :, 6:] == 0)
    assert torch.equal(AUGMENTATIONS["shift"](pixels=0)(digits, gen()), digits)


@pytest.mark.parametrize("angle", [0.0, 7.0, -23.5, 90.0])
def test_rotation_equals_scipy_ndimage_rotate(digits, angle):
    ours = image_ops.rotate(digits, torch.full((len(digits),), angle, dtype=torch.float64))
    for img, out in zip(digits.numpy(), ours.numpy(), strict=True):
        ref = ndimage.rotate(img, angle, reshape=False, order=1, mode="grid-constant", cval=0.0)
        np.testing.assert_allclose(out, ref, atol=1e-12)
    if angle == 0.0:
        assert torch.allclose(ours, digits, atol=1e-12)


def test_rotation_by_90_degrees_is_an_exact_quarter_turn(digits):
    quarter = image_ops.rotate(digits, torch.full((len(digits),), 90.0, dtype=torch.float64))
    assert torch.allclose(quarter, torch.rot90(digits, k=1, dims=(1, 2)), atol=1e-12)


@pytest.mark.parametrize("k", [0.0, 0.15, -0.3])
def test_radial_distortion_equals_map_coordinates_on_the_brown_model(digits, k):
    """The source coordinates written independently: r_src = r (1 + k r^2 / c^2) about the centre."""
    c = 3.5
    i, j = np.meshgrid(np.arange(8.0), np.arange(8.0), indexing="ij")
    radius2 = ((i - c) ** 2 + (j - c) ** 2) / c**2
    rows, cols = c + (i - c) * (1 + k * radius2), c + (j - c) * (1 + k * radius2)
    ours = image_ops.radial_distort(digits, torch.full((len(digits),), k, dtype=torch.float64))
    for img, out in zip(digits.numpy(), ours.numpy(), strict=True):
        ref = ndimage.map_coordinates(img, [rows, cols], order=1, mode="grid-constant", cval=0.0)
        np.testing.assert_allclose(out, ref, atol=1e-12)
    if k == 0.0:
        assert torch.allclose(ours, digits, atol=1e-12)
    if k > 0:  # barrel: the corners read from outside the image, where it is 0
        assert torch.all(ours[:, 0, 0] == 0)


def test_brightness_scales_and_clamps_to_its_range(digits):
    factor = torch.linspace(0.5, 1.5, len(digits), dtype=torch.float64)
    out = image_ops.brightness(digits, factor, 0.0, 16.0)
    assert torch.equal(out, (digits * factor.reshape(-1, 1, 1)).clamp(0, 16))
    drawn = AUGMENTATIONS["brightness"](strength=0.9)(digits, gen())
    assert drawn.min() >= 0 and drawn.max() <= 16 and (drawn != digits).any()


def test_noise_adds_gaussian_noise_of_the_given_std():
    x = torch.zeros(20000, 3, dtype=torch.float64)
    out = AUGMENTATIONS["noise"](std=0.5)(x, gen())
    assert abs(out.std().item() - 0.5) < 0.01 and abs(out.mean().item()) < 0.01
    assert torch.equal(AUGMENTATIONS["noise"](std=0.0)(x, gen()), x)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_every_augmentation_keeps_shape_and_dtype_and_repeats_from_the_same_generator_state(digits, dtype):
    x = digits.reshape(-1, 64).to(dtype)
    augment = parse_augment(",".join(AUGMENTATIONS))
    g = gen(3)
    state = g.get_state()
    a = augment(x, g)
    b = augment(x, g)
    g.set_state(state)
    assert torch.equal(augment(x, g), a) and not torch.equal(a, b)
    assert a.shape == x.shape and a.dtype == dtype
    stacked = augment(torch.stack([x, x]), gen())  # a bagging batch (members, rows, features)
    assert stacked.shape == (2, *x.shape)


def test_scaling_moves_pixels_in_pixel_units(digits):
    """On standardized features a shift moves raw pixels: undo, shift, redo."""
    raw = digits.reshape(-1, 64)
    mean, std = raw.mean(0), raw.std(0).clamp(min=1.0)
    shift = Augment([AUGMENTATIONS["shift"](pixels=1)]).with_scaling(mean, std)
    plain = Augment([AUGMENTATIONS["shift"](pixels=1)])
    out = shift((raw - mean) / std, gen(5)) * std + mean
    assert torch.allclose(out, plain(raw, gen(5)), atol=1e-12)


def test_settings_parse_and_show():
    augment = parse_augment("rotate:degrees=15, shift:pixels=2,noise")
    assert repr(augment) == "Augment(rotate:degrees=15, shift:pixels=2, noise)"
    assert augment.steps[0].degrees == 15 and augment.steps[1].pixels == 2


@pytest.mark.parametrize("spec, words", [
    ("rotat", ["'augment'", "flip, shift, brightness, rotate, distort, noise", "'rotat'"]),
    ("", ["'augment'", "flip"]),
    ("rotate:deg=3", ["'augment'", "settings of rotate from degrees", "rotate:deg=3"]),
    ("rotate:degrees=400", ["'augment'", "degrees a float in the range [0, 180]", "rotate:degrees=400"]),
    ("shift:pixels=x", ["'augment'", "numbers", "shift:pixels=x"]),
    ("brightness:low=5:high=1", ["'augment'", "high a float >= low"]),
])
def test_bad_specs_give_one_clear_error(spec, words):
    with pytest.raises(InvalidArgument) as err:
        parse_augment(spec)
    assert all(w in str(err.value) for w in words), str(err.value)


def test_image_augmentations_need_square_images():
    with pytest.raises(InvalidArgument, match="perfect square.*'rotate on 10 features'"):
        parse_augment("rotate,noise")(torch.zeros(2, 10), gen())
    assert parse_augment("noise")(torch.zeros(2, 10), gen()).shape == (2, 10)
