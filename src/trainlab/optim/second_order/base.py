"""``ClosureOptimizer``: the shell every closure-based (second-order) optimizer shares.

What it does once, for Newton, BFGS, L-BFGS, CG and Hessian-free:

* declares each hyperparameter once (``constraints``) and checks it with
  ``trainlab.constrained.Constrained``, in ``__init__`` and in ``add_param_group``;
* keeps one parameter group, worked on as one flat vector (as ``torch.optim.LBFGS``);
* keeps the global state (counters, memory) in ``state[first parameter]`` so
  ``state_dict()`` / ``load_state_dict()`` and ``copy.deepcopy`` work;
* counts closure calls (``evaluations``) and records why the last ``step`` stopped
  (``stop_reason``, a ``StopReason``; ``stop_message`` gives the numbers).

Stop reasons:

==========================  ===========================================================
``converged``               the largest gradient entry is at most ``tolerance_grad``
``tolerance``               the step, the loss change or the directional derivative
                            fell below ``tolerance_change``
``budget``                  ``max_iter`` iterations or ``max_eval`` closure calls used
``line_search_failed``      no step along a descent direction (not even steepest descent)
                            lowered the loss: a wrong gradient, or a loss flat to
                            floating-point precision
``non_finite``              the loss or gradient is NaN or infinite
==========================  ===========================================================
"""

from __future__ import annotations

import copy
import math
from enum import Enum
from typing import Any, ClassVar

from torch import Tensor
from torch.optim import Optimizer

from trainlab.constrained import Constrained
from trainlab.constraints import POSITIVE_INT, Constraint, Interval, fail
from trainlab.optim.params import check_new_group, materialize_params
from trainlab.optim.second_order._closure import Closure, add_flat_, clone_params, restore_params, value_and_grad
from trainlab.optim.torch_errors import speaking_torch

__all__ = ["ANY_REAL", "ClosureOptimizer", "LineFunction", "StopReason", "first_step", "max_abs"]

# tolerance_grad: any number, as torch.optim.LBFGS (-inf: never stop on the gradient; inf: always)
ANY_REAL = Interval(-math.inf, math.inf, closed="both")


class StopReason(str, Enum):
    """Why the last ``step`` returned (see the module docstring)."""

    CONVERGED = "converged"
    TOLERANCE = "tolerance"
    BUDGET = "budget"
    LINE_SEARCH_FAILED = "line_search_failed"
    NON_FINITE = "non_finite"


class ClosureOptimizer(Optimizer, Constrained):
    """A ``torch.optim.Optimizer`` over one flat parameter vector, stepped with a closure.

    Subclasses declare ``constraints`` and override ``check_relations`` (see
    ``trainlab.constrained.Constrained``).
    """

    requires_closure: ClassVar[bool] = True  # step() must be given a closure

    def __init__(self, params: Any, defaults: dict[str, Any]) -> None:
        if "max_eval" in defaults and defaults["max_eval"] is None and POSITIVE_INT.accepts(defaults.get("max_iter")):
            defaults = {**defaults, "max_eval": self.default_max_eval(defaults)}
        with speaking_torch():
            self.check_arguments(defaults)
        super().__init__(materialize_params(params, type(self).__name__), defaults)

    def default_max_eval(self, defaults: Mapping[str, Any]) -> int:
        """Closure calls per ``step`` when ``max_eval=None`` (``defaults["max_iter"]`` is valid)."""
        return 2 * defaults["max_iter"]

    # -- validation -----------------------------------------------------------------
    def hyperparameter_constraints(self) -> dict[str, Constraint]:
        """Every hyperparameter this optimizer reads, with what it accepts."""
        return dict(self.constraints)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        check_new_group(param_group, getattr(self, "param_groups", []), type(self).__name__)
        with speaking_torch():
            self.check_arguments({**self.defaults, **param_group})
        super().add_param_group(param_group)  # torch's own checks first, as torch.optim.LBFGS
        if len(self.param_groups) > 1:
            self.param_groups.pop()
            fail(type(self).__name__, "params", "a single parameter group (one flat vector)",
                 f"{len(self.param_groups) + 1} groups")

    # -- shared state -----------------------------------------------------------------
    @property
    def _params(self) -> list[Tensor]:
        return self.param_groups[0]["params"]

    @property
    def _global(self) -> dict[str, Any]:
        """Global state, stored with the first parameter (as ``torch.optim.LBFGS`` does)."""
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        return state

    @property
    def evaluations(self) -> int:
        """Closure calls so far, over all steps."""
        return int(self._global["func_evals"])

    @property
    def iterations(self) -> int:
        """Iterations so far, over all steps."""
        return int(self._global["n_iter"])

    @property
    def stop_reason(self) -> StopReason | None:
        """Why the last ``step`` returned; ``None`` before the first step."""
        value = self._global.get("stop_reason")
        return None if value is None else StopReason(value)

    @property
    def stop_message(self) -> str:
        """``stop_reason`` with the numbers behind it."""
        return self._global.get("stop_message", "")

    def _stop(self, reason: StopReason, message: str) -> None:
        state = self._global
        state["stop_reason"], state["stop_message"] = reason.value, message

    def _evaluate(self, closure: Closure) -> tuple[Tensor | float, float, Tensor]:
        """The closure's loss, its value and the flat gradient at the current parameters (counted)."""
        self._global["func_evals"] += 1
        return value_and_grad(closure, self._params)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        # torch's loader rebuilds every iterable in the state, which turns strings into
        # generator reprs; keep the stop reason and message as they were.
        kept = {k: v for k, v in state_dict["state"].get(0, {}).items() if isinstance(v, str)}
        super().load_state_dict(state_dict)
        for key in self.constraints:  # e.g. a torch.optim.LBFGS state dict lacks our extras
            if key in self.defaults:  # (not torch's own flags such as 'differentiable')
                self.param_groups[0].setdefault(key, self.defaults[key])
        self._global.update(copy.deepcopy(kept))


class LineFunction:
    """``phi(t) = f(x + t d)`` and ``phi'(t)``, for the line searches in ``trainlab.optim.second_order.linesearch``.

    Each call moves the parameters to ``x + t d``, calls the closure (counted by
    the optimizer) and moves them back; the gradient at every trial is kept so the
    caller can take the one at the step the search chose (``grad_at``).
    """

    def __init__(self, optimizer: ClosureOptimizer, closure: Closure, direction: Tensor,
                 value: float, grad: Tensor) -> None:
        self.optimizer, self.closure, self.direction = optimizer, closure, direction
        self.start = clone_params(optimizer._params)
        self._grads: dict[float, Tensor] = {0.0: grad}
        self._values: dict[float, float] = {0.0: value}

    def __call__(self, t: float) -> tuple[float, float]:
        params = self.optimizer._params
        add_flat_(params, self.direction, t)
        _, value, grad = self.optimizer._evaluate(self.closure)
        restore_params(params, self.start)
        self._grads[t], self._values[t] = grad, value
        return value, float(grad.dot(self.direction))

    def grad_at(self, t: float) -> Tensor:
        return self._grads[t]

    def move_to(self, t: float) -> None:
        """Leave the parameters at ``x + t d``."""
        add_flat_(self.optimizer._params, self.direction, t)


def max_abs(v: Tensor) -> float:
    """``max_i |v_i|`` as a float."""
    return float(v.abs().max()) if v.numel() else 0.0


def first_step(grad: Tensor, lr: float) -> float:
    """``min(1, 1/|g|_1) lr``: torch.optim.LBFGS's first trial step."""
    total = float(grad.abs().sum())
    return (min(1.0, 1.0 / total) if total > 0 else 1.0) * lr

