"""The generic tests' view of the catalog (trainlab.optim.catalog): which specs each table runs.

A row is an ``OptimizerSpec``: ``name``, ``cls``, ``build``, ``samples``, ``invalid``
and ``torch_twin`` come from the one entry per optimizer class.
"""

from __future__ import annotations

import pytest

from trainlab.optim.catalog import SPECS

# step() after backward(), dense gradients: the first-order property table. Wrappers
# (Lookahead) are not in it yet: deepcopy, a step without gradients, frozen parameters,
# declared constraints and add_param_group fail for Lookahead today.
ROWS = tuple(s for s in SPECS if s.step == "gradient" and s.gradients == "dense")
TORCH_ROWS = tuple(s for s in ROWS if s.torch_twin is not None)
# step(closure): the second-order property table
CLOSURE_ROWS = tuple(s for s in SPECS if s.step == "closure")


def samples(rows=ROWS):
    """(spec, kwargs) pairs with readable ids for pytest parametrization."""
    return [pytest.param(r, dict(kw), id=f"{r.name}-{i}") for r in rows for i, kw in enumerate(r.samples)]


def invalid_cases(rows=ROWS):
    """(spec, (kwargs, message, exception type)) pairs; ``{cls}`` in a message is the class name."""
    return [pytest.param(r, (dict(kw), msg.replace("{cls}", r.name), error[0] if error else ValueError),
                         id=f"{r.name}-bad{i}")
            for r in rows for i, (kw, msg, *error) in enumerate(r.invalid)]
