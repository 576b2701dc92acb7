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

# A real simulation on the embedded default (SQLite, in-process): a B2B backfill of one quarter.
demo: migrate
	$(PY) manage.py demo

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(STAMP)
	$(PY) -m simulations.bench $(BENCH_ARGS)

run: migrate
	$(PY) manage.py runserver

# Web, worker, beat and flower from the Procfile against the machine's PostgreSQL and Redis.
services-up run-all: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/crmsim} \
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0} \
	$(VENV)/bin/honcho start

clean:
	rm -rf $(VENV) crmsim.sqlite3* .pytest_cache .mypy_cache .ruff_cache
