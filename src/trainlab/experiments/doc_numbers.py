"""Numbers in the docs that cannot go stale: markers filled from the results files of ``trainlab run``.

A number quoted in ``docs/*.md`` is written between two HTML comments (invisible
when the markdown is rendered) naming the experiment, the results key and a format::

    a training MSE of <!--r overfit|large.train_loss|.2g-->4.9e-6<!--/r-->

and its value comes from ``docs/results/overfit.json`` (the ``results.json`` that
``trainlab run overfit --out DIR`` writes, copied there by ``make docs``); a key
``KEY[i]`` picks item ``i`` of a list (one seed, one frequency). ``rewrite``
puts the current values in; ``stale`` lists the markers whose text differs (the docs
test fails on any). Formats are Python format specs; exponents lose their leading
zero (``4.9e-06`` -> ``4.9e-6``).

Run:  python -m trainlab.experiments.doc_numbers [--check] [DOCS]   (default: docs)

Example:
    >>> text = "test MSE <!--r demo|test|.3g-->0.5<!--/r-->"
    >>> rewrite(text, {"demo": {"test": 0.01209}})
    'test MSE <!--r demo|test|.3g-->0.0121<!--/r-->'
    >>> stale(text, {"demo": {"test": 0.01209}})
    [('demo', 'test', '0.5', '0.0121')]
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from trainlab.atomic import atomic_write_text

__all__ = ["MARKER", "format_value", "markers", "rewrite", "stale", "load_results", "main"]

MARKER = re.compile(r"<!--r (?P<name>[\w-]+)\|(?P<key>[^|]+)\|(?P<spec>[^>]*)-->(?P<shown>.*?)<!--/r-->")


def format_value(value: Any, spec: str) -> str:
    """``value`` in format ``spec``, exponents without a leading zero (``1.5e-13``, ``4.9e-6``).

    A list (per-seed values) is each item in ``spec``, joined by ``", "``; ``None`` (not
    reached, not measured) is ``-``.
    """
    if value is None:
        return "-"
    if isinstance(value, list):
        return ", ".join(format_value(v, spec) for v in value)
    text = format(value, spec) if spec else str(value)
    return re.sub(r"e([+-])0*(\d)", lambda m: f"e{'-' if m[1] == '-' else ''}{m[2]}", text)


def markers(text: str) -> list[tuple[str, str, str, str]]:
    """Every marker of ``text`` as ``(experiment, key, format, shown text)``."""
    return [(m["name"], m["key"], m["spec"], m["shown"]) for m in MARKER.finditer(text)]


INDEX = re.compile(r"^(?P<key>.+)\[(?P<i>\d+)\]$")  # "learned_step_mean[2]": one item of a list


def _value(results: Mapping[str, Mapping[str, Any]], name: str, key: str, spec: str) -> str:
    if name not in results:
        raise KeyError(f"no results file for experiment {name!r} (docs/results/{name}.json)")
    index = INDEX.match(key)
    whole = index["key"] if index and key not in results[name] else key
    if whole not in results[name]:
        raise KeyError(f"docs/results/{name}.json has no key {key!r}")
    value = results[name][whole]
    if whole != key:
        if not isinstance(value, list) or int(index["i"]) >= len(value):
            raise KeyError(f"docs/results/{name}.json: {whole!r} has no item {index['i']}")
        value = value[int(index["i"])]
    return format_value(value, spec)


def rewrite(text: str, results: Mapping[str, Mapping[str, Any]]) -> str:
    """``text`` with every marker's shown value replaced by its current value."""
    def fill(m: re.Match[str]) -> str:
        return f"<!--r {m['name']}|{m['key']}|{m['spec']}-->{_value(results, m['name'], m['key'], m['spec'])}<!--/r-->"
    return MARKER.sub(fill, text)


def stale(text: str, results: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, str, str, str]]:
    """``(experiment, key, shown, current)`` of every marker whose text is not its current value."""
    out = []
    for name, key, spec, shown in markers(text):
        current = _value(results, name, key, spec)
        if shown != current:
            out.append((name, key, shown, current))
    return out


def load_results(folder: str | Path) -> dict[str, dict[str, Any]]:
    """``{experiment: results}`` from every ``NAME.json`` in ``folder``."""
    return {p.stem: json.loads(p.read_text()) for p in sorted(Path(folder).glob("*.json"))}


def _each_doc(docs: Path, act: Callable[[Path, str], None]) -> None:
    for path in sorted(docs.glob("*.md")):
        act(path, path.read_text())


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    docs = Path(next((a for a in args if not a.startswith("--")), "docs"))
    results = load_results(docs / "results")
    problems: list[str] = []

    def act(path: Path, text: str) -> None:
        if check:
            problems.extend(f"{path}: {n} {k}: docs say {s}, results say {c}" for n, k, s, c in stale(text, results))
        elif markers(text):
            new = rewrite(text, results)
            if new != text:
                atomic_write_text(path, new)
                print(f"rewrote the numbers of {path}")

    _each_doc(docs, act)
    print("\n".join(problems) or ("every marked number is current" if check else "done"))
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
