# Two commands for a new user: `make demo` and `make test`. Everything they need is installed here.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
UV := .uv/bin/uv
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: demo test system-packages-test system-packages-demo install assets lint typecheck contracts migrations-check migrations-apply check audit clean screenshots bench

# uv (the lock-file installer) lives in .uv/, outside the project environment that it manages.
$(UV):
	$(PY) -m pip install --quiet --disable-pip-version-check --target .uv uv==$(UV_VERSION)

install: $(UV) assets
	UV_PROJECT_ENVIRONMENT=$(VENV) UV_PYTHON=$(PY) $(UV) sync --frozen --quiet

assets: node_modules/govuk-frontend/package.json

node_modules/govuk-frontend/package.json: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	@touch $@

demo: system-packages-demo install
	mkdir -p var/broker var/broker-processed var/media staticfiles
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  Adoption support demo: http://$(HOST):$(PORT)/"
	@echo "  Sign in as kent.social_worker, kent.team_manager, kent.finance_officer, kent.letterbox_coordinator,"
	@echo "  kent.data_manager, raa.lead_commissioner, coram.provider_staff, cafis.provider_staff, raa.auditor"
	@echo "  (and the same authority roles for medway. and bexley.)"
	@echo "  with the password printed above (or \$$DEMO_PASSWORD). Ctrl-C stops the server and the worker."
	@echo ""
	@trap 'kill 0' EXIT INT TERM; \
	$(BIN)/celery -A config worker --pool=solo --loglevel=WARNING --beat --scheduler django_celery_beat.schedulers:DatabaseScheduler & \
	$(BIN)/python manage.py runserver --noreload $(HOST):$(PORT)

# The whole suite, set up from nothing: the Debian packages it needs (installed as root or with `sudo -n`, or a
# message naming them), the locked Python packages, a throwaway PostgreSQL and Redis, then the tests in parallel
# (pytest-xdist, one test database per worker) with a serial tail (scripts/run_tests.py).
# PYTEST_ARGS="tests/unit -x" chooses tests; PYTEST_ARGS="-n 0" runs them one at a time.
test: system-packages-test install
	$(BIN)/python scripts/with_services.py -- $(BIN)/python scripts/run_tests.py $(PYTEST_ARGS)

system-packages-test:
	@scripts/system_packages.sh test

system-packages-demo:
	@scripts/system_packages.sh demo

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy .

contracts: install
	$(BIN)/lint-imports

migrations-check: install
	$(BIN)/python manage.py makemigrations --check --dry-run

# Every migration applied to an empty PostgreSQL, then the demo data seeded and the ledger checked on that schema
# (the test suite builds its tables from the models, with the migrations' data and SQL replayed: pyproject.toml).
migrations-apply: install
	$(BIN)/python scripts/with_services.py -- bash -c '$(BIN)/python manage.py migrate --noinput && \
		$(BIN)/python manage.py seed_demo && $(BIN)/python manage.py check_ledger'

check: lint typecheck contracts migrations-check

# Known vulnerabilities in the locked dependencies (pip-audit); see the script for machines without the network.
audit: install
	BIN=$(BIN) UV=$(UV) VENV=$(VENV) scripts/audit_dependencies.sh

screenshots: install
	$(BIN)/python scripts/with_services.py -- $(BIN)/pytest -q -s --nomigrations -m screenshots tests/e2e/test_screenshots.py

# Benchmarks on a generated dataset, on a throwaway PostgreSQL: BENCH_ARGS="--scale national --fraction 0.1".
BENCH_ARGS ?= --scale raa
bench: install
	$(BIN)/python scripts/with_services.py -- $(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules staticfiles var db.sqlite3
