"""PyTorch's own optimizer tests (test/test_optim.py of torch 2.13) run against trainlab.

The suite lives beside the clone, in ``<repo>/../shared/peer/pytorch`` (CI has it;
it is not copied into the project; ``TRAINLAB_PEER_SUITE`` may point elsewhere).
Its ``run.sh`` swaps every torch.optim class in torch's ``optim_db`` for trainlab's
class of the same name and skips only configurations that need a torch-only
implementation flag (foreach, fused, capturable, differentiable). ``make peer``
runs the same suite from the shell.

The whole suite (623 tests, 169 skipped for those flags) takes 2 minutes of CPU,
4-5 minutes on the shared two-core machine; a third of that is torch's 1800-step
``test_rosenbrock_sparse``. This test runs everything else, once for both tests
below (sparse gradients are compared with torch directly in
test_torch_properties.py); ``make peer`` runs all of it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PEER = Path(os.environ.get("TRAINLAB_PEER_SUITE", REPO.parent / "shared" / "peer" / "pytorch"))
RUN = PEER / "run.sh"


@pytest.fixture(scope="module")
def peer_run(tmp_path_factory) -> tuple[int, str]:
    """One run of the whole suite with this checkout's code: (exit code, output)."""
    work = tmp_path_factory.mktemp("peer")
    # run.sh takes its interpreter from ./.venv of the directory it is started in:
    # point that at the interpreter running these tests.
    (work / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"), PEER_WORK=str(work / "log"), MPLBACKEND="Agg")
    done = subprocess.run(
        ["bash", str(RUN), "-p", "no:warnings", "-rf", "-k", "not rosenbrock_sparse"],
        cwd=work, env=env, capture_output=True, text=True, timeout=3600, check=False,
    )
    return done.returncode, done.stdout + done.stderr


def _failed(output: str, lbfgs: bool) -> list[str]:
    names = re.findall(r"^FAILED \S+::(\S+)", output, flags=re.MULTILINE)
    return [n for n in names if ("LBFGS" in n) == lbfgs]


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not RUN.exists(), reason=f"torch's peer suite is not beside the clone: {RUN} missing"),
]


def test_first_order_optimizers_pass_torchs_own_suite(peer_run):
    code, output = peer_run
    passed = re.search(r"(\d+) passed", output)
    assert passed and int(passed.group(1)) > 380, output[-4000:]
    assert _failed(output, lbfgs=False) == [], output[-4000:]
    assert code == 0, output[-4000:]


def test_lbfgs_passes_torchs_own_suite(peer_run):
    assert _failed(peer_run[1], lbfgs=True) == [], peer_run[1][-4000:]
