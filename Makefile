# Thin wrappers. `make run` and `make test` work on a fresh machine with Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-fast bench lint fmt typecheck messages migrate backup-check

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

## Run the app with demo data on SQLite (no server needed).
run: migrate
	$(PY) manage.py seed_demo
	@echo ""
	@echo "dealercrm is running at http://$(HOST):$(PORT)/  (logins above; Ctrl+C stops it)"
	$(PY) manage.py runserver $(HOST):$(PORT)

## Run the test suite (SQLite unless DATABASE_URL is set; browser tests need Chromium).
test: install
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

fmt: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

typecheck: install
	$(PY) -m mypy dealercrm customers

messages: install
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=bench --ignore=tests
	$(PY) manage.py compilemessages -l zh_Hans --ignore=.venv
