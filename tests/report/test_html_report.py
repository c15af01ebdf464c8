"""The HTML report without a browser: self-contained, escaped, every part of a run folder shown."""

from __future__ import annotations

import json
import re

import pytest

from tests.report.report_runs import DOCTOR, RESULTS
from trainlab.report.html_report import render_report
from trainlab.report.run_view import ReportInputError, RunView, read_curves, resolve_runs


@pytest.fixture(scope="module")
def runs(report_runs):
    return report_runs


@pytest.fixture(scope="module")
def page(runs):
    return render_report(resolve_runs([str(runs)]), title="a <title>")


def _data(page):
    return json.loads(re.search(r'<script id="trainlab-data" type="application/json">(.*?)</script>', page,
                                re.S).group(1))


def test_it_needs_no_other_file_and_no_network(page):
    assert not re.search(r"""(src|href)=["']?(https?:|//|file:)""", page)
    assert "<link" not in page and "@import" not in page
    assert re.findall(r'<img [^>]*src="([^"]{0,22})', page) == ["data:image/png;base64,"] * 3


def test_every_text_from_a_run_is_escaped(page):
    assert "a &lt;title&gt;" in page and "<title>a <title>" not in page
    assert "never firing &lt;b&gt;" in page and "never firing <b>" not in page
    assert "fastest &amp; overfit" in page


def test_experiment_results_become_tables(page):
    race = page[page.index('id="run-3"'):]
    for row in RESULTS["ranking"]:
        assert f"<td>{row['optimizer']}</td>" in race
        assert f'data-value="{row["steps_to_target"]}"' in race
    assert "race started" in race  # the log


def test_curves_are_the_history_of_each_run(page, runs):
    plots = _data(page)["plots"]
    history = read_curves(str(runs / "adam" / "history.csv"))
    loss = plots["run-1-loss"]
    assert loss["series"][0]["x"] == history["step"]
    assert {s["name"]: s["y"] for s in loss["series"]} == {k: history[k] for k in ("train_loss", "val_loss")}
    assert [s["name"] for s in plots["overlay"]["series"]] == ["adam (val_loss)", "sgd (val_loss)"]


def test_doctor_findings_are_shown_when_present(page):
    adam = page[page.index('id="run-1"'):page.index('id="run-2"')]
    assert "training doctor: <span class=\"doctor-verdict\">not healthy</span>" in adam
    finding = DOCTOR["findings"][0]
    assert finding["code"] in adam and "threshold = 0.5" in adam  # evidence: one name = value per line
    assert "1. lower the learning rate<br>2. use LeakyReLU" in adam  # advice: the changes in order
    assert "training doctor" not in page[page.index('id="run-2"'):]


def test_a_non_finite_loss_is_a_gap_not_an_error(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "history.csv").write_text("epoch,step,train_loss\n1,1,0.5\n2,2,inf\n3,3,nan\n")
    (tmp_path / "summary.json").write_text('{"stop_reason": "diverged"')  # cut short by a kill
    view = RunView.of_folder(str(tmp_path))
    assert view.status == "interrupted" and view.metrics == {}
    plots = _data(render_report([view]))["plots"]
    assert plots["run-1-loss"]["series"][0]["y"] == [0.5, None, None]


def test_no_runs_is_an_error():
    with pytest.raises(ReportInputError, match="no runs given"):
        resolve_runs([])
