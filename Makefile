# Hetong: `make run` sets everything up and serves the demo; `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HETONG_HOME ?= $(CURDIR)/var
export HETONG_PORT ?= 8000

.PHONY: install run test test-pg bench lint messages clean

# Stamps make `install` a no-op when nothing it depends on changed.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

hetong/static/vendor/.built: frontend/package.json frontend/package-lock.json frontend/copy.mjs
	cd frontend && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build
	touch $@

$(VENV)/.messages: $(wildcard hetong/locale/*/LC_MESSAGES/*.po) | $(VENV)/.installed
	cd hetong && ../$(BIN)/django-admin compilemessages --settings=hetong.settings --ignore=.venv -v0
	touch $@

install: $(VENV)/.installed hetong/static/vendor/.built $(VENV)/.messages

run: install
	$(BIN)/hetong migrate --noinput -v0
	$(BIN)/hetong demo --if-empty
	@echo "Demo logins are listed in README.md (admin / hetong-admin)."
	HETONG_SECURE=$${HETONG_SECURE:-false} $(BIN)/hetong serve --port $(HETONG_PORT)

test: install
	HETONG_HOME=$$(mktemp -d) $(BIN)/hetong makemigrations --check --dry-run -v0
	$(BIN)/ruff check hetong bench conftest.py
	HETONG_HOME=$$(mktemp -d) $(BIN)/pytest $(PYTEST_ARGS)

test-pg: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/hetong} HETONG_HOME=$$(mktemp -d) $(BIN)/pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench.run

lint: install
	$(BIN)/ruff check hetong bench conftest.py
	$(BIN)/ruff format --check hetong bench conftest.py

messages: install
	cd hetong && ../$(BIN)/django-admin makemessages --settings=hetong.settings -l zh_Hans -l en --ignore='static/*' --no-obsolete
	cd hetong && ../$(BIN)/django-admin makemessages --settings=hetong.settings -d djangojs -l zh_Hans -l en --ignore='static/vendor/*' --no-obsolete

clean:
	rm -rf $(VENV) hetong/static/vendor frontend/node_modules
