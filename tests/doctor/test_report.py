"""``Finding`` and ``Report``: ordering, health, JSON round trip, rendering, bad input."""

from __future__ import annotations

import json

import pytest
from rich.console import Console

from trainlab.constraints import InvalidArgument
from trainlab.doctor import CODES, Finding, Report
from trainlab.doctor.codes import PRIORITY


def test_findings_are_ordered_setup_first_then_causes_before_symptoms_infos_last() -> None:
    r = Report([Finding("underfitting", "info"), Finding("stalled", "warning"), Finding("dying_relu", "error"),
                Finding("unnormalized_inputs", "warning", static=True)])
    assert [f.code for f in r.findings] == ["unnormalized_inputs", "dying_relu", "stalled", "underfitting"]
    assert r.codes == ["unnormalized_inputs", "dying_relu", "stalled"]  # infos are not codes


def test_an_order_override_moves_a_finding() -> None:
    r = Report([Finding("dying_relu", "error"), Finding("collapse", "warning", order=PRIORITY.index("dying_relu") - 0.5)])
    assert r.codes == ["collapse", "dying_relu"]


def test_healthy_means_no_warning_or_error() -> None:
    assert Report().healthy and Report([Finding("underfitting", "info")]).healthy
    assert not Report([Finding("stalled", "warning")]).healthy


def test_to_dict_is_json_and_from_dict_restores_it() -> None:
    r = Report([Finding("lr_too_high", "error", layer="0", evidence={"first loss": 1.0, "largest": float("inf")},
                        epoch=3)], {"train": [1.0, float("nan")]})
    text = json.dumps(r.to_dict())  # inf/nan become strings: valid JSON
    back = Report.from_dict(json.loads(text))
    assert back.codes == r.codes and back.findings[0].epoch == 3 and back.findings[0].advice == r.findings[0].advice
    assert back.findings[0].evidence["largest"] == "inf"


def test_advice_defaults_to_the_codes_and_every_code_has_its_row() -> None:
    assert Finding("saturation", "warning").advice == CODES["saturation"].advice
    for code in CODES.values():
        assert code.measured and code.threshold and code.why and code.source and code.advice


def test_rendering_shows_codes_evidence_and_advice() -> None:
    r = Report([Finding("stalled", "warning", evidence={"loss / trivial loss": 0.987})])
    console = Console(record=True, width=200)
    console.print(r)
    text = console.export_text()
    assert "stalled" in text and "0.987" in text and CODES["stalled"].advice[0][:30] in text
    assert "stalled" in str(r) and str(Report()) == "healthy: no findings"


def test_unknown_code_or_severity_is_one_clear_error() -> None:
    with pytest.raises(InvalidArgument, match="'code' parameter of Finding"):
        Finding("sad", "warning")
    with pytest.raises(InvalidArgument, match="'severity' parameter of Finding"):
        Finding("stalled", "fatal")
