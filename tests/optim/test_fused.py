"""``fused=True`` equals the reference path, for every first-order optimizer of the catalog.

The fused path keeps each group's parameters and states in flat buffers and
replays the chain's recorded step as one program (trainlab.optim.fused). Most
tests replay without compiling (the same program, op by op), which checks the
flat buffers, the recording, the state layout and every optimizer in seconds;
``test_compiled_*`` compile the program with torch.compile for a representative
few, and the fallback test checks what happens when compiling fails.

Float64 results agree to 1e-12 (relative); float32 ones to ``ULPS`` units in the
last place of float32 at the parameters' scale (the compiled loop may contract a
multiply and an add into one rounding where the eager kernels round twice).
"""

from __future__ import annotations

import warnings

import pytest
import torch

import trainlab.optim as tl
from tests.helpers import roundtrip
from tests.optim.helpers import max_rel_diff, mlp, objective, regression_data, take_steps, two_groups
from tests.optim.optimizer_rows import ROWS
from trainlab.constraints import InvalidArgument
from trainlab.optim import fused
from trainlab.optim.catalog import spec_of
from trainlab.optim.transforms import clip_by_global_norm, scale_by_adam, scale_by_learning_rate

TOL = 1e-12
ULPS = 64  # float32: max |fused - reference| <= ULPS * eps32 * max(1, |p|) after STEPS steps
STEPS = 12


def every_case():
    """Each sample of each first-order class, and each variant on its first sample."""
    out = []
    for spec in ROWS:
        seen = []
        kwargs_list = [dict(s) for s in spec.samples] + [{**spec.samples[0], **v.fixed} for v in spec.variants]
        for kw in kwargs_list:
            if kw not in seen:
                seen.append(kw)
                out.append(pytest.param(spec, kw, id=f"{spec.name}-{len(seen) - 1}"))
    return out


@pytest.fixture
def eager(monkeypatch):
    """Replay fused programs without compiling them."""
    monkeypatch.setattr(fused, "COMPILE", False)


def run(spec, kwargs, model, steps, opt=None, fused_on=False, dtype=torch.float64):
    X, y = regression_data(dtype=dtype)
    if opt is None:
        opt = spec.build(two_groups(model, kwargs["lr"]), **kwargs, fused=fused_on)
    take_steps(model, opt, X, y, steps, kwargs.get("maximize", False))
    return opt


def fresh(spec, kwargs, model, fused_on, state):
    opt = spec.build(two_groups(model, kwargs["lr"]), **kwargs, fused=fused_on)
    opt.load_state_dict(roundtrip(state))
    return opt


def assert_same_state(a, b):
    sa, sb = a.state_dict()["state"], b.state_dict()["state"]
    assert sa.keys() == sb.keys()
    for k in sa:
        assert sa[k].keys() == sb[k].keys()
        for name, va in sa[k].items():
            vb = sb[k][name]
            if isinstance(va, torch.Tensor):
                assert va.shape == vb.shape
                assert torch.allclose(va, vb, rtol=TOL, atol=TOL), name
            else:
                assert va == pytest.approx(vb, rel=TOL), name


@pytest.mark.parametrize("spec,kwargs", every_case())
def test_fused_equals_reference_and_state_dicts_cross_paths(spec, kwargs, eager):
    """Straight runs agree; a state dict saved midway by either path resumes on the other."""
    straight, ours = mlp(), mlp()
    ref = run(spec, kwargs, straight, STEPS)
    opt = run(spec, kwargs, ours, STEPS, fused_on=True)
    assert max_rel_diff(list(straight.parameters()), list(ours.parameters())) < TOL
    assert_same_state(ref, opt)
    assert max_rel_diff(list(mlp().parameters()), list(ours.parameters())) > 1e-4  # it moved

    for first, second in ((True, False), (False, True)):
        model = mlp()
        half = run(spec, kwargs, model, STEPS // 2, fused_on=first)
        run(spec, kwargs, model, STEPS - STEPS // 2, opt=fresh(spec, kwargs, model, second, half.state_dict()))
        assert max_rel_diff(list(straight.parameters()), list(model.parameters())) < TOL, (first, second)


@pytest.mark.parametrize("name", ["Adam", "NAdam", "RMSprop", "Adadelta"])
def test_float32_within_the_ulp_bound(name, eager):
    spec = spec_of(getattr(tl, name))
    kwargs = dict(spec.samples[0])
    a, b = mlp(dtype=torch.float32), mlp(dtype=torch.float32)
    run(spec, kwargs, a, STEPS, dtype=torch.float32)
    run(spec, kwargs, b, STEPS, fused_on=True, dtype=torch.float32)
    assert_within_ulps(a, b)


def assert_within_ulps(a, b):
    eps = torch.finfo(torch.float32).eps
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        bound = ULPS * eps * torch.clamp(p.detach().abs(), min=1.0)
        assert ((p - q).abs() <= bound).all(), float(((p - q).abs() / bound).max())


def test_parameters_become_views_of_one_buffer_and_states_stay_per_parameter(eager):
    model = mlp()
    opt = tl.Adam(model.parameters(), lr=0.01, fused=True)
    run(spec_of(tl.Adam), {"lr": 0.01}, model, 3, opt=opt)
    params = list(model.parameters())
    base = params[0].untyped_storage().data_ptr()
    assert all(p.untyped_storage().data_ptr() == base for p in params)
    for p in params:
        st = opt.state[p]
        assert st["step"] == 3 and st["exp_avg"].shape == p.shape and st["exp_avg_sq"].shape == p.shape
    # gradients kept (zero_grad(set_to_none=False)) are views of the flat gradient: nothing copied
    opt.zero_grad(set_to_none=False)
    objective(model, *regression_data(), False).backward()
    assert all(p.grad.untyped_storage().data_ptr() == params[0].grad.untyped_storage().data_ptr() for p in params)


def test_parameters_without_gradients_and_mixed_dtypes(eager):
    """A group mixing float32 and float64 (two buffers), and a layer left out of some steps."""

    def build(fused_on):
        torch.manual_seed(0)
        a = torch.nn.Linear(3, 4).double()
        b = torch.nn.Linear(3, 4).float()
        c = torch.nn.Linear(3, 1).double()
        opt = tl.NAdam([{"params": [*a.parameters(), *b.parameters()]}, {"params": c.parameters(), "lr": 0.02}],
                       lr=0.01, fused=fused_on)
        return (a, b, c), opt

    X = torch.randn(16, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    runs = []
    for fused_on in (False, True):
        (a, b, c), opt = build(fused_on)
        for step in range(10):
            opt.zero_grad()
            loss = (a(X) ** 2).sum() + (b(X.float()) ** 2).sum().double()
            if step % 3 != 1:  # c (a whole group) and b.bias now and then have no gradient
                loss = loss + c(X).pow(2).sum()
            loss.backward()
            if step % 4 == 2:
                b.bias.grad = None
            opt.step()
        runs.append(((a, b, c), opt))
    (ref_mods, ref), (fused_mods, opt) = runs
    for m_ref, m_fused in zip(ref_mods, fused_mods, strict=True):
        for p, q in zip(m_ref.parameters(), m_fused.parameters(), strict=True):
            tol = 1e-12 if p.dtype == torch.float64 else 1e-6
            assert torch.allclose(p, q, rtol=tol, atol=tol)
    for p, q in zip(ref_mods[1].parameters(), fused_mods[1].parameters(), strict=True):
        assert ref.state[p]["step"] == opt.state[q]["step"]


def test_torch_optim_resumes_a_fused_state_dict_and_a_deep_copy_steps(eager):
    import copy

    a, b = mlp(), mlp()
    X, y = regression_data()
    take_steps(a, tl.Adam(a.parameters(), lr=0.01), X, y, 10)
    opt = tl.Adam(b.parameters(), lr=0.01, fused=True)
    take_steps(b, opt, X, y, 5)
    twin = copy.deepcopy((b, opt))
    theirs = torch.optim.Adam(b.parameters(), lr=0.01, foreach=False)
    theirs.load_state_dict(roundtrip(opt.state_dict()))
    take_steps(b, theirs, X, y, 5)
    assert max_rel_diff(list(a.parameters()), list(b.parameters())) < TOL
    take_steps(twin[0], twin[1], X, y, 5)
    assert max_rel_diff(list(a.parameters()), list(twin[0].parameters())) < TOL


def test_replaced_parameter_data_is_flattened_again(eager):
    a, b = mlp(), mlp()
    X, y = regression_data()
    ref = tl.Adam(a.parameters(), lr=0.01)
    opt = tl.Adam(b.parameters(), lr=0.01, fused=True)
    take_steps(a, ref, X, y, 3)
    take_steps(b, opt, X, y, 3)
    with torch.no_grad():
        for p in b.parameters():
            p.data = p.data.clone()  # e.g. a model moved or reloaded by replacing .data
    take_steps(a, ref, X, y, 3)
    take_steps(b, opt, X, y, 3)
    assert max_rel_diff(list(a.parameters()), list(b.parameters())) < TOL


def test_a_chain_that_looks_across_parameters_cannot_be_fused():
    w = torch.nn.Parameter(torch.ones(2))
    chain = tl.chain(clip_by_global_norm(1.0), scale_by_adam(), scale_by_learning_rate(0.1))
    with pytest.raises(InvalidArgument, match="'fused' parameter of ChainOptimizer must be False .*clip_by_global_norm"):
        tl.ChainOptimizer([w], chain, fused=True)


def test_a_failing_compiler_warns_once_and_steps_eagerly(monkeypatch):
    def broken(fn, **_):
        def call(*args):
            raise RuntimeError("no C++ compiler found")

        return call

    monkeypatch.setattr(fused, "COMPILE", True)
    monkeypatch.setattr(fused.torch, "compile", broken)
    monkeypatch.setattr(fused, "_PROGRAMS", {})
    spec, kwargs = spec_of(tl.Adam), {"lr": 0.01, "amsgrad": True}
    a, b = mlp(), mlp()
    run(spec, kwargs, a, STEPS)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run(spec, kwargs, b, STEPS, fused_on=True)
    said = [w for w in caught if "torch.compile failed" in str(w.message)]
    assert len(said) == 1 and "no C++ compiler found" in str(said[0].message)
    assert max_rel_diff(list(a.parameters()), list(b.parameters())) < TOL


COMPILED = [
    ("Adam", {"lr": 0.01}),
    ("NAdam", {"lr": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.005}),
    ("Adagrad", {"lr": 0.05}),
]


@pytest.mark.slow
@pytest.mark.parametrize("name,kwargs", COMPILED, ids=[c[0] for c in COMPILED])
def test_compiled_equals_reference(name, kwargs, monkeypatch):
    """The compiled loop: float64 to 1e-12, and float32 within the ulp bound for Adam."""
    monkeypatch.setattr(fused, "COMPILE", True)
    spec = spec_of(getattr(tl, name))
    dtypes = (torch.float64, torch.float32) if name == "Adam" else (torch.float64,)
    for dtype in dtypes:
        a, b = mlp(dtype=dtype), mlp(dtype=dtype)
        run(spec, kwargs, a, STEPS, dtype=dtype)
        run(spec, kwargs, b, STEPS, fused_on=True, dtype=dtype)
        if dtype == torch.float64:
            assert max_rel_diff(list(a.parameters()), list(b.parameters())) < TOL
        else:
            assert_within_ulps(a, b)
