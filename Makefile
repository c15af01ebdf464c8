# Two commands do all set-up on a fresh machine:
#   make run    creates .venv, installs trainlab, runs the main job (the optimizer race: table, runs/race/results.json, curves.png)
#   make test   creates .venv, installs trainlab with test tools, runs the tests
#   make peer   runs PyTorch's own optimizer tests against trainlab (needs ../shared beside the clone)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test peer bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	MPLBACKEND=Agg $(VENV)/bin/trainlab race --out runs/race

test: $(STAMP)
	MPLBACKEND=Agg $(PY) -m pytest -q -n 2

peer: $(STAMP)
	@test -x ../shared/peer/pytorch/run.sh || { echo "no peer suite at ../shared/peer/pytorch"; exit 1; }
	../shared/peer/pytorch/run.sh

bench: $(STAMP)
	$(PY) benchmarks/optim_step.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
