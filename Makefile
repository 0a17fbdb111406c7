# make run: a whole working Remit on the embedded defaults (SQLite, in-process jobs, mail to
# ./outbox). make test: the whole suite against PostgreSQL and Redis, then on SQLite.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-postgres test-sqlite bench lint services schema migrations graphiql clean \
	console console-test translations translations-extract translations-update translations-compile

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed

# GraphiQL's files, fetched once from npm into the package (gitignored); without them the
# /graphql page says how to get them, and `make run` goes on.
graphiql: $(VENV)/.installed
	$(BIN)/python scripts/fetch_graphiql.py

# The console (console/, React on Vite; Node 20 or newer), built into the package
# (gitignored): `npm ci` when node_modules is missing or older than the lockfile, then the
# typed GraphQL documents from schema.graphql and the build, whenever a source is newer than
# the built files.
CONSOLE_BUILT := src/remit/web/static/console/index.html
CONSOLE_SOURCES := $(shell find console/src -type f -not -path 'console/src/gql/*' 2>/dev/null) \
	$(wildcard console/*.ts console/*.cjs console/*.json console/*.graphql) console/index.html \
	schema.graphql

console/node_modules/.package-lock.json: console/package-lock.json
	cd console && npm ci --no-audit --no-fund
	touch $@

$(CONSOLE_BUILT): console/node_modules/.package-lock.json $(CONSOLE_SOURCES)
	cd console && npm run build

console: $(CONSOLE_BUILT)

console-test: console/node_modules/.package-lock.json
	cd console && npm test

run: $(VENV)/.installed
	-$(MAKE) --no-print-directory graphiql
	-$(MAKE) --no-print-directory console
	$(BIN)/remit migrate
	$(BIN)/remit demo --host $(HOST) --port $(PORT)
	$(BIN)/remit serve --host $(HOST) --port $(PORT)

services:
	scripts/ensure-services.sh

# The console's unit tests (Vitest) first; its browser tests run inside pytest.
test: $(VENV)/.dev-installed services graphiql console
	$(MAKE) --no-print-directory console-test test-postgres test-sqlite

# pytest exits 5 when it collected nothing: fine for a PYTEST_ARGS filter that matched no
# test, a broken suite otherwise.
define pytest
	@$(BIN)/python -m pytest $(1) $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ] && [ -n "$(PYTEST_ARGS)" ]; then echo "no test matched: $(PYTEST_ARGS)"; rc=0; fi; \
	exit $$rc
endef

test-postgres:
	@echo "== tests on PostgreSQL and Redis"
	$(call pytest,-n 2 -p xdist)

test-sqlite: export REMIT_TEST_DATABASE = sqlite
test-sqlite:
	@echo "== tests on the embedded SQLite mode"
	$(call pytest,-n 2 -p xdist)

# API overhead on SQLite, then API overhead, the invoicing cycle (1,000 contracts, about
# 12 minutes) and the cycle at scale (10,000 contracts in one worker process then in two:
# peak memory and speed-up; 20,000 invoices, an hour or more on two cores) on a fresh
# PostgreSQL database.
# BENCH_ARGS="--contracts 100 --scale-contracts 200" for a quick run.
BENCH_ARGS ?=
bench: $(VENV)/.dev-installed services
	$(BIN)/python -m bench api
	$(BIN)/python -m bench http $(BENCH_ARGS)
	psql -q -h 127.0.0.1 -U postgres -c 'DROP DATABASE IF EXISTS remit_bench' -c 'CREATE DATABASE remit_bench'
	$(BIN)/python -m bench all --database-url postgres://postgres@127.0.0.1:5432/remit_bench $(BENCH_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

schema: $(VENV)/.installed
	$(BIN)/remit schema export schema.graphql

# After a model change: write the migration that brings the database along, then commit it.
migrations: $(VENV)/.installed
	$(BIN)/tortoise -c remit.db.MIGRATIONS_CONFIG makemigrations

# The documents' and emails' texts in every language: extract them into the template
# (messages.pot), bring each language's catalog up to date with it, write the new
# translations into the .po files, then compile them. The compiled .mo files are committed,
# so a fresh clone runs without this; a test fails on a missing, fuzzy or uncompiled one.
LOCALES := src/remit/locales
translations: translations-extract translations-update translations-compile

translations-extract: $(VENV)/.dev-installed
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k translated --no-location --sort-output \
		--project Remit --copyright-holder "Remit contributors" -o $(LOCALES)/messages.pot .

translations-update: $(VENV)/.dev-installed
	$(BIN)/pybabel update -i $(LOCALES)/messages.pot -d $(LOCALES) \
		--ignore-obsolete --no-fuzzy-matching

translations-compile: $(VENV)/.dev-installed
	$(BIN)/pybabel compile -d $(LOCALES) --statistics

clean:
	rm -rf $(VENV) remit.sqlite3* outbox .remit-secret-key .pytest_cache src/remit/web/static/graphiql \
		src/remit/web/static/console console/node_modules console/src/gql
