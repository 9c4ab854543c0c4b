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

# Front-end assets from npm (GOV.UK Frontend, Swagger UI; Sass and axe-core for the build and the tests),
# never from a CDN; the stylesheet is compiled from GOV.UK Frontend's Sass with Arial (not GDS Transport).
NPM_STAMP := node_modules/.installed
WEB_CSS := src/observatory/web/static/build/observatory.css

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(WEB_CSS): $(NPM_STAMP) src/observatory/web/styles/observatory.scss
	node_modules/.bin/sass --no-source-map --style=compressed --load-path=node_modules --quiet-deps \
		src/observatory/web/styles/observatory.scss $@

setup: $(VENV)/.synced $(WEB_CSS)

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
BENCHMARKS ?= ingest quality linkage febrl catalogue web metrics
bench: setup
	$(UV) sync --frozen --all-extras --group bench --python python3
	for name in $(BENCHMARKS); do $(VENV)/bin/python bench/$$name.py || exit 1; done

clean:
	rm -rf $(VENV) .tools node_modules src/observatory/web/static/build $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache
