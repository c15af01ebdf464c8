"""The SUTD 50.039 notes' quartic - GD from 5 and -5, momentum 0.9 from -5."""

from __future__ import annotations

from PIL import Image

from trainlab import problems
from trainlab.experiments.quartic import run_quartic


def test_lecture_endpoints(tmp_path):
    result = run_quartic()
    ends = result.endpoints
    # the numbers the SUTD 50.039 notes print
    assert abs(ends["gd from 5"] - 3.2727653395584366) < 1e-9
    assert abs(ends["gd from -5"] - (-3.254993730859254)) < 1e-9
    assert abs(ends["momentum from -5"] - 3.267681061691328) < 1e-9
    # GD ends in the minimum of its basin; momentum escapes the local one (near -3.25)
    global_min, local_min = problems.get("quartic").minima
    assert abs(ends["gd from 5"] - global_min[0]) < 1e-9 and abs(ends["gd from -5"] - local_min[0]) < 1e-9
    assert abs(ends["momentum from -5"] - global_min[0]) < 0.01
    (path,) = result.plot(tmp_path)
    with Image.open(path) as im:
        assert im.size == (1280, 480) and path.stat().st_size > 10_000
