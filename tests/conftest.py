import pytest
import torch

try:  # property-based tests (tests/fuzz): small budgets, no per-example deadline on a shared machine
    from hypothesis import HealthCheck, settings

    settings.register_profile("trainlab", max_examples=30, deadline=None, derandomize=True, database=None,
                              suppress_health_check=[HealthCheck.too_slow,
                                                     HealthCheck.function_scoped_fixture])
    settings.load_profile("trainlab")
except ImportError:  # hypothesis is in the dev extra; the fuzz tests skip without it
    pass

# The test models are tiny; on a 2-core machine torch's thread pool costs more than it gives.
torch.set_num_threads(1)


@pytest.fixture
def float64():
    """Make float64 the default dtype for one test (torch keeps scalar state in it)."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


@pytest.fixture
def blank_figures(monkeypatch):
    """Figures are written to their files (so bad paths still fail) but nothing is drawn on them.

    For tests that run whole commands many times: drawing a figure costs more than a tiny training run.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    monkeypatch.setattr(FigureCanvasAgg, "draw", lambda self: self.get_renderer())
