"""The building blocks on their own and composed by users."""

import copy

import pytest
import torch

import trainlab.optim as tl
from tests.optim.helpers import mlp, regression_data, take_steps
from trainlab.optim import transforms as T


def grads_of(model, X, y):
    model.zero_grad()
    torch.nn.functional.mse_loss(model(X), y).backward()


@pytest.mark.parametrize("max_norm", [0.05, 1e3])
def test_clip_by_global_norm_equals_torch_utility_across_groups(max_norm, float64):
    """The norm spans every group, as clip_grad_norm_ does over all parameters."""
    X, y = regression_data()
    a, b = mlp(), mlp()
    ref = torch.optim.SGD(a.parameters(), lr=0.1)
    ours = tl.ChainOptimizer(
        [{"params": b[0].parameters()}, {"params": b[2].parameters()}],
        tl.chain(T.clip_by_global_norm(max_norm), T.scale_by_learning_rate(0.1)),
    )
    for _ in range(20):
        grads_of(a, X, y)
        torch.nn.utils.clip_grad_norm_(a.parameters(), max_norm)
        ref.step()
        grads_of(b, X, y)
        ours.step()
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=1e-13, atol=1e-15)


def test_clip_by_value_equals_torch_utility_even_after_maximize(float64):
    X, y = regression_data()
    a, b = mlp(), mlp()
    ref = torch.optim.SGD(a.parameters(), lr=0.1, maximize=True)
    ours = tl.ChainOptimizer(
        b.parameters(), tl.chain(T.clip_by_value(0.01), T.scale_by_learning_rate(0.1)), maximize=True
    )
    for _ in range(10):
        grads_of(a, X, y)
        for p in a.parameters():  # maximize negates first, then clip
            p.grad.neg_().clamp_(-0.01, 0.01).neg_()
        ref.step()
        grads_of(b, X, y)
        ours.step()
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=1e-13, atol=1e-15)


def test_clipping_does_not_modify_the_gradients_users_see():
    X, y = regression_data()
    model = mlp()
    opt = tl.ChainOptimizer(model.parameters(), tl.chain(T.clip_by_value(1e-4), T.scale_by_learning_rate(0.1)))
    grads_of(model, X, y)
    before = [p.grad.clone() for p in model.parameters()]
    opt.step()
    assert all(torch.equal(g, p.grad) for g, p in zip(before, model.parameters(), strict=True))


def test_composed_chain_equals_named_optimizer(float64):
    X, y = regression_data()
    a, b = mlp(), mlp()
    named = tl.Adam(a.parameters(), lr=3e-3, weight_decay=0.01, decoupled_weight_decay=True)
    composed = tl.ChainOptimizer(
        b.parameters(),
        tl.chain(T.weight_decay(0.01, decoupled=True), T.scale_by_adam(), T.scale_by_learning_rate(3e-3)),
    )
    take_steps(a, named, X, y, 50)
    take_steps(b, composed, X, y, 50)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(p, q)


def test_chains_nest_and_hyperparameters_land_in_param_groups():
    inner = tl.chain(T.scale_by_rms(alpha=0.9), T.trace(momentum=0.5))
    opt = tl.ChainOptimizer(mlp().parameters(), tl.chain(T.clip_by_global_norm(2.0), inner, T.scale_by_learning_rate(0.01)))
    group = opt.param_groups[0]
    assert (group["alpha"], group["momentum"], group["max_norm"], group["lr"]) == (0.9, 0.5, 2.0, 0.01)
    assert [type(t).__name__ for t in opt.transform.transforms()] == [
        "ClipByGlobalNorm", "ScaleByRms", "Trace", "ScaleByLearningRate"
    ]


def test_two_transforms_providing_one_hyperparameter_are_an_error():
    """One name in a param group cannot hold two settings, even when the defaults agree."""
    for eps in (1e-6, 1e-8):
        with pytest.raises(ValueError, match="scale_by_adam and scale_by_rms both provide hyperparameter 'eps'"):
            tl.chain(T.scale_by_adam(eps=1e-8), T.scale_by_rms(eps=eps))


def test_chain_takes_only_transforms():
    with pytest.raises(TypeError, match="Transform"):
        tl.chain(T.scale_by_adam(), "adam")


def test_unknown_transform_hyperparameter_is_a_type_error():
    with pytest.raises(TypeError, match="no hyperparameter"):
        tl.Transform(foo=1)  # the base class declares none


def test_asgd_average_matches_torch(float64):
    X, y = regression_data()
    a, b = mlp(), mlp()
    ref = torch.optim.ASGD(a.parameters(), lr=0.05, t0=10, foreach=False)
    ours = tl.ASGD(b.parameters(), lr=0.05, t0=10)
    take_steps(a, ref, X, y, 60)
    take_steps(b, ours, X, y, 60)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        torch.testing.assert_close(ours.state[q]["ax"], ref.state[p]["ax"], rtol=1e-12, atol=1e-14)


def test_late_joining_parameter_starts_its_momentum_like_torch(float64):
    """A parameter whose gradient appears later starts its buffer at that gradient."""
    a, b = torch.nn.Parameter(torch.ones(3)), torch.nn.Parameter(torch.ones(3))
    c, d = torch.nn.Parameter(torch.ones(3)), torch.nn.Parameter(torch.ones(3))
    ref = torch.optim.SGD([a, b], lr=0.1, momentum=0.9, dampening=0.3, foreach=False)
    ours = tl.SGD([c, d], lr=0.1, momentum=0.9, dampening=0.3)
    for step in range(6):
        for (p, q), opt in (((a, b), ref), ((c, d), ours)):
            opt.zero_grad()
            loss = (p**2).sum() + ((q**3).sum() if step >= 3 else 0.0)
            loss.backward()
            opt.step()
    torch.testing.assert_close(c, a, rtol=0, atol=0)
    torch.testing.assert_close(d, b, rtol=0, atol=0)


def test_lookahead_follows_its_definition(float64):
    """k fast Adam steps, then slow <- slow + alpha (fast - slow), fast <- slow."""
    X, y = regression_data()
    model, manual = mlp(), mlp()
    opt = tl.Lookahead(tl.Adam(model.parameters(), lr=1e-2), k=3, alpha=0.5)
    inner = tl.Adam(manual.parameters(), lr=1e-2)
    slow = [p.detach().clone() for p in manual.parameters()]
    for step in range(1, 10):
        take_steps(model, opt, X, y, 1)
        take_steps(manual, inner, X, y, 1)
        if step % 3 == 0:
            with torch.no_grad():
                for s, p in zip(slow, manual.parameters(), strict=True):
                    s += 0.5 * (p - s)
                    p.copy_(s)
    for p, q in zip(model.parameters(), manual.parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=1e-14, atol=1e-15)


def test_lookahead_state_dict_roundtrip_and_scheduler(float64):
    X, y = regression_data()
    a, b = mlp(), mlp()
    straight = tl.Lookahead(tl.Adam(a.parameters(), lr=1e-2), k=4)
    take_steps(a, straight, X, y, 14)
    first = tl.Lookahead(tl.Adam(b.parameters(), lr=1e-2), k=4)
    take_steps(b, first, X, y, 7)
    second = tl.Lookahead(tl.Adam(b.parameters(), lr=1e-2), k=4)
    second.load_state_dict(copy.deepcopy(first.state_dict()))
    take_steps(b, second, X, y, 7)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(p, q)
    sched = torch.optim.lr_scheduler.StepLR(second, step_size=1, gamma=0.5)
    take_steps(b, second, X, y, 1)
    sched.step()
    assert second.optimizer.param_groups[0]["lr"] == pytest.approx(5e-3)


def test_lookahead_rejects_bad_arguments():
    with pytest.raises(ValueError, match="'k' parameter of Lookahead must be an int in the range"):
        tl.Lookahead(tl.SGD(mlp().parameters(), lr=0.1), k=0)
    with pytest.raises(ValueError, match="'alpha' parameter of Lookahead"):
        tl.Lookahead(tl.SGD(mlp().parameters(), lr=0.1), alpha=1.5)
    with pytest.raises(TypeError, match="wraps a torch.optim.Optimizer"):
        tl.Lookahead("adam")
