# tokdash: `make run` serves the dashboard, `make test` runs the whole suite.
# Both create .venv, install the pinned requirements and fetch the catalog's vocabularies
# (once: later runs find everything cached and go straight on).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
DEPS := $(VENV)/.stamp-deps
STAMP := $(VENV)/.stamp-install
PORT ?= 8501

.PHONY: deps setup fetch run test lint format bench clean-cache

$(DEPS): requirements.txt requirements-dev.txt requirements-ray.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	touch $(DEPS)

$(STAMP): $(DEPS) pyproject.toml
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

deps: $(DEPS)

setup: $(STAMP)

fetch: setup
	$(PY) -m tokdash fetch --quiet --if-needed

run: fetch
	$(PY) -m streamlit run app.py --server.port $(PORT)

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: setup
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

test: fetch lint
	$(PY) -m pytest

bench: fetch
	$(PY) benchmarks/run_all.py

clean-cache: setup
	$(PY) -c "from tokdash.tokenizers.fetch import clear_cache; clear_cache()"
