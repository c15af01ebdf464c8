"""Deprecated old names of ``trainlab.experiments.time_to_target`` (``trainlab race`` runs ``optimizer_race``)."""

from trainlab.deprecation import relocated

__getattr__ = relocated(__name__, {
    "RaceRow": "trainlab.experiments.time_to_target:TimeToTargetRow",
    "run_race": "trainlab.experiments.time_to_target:compare_time_to_target",
    "rank": "trainlab.experiments.time_to_target:rank",
    "DEFAULT_TARGET": "trainlab.experiments.time_to_target:DEFAULT_TARGET",
})
