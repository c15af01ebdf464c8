"""Second-order and quasi-Newton optimizers, stepped with a closure."""

from trainlab.optim.second_order.base import ClosureOptimizer, StopReason
from trainlab.optim.second_order.bfgs import BFGS
from trainlab.optim.second_order.cg import ConjugateGradient
from trainlab.optim.second_order.lbfgs import LBFGS

__all__ = ["BFGS", "LBFGS", "ClosureOptimizer", "ConjugateGradient", "StopReason"]
