# Observatory: `make demo` builds and serves Demo County Council; `make test` runs every check.
# Both work on a fresh machine: they create .venv from the lock file (uv.lock) first.

SHELL := /bin/bash
UV_VERSION := 0.13.9
VENV := .venv
UV := .tools/bin/uv
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
export UV_PYTHON_DOWNLOADS := never

DEMO_DIR ?= demo-council
RESIDENTS ?= 5000
NO_SERVE ?=
PYTEST_ARGS ?=

.PHONY: setup demo test lint typecheck contracts unit bench clean

$(UV):
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --all-extras --python python3
	touch $@

setup: $(VENV)/.synced

demo: setup
	$(VENV)/bin/observatory demo $(DEMO_DIR) --residents $(RESIDENTS) $(if $(NO_SERVE),--no-serve,)

lint: setup
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

typecheck: setup
	$(VENV)/bin/mypy

contracts: setup
	$(VENV)/bin/lint-imports

unit: setup
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test: lint typecheck contracts unit

# Benchmarks need the `bench` dependency group (Great Expectations, compared against in bench/quality.py);
# setup and test never install it. BENCHMARKS=quality runs one.
BENCHMARKS ?= ingest quality linkage febrl catalogue
bench: setup
	$(UV) sync --frozen --all-extras --group bench --python python3
	for name in $(BENCHMARKS); do $(VENV)/bin/python bench/$$name.py || exit 1; done

clean:
	rm -rf $(VENV) .tools $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache
