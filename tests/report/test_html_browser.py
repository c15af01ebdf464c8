"""The HTML report in a real browser: headless Chromium (Debian's package) driven by Playwright.

Opens the report from a file:// URL with the network blocked, then checks that it
renders without console errors, that its tables, plots and figures are there, and
that the interaction works: a legend button hides its curve, a column header sorts
the index, the filter box hides rows. Saves a screenshot (``report.png`` in the
test's folder; ``TRAINLAB_SCREENSHOT=path`` keeps one). Under CI (``CI=true``) a
missing browser fails the test; elsewhere it skips with the reason.
"""

from __future__ import annotations

import os
import shutil

import pytest

from trainlab.report.html_report import write_report
from trainlab.report.run_view import resolve_runs

pytestmark = pytest.mark.slow

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def _missing(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI must run the browser test (make test installs it as root)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def page(tmp_path_factory, request):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed (pip install -e '.[dev]')")
    browser_path = next((p for p in map(shutil.which, BROWSERS) if p), None)
    if browser_path is None:
        _missing("no Chromium on PATH (apt-get install chromium)")
    root = tmp_path_factory.mktemp("report")
    runs = request.getfixturevalue("report_runs")  # made only once the browser is known to be there
    report = write_report(resolve_runs([str(runs)]), str(root / "report.html"))
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
        context.route(lambda url: not url.startswith(("file:", "data:")), lambda route: errors.append(
            f"network request {route.request.url}") or route.abort())
        tab = context.new_page()
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.goto(f"file://{report}")
        tab.wait_for_load_state("load")
        tab.errors = errors
        tab.screenshot_path = os.environ.get("TRAINLAB_SCREENSHOT") or str(root / "report.png")
        yield tab
        browser.close()


def _index_names(page) -> list[str]:
    return page.eval_on_selector_all("#run-index tbody tr:not([hidden]) td:first-child", "cs => cs.map(c => c.textContent)")


def test_renders_tables_plots_and_figures_without_errors(page):
    assert page.errors == []
    assert _index_names(page) == ["adam", "sgd", "race"]
    # a loss plot per training run, an accuracy-free run has no accuracy plot, plus the overlay of all runs
    assert page.locator("div.plot[data-plot$='-loss'] svg path.curve").count() == 4  # train and val, two runs
    assert page.locator("div.plot[data-plot=overlay] svg path.curve").count() == 2
    assert page.locator("img[src^='data:image/png;base64,']").count() == 3  # loss.png twice, curves.png
    images = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.naturalWidth)")
    assert all(w > 100 for w in images)  # decoded, not broken
    doctor = page.locator("table.doctor tbody tr")
    assert doctor.count() == 1 and "share of units never firing <b> = 0.41" in doctor.inner_text()
    race = page.locator("section#run-3")
    assert race.locator("table").filter(has_text="steps_to_target").count() == 1
    page.screenshot(path=page.screenshot_path, full_page=True)
    assert os.path.getsize(page.screenshot_path) > 10_000


def test_legend_button_hides_and_shows_its_curve(page):
    plot = page.locator("div.plot[data-plot='run-1-loss']")
    assert plot.locator("path.curve[data-series=val_loss]").count() == 1
    button = plot.locator("button.legend-item[data-series=val_loss]")
    button.click()
    assert plot.locator("path.curve[data-series=val_loss]").count() == 0
    assert plot.locator("path.curve[data-series=train_loss]").count() == 1
    assert button.get_attribute("aria-pressed") == "false"
    button.click()
    assert plot.locator("path.curve[data-series=val_loss]").count() == 1
    box = plot.locator("svg").bounding_box()
    page.mouse.move(box["x"] + box["width"] - 14, box["y"] + box["height"] / 2)  # over the last step
    last = page.evaluate("JSON.parse(document.getElementById('trainlab-data').textContent).plots['run-1-loss']")
    readout = plot.locator(".readout").inner_text()
    assert readout.startswith(f"step {last['series'][0]['x'][-1]}: train_loss ") and "val_loss" in readout
    log = plot.locator("input.log-toggle")
    before = plot.locator("path.curve[data-series=train_loss]").get_attribute("d")
    log.click()
    assert plot.locator("path.curve[data-series=train_loss]").get_attribute("d") != before
    assert page.errors == []


def test_sorting_and_filtering_the_index(page):
    header = page.locator("#run-index thead th").nth(0)
    header.click()
    assert _index_names(page) == ["adam", "race", "sgd"]
    header.click()
    assert _index_names(page) == ["sgd", "race", "adam"]
    page.fill("input.table-filter", "experiment")
    assert _index_names(page) == ["race"]
    page.fill("input.table-filter", "")
    assert len(_index_names(page)) == 3
    assert page.errors == []
