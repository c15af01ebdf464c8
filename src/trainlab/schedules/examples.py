"""Deprecated: the lecture's schedule figures moved to ``trainlab.experiments.schedule_figures``."""

from trainlab.deprecation import relocated

__getattr__ = relocated(__name__, {name: f"trainlab.experiments.schedule_figures:{name}" for name in (
    "cyclical_triangular", "onecycle_piecewise", "piecewise_target", "power_and_linear", "write_all")})
