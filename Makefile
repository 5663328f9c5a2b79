# Thin wrappers. `make run` and `make test` work on a fresh machine with Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test bench load drill fuzz lint fmt typecheck messages migrate backup restore

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

## Run the app with demo data on SQLite (no server needed). DEBUG off, so the demo shows the
## product's own 404/403/500 pages (in Chinese); --insecure serves the static files.
run: migrate
	$(PY) manage.py seed_demo --url http://$(HOST):$(PORT)/
	@echo "(Ctrl+C stops the server)"
	DEBUG=false $(PY) manage.py runserver --insecure $(HOST):$(PORT)

## Run the test suite (SQLite unless DATABASE_URL is set; browser tests need Chromium) on one
## pytest-xdist worker per core, each with its own test database; PYTEST_WORKERS=0: one process.
## loadgroup keeps the browser tests on one worker and the Celery worker tests on one.
PYTEST_WORKERS ?= auto
test: install
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --durations=20 $(PYTEST_ARGS)

bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

## 50 users for 5 minutes on gunicorn + PostgreSQL (needs the bench data from `make bench`),
## each target PASS/FAIL; LOAD_ARGS=--knee raises the users until a target breaks.
load: install
	$(PY) bench/load/run.py $(LOAD_ARGS)

## The scale-out drill (issue 19): two gunicorn processes and two Celery workers on this machine
## against one PostgreSQL (DATABASE_URL's server, a scratch database) and one Redis (REDIS_URL,
## its own key prefix); every effect exactly once. Also run by `make test` on PostgreSQL.
drill: install
	$(PY) bench/drill.py $(DRILL_ARGS)

## schemathesis, all checks, as each role, over every API operation (FUZZ_SECONDS in all;
## FUZZ_DATABASE_URL, default a scratch SQLite file). See schemathesis.toml.
FUZZ_SECONDS ?= 600
fuzz: install
	$(PY) bench/fuzz.py --seconds $(FUZZ_SECONDS) $(FUZZ_ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

fmt: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

typecheck: install
	$(PY) -m mypy dealercrm customers loyalty contacts parts service demo

messages: install
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=bench --ignore=tests
	$(PY) manage.py compilemessages -l zh_Hans --ignore=.venv

## PostgreSQL backup (custom format) of $$DATABASE_URL into backups/.
BACKUP_DIR ?= backups
backup:
	@case "$$DATABASE_URL" in postgres://*|postgresql://*) ;; *) echo "DATABASE_URL must point at PostgreSQL"; exit 2;; esac
	mkdir -p $(BACKUP_DIR)
	pg_dump --format=custom --no-owner --no-privileges --dbname="$$DATABASE_URL" \
	  --file="$(BACKUP_DIR)/dealercrm-$$(date +%Y%m%d-%H%M%S).dump"
	@ls -1t $(BACKUP_DIR)/*.dump | head -1

## Restore FILE into the EMPTY database at $$DATABASE_URL, all or nothing.
restore:
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/dealercrm-….dump"; exit 2; }
	@case "$$DATABASE_URL" in postgres://*|postgresql://*) ;; *) echo "DATABASE_URL must point at PostgreSQL"; exit 2;; esac
	@n=$$(psql "$$DATABASE_URL" -Atc "select count(*) from pg_tables where schemaname = 'public'"); \
	  test "$$n" = 0 || { echo "refusing to restore: the target database has $$n tables (it must be empty)"; exit 2; }
	pg_restore --single-transaction --exit-on-error --no-owner --no-privileges \
	  --dbname="$$DATABASE_URL" "$(FILE)"
