"""Every number marked in docs/*.md equals its results file, and each results file belongs to an experiment."""

from pathlib import Path

import pytest

from trainlab.experiments import registry
from trainlab.experiments.doc_numbers import format_value, load_results, main, markers, rewrite, stale

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_marked_number_in_the_docs_is_current():
    results = load_results(DOCS / "results")
    found = 0
    for path in sorted(DOCS.glob("*.md")):
        text = path.read_text()
        found += len(markers(text))
        assert stale(text, results) == [], f"{path.name}: stale numbers; run `make docs`"
    assert found > 0


def test_every_results_file_belongs_to_a_registered_experiment_and_is_quoted():
    quoted = {name for path in DOCS.glob("*.md") for name, *_ in markers(path.read_text())}
    for path in (DOCS / "results").glob("*.json"):
        registry.get(path.stem)
        assert path.stem in quoted, f"{path.name} is quoted nowhere in docs/"


def test_a_stale_number_is_found_and_rewritten(tmp_path):
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "demo.json").write_text('{"loss": 0.01209, "steps": 7}')
    doc = tmp_path / "page.md"
    doc.write_text("loss <!--r demo|loss|.3g-->0.5<!--/r--> after <!--r demo|steps|d-->7<!--/r--> steps\n")
    assert main(["--check", str(tmp_path)]) == 1
    assert main([str(tmp_path)]) == 0
    assert doc.read_text() == "loss <!--r demo|loss|.3g-->0.0121<!--/r--> after <!--r demo|steps|d-->7<!--/r--> steps\n"
    assert main(["--check", str(tmp_path)]) == 0


def test_an_index_picks_one_item_of_a_list():
    results = {"demo": {"steps": [55.0, 465.5, None]}}
    assert rewrite("<!--r demo|steps[1]|.0f-->0<!--/r-->", results) == "<!--r demo|steps[1]|.0f-->466<!--/r-->"
    assert rewrite("<!--r demo|steps[2]|.0f-->0<!--/r-->", results) == "<!--r demo|steps[2]|.0f-->-<!--/r-->"
    with pytest.raises(KeyError, match="'steps' has no item 3"):
        rewrite("<!--r demo|steps[3]|g-->1<!--/r-->", results)


def test_a_missing_key_or_results_file_is_named():
    with pytest.raises(KeyError, match="no key 'nope'"):
        rewrite("<!--r demo|nope|g-->1<!--/r-->", {"demo": {"loss": 1.0}})
    with pytest.raises(KeyError, match="no results file for experiment 'other'"):
        stale("<!--r other|loss|g-->1<!--/r-->", {"demo": {"loss": 1.0}})


@pytest.mark.parametrize(("value", "spec", "text"), [
    (4.939e-06, ".2g", "4.9e-6"), (1.5e-13, ".2g", "1.5e-13"), (2.5e12, ".2e", "2.50e12"), (0.281, ".3f", "0.281"),
    (12, "d", "12"), ([0.3338, 0.0262], ".3g", "0.334, 0.0262"), ([603, None], "d", "603, -")])
def test_format_drops_the_exponents_leading_zero_and_joins_lists(value, spec, text):
    assert format_value(value, spec) == text
