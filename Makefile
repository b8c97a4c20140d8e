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

# HarfBuzz's subsetter makes CJK PDFs fast (WeasyPrint falls back to fontTools, ~50x slower, without it).
$(VENV)/.system: | $(BIN)/python
	@if ! ldconfig -p | grep -q libharfbuzz-subset; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libharfbuzz-subset0 >/dev/null 2>&1 \
	    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libharfbuzz-subset0 >/dev/null; } \
	    || echo "note: libharfbuzz-subset0 could not be installed: PDFs will be slower (docs/operations.md)"; \
	  else echo "note: install libharfbuzz-subset0 for fast PDFs (docs/operations.md)"; fi; \
	fi
	touch $@

install: $(VENV)/.installed $(VENV)/.system hetong/static/vendor/.built $(VENV)/.messages

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
