"""Deprecated: the loss figure moved to ``trainlab.report.history`` (figures live in ``report``)."""

from trainlab.deprecation import relocated

__getattr__ = relocated(__name__, {"plot_history": "trainlab.report.history:plot_history"})
