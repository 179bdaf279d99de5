# Accord: two commands do everything.
#   make run    install, migrate, seed the demo, serve web + worker on http://127.0.0.1:8000
#   make test   lint, types, migration and deploy checks, the suite on SQLite and PostgreSQL,
#               and every benchmark at tiny sizes

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/accord
PYTEST_WORKERS ?= auto
# An idle worker takes queued tests from a busy one, so the run does not end
# with one worker alone on a long tail (accord/conftest.py also starts the
# longest tests first). Each run names its ten slowest tests, to keep the
# suite's time in view.
PYTEST := $(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal --durations=10
STAMP  := $(VENV)/.installed

# Instants (UTC) at which the tests marked `dates` are replayed (in the SQLite
# run of `make test`, or alone by `make test-dates`):
# the last and the first day of a month, a quarter and (in New York, still
# 31 December) a year, 29 February, and the hours of both daylight-saving
# changes (Europe on 29 March 2026, the United States on 1 November 2026).
TEST_DATES := 2026-03-31T23:30:00+00:00 2027-01-01T00:30:00+00:00 2028-02-29T12:00:00+00:00 \
	2026-03-29T01:30:00+00:00 2026-11-01T06:30:00+00:00

.PHONY: setup run serve demo test lint types checks test-sqlite test-postgres test-dates bench-smoke backup-check clean docs-permissions docs-api audit

setup: $(STAMP)

$(STAMP): pyproject.toml requirements-dev.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Accord needs Python 3.11 or newer; set PYTHON=python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements-dev.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

run: setup
	@$(BIN)/accord migrate --no-input --verbosity 0 && echo "Database ready."
	@SITE_URL=http://127.0.0.1:$(PORT) $(BIN)/accord demo
	@SITE_URL=http://127.0.0.1:$(PORT) $(BIN)/accord serve --port $(PORT) --no-migrate

demo: setup
	$(BIN)/accord demo

# Test-only front-end packages (axe-core for the accessibility checks).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

types: setup
	$(BIN)/mypy accord

checks: setup
	$(BIN)/accord makemigrations --check --dry-run
	ACCORD_ENV=production SECRET_KEY=check-deploy-$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
	  ALLOWED_HOSTS=accord.example.com $(BIN)/accord check --deploy --fail-level WARNING
	$(BIN)/python -m accord.orgs.permissions_doc --check docs/permissions.md
	$(BIN)/python -m accord.cli.upgrades --check docs/operations.md
	$(BIN)/python -m accord.lib.apidoc --check docs/api.md

DATES := $(shell echo $(TEST_DATES) | tr ' ' ',')

# The whole suite, and the tests marked `dates` again at each of TEST_DATES.
test-sqlite: setup node_modules/.installed
	$(PYTEST) -q --dates-also "$(DATES)"

test-postgres: setup node_modules/.installed
	@if $(BIN)/python -m accord.lib.pgcheck "$(PG_TEST_URL)"; then \
	  DATABASE_URL="$(PG_TEST_URL)" $(PYTEST) -q; \
	elif [ "$$CI" = "true" ]; then \
	  echo "PostgreSQL at $(PG_TEST_URL) is not reachable, and CI=true makes it mandatory." >&2; exit 1; \
	else \
	  echo "SKIPPED the PostgreSQL run: no server at $(PG_TEST_URL) (set PG_TEST_URL, or CI=true to require it)."; \
	fi

# One run: each date-sensitive test runs once at each instant.
test-dates: setup
	$(PYTEST) -q -m dates --now "$(DATES)"

# Every script in bench/ at tiny sizes on a fresh SQLite database, and on a
# fresh PostgreSQL database beside PG_TEST_URL when a server answers there.
bench-smoke: setup
	$(BIN)/python bench/smoke.py --postgres "$(PG_TEST_URL)"

# Back up the demo, restore it into a fresh database, compare every table's
# rows: on SQLite, and on PostgreSQL beside PG_TEST_URL (mandatory under CI).
backup-check: setup
	$(BIN)/python ops/backup_check.py
	@if $(BIN)/python -m accord.lib.pgcheck "$(PG_TEST_URL)"; then \
	  $(BIN)/python ops/backup_check.py --postgres "$(PG_TEST_URL)"; \
	elif [ "$$CI" = "true" ]; then \
	  echo "PostgreSQL at $(PG_TEST_URL) is not reachable, and CI=true makes it mandatory." >&2; exit 1; \
	else \
	  echo "SKIPPED the PostgreSQL backup check: no server at $(PG_TEST_URL)."; \
	fi

# Prints how long the whole run took, and each step's own time. Steps that
# each keep one core busy run side by side, two at a time (their output is
# shown as each ends): the checks with the type checker, the benchmarks'
# smoke run with the backup check. The suites use both cores on their own.
TEST_STEPS := "lint types checks" test-sqlite test-postgres "bench-smoke backup-check"

test:
	@started=$$(date +%s); status=0; \
	$(MAKE) --no-print-directory setup node_modules/.installed || exit $$?; \
	for steps in $(TEST_STEPS); do \
	  began=$$(date +%s); \
	  case "$$steps" in *" "*) side_by_side="-j2 --output-sync=target";; *) side_by_side="";; esac; \
	  $(MAKE) --no-print-directory $$side_by_side $$steps || { status=$$?; echo "make test: $$steps FAILED" >&2; break; }; \
	  echo "make test: $$steps took $$(( $$(date +%s) - began )) s"; \
	done; \
	echo "make test: $$(( $$(date +%s) - started )) s in all"; exit $$status

# Known vulnerabilities in the pinned dependencies (needs the network, so not
# part of `make test`). pip-audit lives in its own virtualenv, apart from Accord's.
AUDIT_VENV := .venv-audit
audit: setup
	test -x $(AUDIT_VENV)/bin/pip-audit || { $(PYTHON) -m venv $(AUDIT_VENV) && \
	  $(AUDIT_VENV)/bin/pip install --quiet --disable-pip-version-check pip-audit==2.10.1; }
	$(BIN)/python -m accord.lib.audit --pip-audit $(AUDIT_VENV)/bin/pip-audit requirements.lock

docs-permissions: setup
	$(BIN)/python -m accord.orgs.permissions_doc --write docs/permissions.md

docs-api: setup
	$(BIN)/python -m accord.lib.apidoc --write docs/api.md

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache
