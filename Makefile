# Candor: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The embedded demo: debug on, SQLite under var/, tasks in-process, email on the console.
# Debug is off unless this is set, so every target that runs the demo sets it.
# The address the pages tell people to type (the phishing warning, emails): where it serves.
CANDOR_SITE_URL ?= http://$(HOST):$(PORT)
RUN_ENV := DJANGO_DEBUG=true CANDOR_SITE_URL=$(CANDOR_SITE_URL)

.PHONY: run test lint format bench worker beat install install-dev migrate demo demo-reset clean messages screenshots

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
	$(BIN)/lint-imports
	$(RUN_ENV) $(BIN)/python manage.py makemigrations --check --dry-run

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Benchmarks need PostgreSQL and Redis on 127.0.0.1 (see README); results go to bench/results/.
# About an hour; SECONDS=10 ROWS=100000 RECIPIENTS=10000 DOWN_SECONDS=10 CUSTOMERS=200 for a
# quick pass.
bench: install-dev
	$(BIN)/python bench/public_pages.py $(if $(SECONDS),--seconds $(SECONDS))
	$(BIN)/python bench/import_exposures.py $(if $(ROWS),--rows $(ROWS))
	$(BIN)/python bench/fanout.py $(if $(RECIPIENTS),--recipients $(RECIPIENTS))
	$(BIN)/python bench/bulk_answer.py $(if $(QUESTIONS),--questions $(QUESTIONS))
	$(BIN)/python bench/inbox.py $(if $(TICKETS),--tickets $(TICKETS))
	$(BIN)/python bench/fault_worker_kill.py
	$(BIN)/python bench/load.py $(if $(SECONDS),--seconds $(SECONDS))
	$(BIN)/python bench/load.py --login-storm $(if $(SECONDS),--seconds $(SECONDS))
	$(BIN)/python bench/load.py --login-storm --spread $(if $(SECONDS),--seconds $(SECONDS))
	$(BIN)/python bench/disclosure_day.py $(if $(CUSTOMERS),--customers $(CUSTOMERS))
	$(BIN)/python bench/fault_postgres.py
	$(BIN)/python bench/fault_redis.py
	$(BIN)/python bench/fault_smtp.py $(if $(DOWN_SECONDS),--down-seconds $(DOWN_SECONDS))
	$(BIN)/python bench/observatory.py
	$(BIN)/python bench/imap_intake.py $(if $(MESSAGES),--messages $(MESSAGES))

# The README's pictures: the demo on a throw-away database, photographed by chromium.
screenshots: install-dev
	$(BIN)/python scripts/screenshots.py

worker: install
	$(RUN_ENV) $(BIN)/celery -A portal worker --loglevel=INFO

beat: install
	$(RUN_ENV) $(BIN)/celery -A portal beat --loglevel=INFO

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache

# Translations: collect every marked string into locale/<lang>/LC_MESSAGES/django.po (new
# ones have an empty msgstr to fill in), then compile the .mo files, which are committed so
# that `make run` needs no gettext. Needs GNU gettext (apt-get install gettext).
# locale_overrides/ (our Spanish for allauth's strings) is edited by hand, compiled here too.
MESSAGE_DIRS := --ignore=.venv --ignore=bench --ignore=tests --ignore=staticfiles --ignore=var
messages: install
	$(RUN_ENV) $(BIN)/python manage.py makemessages -l es $(MESSAGE_DIRS) --add-location=file --no-obsolete
	$(RUN_ENV) $(BIN)/python manage.py compilemessages -l es --ignore=.venv
