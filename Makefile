# Jemput Bola — the commands a person runs. `make run` and `make test` work on a fresh machine
# with Python 3.11+ and Node 20+.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed
# The field app's page (bundle inline) and service-worker list (pwa/build.mjs), rebuilt when a
# source or the page template changes.
BUNDLE := pwa/dist/shell.json
PWA_SOURCES := $(shell find pwa/js pwa/core pwa/css pwa/i18n pwa/icons -type f) pwa/build.mjs pwa/vendor.json pwa/index.html

.PHONY: setup run test test-fast lint format bench migrations lock clean

$(STAMP): pyproject.toml requirements.lock requirements-dev.lock package-lock.json
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	npm ci --no-audit --no-fund --loglevel=error
	touch $(STAMP)

$(BUNDLE): $(STAMP) $(PWA_SOURCES)
	node pwa/build.mjs

setup: $(STAMP) $(BUNDLE)

run: setup
	$(BIN)/jemput migrate
	$(BIN)/jemput demo
	@echo ""
	@echo "  Back office:  http://$(HOST):$(PORT)/login"
	@echo "  Field app:    http://$(HOST):$(PORT)/app/"
	@echo "  Health:       http://$(HOST):$(PORT)/healthz"
	@echo ""
	HOST=$(HOST) PORT=$(PORT) $(BIN)/jemput serve

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	node --test tests/pwa/ tests/uploads/js/
	$(BIN)/pytest --cov --cov-report=term

test-fast: setup
	$(BIN)/pytest -x -q -m "not browser and not slow"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrations: setup
	$(BIN)/jemput makemigrations

bench: setup
	cd bench && npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/python bench/sync_push.py
	$(BIN)/python bench/sync_pull.py
	$(BIN)/python bench/backoffice_list.py
	$(BIN)/python bench/upload.py
	$(BIN)/python bench/pwa_weight.py
	$(BIN)/python bench/pwa_crypto.py

# Rewrite both hashed lock files from pyproject.toml, keeping today's pins unless pyproject.toml
# asks for others (delete a line from requirements.lock to let that package move).
LOCK_OPTS := --python-version 3.11 --generate-hashes --no-annotate --no-header -c requirements.lock
lock: setup
	$(BIN)/pip install --quiet --disable-pip-version-check uv==0.13.8
	$(BIN)/uv pip compile pyproject.toml $(LOCK_OPTS) -o requirements.lock.new
	$(BIN)/uv pip compile pyproject.toml --extra test $(LOCK_OPTS) -o requirements-dev.lock.new
	(echo "# Runtime dependencies only (the production image installs these), with hashes."; \
	 echo "# Regenerate with: make lock"; cat requirements.lock.new) > requirements.lock
	(echo "# Runtime + development/test dependencies (make setup, CI), with hashes; runtime pins"; \
	 echo "# equal requirements.lock (tests/test_locks.py). Regenerate with: make lock"; \
	 cat requirements-dev.lock.new) > requirements-dev.lock
	rm requirements.lock.new requirements-dev.lock.new

clean:
	rm -rf $(VENV) node_modules bench/node_modules .pytest_cache .ruff_cache
