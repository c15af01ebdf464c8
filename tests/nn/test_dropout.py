"""Dropout: inverted dropout is torch's, and both forms' expected training output is their inference output."""

import math

import pytest
import torch
import torch.nn.functional as F

from trainlab.constraints import InvalidArgument
from trainlab.nn import MLP, Dropout
from trainlab.nn.dropout import dropout


@pytest.mark.parametrize("shape", [(7,), (64, 30), (4, 3, 5)])
@pytest.mark.parametrize("p", [0.01, 0.3, 0.75])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_inverted_dropout_equals_torch_for_the_same_generator_state(shape, p, dtype):
    x = torch.randn(*shape, dtype=dtype, requires_grad=True)
    torch.manual_seed(11)
    theirs = F.dropout(x, p, training=True)
    (g_theirs,) = torch.autograd.grad(theirs.sum(), x)
    torch.manual_seed(11)
    ours = Dropout(p)(x)
    (g_ours,) = torch.autograd.grad(ours.sum(), x)
    assert torch.equal(ours, theirs) and torch.equal(g_ours, g_theirs)
    assert torch.equal(dropout(x, p, generator=torch.Generator().manual_seed(11)), theirs)


def test_standard_dropout_keeps_units_unscaled_and_scales_by_the_keep_probability_at_inference():
    p, n = 0.3, 200_000
    x = torch.full((n,), 2.0, dtype=torch.float64)
    y = dropout(x, p, form="standard", generator=torch.Generator().manual_seed(0))
    assert set(y.unique().tolist()) == {0.0, 2.0}
    kept = (y != 0).double().mean().item()
    assert abs(kept - (1 - p)) < 5 * math.sqrt(p * (1 - p) / n)  # 5 binomial standard errors
    assert torch.equal(Dropout(p, form="standard").eval()(x), x * (1 - p))
    assert torch.equal(Dropout(p).eval()(x), x)


@pytest.mark.parametrize("form", ["standard", "inverted"])
def test_the_mean_training_output_over_masks_is_the_inference_output(form):
    """Dropout before the last Linear: the inference rule is the exact expectation over masks.

    Monte Carlo over ``n`` masks: each output's sample mean must lie within 5 standard errors
    (sample standard deviation / sqrt(n)) of the inference output; a correct rule fails this with
    probability about 6e-7 per output, a rule off by the keep factor (0.4 here) by many errors.
    """
    torch.manual_seed(0)
    net = MLP([3, 32, 2], activation="tanh", dropout=0.6, dropout_form=form).double()
    x = torch.randn(1, 3, dtype=torch.float64)
    n = 20_000
    with torch.no_grad():
        samples = net(x.expand(n, 3))
        inference = net.eval()(x)[0]
    mean, standard_error = samples.mean(0), samples.std(0) / math.sqrt(n)
    assert torch.all((mean - inference).abs() < 5 * standard_error), (mean, inference, standard_error)
    wrong = inference * (1 - 0.6) if form == "inverted" else inference / (1 - 0.6)
    assert torch.all((mean - wrong).abs() > 5 * standard_error)  # the check can tell the rules apart


def test_the_two_forms_are_one_model_up_to_scaling_the_outgoing_weights_by_the_keep_probability():
    p = 0.4
    torch.manual_seed(3)
    standard = MLP([4, 16, 3], dropout=p, dropout_form="standard").double()
    inverted = MLP([4, 16, 3], dropout=p).double()
    inverted.load_state_dict(standard.state_dict())
    with torch.no_grad():
        inverted[-1].weight.mul_(1 - p)
    x = torch.randn(50, 4, dtype=torch.float64)
    torch.manual_seed(9)
    a = standard(x)
    torch.manual_seed(9)
    b = inverted(x)
    torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)  # same masks, same training outputs
    torch.testing.assert_close(standard.eval()(x), inverted.eval()(x), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kwargs, argument", [({"p": 1.0}, "p"), ({"p": -0.1}, "p"), ({"form": "scaled"}, "form")])
def test_bad_arguments_name_themselves(kwargs, argument):
    with pytest.raises(InvalidArgument, match=f"'{argument}' parameter of Dropout"):
        Dropout(**kwargs)
