# cromaturity — `make run` serves the app with demo data, `make test` checks everything.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
# Local development and tests run with DEBUG on; production sets its own environment.
export DEBUG ?= 1
# Exported so the settings (SITE_URL, the links in emails) follow them.
export HOST ?= 127.0.0.1
export PORT ?= 8000

.PHONY: help install install-dev lock run serve test lint check deploy-check pytest chromium bench clean

help:
	@echo "make run   install everything, migrate, load demo data and serve on http://$(HOST):$(PORT)"
	@echo "make test  install everything and run the linters and the whole test suite"
	@echo "make serve production-like run: gunicorn, whitenoise and the task workers (WORKERS, restarted if they die), DEBUG off"
	@echo "make bench benchmarks: import, pages, exports and load; figures in bench/results.json"
	@echo "make lock  refresh requirements/*.txt from pyproject.toml (UPGRADE=1: newest allowed versions)"

$(PY):
	@python=$$(bin/find-python) && echo "Creating $(VENV) with $$python" && "$$python" -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip

# Installs come from the lock files only: exact versions, every file checked
# against its hash. pyproject.toml names the ranges `make lock` resolves.
$(VENV)/.installed: requirements/app.txt | $(PY)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements/app.txt
	@touch $@

$(VENV)/.installed-dev: requirements/dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements/dev.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(VENV)/.installed node_modules/.installed

install-dev: install $(VENV)/.installed-dev

# requirements/*.txt are resolved from pyproject.toml by bin/lock-requirements;
# the dev lock is constrained by the app lock, so both install the same
# application code.
lock: install-dev
	bin/lock-requirements app
	bin/lock-requirements dev -c requirements/app.txt

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@bin/serve-dev $(HOST) $(PORT)

serve: install
	@DEBUG=0 bin/serve-prod

chromium:
	@bin/ensure-chromium

lint: install-dev
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache
	$(PY) bin/check-import-cycles
	$(VENV)/bin/djhtml --check templates

check: install-dev
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

# Django's deployment checklist with production settings: DEBUG off, a fresh
# random secret key, a real host name and mail server. Any warning fails.
deploy-check: install
	DEBUG=0 SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	ALLOWED_HOSTS=cro.example.com EMAIL_HOST=smtp.example.com \
	$(PY) manage.py check --deploy --fail-level WARNING

# The suite runs in TEST_WORKERS processes (pytest-xdist), each with its own test
# database; TEST_WORKERS=0 runs it in this one process.
TEST_WORKERS ?= 2
pytest: install-dev chromium
	$(VENV)/bin/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

test: lint check deploy-check pytest

bench: install-dev
	@bin/ensure-debian-package wrk
	DEBUG=0 $(PY) -m bench.run

clean:
	rm -rf $(VENV) node_modules staticfiles var
