"""trainlab.nn.BatchNorm1d equals torch.nn.BatchNorm1d in float64: outputs, gradients, running statistics."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from trainlab.constraints import InvalidArgument
from trainlab.nn import BatchNorm1d
from trainlab.nn.batch_norm import BatchNormFunction

F64 = torch.float64


def pair(num_features, **kwargs):
    """Ours and torch's, same random affine parameters, float64."""
    ours = BatchNorm1d(num_features, **kwargs).double()
    theirs = torch.nn.BatchNorm1d(num_features, **kwargs).double()
    if ours.affine:
        with torch.no_grad():
            ours.weight.normal_()
            ours.bias.normal_()
            theirs.weight.copy_(ours.weight)
            theirs.bias.copy_(ours.bias)
    return ours, theirs


def outputs_and_grads(layer, x, grad_out):
    x = x.detach().clone().requires_grad_(True)
    y = layer(x)
    inputs = [x] + ([layer.weight, layer.bias] if layer.affine else [])
    return [y.detach(), *torch.autograd.grad(y, inputs, grad_out)]


def assert_same(ours, theirs, x, g):
    for a, b in zip(outputs_and_grads(ours, x, g), outputs_and_grads(theirs, x, g), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


def assert_same_buffers(ours, theirs):
    for (ka, a), (kb, b) in zip(ours.state_dict().items(), theirs.state_dict().items(), strict=True):
        assert ka == kb and a.dtype == b.dtype
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-14)


SHAPES = [(8, 3), (2, 5), (5, 3, 4), (2, 2, 1), (1, 4, 3)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("momentum", [0.1, 0.7, 1.0, 0.0, None])
@pytest.mark.parametrize("affine", [True, False])
def test_training_steps_then_eval_equal_torch(shape, momentum, affine):
    gen = torch.Generator().manual_seed(len(shape) * 10 + shape[0])
    ours, theirs = pair(shape[1], momentum=momentum, affine=affine)
    for _ in range(30):
        x = torch.randn(*shape, generator=gen, dtype=F64) * 3 + 1.5
        g = torch.randn(*shape, generator=gen, dtype=F64)
        assert_same(ours, theirs, x, g)
        assert_same_buffers(ours, theirs)
    assert int(ours.num_batches_tracked) == 30
    ours.eval()
    theirs.eval()
    x, g = torch.randn(1, *shape[1:], generator=gen, dtype=F64), torch.randn(1, *shape[1:], generator=gen, dtype=F64)
    assert_same(ours, theirs, x, g)  # one example is fine in eval mode
    assert_same_buffers(ours, theirs)


@pytest.mark.parametrize("shape", [(6, 3), (3, 3, 5)])
def test_without_running_stats_both_modes_use_the_batch(shape):
    ours, theirs = pair(shape[1], track_running_stats=False)
    assert ours.running_mean is None and list(ours.state_dict()) == list(theirs.state_dict())
    x, g = torch.randn(*shape, dtype=F64) + 4, torch.randn(*shape, dtype=F64)
    for train in (True, False):
        ours.train(train)
        theirs.train(train)
        assert_same(ours, theirs, x, g)
    with pytest.raises(InvalidArgument, match="more than 1 value per channel"):
        ours(x[:1, :, :1] if x.dim() == 3 else x[:1])  # still batch statistics, so one value is refused


def test_the_backward_is_the_hand_written_function():
    y = BatchNorm1d(3)(torch.randn(4, 3, requires_grad=True))
    assert type(y.grad_fn).__name__ == "BatchNormFunctionBackward"


@pytest.mark.parametrize("shape", [(5, 3), (3, 2, 4)])
@pytest.mark.parametrize("affine", [True, False])
def test_gradcheck(shape, affine):
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(*shape, generator=gen, dtype=F64, requires_grad=True)
    w = torch.randn(shape[1], generator=gen, dtype=F64, requires_grad=True) if affine else None
    b = torch.randn(shape[1], generator=gen, dtype=F64, requires_grad=True) if affine else None
    assert torch.autograd.gradcheck(lambda *t: BatchNormFunction.apply(*t, 1e-5)[0], (x, w, b))


@pytest.mark.parametrize("shape", [(4, 2), (3, 2, 2)])
def test_gradgradcheck(shape):
    gen = torch.Generator().manual_seed(2)
    x = torch.randn(*shape, generator=gen, dtype=F64, requires_grad=True)
    w, b = (torch.randn(shape[1], generator=gen, dtype=F64, requires_grad=True) for _ in range(2))
    assert torch.autograd.gradgradcheck(lambda *t: BatchNormFunction.apply(*t, 1e-5)[0], (x, w, b))


def test_the_hessian_of_a_loss_through_batch_norm_equals_torchs():
    """Second derivatives flow through the hand-written backward (the Newton methods need them)."""
    gen = torch.Generator().manual_seed(3)
    x = torch.randn(6, 3, generator=gen, dtype=F64)
    target = torch.randn(6, 3, generator=gen, dtype=F64)
    ours, theirs = pair(3)
    scale = torch.randn(3, generator=gen, dtype=F64)

    def loss(layer):
        def of(w, b, s):
            y = torch.func.functional_call(layer, {"weight": w, "bias": b}, (torch.tanh(x * s),))
            return (y - target).pow(2).sum()
        return of

    params = (ours.weight.detach().clone(), ours.bias.detach().clone(), scale)
    h_ours = torch.autograd.functional.hessian(loss(ours), params)
    h_theirs = torch.autograd.functional.hessian(loss(theirs), params)
    for row_ours, row_theirs in zip(h_ours, h_theirs, strict=True):
        for a, b in zip(row_ours, row_theirs, strict=True):
            torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-11)
    assert h_ours[2][2].abs().max() > 1e-3  # the input's second derivatives pass through the layer


def test_state_dicts_load_into_each_other():
    ours, theirs = pair(4)
    for _ in range(3):
        theirs(torch.randn(10, 4, dtype=F64))
    ours.load_state_dict(theirs.state_dict())
    assert_same_buffers(ours, theirs)
    for _ in range(3):
        ours(torch.randn(10, 4, dtype=F64) * 2)
    fresh = torch.nn.BatchNorm1d(4).double()
    fresh.load_state_dict(ours.state_dict())
    assert_same_buffers(ours, fresh)


def test_a_state_dict_without_num_batches_tracked_loads_with_zero():
    old = {k: v for k, v in torch.nn.BatchNorm1d(3).state_dict().items() if k != "num_batches_tracked"}
    layer = BatchNorm1d(3)
    layer.num_batches_tracked.fill_(5)
    layer.load_state_dict(old)
    assert int(layer.num_batches_tracked) == 0


@pytest.mark.parametrize("shape", [(1, 3), (1, 3, 1)])
def test_one_value_per_channel_in_training_is_refused_as_torch_refuses_it(shape):
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        torch.nn.BatchNorm1d(3)(torch.randn(*shape))
    with pytest.raises(InvalidArgument, match=r"'input' parameter of BatchNorm1d .*more than 1 value per channel"):
        BatchNorm1d(3)(torch.randn(*shape))


@pytest.mark.parametrize("shape, words", [((4,), "2D"), ((2, 3, 4, 5), "2D"), ((4, 2), "3 channels")])
def test_wrong_input_shapes_name_the_input(shape, words):
    with pytest.raises(InvalidArgument, match=f"'input' parameter of BatchNorm1d must be .*{words}"):
        BatchNorm1d(3)(torch.randn(*shape))


@pytest.mark.parametrize("kwargs, argument", [
    ({"num_features": 0}, "num_features"), ({"eps": 0.0}, "eps"), ({"momentum": 1.5}, "momentum"),
    ({"momentum": -0.1}, "momentum"), ({"affine": 1}, "affine"), ({"track_running_stats": "yes"}, "track_running_stats"),
])
def test_bad_arguments_name_themselves(kwargs, argument):
    args = {"num_features": 3, **kwargs}
    with pytest.raises(InvalidArgument, match=f"'{argument}' parameter of BatchNorm1d"):
        BatchNorm1d(**args)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 7), c=st.integers(1, 4), length=st.one_of(st.none(), st.integers(1, 4)),
       scale=st.floats(1e-2, 1e2), seed=st.integers(0, 2**16))
def test_any_shape_and_scale_matches_torch(n, c, length, scale, seed):
    shape = (n, c) if length is None else (n, c, length)
    gen = torch.Generator().manual_seed(seed)
    ours, theirs = pair(c)
    x = torch.randn(*shape, generator=gen, dtype=F64) * scale
    assert_same(ours, theirs, x, torch.randn(*shape, generator=gen, dtype=F64))
    assert_same_buffers(ours, theirs)
