"""Deprecated: the Moré–Thuente search moved to ``trainlab.optim.second_order.more_thuente``."""

from trainlab.deprecation import relocated

__getattr__ = relocated(__name__, {name: f"trainlab.optim.second_order.more_thuente:{name}"
                                   for name in ("more_thuente", "safeguarded_step")})
