# Clientela: the two commands first.
#   make run   – a fresh machine with Python 3.11+: virtualenv, install, migrate, demo data, serve
#   make test  – the test suite on PostgreSQL at DATABASE_URL (default: the local server)
#   make test-sqlite – the tests marked both_dbs (jobs, hand-written SQL) on SQLite

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run setup test test-sqlite lint format messages bench install install-dev worker beat

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install --quiet -c requirements.lock -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -c requirements.lock -e ".[dev]"
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Prepare the product: migrate, static files, demo data (safe to run twice).
setup: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py seed_demo

## Run the product on http://127.0.0.1:8000: the web server, a Celery worker and beat
## (SQLite and a broker in files under .run/broker by default); Ctrl-C stops them all.
run: setup
	$(BIN)/python manage.py runall $(HOST):$(PORT)

## Run the tests against PostgreSQL.
test: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/clientela
test: install-dev
	$(BIN)/pytest $(PYTEST_ARGS)

## The tests that must also pass on the embedded default (marked both_dbs), on SQLite.
test-sqlite: export DATABASE_URL = sqlite:///$(CURDIR)/.run/test-sqlite.sqlite3
test-sqlite: install-dev
	$(BIN)/pytest -m both_dbs $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint
	$(BIN)/mypy .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Refresh the translation catalogs and compile them.
messages: install
	$(BIN)/python manage.py makemessages -l es -l it -l pt --no-obsolete \
		--ignore "$(VENV)/*" --ignore "tests/*" --ignore "bench/*"
	$(BIN)/python manage.py compilemessages --ignore "$(VENV)/*"

## Seed a database and measure pages (see bench/README.md).
bench: install
	$(BIN)/python manage.py bench $(BENCH_ARGS)

worker: install
	$(BIN)/celery -A config worker --loglevel INFO

beat: install
	$(BIN)/celery -A config beat --loglevel INFO
