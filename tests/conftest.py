import pytest
import torch

# The test models are tiny; on a 2-core machine torch's thread pool costs more than it gives.
torch.set_num_threads(1)


@pytest.fixture
def float64():
    """Make float64 the default dtype for one test (torch keeps scalar state in it)."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)
