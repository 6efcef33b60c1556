# movierec: the two commands the README gives are `make app` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
# Raw data: MOVIEREC_DATA if set, else a sibling shared/data folder when there is one
# (otherwise movierec looks in its downloads folder, and downloads what is missing).
MOVIEREC_DATA ?= $(wildcard $(abspath ../shared/data))
export MOVIEREC_DATA

.PHONY: app install install-dev test test-fast bench evaluate report clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# pip runs again only when pyproject.toml changes (the source is installed editable), so a
# machine that lost its internet after installing still runs `make app` and `make test`.
install: $(VENV)/.installed-app

install-dev: $(VENV)/.installed-dev

$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[app,download]"
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[app,download,embeddings,neural,peers,spark,tune,dev]"
	touch $@ $(VENV)/.installed-app

# Sets everything up and serves the app on the default data (The Movies Dataset, with its
# full ratings.csv when that file is here; fetched on the first run when it is not here,
# ml-latest-small if Kaggle refuses), then open
# http://127.0.0.1:7860 -- the page is up while the data and the default model load.
app: install
	$(BIN)/movierec serve

test: install-dev
	$(BIN)/python -m pytest -q

test-fast: install-dev
	$(BIN)/python -m pytest -q -m "not integration and not slow"

bench: install-dev
	$(BIN)/python benchmarks/bench_data.py
	$(BIN)/python benchmarks/bench_models.py

# The full evaluation (every model and peer, ML-100k and The Movies Dataset) and the report.
evaluate: install-dev
	$(BIN)/movierec report --run

report: install-dev
	$(BIN)/movierec report

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache
