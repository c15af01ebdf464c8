"""One way to declare and check arguments (``Constrained``) and the ``Optional`` constraint."""

import ast
from pathlib import Path

import pytest
import torch

import trainlab
from trainlab.constrained import Constrained
from trainlab.constraints import POSITIVE_INT, InvalidArgument, Optional, check
from trainlab.optim import LBFGS, SGD
from trainlab.optim.second_order.base import ClosureOptimizer
from trainlab.optim.transform import Transform
from trainlab.optim.transforms import trace
from trainlab.schedules import Cosine, ReduceOnPlateau
from trainlab.schedules.base import Schedule


@pytest.mark.parametrize("value", [None, 1, 7])
def test_optional_accepts_none_and_what_the_inner_constraint_accepts(value):
    check("Owner", "every", value, Optional(POSITIVE_INT))


@pytest.mark.parametrize("value", [0, 2.5, "3", True])
def test_optional_rejects_the_rest_with_one_message(value):
    with pytest.raises(InvalidArgument) as err:
        check("Owner", "every", value, Optional(POSITIVE_INT, none="never"))
    assert str(err.value) == (
        f"The 'every' parameter of Owner must be None (never) or an int in the range [1, inf). Got {value!r} instead."
    )


def test_the_three_kinds_share_the_mixin_and_define_no_checking_of_their_own():
    for cls in (Transform, ClosureOptimizer, Schedule, ReduceOnPlateau):
        assert issubclass(cls, Constrained)
        for name in ("check_arguments", "check_fields"):
            assert name not in vars(cls), (cls, name)


@pytest.mark.parametrize(("build", "needle"), [
    (lambda: SGD([torch.nn.Parameter(torch.ones(1))], lr=0.1, momentum=0.0, nesterov=True),
     "The 'nesterov' parameter of SGD must be False unless momentum > 0"),
    (lambda: LBFGS([torch.nn.Parameter(torch.ones(1))], line_search_fn="strong_wolfe", c1=0.5, c2=0.1),
     "The 'c2' parameter of LBFGS must be greater than c1 = 0.5. Got 0.1 instead."),
    (lambda: Cosine(init=1.0, period=10, period_mult=2),
     "The 'period_mult' parameter of Cosine must be 1 unless restarts=True"),
    (lambda: trace(momentum=-1.0).check_group({}, "Mine"),
     "The 'momentum' parameter of Mine must be a float in the range [0, inf). Got -1.0 instead."),
])
def test_each_kind_checks_single_arguments_and_relations_through_the_mixin(build, needle):
    with pytest.raises(InvalidArgument) as err:
        build()
    assert needle in str(err.value)


def test_a_dataclass_field_without_a_constraint_is_a_bug_in_the_class():
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Undeclared(Schedule):
        init: float = 1.0

        def _at(self, step):
            return self.init

    with pytest.raises(TypeError, match="Undeclared declares no constraint for field 'init'"):
        Undeclared()


def test_no_module_imports_a_private_name_from_another():
    offenders = []
    for path in Path(trainlab.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("trainlab"):
                offenders += [
                    f"{path.name}: {node.module}.{a.name}" for a in node.names
                    if a.name.startswith("_") and not a.name.startswith("__")
                ]
    assert offenders == []
