# The two commands of the README:
#   make pipeline   set up a virtual environment, then run every notebook in order (headless, in place)
#   make test       set up a virtual environment, then lint and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup pipeline test lint results-table clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

pipeline: setup
	$(PY) -m helpers.pipeline

lint: setup
	$(PY) -m ruff check helpers tests conftest.py notebooks

test: lint
	$(PY) -m pytest

clean:
	rm -rf data/processed data/models data/failed_runs .pytest_cache
