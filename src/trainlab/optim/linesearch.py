"""Deprecated: the line searches moved to ``trainlab.optim.second_order.linesearch``, beside their users."""

from trainlab.deprecation import relocated

__getattr__ = relocated(__name__, {name: f"trainlab.optim.second_order.linesearch:{name}" for name in (
    "LineSearchResult", "Phi", "backtracking", "cubic_minimizer", "strong_wolfe")})
