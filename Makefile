# Candor: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The embedded demo: debug on, SQLite under var/, tasks in-process, email on the console.
RUN_ENV := DJANGO_DEBUG=true

.PHONY: run test lint format bench worker beat install install-dev migrate demo demo-reset clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

var:
	mkdir -p var

migrate: install var
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput

demo: migrate
	$(RUN_ENV) $(BIN)/python manage.py seed_demo

# Start the demo afresh (e.g. after Alice has set a new password).
demo-reset:
	rm -rf var/candor.sqlite3 var/media
	$(MAKE) demo

run: demo
	@echo "Serving Candor at http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	$(RUN_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install-dev
	$(BIN)/pytest

lint: install-dev var
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Benchmarks need PostgreSQL and Redis on 127.0.0.1 (see README); results go to bench/results/.
bench: install-dev
	$(BIN)/python bench/public_pages.py $(if $(SECONDS),--seconds $(SECONDS))
	$(BIN)/python bench/import_exposures.py $(if $(ROWS),--rows $(ROWS))
	$(BIN)/python bench/fanout.py $(if $(RECIPIENTS),--recipients $(RECIPIENTS))
	$(BIN)/python bench/fault_worker_kill.py

worker: install
	$(BIN)/celery -A portal worker --loglevel=INFO

beat: install
	$(BIN)/celery -A portal beat --loglevel=INFO

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
