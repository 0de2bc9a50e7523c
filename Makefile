# The two commands of the README:
#   make pipeline   set up a virtual environment, then run every notebook in order (headless, in place)
#   make test       set up a virtual environment, then lint and run the whole test suite (notebooks in their
#                   quick setting under nbval, beside the unit tests: one pytest session per core)
# and, for the class and for CI:
#   make slides     build/slides.html and docs/slides.pdf, the class deck, from the committed results and figures
#                   (a small .venv-slides with Jinja2 only, and the system's Chromium for the PDF)
#   make test-full  the test suite with the notebooks re-executed in full (about as long as the pipeline)
#   make test-colab the unit tests again in .venv-colab, pinned to today's Colab (.ci/constraints-colab.txt)
#   make test-seed  notebooks 01 and 02 in full with seed 29 instead of 23, into build/seed-check (the committed
#                   notebooks, figures and results stay untouched): an assert that holds for one draw only fails
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
COLAB_VENV ?= .venv-colab
SLIDES_VENV ?= .venv-slides

# TensorFlow's wheels are 600 MB: a connection that drops mid-download should cost a resume, not the run. pip
# resumes a broken download up to PIP_RESUME_RETRIES times; a failed install is tried again (wheels that arrived
# are in pip's cache by then).
export PIP_RESUME_RETRIES ?= 30
export PIP_RETRIES ?= 10
export PIP_DEFAULT_TIMEOUT ?= 60
pip_install = for attempt in 1 2 3; do $(1) -m pip install --quiet $(2) && break; \
	[ $$attempt -lt 3 ] || exit 1; echo "pip install failed (attempt $$attempt of 3); again in 30 s"; sleep 30; done

.PHONY: setup pipeline test test-fast test-full test-colab test-seed lint slides clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(call pip_install,$(PY),--upgrade pip)
	$(call pip_install,$(PY),-r requirements-dev.txt)
	touch $@

pipeline: setup
	$(PY) -m helpers.infra.pipeline

lint: setup
	$(PY) -m ruff check helpers tests conftest.py notebooks

# The two halves of the suite run side by side, one per core: the notebooks under nbval (in order, in one session:
# 06's and 07's tests read what their runs wrote; its log is printed when it ends) beside
# the unit tests. The target fails when either half does. The two halves take about as long (4 1/2 minutes on a
# 2-core AMD EPYC); move a slow unit test across if one grows.
NOTEBOOK_TESTS := notebooks tests/test_notebook06.py tests/test_notebook07.py

test: lint
	@mkdir -p build
	@echo "The notebooks run under nbval beside the unit tests; their log follows the unit tests' (build/test-notebooks.log)."
	@$(PY) -m pytest $(NOTEBOOK_TESTS) > build/test-notebooks.log 2>&1 & notebooks=$$!; \
	$(PY) -m pytest tests $(addprefix --deselect ,$(filter tests/%,$(NOTEBOOK_TESTS))); units=$$?; \
	wait $$notebooks; status=$$?; echo "---- the notebooks under nbval:"; cat build/test-notebooks.log; \
	exit $$(( units | status ))

# The fast tier, after each edit: the unit tests that train nothing for long and run no notebook.
test-fast: lint
	$(PY) -m pytest -m "not slow" tests

test-full: lint
	CUFS_QUICK=0 $(PY) -m pytest

# A full run (the runner forces CUFS_QUICK=0) with another seed; build/ is git-ignored and `make clean` removes it.
test-seed: setup
	$(PY) -m helpers.infra.pipeline --only 01 02 --seed 29 --executed-dir build/seed-check

$(COLAB_VENV)/.installed: requirements.txt requirements-dev.txt .ci/constraints-colab.txt
	$(PYTHON) -m venv $(COLAB_VENV)
	$(call pip_install,$(COLAB_VENV)/bin/python,--upgrade pip)
	$(call pip_install,$(COLAB_VENV)/bin/python,-r requirements-dev.txt -c .ci/constraints-colab.txt)
	touch $@

test-colab: $(COLAB_VENV)/.installed
	$(COLAB_VENV)/bin/python -m pip list 2>/dev/null | grep -Ei '^(tensorflow|keras|numpy|pandas|scikit-learn) '
	$(COLAB_VENV)/bin/python -m pytest tests

$(SLIDES_VENV)/.installed: requirements-slides.txt
	$(PYTHON) -m venv $(SLIDES_VENV)
	$(call pip_install,$(SLIDES_VENV)/bin/python,-r requirements-slides.txt)
	touch $@

slides: $(SLIDES_VENV)/.installed
	$(SLIDES_VENV)/bin/python -m helpers.reporting.documents --deck-only --pdf docs/slides.pdf

clean:
	rm -rf data/processed data/models data/failed_runs .pytest_cache build
