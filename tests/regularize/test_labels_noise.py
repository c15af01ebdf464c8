"""Label smoothing equals torch's; weight and gradient noise are seeded and resume exactly."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from trainlab.constraints import InvalidArgument
from trainlab.regularize import L2, GradientNoise, LabelSmoothing, WeightNoise, label_smoothing_cross_entropy
from trainlab.train import Callback, Checkpoint, Trainer


@pytest.mark.parametrize("eps", [0.0, 0.1, 0.35, 1.0])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_label_smoothing_equals_torch_cross_entropy_in_float64(eps, weighted, reduction):
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(20, 5, generator=g, dtype=torch.float64, requires_grad=True)
    target = torch.randint(0, 5, (20,), generator=g)
    weight = torch.rand(5, generator=g, dtype=torch.float64) + 0.1 if weighted else None
    mine = label_smoothing_cross_entropy(logits, target, eps, weight, reduction)
    ref = F.cross_entropy(logits, target, weight=weight, label_smoothing=eps, reduction=reduction)
    torch.testing.assert_close(mine, ref, rtol=1e-14, atol=1e-14)
    grad_mine, = torch.autograd.grad(mine.sum(), logits)
    grad_ref, = torch.autograd.grad(ref.sum(), logits)
    torch.testing.assert_close(grad_mine, grad_ref, rtol=1e-13, atol=1e-14)


def test_the_label_smoothing_penalty_makes_the_trainer_minimize_the_smoothed_loss():
    torch.manual_seed(0)
    x, y = torch.randn(30, 4, dtype=torch.float64), torch.randint(0, 3, (30,))
    model = torch.nn.Linear(4, 3).double()
    logits = model(x)
    total = F.cross_entropy(logits, y) + LabelSmoothing(0.2)(model, logits, y)
    torch.testing.assert_close(total, F.cross_entropy(logits, y, label_smoothing=0.2), rtol=1e-14, atol=1e-14)
    trainer = Trainer(model, torch.optim.SGD(model.parameters(), lr=0.5), loss="cross_entropy", epochs=3,
                      penalty=LabelSmoothing(0.2))
    history = trainer.fit((x, y), (x, y))
    last = history.epochs[-1]
    plain = F.cross_entropy(model(x), y).item()
    assert last["train_loss"] == pytest.approx(plain, rel=1e-12) == last["val_loss"]  # reported without it
    smoothed = F.cross_entropy(model(x), y, label_smoothing=0.2).item()
    assert last["penalty"] == pytest.approx(smoothed - plain, rel=1e-10)
    with pytest.raises(InvalidArgument, match="'smoothing' parameter of LabelSmoothing must be a float in the "
                                              r"range \[0, 1\]. Got 1.5"):
        LabelSmoothing(1.5)


def test_trainer_penalty_goes_into_the_closure_for_lbfgs_and_is_logged_per_epoch():
    torch.manual_seed(0)
    x = torch.randn(20, 2, dtype=torch.float64)
    y = x @ torch.tensor([[1.0], [-2.0]], dtype=torch.float64)
    model = torch.nn.Linear(2, 1, bias=False).double()
    trainer = Trainer(model, torch.optim.LBFGS(model.parameters(), max_iter=50, tolerance_grad=1e-14,
                                               tolerance_change=0), epochs=2, penalty=L2(4.0))
    history = trainer.fit((x, y))
    a = len(x) * 4.0 / 2
    closed = torch.linalg.solve(x.T @ x + a * torch.eye(2, dtype=torch.float64), x.T @ y)
    torch.testing.assert_close(model.weight.detach().T, closed, rtol=0, atol=1e-9)
    assert history.epochs[-1]["penalty"] == pytest.approx(2.0 * float(closed.pow(2).sum()), rel=1e-8)
    assert "penalty" in trainer.epoch_keys
    with pytest.raises(InvalidArgument, match="'penalty' parameter of Trainer"):
        Trainer(model, torch.optim.SGD(model.parameters(), lr=0.1), penalty=3.0)


def closure_for(model, opt, x, y):
    def closure():
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        return loss
    return closure


def test_gradient_noise_has_the_annealed_variance_and_weight_noise_leaves_clean_weights():
    p = torch.nn.Parameter(torch.zeros(20000, dtype=torch.float64))
    opt = GradientNoise(torch.optim.SGD([p], lr=1.0), eta=0.5, gamma=0.55, seed=3)
    stds = []
    for t in range(3):
        before = p.detach().clone()
        p.grad = torch.zeros_like(p)
        opt.step()
        stds.append(float((before - p.detach()).std()))
        assert stds[-1] == pytest.approx((0.5 / (1 + t) ** 0.55) ** 0.5, rel=0.03)
    model = torch.nn.Linear(3, 1).double()
    start = [q.detach().clone() for q in model.parameters()]
    x, y = torch.randn(8, 3, dtype=torch.float64), torch.randn(8, 1, dtype=torch.float64)
    noisy = WeightNoise(torch.optim.SGD(model.parameters(), lr=0.0), std=0.1, seed=0)
    loss = noisy.step(closure_for(model, noisy, x, y))
    assert all(torch.equal(q, s) for q, s in zip(model.parameters(), start))  # lr 0: clean weights come back
    assert float(loss.detach()) != pytest.approx(F.mse_loss(model(x), y).item(), rel=1e-6)  # evaluated at noisy weights
    with pytest.raises(InvalidArgument, match="'closure' parameter of WeightNoise.step"):
        noisy.step()


class Crash(Exception):
    pass


class CrashAt(Callback):
    order = 200

    def on_step_end(self, trainer, logs):
        if trainer.global_step == 7:
            raise Crash


@pytest.mark.parametrize("wrap", [lambda o: GradientNoise(o, eta=0.1, seed=5), lambda o: WeightNoise(o, 0.05, 5)])
def test_noise_resumes_exactly_from_a_trainer_checkpoint(tmp_path, wrap):
    x, y = torch.randn(40, 3, generator=torch.Generator().manual_seed(1)), torch.zeros(40, 1)

    def build(callbacks):
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
        return model, Trainer(model, wrap(torch.optim.Adam(model.parameters(), lr=1e-2)), epochs=4, batch_size=10,
                              callbacks=callbacks)

    straight, trainer = build([])
    trainer.fit((x, y))
    _, crashing = build([Checkpoint(tmp_path, every=7), CrashAt()])
    with pytest.raises(Crash):
        crashing.fit((x, y))
    resumed, fresh = build([Checkpoint(tmp_path, every=7)])
    fresh.resume(str(tmp_path), (x, y))
    assert all(torch.equal(p, q) for p, q in zip(straight.parameters(), resumed.parameters(), strict=True))
