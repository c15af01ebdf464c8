"""Start-up time: ``import trainlab`` and ``trainlab --help`` in fresh interpreters, against ``python -c pass``.

Each command runs ``--repeats`` times in a new process (alternating, so load on the
machine falls on all of them alike); the table shows the median wall time, the
time above the bare interpreter, and which heavy libraries the process imported
(read from ``sys.modules`` at exit). Results go to
``docs/figures/performance/startup.json``; ``--src`` times another checkout's
sources (``--src /path/to/old/src`` gives the "before" figures).

Run:
    python benchmarks/startup.py
    python benchmarks/startup.py --repeats 5 --src ../main/src --out /tmp/startup_before.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from trainlab.atomic import atomic_write_text

DEFAULT_OUT = os.path.join("docs", "figures", "performance", "startup.json")
HEAVY = ("torch", "numpy", "matplotlib", "scipy", "sklearn", "rich")
REPORT = "import sys; print(','.join(m for m in {heavy!r} if m in sys.modules))"
COMMANDS = {
    "python -c pass": "pass",
    "import trainlab": "import trainlab",
    "trainlab --help": ("import sys, io, contextlib\nsys.argv = ['trainlab', '--help']\n"
                        "from trainlab.cli import main\nwith contextlib.redirect_stdout(io.StringIO()):\n"
                        "    try:\n        main()\n    except SystemExit:\n        pass"),
}


def run(code: str, src: str) -> tuple[float, str]:
    env = {**os.environ, "PYTHONPATH": src}
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code + "\n" + REPORT.format(heavy=HEAVY)], env=env,
                         capture_output=True, text=True, check=True).stdout
    return time.perf_counter() - start, out.strip().splitlines()[-1] if out.strip() else ""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--src", default=os.path.join(os.path.dirname(__file__), "..", "src"))
    parser.add_argument("--out", default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    src = os.path.abspath(args.src)
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    heavy: dict[str, str] = {}
    for _ in range(args.repeats):
        for name, code in COMMANDS.items():
            seconds, modules = run(code, src)
            times[name].append(seconds)
            heavy[name] = modules
    floor = statistics.median(times["python -c pass"])
    rows = [{"command": name, "median_s": statistics.median(t), "min_s": min(t), "max_s": max(t),
             "above_interpreter_s": statistics.median(t) - floor, "heavy_imports": heavy[name]}
            for name, t in times.items()]
    print(f"{'command':18} {'median s':>9} {'min-max s':>13} {'above python':>13}  heavy modules imported")
    for r in rows:
        print(f"{r['command']:18} {r['median_s']:>9.3f} {r['min_s']:>6.3f}-{r['max_s']:<6.3f} "
              f"{r['above_interpreter_s']:>13.3f}  {r['heavy_imports'] or '-'}")
    command = " ".join(["python benchmarks/startup.py", *(argv if argv is not None else sys.argv[1:])])
    result = {"command": command, "src": os.path.relpath(src), "repeats": args.repeats,
              "load_average": list(os.getloadavg()), "rows": rows}
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    atomic_write_text(args.out, json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
