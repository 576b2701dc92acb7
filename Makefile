# crmsim developer commands. `make demo` then `make test` is the whole quickstart.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: venv demo test lint format bench bench-quick migrate run run-all services-up clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

migrate: $(STAMP)
	$(PY) manage.py migrate --no-input

# A real simulation on the embedded default (SQLite, in-process): a B2B backfill of half a year.
demo: migrate
	$(PY) manage.py demo

# Two pytest-xdist workers (most of the slow tests wait on processes, not the CPU). Tests go out one by one in
# pytest-django's order, so each worker still runs every `db` test before the transactional ones, which flush the
# migrations' rows (built-in presets, the dispatcher's schedule); `--dist loadfile` or `worksteal` break that.
# `make test PYTEST_ARGS=...` replaces the default, e.g. PYTEST_ARGS="-n 0 tests/api" for one process.
PYTEST_ARGS ?= -n 2 --dist load
test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The benchmark suite against the write limit and the peers (docs/performance.md); needs PostgreSQL and Redis.
# Every benchmark lives in benchmarks/ and also runs alone: `$(PY) -m benchmarks.<name> --help` (list in
# benchmarks/__init__.py).
bench: $(STAMP)
	$(PY) -m benchmarks $(BENCH_ARGS)

bench-quick: $(STAMP)
	$(PY) -m benchmarks --quick

# The web server, after making sure the local demo account (demo / demo, DEBUG only) exists; in embedded mode it starts `manage.py simulation_runner` (one background process that plans and
# runs simulations; lock and log beside crmsim.sqlite3, see docs/operations.md), which outlives it until idle.
run: migrate
	$(PY) manage.py demo_user
	$(PY) manage.py runserver

# Distributed mode on this machine (docs/operations.md). `services-up` makes sure PostgreSQL and Redis answer
# (starting them as .ci/run does) and that the database exists and is migrated; `run-all` then starts every
# Procfile process (web, worker, dispatcher, beat; flower when FLOWER_BASIC_AUTH is set) with honcho, with the venv's tools on PATH.
DIST_DATABASE_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/crmsim)
DIST_BROKER_URL ?= $(or $(CELERY_BROKER_URL),redis://127.0.0.1:6379/0)
DIST_ENV := DATABASE_URL=$(DIST_DATABASE_URL) CELERY_BROKER_URL=$(DIST_BROKER_URL) PATH=$(CURDIR)/$(VENV)/bin:$$PATH

services-up: $(STAMP)
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect "$$(ls /etc/postgresql)" main start
	@redis-cli -u $(DIST_BROKER_URL) ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 -::1 \
		--port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
	@for i in $$(seq 1 30); do redis-cli -u $(DIST_BROKER_URL) ping >/dev/null 2>&1 && break; sleep 1; done
	@psql "$(DIST_DATABASE_URL)" -c 'select 1' >/dev/null 2>&1 || \
		psql "$$(echo '$(DIST_DATABASE_URL)' | sed 's#/[^/]*$$#/postgres#')" -c "create database $$(basename '$(DIST_DATABASE_URL)')"
	$(DIST_ENV) $(PY) manage.py migrate --no-input

# run-all runs like production (DEBUG off; `DEBUG=true make run-all` asks for it) but over plain HTTP on this
# machine: a SECRET_KEY kept in .secret_key unless one is set, local host names, no HTTPS redirect or secure
# cookies (WhiteNoise serves the static files). Flower needs FLOWER_BASIC_AUTH=user:password (docs/operations.md).
RUN_ENV := DEBUG=$${DEBUG:-false} SECRET_KEY="$${SECRET_KEY:-$$(cat .secret_key)}" \
	ALLOWED_HOSTS=$${ALLOWED_HOSTS:-localhost,127.0.0.1} SECURE_SSL_REDIRECT=$${SECURE_SSL_REDIRECT:-false} \
	SESSION_COOKIE_SECURE=$${SESSION_COOKIE_SECURE:-false} CSRF_COOKIE_SECURE=$${CSRF_COOKIE_SECURE:-false}

run-all: services-up
	@test -n "$$SECRET_KEY" || test -s .secret_key || \
		(umask 077 && $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > .secret_key)
	@test -n "$$FLOWER_BASIC_AUTH" || echo "run-all: Flower not started (set FLOWER_BASIC_AUTH=user:password to start it)"
	$(RUN_ENV) $(DIST_ENV) $(VENV)/bin/honcho start web worker dispatcher beat $${FLOWER_BASIC_AUTH:+flower}

clean:
	rm -rf $(VENV) crmsim.sqlite3* .pytest_cache .mypy_cache .ruff_cache

# Fuzz every API operation against its own OpenAPI schema (schemathesis, in-process): no 5xx, no schema
# violations. FUZZ_EXAMPLES generated requests per operation; the test suite runs a 12-example version.
.PHONY: fuzz
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-200} $(PY) -m pytest tests/api/test_schemathesis.py -q -s
