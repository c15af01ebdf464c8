"""The SUTD 50.039 notes' numbers on their quartic, reproduced by trainlab's torch optimizers (float64)."""

import pytest
import torch

import trainlab.optim as tl
from trainlab.problems import get


def run(make, start, steps=100):
    quartic = get("quartic")
    x = torch.nn.Parameter(torch.tensor([start], dtype=torch.float64))
    opt = make([x])
    for _ in range(steps):
        opt.zero_grad()
        quartic.value(x).backward()
        opt.step()
    return x.item()


@pytest.mark.parametrize(
    "make,start,expected",
    [
        (lambda p: tl.SGD(p, lr=0.1), 5.0, 3.2727653395584366),
        (lambda p: tl.SGD(p, lr=0.1), -5.0, -3.254993730859254),
        (lambda p: tl.Momentum(p, lr=0.1, momentum=0.9), -5.0, 3.267681061691328),
        (lambda p: tl.SGD(p, lr=0.1, momentum=0.9), -5.0, 3.267681061691328),
        (lambda p: tl.Momentum(p, lr=0.1, momentum=0.1), 5.0, 3.272765339558436),
        (lambda p: tl.Momentum(p, lr=0.1, momentum=0.1), -5.0, -3.254993730859254),
    ],
    ids=["gd-from-5", "gd-from-minus-5", "momentum-escapes", "sgd-momentum-escapes",
         "momentum-0.1-from-5", "momentum-0.1-from-minus-5"],
)
def test_lecture_endpoints(make, start, expected):
    assert abs(run(make, start) - expected) < 1e-9


def test_escape_needs_enough_momentum():
    """With mu = 0.1 the iterate stays in the local basin; with 0.9 it reaches the global one."""
    low = run(lambda p: tl.Momentum(p, lr=0.1, momentum=0.1), -5.0)
    high = run(lambda p: tl.Momentum(p, lr=0.1, momentum=0.9), -5.0)
    assert low < 0 < high
