"""GD's iterations to tolerance grow with the condition number."""

from __future__ import annotations

from PIL import Image

from trainlab.experiments.conditioning import run_conditioning

TOL = 1e-6


def expected_iterations(kappa: float) -> int:
    """GD at lr 1/kappa on 1/2 (x1^2 + kappa x2^2) from (1.5, 1): x1_t = 1.5 (1 - 1/kappa)^t and
    x2 = 0 after one step; the run stops at the first t with |x_t - x_(t-1)| < TOL."""
    t = 1
    while True:
        t += 1
        step = 1.5 * (1 - 1 / kappa) ** (t - 1) / kappa
        if step < TOL:
            return t


def test_iterations_match_the_closed_form_and_grow_with_kappa(tmp_path):
    conditions = (1, 2, 5, 10, 30, 100, 300)
    result = run_conditioning(conditions, tol=TOL)
    assert result.iterations == [expected_iterations(k) for k in conditions]
    its = result.iterations
    assert all(a < b for a, b in zip(its, its[1:]))
    # about kappa * ln(1.5 / (kappa tol)): ten times the condition number, ~8 times the iterations
    assert 7 < its[-1] / its[-3] < 9
    (path,) = result.plot(tmp_path)
    with Image.open(path) as im:
        assert im.size == (1500, 480)
