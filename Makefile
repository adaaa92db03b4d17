# tokdash: `make run` serves the dashboard, `make test` runs the whole suite.
# Both create .venv, install the pinned requirements and fetch the catalog's vocabularies
# (once: later runs find everything cached and go straight on).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.stamp-install
PORT ?= 8501

.PHONY: setup fetch run test lint format bench clean-cache

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

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
	$(PY) -c "from tokdash.fetch import clear_cache; clear_cache()"
