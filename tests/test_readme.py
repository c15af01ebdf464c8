"""Every Python example in README.md runs as written (in order, sharing one namespace, as a reader would)."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

RUNNER = """
import re, sys
blocks = re.findall(r"```python\\n(.*?)```", open(sys.argv[1]).read(), re.S)
namespace = {"__name__": "__readme__"}
for i, block in enumerate(blocks):
    try:
        exec(compile(block, f"README.md python block {i}", "exec"), namespace)
    except Exception:
        print(f"README python block {i} failed:\\n{block}", file=sys.stderr)
        raise
print(len(blocks), "blocks ran")
"""


def test_readme_python_blocks_run(tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT / "src")}
    result = subprocess.run([sys.executable, "-c", RUNNER, str(ROOT / "README.md")], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert re.search(r"^[1-9]\d* blocks ran$", result.stdout, re.M)


def test_the_adam_then_lbfgs_example_is_seeded_and_ends_without_a_line_search_failure(tmp_path):
    """The README's hybrid example: the same output twice, and no line-search failure at its end."""
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT / "src")}
    text = (ROOT / "README.md").read_text()
    block = next(b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "PhasedOptimizer(" in b)
    example = block.split("\nw = torch.tensor")[0]  # up to the print of the hybrid's stop reason
    outputs = [subprocess.run([sys.executable, "-c", example], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=300) for _ in range(2)]
    assert outputs[0].returncode == 0, outputs[0].stderr[-3000:]
    assert outputs[0].stdout == outputs[1].stdout
    assert "'to': 'LBFGS'" in outputs[0].stdout
    assert re.search(r"\}\] (budget|tolerance|converged) ", outputs[0].stdout), outputs[0].stdout
    assert "line_search_failed" not in outputs[0].stdout
