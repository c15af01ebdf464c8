"""Deprecated: the gradient-descent loop moved to ``trainlab.train.descent`` (a loop, not optimizer math)."""

from trainlab.deprecation import relocated

__getattr__ = relocated(__name__, {name: f"trainlab.train.descent:{name}"
                                   for name in ("DescentResult", "descend", "batch_order")})
