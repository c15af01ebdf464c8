import pytest
import torch

from trainlab.optim import registry


@pytest.mark.parametrize("name", registry.names())
def test_every_entry_builds_and_steps(name):
    sparse = registry.get(name).spec.gradients == "sparse"
    model = torch.nn.Embedding(10, 3, sparse=True) if sparse else torch.nn.Linear(3, 1)
    opt = registry.build(name, model.parameters(), lr=registry.get(name).lr_grid[0])
    before = model.weight.detach().clone()
    X = torch.tensor([1, 4, 4, 7]) if sparse else torch.randn(8, 3)

    def closure():
        opt.zero_grad()
        loss = model(X).pow(2).mean()
        loss.backward()
        return loss

    if registry.get(name).closure:
        opt.step(closure)
    else:
        closure()
        opt.step()
    assert not torch.equal(before, model.weight)


def test_kinds_partition_the_names():
    first, second, sparse = registry.names("first_order"), registry.names("closure"), registry.names("sparse")
    assert sorted(first + second + sparse) == sorted(registry.names())
    assert "lbfgs" in second and "adam" in first


def test_aliases_and_unknown_names():
    assert registry.get("gd").name == "sgd"
    assert registry.get("NAG").name == "nesterov"
    with pytest.raises(ValueError, match="Unknown optimizer 'adamm'. Did you mean 'adam'?"):
        registry.get("adamm")


def test_variants_carry_their_fixed_arguments():
    opt = registry.build("rmsprop-nesterov", torch.nn.Linear(2, 1).parameters(), lr=1e-3)
    g = opt.param_groups[0]
    assert (g["momentum"], g["nesterov"], g["lr"]) == (0.9, True, 1e-3)
