"""The torch.optim contract, property by property, for every first-order trainlab optimizer.

An OptimizerInfo-style table written for trainlab (torch's own suite is run by
test_torch_peer_suite.py; it never sees AdaBound, Lookahead, the lecture
variants or trainlab's extra arguments). Rows: every row of optimizer_rows.ROWS,
plus SparseAdam (sparse gradients only) and Lookahead around Adam and SGD.

Properties: tensor learning rates (also changed in place, as schedulers do),
integer hyperparameters, torch's error types and phrases, older state dicts,
complex parameters, sparse gradients (equal to torch where torch supports them, a
clear error elsewhere), closures returning a Python number, no-op on parameters
without gradients, state_dict determinism across save/load, deepcopy,
add_param_group and maximize. Where torch has the optimizer, results are compared
with it in float64.
"""

from __future__ import annotations

import copy
import inspect
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import torch

import trainlab.optim as tl
from tests.optim.optimizer_rows import ROWS
from trainlab.optim.catalog import SPECS
from tests.helpers import roundtrip

# torch.optim's set (supports_sparse), and trainlab's optimizers built only from transforms that
# handle a sparse update (Momentum, DecayingGD, Lookahead around SGD)
SPARSE_GRADIENTS = {"SGD", "Adagrad", "SparseAdam", "Momentum", "DecayingGD", "Lookahead-SGD"}


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[..., torch.optim.Optimizer]
    samples: tuple[dict[str, Any], ...]
    torch_cls: type | None = None
    sparse_only: bool = False

    @property
    def kwargs(self) -> dict[str, Any]:
        return dict(self.samples[0])


def _lookahead(inner: type) -> Callable[..., torch.optim.Optimizer]:
    def build(params, **kwargs):
        return tl.Lookahead(inner(params, **kwargs), k=3, alpha=0.5)

    return build


CASES = tuple(Case(r.name, r.cls, r.samples, r.torch_twin) for r in ROWS) + tuple(
    Case(s.name, s.cls, s.samples, s.torch_twin, sparse_only=True) for s in SPECS if s.gradients == "sparse"
) + (
    Case("Lookahead-Adam", _lookahead(tl.Adam), ({"lr": 0.01}, {"lr": 0.01, "maximize": True})),
    Case("Lookahead-SGD", _lookahead(tl.SGD), ({"lr": 0.05, "momentum": 0.9},)),
)
DENSE = [c for c in CASES if not c.sparse_only]
TWINS = [c for c in CASES if c.torch_cls is not None]


def ids(cases):
    return [c.name for c in cases]


def each_sample(cases=CASES):
    return [pytest.param(c, kw, id=f"{c.name}-{i}") for c in cases for i, kw in enumerate(c.samples)]


# -- a small problem ------------------------------------------------------------------
def make_params(dtype=torch.float64, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [
        torch.nn.Parameter(torch.randn(6, 3, generator=g, dtype=dtype)),
        torch.nn.Parameter(torch.randn(3, generator=g, dtype=dtype)),
    ]


def loss_of(params):
    w, b = params
    x = torch.linspace(-1, 1, w.numel(), dtype=w.dtype).reshape(w.shape)
    return ((w - x) ** 2).sum() + (w.sum(0) * b).sum() + (b**2).sum() ** 1.5


def set_grads(params, sign=1.0, sparse=False):
    for p in params:
        p.grad = None
    (sign * loss_of(params)).backward()
    if sparse:
        for p in params:
            p.grad = p.grad.to_sparse()


def run(case, params, kwargs, steps=12, sparse=None, closure_number=False):
    """``steps`` optimizer steps on loss_of; returns the optimizer."""
    sparse = case.sparse_only if sparse is None else sparse
    opt = case.build(params, **kwargs)
    for _ in range(steps):
        set_grads(params, sparse=sparse)
        opt.step()
    return opt


def step_together(case, a, opt_a, b, opt_b, steps, sign_a=1.0):
    """``steps`` steps of both optimizers, each on the gradients of loss_of (times ``sign_a`` for ``a``)."""
    for _ in range(steps):
        set_grads(a, sign=sign_a, sparse=case.sparse_only)
        set_grads(b, sparse=case.sparse_only)
        opt_a.step()
        opt_b.step()


def same(a, b, tol=1e-12):
    for x, y in zip(a, b, strict=True):
        torch.testing.assert_close(x.detach(), y.detach(), rtol=tol, atol=tol)


# -- tensor learning rates ------------------------------------------------------------
@pytest.mark.parametrize("case,kwargs", each_sample())
def test_tensor_lr_gives_the_float_lr_results(case, kwargs):
    a, b = make_params(), make_params()
    run(case, a, kwargs)
    run(case, b, {**kwargs, "lr": torch.tensor(kwargs["lr"], dtype=torch.float64)})
    same(a, b, tol=0)


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_tensor_lr_changed_in_place_is_followed(case):
    a, b = make_params(), make_params()
    lr = case.kwargs["lr"]
    lr_t = torch.tensor(lr, dtype=torch.float64)
    opt_a = case.build(a, **case.kwargs)
    opt_b = case.build(b, **{**case.kwargs, "lr": lr_t})
    for i in range(10):
        if i == 5:  # what a scheduler does to a tensor lr
            lr_t.fill_(lr / 3)
            for g in opt_a.param_groups:
                g["lr"] = lr / 3
        set_grads(a, sparse=case.sparse_only)
        set_grads(b, sparse=case.sparse_only)
        opt_a.step()
        opt_b.step()
    same(a, b, tol=0)
    assert opt_b.param_groups[0]["lr"] is lr_t  # the group keeps the user's tensor


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_integer_hyperparameters_equal_their_float_values(case):
    a, b = make_params(), make_params()
    run(case, a, {**case.kwargs, "lr": 1.0}, steps=3)
    run(case, b, {**case.kwargs, "lr": 1}, steps=3)
    same(a, b, tol=0)


def test_sgd_with_integer_momentum_and_nesterov_steps_like_torch(float64):
    a, b = make_params(), make_params()
    run(Case("SGD", tl.SGD, ()), a, {"lr": 3e-3, "momentum": 1, "nesterov": True})
    run(Case("SGD", torch.optim.SGD, ()), b, {"lr": 3e-3, "momentum": 1, "nesterov": True})
    same(a, b)


# -- errors ---------------------------------------------------------------------------
@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_bad_params_raise_torchs_exception_types_and_phrases(case):
    kw = case.kwargs
    p, q = make_params()
    with pytest.raises(TypeError, match="params argument given to the optimizer should be an iterable"):
        case.build(p, **kw)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        case.build([{"params": [p]}, {"params": [q, p]}], **kw)
    with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
        case.build([p], **{**kw, "lr": torch.tensor([0.1, 0.1])})
    with pytest.raises(ValueError, match="Invalid learning rate: -1.0"):
        case.build([p], **{**kw, "lr": -1.0})


# Bad values torch.optim rejects; each is tried where the optimizer has the argument.
BAD_VALUES = {
    "lr": [-1.0, float("nan")],
    "eps": [-1e-8],
    "weight_decay": [-0.5],
    "momentum": [-0.5],
    "betas": [(1.0, 0.999), (0.9, 1.0), (-0.1, 0.9), (0.9, torch.tensor(0.99))],
    "rho": [1.1, -0.1],
    "alpha": [-0.5],
    "lr_decay": [-0.5],
    "initial_accumulator_value": [-1.0],
    "momentum_decay": [-0.2],
    "lambd": [-1.0],
    "t0": [-1.0],
}


def bad_inputs(cases):
    out = []
    for c in cases:
        names = inspect.signature(c.torch_cls).parameters
        for name, values in BAD_VALUES.items():
            if name in names:
                out += [pytest.param(c, name, v, id=f"{c.name}-{name}={v!r}") for v in values]
    return out


@pytest.mark.parametrize("case,name,value", bad_inputs(TWINS))
def test_bad_hyperparameters_raise_what_torch_raises_with_its_words(case, name, value):
    kw = {**case.kwargs, name: value}
    try:
        case.torch_cls(make_params(), **kw)
    except Exception as err:  # noqa: BLE001 - whatever torch raises is the expectation
        expected = err
    else:  # torch accepts a value that makes no sense; trainlab refuses it on purpose (docs/optimizers.md)
        with pytest.raises(ValueError, match=f"'{name}' parameter of {case.name} must be"):
            case.build(make_params(), **kw)
        return
    with pytest.raises(type(expected)) as got:
        case.build(make_params(), **kw)
    assert str(expected) in str(got.value)  # torch's phrase, beside trainlab's own message
    assert f"'{name}' parameter of" in str(got.value)


@pytest.mark.parametrize("case", DENSE, ids=ids(DENSE))
def test_a_repeated_parameter_warns_as_torch_and_is_updated_once(case):
    a, b = make_params(), make_params()
    with pytest.warns(UserWarning, match="a parameter group with duplicate parameters"):
        opt_a = case.build([a[0], a[0], a[1]], **case.kwargs)
    opt_b = case.build(b, **case.kwargs)
    step_together(case, a, opt_a, b, opt_b, 4)
    same(a, b, tol=0)


# -- older state dicts ----------------------------------------------------------------
def _groups(state_dict):
    return (state_dict["optimizer"] if "optimizer" in state_dict else state_dict)["param_groups"]


@pytest.mark.parametrize("case,kwargs", each_sample())
def test_state_dict_without_newer_keys_loads_with_their_defaults(case, kwargs):
    params = make_params()
    opt = run(case, params, kwargs, steps=3)
    old = copy.deepcopy(opt.state_dict())
    dropped = {}
    for group in _groups(old):
        for key in [k for k in group if k not in ("params", "lr", "initial_lr")]:
            dropped[key] = group.pop(key)
    fresh = case.build(params, **kwargs)
    fresh.load_state_dict(old)
    defaults = {n: p.default for n, p in inspect.signature(case.build).parameters.items()}
    for group in fresh.param_groups:
        for key in dropped:
            assert key in group, f"{key} not restored"
            if key in defaults and defaults[key] is not inspect.Parameter.empty:
                assert group[key] == defaults[key]
    set_grads(params, sparse=case.sparse_only)
    fresh.step()
    assert all(torch.isfinite(p).all() for p in params)


# -- complex parameters -----------------------------------------------------------------
@pytest.mark.parametrize("case,kwargs", each_sample(DENSE))
def test_complex_parameters_move_as_their_real_twin(case, kwargs):
    z = [torch.nn.Parameter(torch.view_as_complex(p.detach().clone())) for p in make_params_pairs()]
    r = [torch.nn.Parameter(torch.view_as_real(p.detach()).clone()) for p in z]
    opt_z = case.build(z, **kwargs)
    opt_r = case.build(r, **kwargs)
    sign = -1.0 if kwargs.get("maximize") else 1.0  # a bounded problem either way
    for _ in range(8):
        for params in (z, r):
            for p in params:
                p.grad = None
            (sign * complex_loss(params)).backward()
        opt_z.step()
        opt_r.step()
    same([torch.view_as_real(p) for p in z], r, tol=1e-12)
    inner = opt_z.optimizer if hasattr(opt_z, "optimizer") else opt_z
    for p in z:  # torch's layout: buffers of a complex parameter are complex, of its shape
        for value in inner.state[p].values():
            if isinstance(value, torch.Tensor) and value.dim() > 0:
                assert value.is_complex() and value.shape == p.shape


def make_params_pairs(seed=3):
    g = torch.Generator().manual_seed(seed)
    return [
        torch.randn(5, 2, dtype=torch.float64, generator=g),
        torch.randn(4, 3, 2, dtype=torch.float64, generator=g),
    ]


def complex_loss(params):
    a, b = (torch.view_as_real(p) if p.is_complex() else p for p in params)
    return ((a - 0.3) ** 2).sum() + (a[..., 0].sum() * b**2).sum() + (b**4).sum()


# -- sparse gradients -----------------------------------------------------------------
SPARSE_TWINS = [c for c in TWINS if c.name in SPARSE_GRADIENTS]
NOT_SPARSE = [c for c in DENSE if c.name not in SPARSE_GRADIENTS]


def embedding_run(build, kwargs, steps=40, uncoalesced=True):
    with warnings.catch_warnings():  # torch.optim.Adagrad's own sparse path warns about invariant checks
        warnings.filterwarnings("ignore", "Sparse invariant checks", UserWarning)
        return _embedding_run(build, kwargs, steps, uncoalesced)


def _embedding_run(build, kwargs, steps, uncoalesced):
    torch.manual_seed(0)
    emb = torch.nn.Embedding(12, 3, sparse=True).double()
    opt = build(emb.parameters(), **kwargs)
    g = torch.Generator().manual_seed(1)
    for _ in range(steps):
        idx = torch.randint(0, 12, (5,), generator=g)  # repeated rows: an uncoalesced gradient
        opt.zero_grad()
        out = emb(idx)
        ((out - 0.5) ** 2).sum().backward()
        if not uncoalesced:
            emb.weight.grad = emb.weight.grad.coalesce()
        opt.step()
    return emb.weight.detach(), opt


@pytest.mark.parametrize("case,kwargs", each_sample(SPARSE_TWINS))
@pytest.mark.parametrize("uncoalesced", [True, False])
def test_sparse_gradients_step_as_torch(case, kwargs, uncoalesced, float64):
    kwargs = {k: v for k, v in kwargs.items() if k != "weight_decay"}
    ours, opt = embedding_run(case.build, kwargs, uncoalesced=uncoalesced)
    theirs, _ = embedding_run(case.torch_cls, kwargs, uncoalesced=uncoalesced)
    torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-12)
    emb = torch.nn.Embedding(12, 3, sparse=True).double()
    again = case.build(emb.parameters(), **kwargs)  # state_dict round trip of sparse-trained state
    again.load_state_dict(roundtrip(opt.state_dict()))
    assert again.state_dict()["state"].keys() == opt.state_dict()["state"].keys()


def test_sparse_adam_state_dict_round_trip_continues_exactly_and_loads_torchs(float64):
    kwargs = {"lr": 0.05, "betas": (0.8, 0.95), "eps": 1e-6}
    straight, _ = embedding_run(tl.SparseAdam, kwargs, steps=30)
    torch.manual_seed(0)
    emb = torch.nn.Embedding(12, 3, sparse=True).double()
    first = torch.optim.SparseAdam(emb.parameters(), **kwargs)  # torch's state, loaded by trainlab
    g = torch.Generator().manual_seed(1)
    for i in range(30):
        if i == 15:
            second = tl.SparseAdam(emb.parameters(), **kwargs)
            second.load_state_dict(roundtrip(first.state_dict()))
            first = second
        idx = torch.randint(0, 12, (5,), generator=g)
        first.zero_grad()
        ((emb(idx) - 0.5) ** 2).sum().backward()
        first.step()
    torch.testing.assert_close(emb.weight.detach(), straight, rtol=1e-12, atol=1e-12)


def test_sparse_adam_refuses_dense_gradients_and_parameters_it_cannot_update():
    p = torch.nn.Parameter(torch.ones(3))
    p.grad = torch.ones(3)
    with pytest.raises(RuntimeError, match="SparseAdam does not support dense gradients"):
        tl.SparseAdam([p]).step()
    with pytest.raises(ValueError, match="SparseAdam does not support complex parameters"):
        tl.SparseAdam([torch.nn.Parameter(torch.ones(2, dtype=torch.complex64))])


SPARSE_DENSE = [c for c in DENSE if c.name in SPARSE_GRADIENTS]


@pytest.mark.parametrize("case,kwargs", each_sample(SPARSE_DENSE))
def test_a_sparse_gradient_gives_the_numbers_of_its_dense_twin(case, kwargs):
    kwargs = {k: v for k, v in kwargs.items() if k != "weight_decay"}
    a, b = make_params(), make_params()
    run(case, a, kwargs, sparse=True)
    run(case, b, kwargs, sparse=False)
    same(a, b)


@pytest.mark.parametrize("case", NOT_SPARSE, ids=ids(NOT_SPARSE))
def test_sparse_gradients_elsewhere_give_one_clear_error(case):
    params = make_params()
    opt = case.build(params, **case.kwargs)
    set_grads(params, sparse=True)
    with pytest.raises(RuntimeError, match="does not support sparse gradients"):
        opt.step()


def test_coupled_weight_decay_refuses_sparse_gradients_as_torch_adagrad_does():
    params = make_params()
    opt = tl.Adagrad(params, lr=0.1, weight_decay=0.1)
    set_grads(params, sparse=True)
    with pytest.raises(RuntimeError, match="weight_decay option is not compatible with sparse gradients"):
        opt.step()


# -- closures, absent gradients, state dicts, deepcopy, groups, maximize -------------------
@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_a_closure_may_return_a_python_number(case):
    params = make_params()
    opt = case.build(params, **case.kwargs)

    def closure():
        set_grads(params, sparse=case.sparse_only)
        return 1.25

    assert opt.step(closure) == 1.25


@pytest.mark.parametrize("case,kwargs", each_sample())
def test_parameters_without_gradients_are_left_alone(case, kwargs):
    with_grad, without = make_params()
    before = without.detach().clone()
    opt = case.build([with_grad, without], **kwargs)
    for _ in range(4):
        with_grad.grad = torch.ones_like(with_grad)
        if case.sparse_only:
            with_grad.grad = with_grad.grad.to_sparse()
        opt.step()
    assert torch.equal(without, before)
    inner = opt.optimizer if hasattr(opt, "optimizer") else opt
    assert without not in inner.state


def _tensors_equal(a, b):
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and torch.equal(a.to_dense(), b.to_dense())
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_tensors_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_tensors_equal(x, y) for x, y in zip(a, b, strict=True))
    return a == b


@pytest.mark.parametrize("case,kwargs", each_sample())
def test_state_dict_is_deterministic_across_save_and_load(case, kwargs):
    a = make_params()
    opt_a = run(case, a, kwargs, steps=5)
    b = [torch.nn.Parameter(p.detach().clone()) for p in a]
    opt_b = case.build(b, **kwargs)
    saved = opt_a.state_dict()
    opt_b.load_state_dict(roundtrip(saved))
    assert _tensors_equal(opt_b.state_dict(), opt_a.state_dict())
    step_together(case, a, opt_a, b, opt_b, 5)
    same(a, b, tol=0)


@pytest.mark.parametrize("case,kwargs", each_sample())
def test_deepcopy_steps_as_the_original(case, kwargs):
    params = make_params()
    opt = run(case, params, kwargs, steps=3)
    params2, opt2 = copy.deepcopy((params, opt))
    step_together(case, params, opt, params2, opt2, 4)
    same(params, params2, tol=0)
    assert _tensors_equal(opt.state_dict(), opt2.state_dict())


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_add_param_group_takes_defaults_and_steps_the_new_group(case, float64):
    w, b = make_params()
    opt = case.build([w], **case.kwargs)
    opt.add_param_group({"params": b, "lr": case.kwargs["lr"] / 2})  # a bare tensor in a group is fine
    assert opt.param_groups[1]["lr"] == case.kwargs["lr"] / 2
    assert set(opt.param_groups[0]) == set(opt.param_groups[1])
    before = b.detach().clone()
    set_grads([w, b], sparse=case.sparse_only)
    opt.step()
    assert not torch.equal(b, before)
    if case.torch_cls is not None:  # the same two groups in torch give the same numbers
        w2, b2 = make_params()
        ref = case.torch_cls([w2], **case.kwargs)
        ref.add_param_group({"params": b2, "lr": case.kwargs["lr"] / 2})
        set_grads([w2, b2], sparse=case.sparse_only)
        ref.step()
        same([w, b], [w2, b2])


@pytest.mark.parametrize("case,kwargs", [p for p in each_sample() if not p.values[1].get("maximize")])
def test_maximize_ascends_exactly_as_minimizing_the_negation(case, kwargs):
    a, b = make_params(), make_params()
    opt_a = case.build(a, **{**kwargs, "maximize": True})
    opt_b = case.build(b, **kwargs)
    step_together(case, a, opt_a, b, opt_b, 8, sign_a=-1.0)  # ascend on -f is descend on f
    same(a, b, tol=0)


def test_every_first_order_optimizer_is_in_the_table():
    names = {c.name for c in CASES}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in tl.__all__:
            obj = getattr(tl, name)
            if isinstance(obj, type) and issubclass(obj, tl.ChainOptimizer) and obj is not tl.ChainOptimizer:
                assert name in names, f"{name} has no row in the property table"
