"""Second-order and quasi-Newton optimizers, stepped with a closure."""

from trainlab.optim.second_order.base import ClosureOptimizer, StopReason
from trainlab.optim.second_order.bfgs import BFGS
from trainlab.optim.second_order.cg import ConjugateGradient
from trainlab.optim.second_order.hessian_free import HessianFree
from trainlab.optim.second_order.lbfgs import LBFGS
from trainlab.optim.second_order.newton import Newton

__all__ = ["BFGS", "LBFGS", "ClosureOptimizer", "ConjugateGradient", "HessianFree", "Newton", "StopReason"]
