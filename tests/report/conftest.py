import pytest

from tests.report.report_runs import make_runs


@pytest.fixture(scope="session")
def report_runs(tmp_path_factory):
    """Two training runs and an experiment folder (``tests.report.report_runs``), made once per session."""
    root = tmp_path_factory.mktemp("report-runs") / "runs"
    make_runs(str(root))
    return root
