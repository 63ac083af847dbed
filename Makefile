# BHARATPOL — `make run` serves the demo portal, `make test` runs every test on SQLite and PostgreSQL.
VENV      := .venv
PY        := $(VENV)/bin/python
BIN       := $(VENV)/bin
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/bharatpol_test

.PHONY: install run test test-sqlite test-postgres lint bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/bharatpol init-db --demo
	$(BIN)/bharatpol serve --host 127.0.0.1 --port 5000

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test-sqlite: install
	$(PY) -m pytest

test-postgres: install
	BHARATPOL_TEST_DATABASE_URL=$(PG_TEST_URL) $(PY) -m pytest

test: lint test-sqlite test-postgres

bench: install
	$(PY) bench/engine_overhead.py

clean:
	rm -rf $(VENV) instance test-artifacts *.egg-info
