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
