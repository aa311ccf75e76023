# The two commands a newcomer needs: `make plan` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
STAMP := $(VENV)/.installed-test

.PHONY: plan test coverage test-slow bench lint docs clean

# uv installs in seconds what pip takes half a minute for (it resolves and unpacks in
# parallel), so the first `make plan` is quick. It is taken from PATH, else from PyPI
# into the venv; plain pip is the fallback when neither works. `plan` needs only the
# runtime dependencies; every other target adds the test extra.
define install
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@uv=$$(command -v uv || true); \
	if [ -z "$$uv" ] && $(BIN)/python -m pip install -q --disable-pip-version-check uv >/dev/null 2>&1; then uv=$(BIN)/uv; fi; \
	if [ -n "$$uv" ] && "$$uv" pip install -q --python $(BIN)/python -e '$(1)'; then :; \
	else $(BIN)/python -m pip install -q --disable-pip-version-check -e '$(1)'; fi
	@touch $@
endef

$(RUN_STAMP): pyproject.toml
	$(call install,.)

$(STAMP): pyproject.toml
	$(call install,.[test])
	@touch $(RUN_STAMP)

## plan: install, then plan the example specs against the embedded sandbox
plan: $(RUN_STAMP)
	$(BIN)/reconciler validate
	$(BIN)/reconciler plan

## test: install, type-check (mypy), then the suite with branch coverage (what CI runs).
## Fails on a failing test, and on a total under the floor: fail_under in pyproject.toml.
## Coverage counts the CLI and sandbox processes the tests start (see [tool.coverage.run]);
## stale data files of an interrupted run are removed first, so they never count.
test: $(STAMP)
	$(BIN)/mypy
	rm -f .coverage .coverage.*
	$(BIN)/python -m pytest -n 2 -q --cov --cov-report=term-missing:skip-covered

## coverage: the HTML report of the last `make test` (htmlcov/): the lines and branches it left out
coverage:
	$(BIN)/coverage html --skip-covered --fail-under=0 -q
	@echo "htmlcov/index.html"

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
	rm -rf $(VENV) .reconciler site htmlcov .coverage .coverage.*
