"""The torch optimizers follow the lecture-form NumPy references step for step (float64)."""

import numpy as np
import pytest
import torch

import trainlab.optim as tl
from trainlab import reference as ref

H = np.array([[3.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 0.3]])
X0 = np.array([1.5, -1.0, 2.0])
STEPS = 150


def np_grad(x):
    """Gradient of f(x) = 1/2 x'Hx + 1/4 sum x^4 - x_0, written out by hand."""
    g = H @ x + x**3
    g[0] -= 1.0
    return g


def torch_path(make, steps=STEPS):
    x = torch.nn.Parameter(torch.tensor(X0, dtype=torch.float64))
    opt = make([x])
    Ht = torch.tensor(H)
    path = [x.detach().clone().numpy()]
    for _ in range(steps):
        opt.zero_grad()
        (0.5 * x @ Ht @ x + 0.25 * (x**4).sum() - x[0]).backward()
        opt.step()
        path.append(x.detach().clone().numpy())
    return np.array(path)


def lookahead(path, alpha):
    """The UCLA ECE 239AS notes' change of variables: theta~ = theta + alpha v, with v the last step."""
    out = path.copy()
    out[1:] = path[1:] + alpha * (path[1:] - path[:-1])
    return out


CASES = {
    "gd": (lambda: ref.gd(np_grad, X0, 0.1, STEPS), lambda p: tl.SGD(p, lr=0.1)),
    "gd_lr_decay": (lambda: ref.gd_lr_decay(np_grad, X0, 0.1, 0.98, STEPS), lambda p: tl.DecayingGD(p, lr=0.1, decay=0.98)),
    "gradient_control": (
        lambda: ref.gradient_controlled_gd(np_grad, X0, 0.2, 0.3, STEPS),
        lambda p: tl.GradientControlled(p, lr=0.2, control=0.3),
    ),
    "gradient_control_inverse": (
        lambda: ref.gradient_controlled_gd(np_grad, X0, 0.2, 0.3, STEPS, inverse=True),
        lambda p: tl.GradientControlled(p, lr=0.2, control=0.3, inverse=True),
    ),
    "momentum_vs_Momentum": (lambda: ref.momentum(np_grad, X0, 0.05, 0.9, STEPS), lambda p: tl.Momentum(p, lr=0.05, momentum=0.9)),
    "momentum_vs_SGD": (lambda: ref.momentum(np_grad, X0, 0.05, 0.9, STEPS), lambda p: tl.SGD(p, lr=0.05, momentum=0.9)),
    "momentum_of_steps": (lambda: ref.momentum_of_steps(np_grad, X0, 0.05, 0.8, STEPS), lambda p: tl.Momentum(p, lr=0.05, momentum=0.8)),
    "nesterov_change_of_variables": (
        lambda: ref.nesterov_change_of_variables(np_grad, X0, 0.05, 0.9, STEPS),
        lambda p: tl.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
    ),
    "nesterov_first_form": (
        lambda: lookahead(ref.nesterov(np_grad, X0, 0.05, 0.9, STEPS), 0.9),
        lambda p: tl.Momentum(p, lr=0.05, momentum=0.9, nesterov=True),
    ),
    "adagrad_eps_outside_root": (lambda: ref.adagrad(np_grad, X0, 0.3, STEPS, nu=1e-7), lambda p: tl.Adagrad(p, lr=0.3, eps=1e-7)),
    "adagrad_eps_inside_root": (
        lambda: ref.adagrad(np_grad, X0, 0.3, STEPS, nu=1e-6, nu_inside=True),
        lambda p: tl.Adagrad(p, lr=0.3, eps=0.0, eps_root=1e-6),
    ),
    "rmsprop": (lambda: ref.rmsprop(np_grad, X0, 0.01, STEPS), lambda p: tl.RMSprop(p, lr=0.01, alpha=0.99, eps=1e-7)),
    "rmsprop_nu_inside": (
        lambda: ref.rmsprop(np_grad, X0, 0.004, STEPS, beta=0.9, nu=1e-4, nu_inside=True),
        lambda p: tl.RMSprop(p, lr=0.004, alpha=0.9, eps=0.0, eps_root=1e-4),
    ),
    "rmsprop_momentum": (
        lambda: ref.rmsprop_momentum(np_grad, X0, 0.002, STEPS),
        lambda p: tl.RMSprop(p, lr=0.002, alpha=0.99, eps=1e-7, momentum=0.9),
    ),
    "rmsprop_nesterov": (
        lambda: lookahead(ref.rmsprop_nesterov(np_grad, X0, 0.002, STEPS), 0.9),
        lambda p: tl.RMSprop(p, lr=0.002, alpha=0.99, eps=1e-7, momentum=0.9, nesterov=True),
    ),
    "adam": (
        lambda: ref.adam(np_grad, X0, 0.02, STEPS, beta2=0.99),
        lambda p: tl.Adam(p, lr=0.02, betas=(0.9, 0.99), eps=1e-7),
    ),
    "adam_no_bias_correction": (
        lambda: ref.adam_no_bias_correction(np_grad, X0, 0.02, STEPS),
        lambda p: tl.Adam(p, lr=0.02, eps=1e-7, bias_correction=False),
    ),
    "amsgrad": (lambda: ref.amsgrad(np_grad, X0, 0.02, STEPS), lambda p: tl.Adam(p, lr=0.02, amsgrad=True)),
    "nadam_dozat": (
        lambda: ref.nadam(np_grad, X0, 0.02, STEPS, nu=0.999, eps=1e-8),
        lambda p: tl.NAdam(p, lr=0.02, variant="dozat", eps=0.0, eps_root=1e-8),
    ),
    "adabound": (
        lambda: ref.adabound(np_grad, X0, 0.02, STEPS, final_lr=0.05, gamma=1e-2),
        lambda p: tl.AdaBound(p, lr=0.02, final_lr=0.05, gamma=1e-2),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_torch_follows_reference(name, float64):
    reference, make = CASES[name]
    expected = reference()
    got = torch_path(make)
    assert got.shape == expected.shape
    assert np.abs(expected[-1] - X0).max() > 1e-2, "the reference did not move"
    np.testing.assert_allclose(got, expected, rtol=1e-11, atol=1e-12)


def test_nesterov_forms_agree_with_each_other():
    """The UCLA ECE 239AS notes' two Nesterov forms: the second's iterates are the first's look-ahead points."""
    first = ref.nesterov(np_grad, X0, 0.05, 0.9, STEPS)
    second = ref.nesterov_change_of_variables(np_grad, X0, 0.05, 0.9, STEPS)
    np.testing.assert_allclose(lookahead(first, 0.9), second, rtol=1e-11, atol=1e-12)


def test_momentum_forms_differ_under_a_schedule(float64):
    """Momentum of gradients (torch) and of steps (lecture) part ways when the rate changes."""
    paths = []
    for cls in (tl.SGD, tl.Momentum):
        x = torch.nn.Parameter(torch.tensor(X0))
        opt = cls([x], lr=0.05, momentum=0.9)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
        for _ in range(40):
            opt.zero_grad()
            (0.5 * x @ torch.tensor(H) @ x).backward()
            opt.step()
            sched.step()
        paths.append(x.detach().numpy().copy())
    assert np.abs(paths[0] - paths[1]).max() > 1e-4
