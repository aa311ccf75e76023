# The two commands a newcomer needs: `make plan` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: plan test test-slow bench lint docs clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

## plan: install, then plan the example specs against the embedded sandbox
plan: $(STAMP)
	$(BIN)/reconciler validate
	$(BIN)/reconciler plan

## test: install, then run the test suite (what CI runs)
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

## test-slow: the long property and fault runs
test-slow: $(STAMP)
	RECONCILER_SLOW=1 $(BIN)/python -m pytest -n 2 -q -m slow

## bench: benchmark figures (printed, never asserted by tests)
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

## docs: build the docs site into site/; --strict fails on any broken link or page left out of the nav
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

lint: $(STAMP)
	$(BIN)/ruff check reconciler tests benchmarks

clean:
	rm -rf $(VENV) .reconciler site
