"""docs/doctor.md documents every code from its row and quotes the benchmark from its results file."""

from __future__ import annotations

import json
from pathlib import Path

from trainlab.doctor import CODES

ROOT = Path(__file__).resolve().parents[2]


def test_every_code_is_documented_with_its_threshold_and_source() -> None:
    text = (ROOT / "docs" / "doctor.md").read_text()
    for code in CODES.values():
        assert f"### `{code.name}`" in text and code.threshold in text and code.source in text


def test_the_benchmark_summaries_quoted_are_those_of_the_results_file() -> None:
    text = (ROOT / "docs" / "doctor.md").read_text()
    results = json.loads((ROOT / "docs" / "figures" / "doctor" / "benchmark.json").read_text())
    for key in ("cases", "held_out"):
        s = results[key]["summary"]
        assert f"top-1 {s['top1']:.0%}, top-3 {s['top3']:.0%}, macro-F1 {s['macro_f1']:.2f}" in text
    assert results["command"].split(" --jobs")[0] in text
