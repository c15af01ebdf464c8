"""``trainlab train --doctor`` and ``trainlab doctor RUN_DIR``: findings printed, saved, read back; clear errors."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from trainlab.cli import main
from trainlab.doctor import Report

SLOW_SGD = ["--data", "diabetes", "--model", "32", "--optimizer", "sgd", "--lr", "1e-6", "--epochs", "8",
            "--batch-size", "32", "--quiet"]


def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("doctor")
    watched, plain = str(root / "watched"), str(root / "plain")
    first = invoke("train", *SLOW_SGD, "--out", watched, "--doctor")
    second = invoke("train", *SLOW_SGD, "--out", plain)
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    return watched, plain


def test_train_with_doctor_saves_its_report(runs):
    watched, plain = runs
    report = Report.from_dict(json.load(open(os.path.join(watched, "doctor.json"))))
    assert report.codes == ["lr_too_low"] and len(report.measurements["probes"]) == 9
    assert not os.path.exists(os.path.join(plain, "doctor.json"))


def test_train_with_doctor_prints_the_findings(tmp_path):
    result = invoke("train", *SLOW_SGD[:-1], "--epochs", "3", "--out", str(tmp_path / "r"), "--doctor")
    assert result.exit_code == 0 and "training doctor" in result.output and "doctor.json" in result.output


def test_doctor_reads_doctor_json_or_else_history_and_checkpoints(runs):
    for run in runs:
        result = invoke("doctor", run, "--json")
        assert result.exit_code == 1, result.output  # a warning: exit 1
        report = json.loads(result.output)
        assert report["findings"][0]["code"] == "lr_too_low"
    plain = json.loads(invoke("doctor", runs[1], "--json").output)
    assert plain["measurements"]["source"] == "history" and plain["measurements"]["update_ratio"][0] < 1e-5


def test_doctor_of_a_healthy_run_exits_0(tmp_path):
    out = str(tmp_path / "ok")
    assert invoke("train", "--data", "diabetes", "--model", "16", "--epochs", "20", "--batch-size", "32",
                  "--lr", "1e-2", "--quiet", "--out", out).exit_code == 0
    result = invoke("doctor", out)
    assert result.exit_code == 0, result.output
    assert "healthy" in result.output


def test_doctor_of_a_folder_without_a_run_is_a_message_not_a_traceback(tmp_path):
    result = CliRunner().invoke(main, ["doctor", str(tmp_path / "none")])
    assert result.exit_code == 2 and "RUN_DIR" in result.output and "Traceback" not in result.output


def test_resuming_a_watched_run_keeps_the_doctor_without_a_warning(runs):
    watched = runs[0]
    os.remove(os.path.join(watched, "doctor.json"))
    result = invoke("train", "--resume", watched, "--quiet")
    assert result.exit_code == 0 and "lacks" not in result.output, result.output
    report = Report.from_dict(json.load(open(os.path.join(watched, "doctor.json"))))
    assert report.codes == ["lr_too_low"]  # the measurements came back from the checkpoint


def test_the_html_report_of_a_watched_run_shows_the_doctor_findings(runs, tmp_path):
    watched, _ = runs
    out = tmp_path / "report.html"
    result = invoke("report", watched, "--out", str(out))
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert "lr_too_low" in page and "update" in page  # the code and its evidence
