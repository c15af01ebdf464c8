"""The lazy update ``(s num + s2 num2) / den``: every way of reading or applying it equals the formula."""

import itertools

import pytest
import torch

from trainlab.optim.update import Update

SHAPES = [(3,), (2, 4)]


def tensors(seed, positive=False):
    g = torch.Generator().manual_seed(seed)
    out = [torch.randn(s, generator=g, dtype=torch.float64) for s in SHAPES]
    return [t.abs() + 0.5 for t in out] if positive else out


def formula(num, scale, num2, scale2, den):
    out = []
    for i, n in enumerate(num):
        s = scale[i] if isinstance(scale, list) else scale
        v = s * n
        if num2 is not None:
            s2 = scale2[i] if isinstance(scale2, list) else scale2
            v = v + s2 * num2[i]
        out.append(v / den[i] if den is not None else v)
    return out


CASES = list(itertools.product([1.0, -0.3, [0.5, 2.0]], [False, True], [False, True], [False, True]))


def make(scale, with_den, with_term, owned):
    num, num2, den = tensors(0), tensors(1), tensors(2, positive=True)
    u = Update([t.clone() for t in num], [t.clone() for t in den] if with_den else None, scale, owned)
    if with_term:
        u.add_term([t.clone() for t in num2], 0.7)
    expected = formula(num, scale, num2 if with_term else None, 0.7, den if with_den else None)
    return u, expected, num


@pytest.mark.parametrize("scale,with_den,with_term,owned", CASES)
def test_values_linear_and_apply_agree_with_the_formula(scale, with_den, with_term, owned):
    u, expected, _ = make(scale, with_den, with_term, owned)
    for got, want in zip(u.values(), expected, strict=True):
        torch.testing.assert_close(got, want, rtol=1e-14, atol=1e-15)

    u, expected, _ = make(scale, with_den, with_term, owned)
    t, s = u.linear()
    for got, want in zip(t, expected, strict=True):
        torch.testing.assert_close(s * got, want, rtol=1e-14, atol=1e-15)

    u, expected, _ = make(scale, with_den, with_term, owned)
    u.scaled(-2.0)
    params = [torch.ones(s, dtype=torch.float64) for s in SHAPES]
    u.apply_to(params)
    for p, want in zip(params, expected, strict=True):
        torch.testing.assert_close(p, 1.0 - 2.0 * want, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("scale,with_den,with_term", [(c[0], c[1], c[2]) for c in CASES if not c[3]])
def test_reading_never_writes_into_tensors_it_does_not_own(scale, with_den, with_term):
    u, _, _ = make(scale, with_den, with_term, owned=False)
    given = list(u.num) + list(u.num2 or []) + list(u.den or [])
    snapshot = [t.clone() for t in given]
    for v in u.owned_values():
        v.add_(1.0)  # the caller may write into owned values...
    for before, t in zip(snapshot, given, strict=True):
        assert torch.equal(before, t)  # ...and the tensors it was given stay as they were


@pytest.mark.parametrize("scale,with_den,with_term,owned", CASES)
def test_add_and_accumulate_into_agree_with_the_formula(scale, with_den, with_term, owned):
    extra = tensors(3)
    u, expected, _ = make(scale, with_den, with_term, owned)
    u.add(extra, 0.25)
    for got, want, e in zip(u.values(), expected, extra, strict=True):
        torch.testing.assert_close(got, want + 0.25 * e, rtol=1e-14, atol=1e-15)

    u, expected, _ = make(scale, with_den, with_term, owned)
    buffers = [t.clone() for t in extra]
    u.accumulate_into(buffers, 0.5)
    for got, want, e in zip(buffers, expected, extra, strict=True):
        torch.testing.assert_close(got, e + 0.5 * want, rtol=1e-14, atol=1e-15)
    for got, want in zip(u.values(), expected, strict=True):  # the update keeps its value
        torch.testing.assert_close(got, want, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("scale,with_den,with_term,owned", CASES)
def test_divide_and_replace_with_a_denominator_agree_with_the_formula(scale, with_den, with_term, owned):
    den = tensors(4, positive=True)
    u, expected, _ = make(scale, with_den, with_term, owned)
    u.divide(den, [2.0, -1.0])
    assert not u.plain
    for got, want, d, s in zip(u.values(), expected, den, [2.0, -1.0], strict=True):
        torch.testing.assert_close(got, s * want / d, rtol=1e-14, atol=1e-15)

    u, _, _ = make(scale, with_den, with_term, owned)
    num = tensors(5)
    u.replace(num, owned=False, scale=0.5, den=den)
    for got, n, d in zip(u.values(), num, den, strict=True):
        torch.testing.assert_close(got, 0.5 * n / d, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("scale,with_den,with_term", [(c[0], c[1], c[2]) for c in CASES if not c[3]])
def test_adding_never_writes_into_tensors_it_does_not_own(scale, with_den, with_term):
    u, _, _ = make(scale, with_den, with_term, owned=False)
    given = list(u.num) + list(u.num2 or []) + list(u.den or [])
    snapshot = [t.clone() for t in given]
    u.add(tensors(3), 1.0)
    for before, t in zip(snapshot, given, strict=True):
        assert torch.equal(before, t)


def test_uniform_scale():
    assert Update(tensors(0), scale=0.5).uniform_scale == 0.5
    assert Update(tensors(0), scale=[0.5, 0.5]).uniform_scale == 0.5
    assert Update(tensors(0), scale=[0.5, 2.0]).uniform_scale is None


def test_transforms_change_the_update_only_through_its_methods():
    """No module outside update.py assigns a field of an Update (``u.num = ...``)."""
    import ast
    from pathlib import Path

    import trainlab

    fields = set(Update.__slots__)
    offenders = []
    for path in Path(trainlab.__file__).parent.rglob("*.py"):
        if path.name == "update.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            targets = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                targets = [node.target]
            for target in targets:
                for t in ast.walk(target):
                    if (isinstance(t, ast.Attribute) and t.attr in fields
                            and not (isinstance(t.value, ast.Name) and t.value.id == "self")):
                        offenders.append(f"{path.name}:{t.lineno} .{t.attr}")
    assert offenders == []
