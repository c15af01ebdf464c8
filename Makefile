# Two commands do all set-up on a fresh machine:
#   make run    creates .venv, installs trainlab, runs the main job (the optimizer race: table,
#               runs/race/results.json, curves.png)
#   make test   creates .venv, installs trainlab with test tools (and, as root, Debian's chromium for the
#               browser test of the HTML report when no Chromium is on PATH), runs the tests
#   make peer   runs PyTorch's own optimizer tests against trainlab (needs ../shared beside the clone)
#   make docs   reruns (full presets) every experiment the docs quote and rewrites the numbers in docs/*.md
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test browser peer bench docs clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	MPLBACKEND=Agg $(VENV)/bin/trainlab race --out runs/race

# The report's browser test drives a headless Chromium (Playwright's own download cannot work offline).
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing chromium (apt-get) for the browser test of the HTML report"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 || \
		{ apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; \
	else echo "no chromium on PATH and not root: the browser test skips (fails under CI=true)"; fi

test: $(STAMP) browser
	MPLBACKEND=Agg $(PY) -m pytest -q -n 2

peer: $(STAMP)
	@test -x ../shared/peer/pytorch/run.sh || { echo "no peer suite at ../shared/peer/pytorch"; exit 1; }
	../shared/peer/pytorch/run.sh

# each docs/results/NAME.json is the results.json of `trainlab run NAME` (full preset)
docs: $(STAMP)
	@for name in $$(ls docs/results | sed -n 's/\.json$$//p'); do \
	  MPLBACKEND=Agg $(VENV)/bin/trainlab run $$name --out build/docs/$$name || exit 1; \
	  cp build/docs/$$name/results.json docs/results/$$name.json; \
	done
	$(PY) -m trainlab.experiments.doc_numbers docs

bench: $(STAMP)
	$(PY) benchmarks/optim_step.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
